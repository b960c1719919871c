#!/usr/bin/env python3
"""Measure the runtime baselines of a Dagster code location and write
heuristics/runtime.toml.

Run by hand, never in CI, after measure_imports.py has set up the venv:

    python3 heuristics/calibrate/measure_runtime.py            # measure + write
    python3 heuristics/calibrate/measure_runtime.py --dry-run  # print only
    python3 heuristics/calibrate/measure_runtime.py --starts 3 --idle 5

Measured (all absolute VmRSS in MiB, median over runs/starts):

* baseline.interpreter      -- bare ``python -I -c`` of the calibration venv
                               (1 warm-up + --runs runs).
* baseline.import_dagster   -- the same process after ``import dagster``.
* baseline.api_grpc         -- an idle ``dagster api grpc`` server serving
                               fixtures/trivial_defs.py on 127.0.0.1
                               (whole process tree).
* baseline.code_server_proxy / baseline.code_server_child
                            -- ``dagster code-server start`` with the same
                               module: the proxy process alone, and its
                               ``dagster api grpc`` child (with the child's own
                               descendants, if any).  The total is written as a
                               comment.

Each server is started --starts times (default 3): wait until
``dagster api grpc-health-check`` answers, (for the code server) until the
child process exists, until the tree's RSS is stable (changes under
0.25 MiB over 1 s), then --idle seconds more, read VmRSS of every process in
the tree from /proc (children via /proc/<pid>/task/*/children), then kill the
tree.  Uses only the standard library; the servers run from the venv
``<repo>/.venv-calibrate`` with a throw-away DAGSTER_HOME (telemetry off).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT = REPO / "heuristics" / "runtime.toml"
VENV = REPO / ".venv-calibrate"
VENV_PY = VENV / "bin" / "python"
DAGSTER = VENV / "bin" / "dagster"
FIXTURE = HERE / "fixtures" / "trivial_defs.py"

SNIPPET = r"""
import sys
NAMES
with open("/proc/self/status") as f:
    s = f.read()
for line in s.splitlines():
    if line.startswith("VmRSS:"):
        print("@@RSS@@", int(line.split()[1]))
"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def mib(kib):
    return round(kib / 1024.0, 1) + 0.0


def rss_of_snippet(imports, runs, env):
    code = SNIPPET.replace("NAMES", "\n".join(f"import {n}" for n in imports))
    vals = []
    for i in range(runs + 1):
        r = subprocess.run([str(VENV_PY), "-I", "-c", code], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
        line = [l for l in r.stdout.splitlines() if l.startswith("@@RSS@@")]
        if not line:
            raise SystemExit(f"snippet failed: {r.stderr[-500:]}")
        if i > 0:  # the first run is the warm-up
            vals.append(int(line[0].split()[1]))
    return statistics.median(vals)


def children(pid):
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return sorted(set(out))


def tree(pid):
    """[pid, descendants...] depth-first."""
    res = [pid]
    for c in children(pid):
        res += tree(c)
    return res


def vmrss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except FileNotFoundError:
        return ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port, env):
    r = subprocess.run(
        [str(DAGSTER), "api", "grpc-health-check", "-p", str(port), "-h", "127.0.0.1"],
        capture_output=True,
        text=True,
        env=env,
    )
    return r.returncode == 0


def start_and_measure(kind, env, idle, timeout=180):
    port = free_port()
    sub = "api grpc" if kind == "api_grpc" else "code-server start"
    cmd = [str(DAGSTER), *sub.split(), "-p", str(port), "-h", "127.0.0.1", "-f", str(FIXTURE)]
    logf = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=str(FIXTURE.parent), start_new_session=True)
    try:
        t0 = time.monotonic()
        while not healthy(port, env):
            if proc.poll() is not None:
                logf.seek(0)
                raise SystemExit(f"{sub} exited: {logf.read()[-2000:].decode(errors='replace')}")
            if time.monotonic() - t0 > timeout:
                raise SystemExit(f"{sub} not healthy after {timeout}s")
            time.sleep(0.5)
        if kind == "code_server":
            while not children(proc.pid):
                if time.monotonic() - t0 > timeout:
                    raise SystemExit("code server started no child")
                time.sleep(0.5)
        # wait until the tree's RSS is stable, then idle a little more
        last = -1
        while True:
            total = sum(vmrss_kib(p) for p in tree(proc.pid))
            if abs(total - last) < 256:
                break
            if time.monotonic() - t0 > timeout:
                break
            last = total
            time.sleep(1.0)
        time.sleep(idle)
        pids = tree(proc.pid)
        rss = {p: vmrss_kib(p) for p in pids}
        res = {"total": sum(rss.values()), "pids": {p: (rss[p], cmdline(p)) for p in pids}, "ready_s": time.monotonic() - t0}
        if kind == "code_server":
            res["proxy"] = rss[proc.pid]
            res["child"] = sum(rss[p] for p in pids if p != proc.pid)
        return res
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


def tstr(s):
    return json.dumps(s, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs for the interpreter figures (after 1 warm-up)")
    ap.add_argument("--starts", type=int, default=3, help="server starts per server figure")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds to idle once a server is ready and stable")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    if not DAGSTER.exists():
        raise SystemExit(f"{DAGSTER} missing: run measure_imports.py first (it sets up the venv)")

    dagster_home = tempfile.mkdtemp(prefix="calib-dagster-home-")
    Path(dagster_home, "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.update({"DAGSTER_HOME": dagster_home, "DAGSTER_DISABLE_TELEMETRY": "1", "PYTHONDONTWRITEBYTECODE": "1"})

    info = json.loads(
        subprocess.run(
            [str(VENV_PY), "-I", "-c", "import sys, json, importlib.metadata as m; print(json.dumps(['%d.%d.%d' % sys.version_info[:3], m.version('dagster')]))"],
            capture_output=True, text=True, check=True,
        ).stdout
    )
    py, dagster_version = info
    today = _dt.date.today().isoformat()

    bare = rss_of_snippet([], args.runs, env)
    log(f"interpreter: {mib(bare)} MiB")
    imp = rss_of_snippet(["dagster"], args.runs, env)
    log(f"import dagster: {mib(imp)} MiB")

    grpc = []
    for i in range(args.starts):
        r = start_and_measure("api_grpc", env, args.idle)
        log(f"api grpc start {i + 1}: total {mib(r['total'])} MiB ({len(r['pids'])} processes, ready {r['ready_s']:.1f}s)")
        grpc.append(r)
    cs = []
    for i in range(args.starts):
        r = start_and_measure("code_server", env, args.idle)
        log(f"code-server start {i + 1}: proxy {mib(r['proxy'])} MiB, child {mib(r['child'])} MiB, total {mib(r['total'])} MiB ({len(r['pids'])} processes)")
        for p, (k, c) in r["pids"].items():
            log(f"    {p}: {mib(k)} MiB  {c[:150]}")
        cs.append(r)

    med = lambda xs: mib(statistics.median(xs))  # noqa: E731
    g = med([r["total"] for r in grpc])
    proxy = med([r["proxy"] for r in cs])
    child = med([r["child"] for r in cs])
    total = med([r["total"] for r in cs])
    nproc_grpc = sorted({len(r["pids"]) for r in grpc})
    base_prov = f"dagster {dagster_version}, CPython {py}, {today}"
    text = f"""# Runtime baselines of a Dagster code location: absolute resident memory
# (VmRSS, MiB, rounded to 0.1) of the processes a code-location pod runs
# before any user code beyond a trivial definitions module is imported.
#
# Measured {today} by heuristics/calibrate/measure_runtime.py (see
# heuristics/calibrate/README.md) with CPython {py} and dagster {dagster_version}
# on Linux x86_64: interpreter figures are the median of {args.runs} fresh processes
# (after 1 warm-up); server figures are the median of {args.starts} starts of the real
# server on 127.0.0.1 serving heuristics/calibrate/fixtures/trivial_defs.py,
# read from /proc once the server answered its health check, its RSS was
# stable and it had idled {args.idle:g} s more.

[baseline.interpreter]
rss_mib = {mib(bare)}
measured = {tstr(f"CPython {py}, {today}")}

[baseline.import_dagster]
rss_mib = {mib(imp)}
measured = {tstr(base_prov)}

[baseline.api_grpc]
rss_mib = {g}
measured = {tstr(base_prov + f", `dagster api grpc -f trivial_defs.py`, whole tree ({'/'.join(map(str, nproc_grpc))} process(es)), median of {args.starts} starts")}

# `dagster code-server start` runs a proxy that spawns a `dagster api grpc`
# child; total of both = {total} MiB (median of {args.starts} starts).
[baseline.code_server_proxy]
rss_mib = {proxy}
measured = {tstr(base_prov + f", `dagster code-server start -f trivial_defs.py`, proxy process alone, median of {args.starts} starts")}

[baseline.code_server_child]
rss_mib = {child}
measured = {tstr(base_prov + f", the proxy's `dagster api grpc` child (and its descendants), median of {args.starts} starts")}
"""
    tomllib.loads(text)
    if args.dry_run:
        print(text)
        return
    OUT.write_text(text)
    log(f"wrote {OUT}")


if __name__ == "__main__":
    main()
