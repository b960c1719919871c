#!/usr/bin/env python3
"""Accuracy benchmark of the memory model: estimate vs. a real idle server.

Run by hand (not in CI), after heuristics/calibrate/ has set up its venv:

    python3 bench/accuracy.py                      # sample_repos/accuracy, 3 starts each
    python3 bench/accuracy.py --starts 5 --write   # also rewrite docs/accuracy.md

For every scannable location of the sample tree (default
``sample_repos/accuracy``) whose packages are installed in
``.venv-calibrate``:

1. ``dagster-footprint scan TREE --format json`` gives the estimate (point,
   band) — the scanner never runs the code;
2. a real ``dagster api grpc -m MODULE`` server is started on 127.0.0.1 with
   the location's working directory and import roots on ``PYTHONPATH``; once
   its health check answers, its RSS is stable and it has idled 5 s, the RSS
   (``VmRSS``) of its whole process tree is read from /proc; median of
   ``--starts`` starts;
3. the table (estimate, band, measured, error) is printed and, with
   ``--write``, written into docs/accuracy.md between the markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "heuristics" / "calibrate"))
from measure_runtime import DAGSTER, free_port, healthy, tree, vmrss_kib  # noqa: E402

VENV = REPO / ".venv-calibrate"
DOC = REPO / "docs" / "accuracy.md"
BEGIN, END = "<!-- accuracy:begin -->", "<!-- accuracy:end -->"


def scan(tree_path: Path) -> dict:
    binary = REPO / "target" / "release" / "dagster-footprint"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)
    out = subprocess.run(
        [str(binary), "scan", str(tree_path), "--format", "json", "--fail-on", "never", "-q"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def measure(module: str, workdir: Path, roots: list[Path], idle: float, timeout: float = 300) -> int:
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(r) for r in roots)
    env.pop("PYTHONSTARTUP", None)
    cmd = [str(DAGSTER), "api", "grpc", "-p", str(port), "-h", "127.0.0.1", "-m", module, "-d", str(workdir)]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        t0 = time.monotonic()
        while not healthy(port, env):
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read()[-3000:].decode(errors="replace"))
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"not healthy after {timeout}s")
            time.sleep(0.5)
        last = -1
        while time.monotonic() - t0 < timeout:
            total = sum(vmrss_kib(p) for p in tree(proc.pid))
            if abs(total - last) < 256:
                break
            last = total
            time.sleep(1.0)
        time.sleep(idle)
        return sum(vmrss_kib(p) for p in tree(proc.pid))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def installed(requirements: list[str]) -> list[str]:
    """Distributions of the manifest that are missing from the venv."""
    py = VENV / "bin" / "python"
    code = (
        "import sys, importlib.metadata as m\n"
        "missing = []\n"
        "for name in sys.argv[1:]:\n"
        "    try: m.version(name)\n"
        "    except m.PackageNotFoundError: missing.append(name)\n"
        "print(' '.join(missing))\n"
    )
    out = subprocess.run([str(py), "-c", code, *requirements], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", default=str(REPO / "sample_repos" / "accuracy"))
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--write", action="store_true", help="rewrite the table in docs/accuracy.md")
    args = parser.parse_args()
    root = Path(args.tree).resolve()
    report = scan(root)
    rows = []
    for loc in report["locations"]:
        est = loc.get("estimate")
        entry = loc.get("entry", {})
        if not est or entry.get("kind") != "module":
            continue
        deps = [d["name"] for d in (loc.get("manifest") or {}).get("dependencies", [])]
        missing = installed(deps) if deps else []
        if missing:
            print(f"skip {loc['name']}: not installed here: {', '.join(missing)}", file=sys.stderr)
            continue
        workdir = root / (loc.get("working_directory") or ".")
        roots = [root / r if r else root for r in loc["import_roots"]]
        samples = []
        for i in range(args.starts):
            kib = measure(entry["module"], workdir, roots, args.idle)
            samples.append(kib / 1024)
            print(f"  {loc['name']}: start {i + 1}: {kib / 1024:.1f} MiB", file=sys.stderr)
        measured = statistics.median(samples)
        error = (est["mib"] - measured) / measured * 100
        rows.append({
            "location": loc["name"], "estimate": est["mib"], "low": est["low_mib"], "high": est["high_mib"],
            "measured": measured, "error": error, "in_band": est["low_mib"] <= measured <= est["high_mib"],
            "top": ", ".join(f"{c['name']} {c['mib']:.0f}" for c in est["breakdown"][:3]),
        })
    if not rows:
        raise SystemExit("nothing measured")
    abs_errors = [abs(r["error"]) for r in rows]
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} Linux, CPython from `.venv-calibrate` "
        f"(see heuristics/calibrate/requirements.txt for versions), median of {args.starts} starts per location, "
        f"idle {args.idle:.0f} s after the health check and a stable RSS.",
        "",
        "| location | estimate (MiB) | band (MiB) | measured RSS (MiB) | error | in band | top contributors |",
        "|---|---:|---:|---:|---:|:-:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['location']} | {r['estimate']:.1f} | {r['low']:.0f}–{r['high']:.0f} | {r['measured']:.1f} | "
            f"{r['error']:+.1f}% | {'yes' if r['in_band'] else 'no'} | {r['top']} |"
        )
    lines += [
        "",
        f"Median absolute error: **{statistics.median(abs_errors):.1f}%**; largest: **{max(abs_errors):.1f}%** "
        f"(targets: median ≤ 8%, every location within ±15%).",
    ]
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = DOC.read_text()
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        DOC.write_text(text[:start] + "\n" + table + "\n" + text[end:])
        print(f"wrote {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
