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
   the location's working directory and import roots on ``PYTHONPATH``, the
   runtime baseline's environment (throw-away DAGSTER_HOME, telemetry off),
   and -- unless ``--all-installed`` -- the distributions outside the
   mandatory dependency closure of the location's manifest hidden (a
   ``sitecustomize`` on PYTHONPATH), as in an image built from it; once
   its health check answers, its RSS is stable and it has idled 5 s, the RSS
   (``VmRSS``, ``RssAnon``, ``RssFile``) of its whole process tree is read
   from /proc; median of ``--starts`` starts;
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


# Computes, in the venv, which installed distributions a pod built from the
# manifest would NOT have (outside the mandatory dependency closure of the
# declared distributions: Requires-Dist without an unrequested extra, extras
# requested as `dist[extra]` followed), and the import names only they provide.
HIDDEN_CODE = r"""
import json, sys, importlib.metadata as md
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
from packaging.utils import canonicalize_name as norm
dists = {}
for d in md.distributions():
    dists.setdefault(norm(d.metadata["Name"]), d)
def deps(name, extras):
    d = dists.get(name)
    out = []
    for r in (d.requires or []) if d else []:
        try: req = Requirement(r)
        except Exception: continue
        envs = [{"extra": e} for e in (extras or {""})] + [{"extra": ""}]
        if req.marker is None or any(req.marker.evaluate(e) for e in envs):
            out.append((norm(req.name), frozenset(req.extras)))
    return out
keep, stack = set(), [(norm(n), frozenset()) for n in sys.argv[1:]]
seen = set()
while stack:
    n, ex = stack.pop()
    if (n, ex) in seen: continue
    seen.add((n, ex)); keep.add(n)
    stack.extend(deps(n, ex))
# module paths per distribution
def roots(d):
    mods = set()
    for f in d.files or ():
        parts = f.parts
        if not parts or parts[0].endswith((".dist-info", ".data")) or parts[0] in ("..", "bin"): continue
        if f.suffix not in (".py", ".so") and ".so" not in f.name: continue
        name = ".".join(parts)
        for suf in (".py",):
            if name.endswith(suf): name = name[: -len(suf)]
        if ".so" in parts[-1] or parts[-1].endswith(".so"):
            name = ".".join(parts[:-1] + (parts[-1].split(".")[0],))
        if name.endswith(".__init__"): name = name[: -len(".__init__")]
        mods.add(name)
    return mods
kept_mods = set()
for n in keep:
    if n in dists: kept_mods |= roots(dists[n])
kept_prefixes = set()
for m in kept_mods:
    ps = m.split(".")
    for i in range(1, len(ps) + 1): kept_prefixes.add(".".join(ps[:i]))
hide = set()
hidden_dists = sorted(n for n in dists if n not in keep)
for n in hidden_dists:
    for m in roots(dists[n]):
        ps = m.split(".")
        for i in range(1, len(ps) + 1):
            p = ".".join(ps[:i])
            if p not in kept_prefixes:
                hide.add(p); break
hide = sorted(h for h in hide if not any(h.startswith(o + ".") for o in hide))
print(json.dumps({"hidden_dists": hidden_dists, "hidden_modules": hide}))
"""

# sitecustomize for the measured server: hides the distributions outside the
# manifest's install closure, as if they were not installed (find_spec finds
# nothing, importlib.metadata does not list them).
SITECUSTOMIZE = r"""
import json, os, sys
_spec = os.environ.get("FOOTPRINT_HIDE")
if _spec:
    with open(_spec) as _f:
        _h = json.load(_f)
    _mods = set(_h["hidden_modules"])
    _dists = set(_h["hidden_dists"])
    def _hidden(name):
        ps = name.split(".")
        return any(".".join(ps[:i]) in _mods for i in range(1, len(ps) + 1))
    def _norm(n):
        return n.lower().replace("_", "-").replace(".", "-")
    class _Hide:
        def __init__(self, inner):
            self._inner = inner
        def find_spec(self, name, path=None, target=None):
            if _hidden(name):
                return None
            f = getattr(self._inner, "find_spec", None)
            return f(name, path, target) if f else None
        def find_distributions(self, *a, **k):
            f = getattr(self._inner, "find_distributions", None)
            if not f:
                return iter(())
            return (d for d in f(*a, **k) if _norm(d.metadata["Name"] or "") not in _dists)
        def __getattr__(self, a):
            return getattr(self._inner, a)
    sys.meta_path[:] = [_Hide(f) for f in sys.meta_path]
"""


def hide_spec(declared: list[str], workdir: Path) -> tuple[Path, Path, dict]:
    py = VENV / "bin" / "python"
    out = subprocess.run([str(py), "-I", "-c", HIDDEN_CODE, *declared], capture_output=True, text=True, check=True)
    spec = json.loads(out.stdout)
    d = Path(tempfile.mkdtemp(prefix="hide-", dir=workdir))
    (d / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (d / "hide.json").write_text(json.dumps(spec))
    return d, d / "hide.json", spec


def scan(tree_path: Path) -> dict:
    binary = REPO / "target" / "release" / "dagster-footprint"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)
    out = subprocess.run(
        [str(binary), "scan", str(tree_path), "--format", "json", "--fail-on", "never", "-q"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def status_kib(pid: int) -> dict:
    """VmRSS, RssAnon, RssFile, RssShmem (KiB) of one process."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def tree_status(pid: int) -> dict:
    total = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0, "RssShmem": 0}
    for p in tree(pid):
        for k, v in status_kib(p).items():
            total[k] += v
    return total


def measure(module: str, workdir: Path, roots: list[Path], idle: float, timeout: float = 300,
            hide: tuple[Path, Path] | None = None) -> dict:
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(r) for r in ([hide[0]] if hide else []) + roots)
    if hide:
        env["FOOTPRINT_HIDE"] = str(hide[1])
    env.pop("PYTHONSTARTUP", None)
    # the same server environment as the runtime baseline (measure_runtime.py):
    # a throw-away DAGSTER_HOME (the instance is loaded, as in a pod), telemetry off
    env.update({"DAGSTER_HOME": tempfile.mkdtemp(prefix="dagster-home-"),
                "DAGSTER_DISABLE_TELEMETRY": "1", "PYTHONDONTWRITEBYTECODE": "1"})
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
        return tree_status(proc.pid)
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
    parser.add_argument("--only", help="comma-separated location names")
    parser.add_argument("--save", help="write the measured samples to this JSON file")
    parser.add_argument("--reuse", help="take the measured samples from this JSON file (--save of an earlier run "
                        "with the same venv and sample tree) instead of starting servers: to re-score a new estimate")
    parser.add_argument("--all-installed", action="store_true",
                        help="do not hide the distributions outside the manifest's install closure")
    args = parser.parse_args()
    root = Path(args.tree).resolve()
    report = scan(root)
    rows = []
    saved = json.loads(Path(args.reuse).read_text()) if args.reuse else {}
    to_save = {}
    for loc in report["locations"]:
        est = loc.get("estimate")
        entry = loc.get("entry", {})
        if not est or entry.get("kind") != "module":
            continue
        if args.only and loc["name"] not in args.only.split(","):
            continue
        deps = [d["name"] for d in (loc.get("manifest") or {}).get("dependencies", [])]
        missing = installed(deps) if deps else []
        if missing:
            print(f"skip {loc['name']}: not installed here: {', '.join(missing)}", file=sys.stderr)
            continue
        workdir = root / (loc.get("working_directory") or ".")
        roots = [root / r if r else root for r in loc["import_roots"]]
        hide = None
        if loc["name"] in saved:
            samples = saved[loc["name"]]
        elif deps and not args.all_installed:
            hide_dir, hide_json, spec = hide_spec(deps, Path(tempfile.gettempdir()))
            hide = (hide_dir, hide_json)
            print(f"  {loc['name']}: hiding {len(spec['hidden_dists'])} distributions outside the manifest's closure",
                  file=sys.stderr)
        if loc["name"] not in saved:
            samples = []
            for i in range(args.starts):
                st = measure(entry["module"], workdir, roots, args.idle, hide=hide)
                samples.append(st)
                print(f"  {loc['name']}: start {i + 1}: {st['VmRSS'] / 1024:.1f} MiB "
                      f"(anon {st['RssAnon'] / 1024:.1f}, file {st['RssFile'] / 1024:.1f})", file=sys.stderr)
        to_save[loc["name"]] = samples
        measured = statistics.median(s["VmRSS"] for s in samples) / 1024
        anon = statistics.median(s["RssAnon"] for s in samples) / 1024
        file_ = statistics.median(s["RssFile"] for s in samples) / 1024
        spread = (max(s["VmRSS"] for s in samples) - min(s["VmRSS"] for s in samples)) / 1024
        error = (est["mib"] - measured) / measured * 100
        rows.append({
            "location": loc["name"], "estimate": est["mib"], "low": est["low_mib"], "high": est["high_mib"],
            "measured": measured, "anon": anon, "file": file_, "spread": spread, "error": error, "in_band": est["low_mib"] <= measured <= est["high_mib"],
            "top": ", ".join(f"{c['name']} {c['mib']:.0f}" for c in est["breakdown"][:3]),
        })
    if args.save:
        Path(args.save).write_text(json.dumps(to_save, indent=1) + "\n")
    if not rows:
        raise SystemExit("nothing measured")
    abs_errors = [abs(r["error"]) for r in rows]
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} Linux, CPython from `.venv-calibrate` "
        f"(see heuristics/calibrate/requirements.txt for versions), median of {args.starts} starts per location (spread = max − min VmRSS over the starts), "
        f"idle {args.idle:.0f} s after the health check and a stable RSS.",
        "",
        "| location | estimate (MiB) | band (MiB) | measured RSS (MiB) | RssAnon / RssFile (MiB) | spread (MiB) | error | in band | top contributors |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['location']} | {r['estimate']:.1f} | {r['low']:.0f}–{r['high']:.0f} | {r['measured']:.1f} | "
            f"{r['anon']:.1f} / {r['file']:.1f} | {r['spread']:.1f} | {r['error']:+.1f}% | {'yes' if r['in_band'] else 'no'} | {r['top']} |"
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
