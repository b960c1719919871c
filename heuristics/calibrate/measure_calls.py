#!/usr/bin/env python3
"""Measure what eager import-time calls cost, and write the figures into
heuristics/calls.toml (``mib`` or ``mib_per_input_mib`` + ``measured``).

Run by hand, never in CI, with the calibration venv (measure_imports.py):

    python3 heuristics/calibrate/measure_calls.py            # measure + edit calls.toml
    python3 heuristics/calibrate/measure_calls.py --dry-run  # print only
    python3 heuristics/calibrate/measure_calls.py --only duckdb.connect

Method
------
Each call runs in a FRESH interpreter of the venv (``python -I``, empty
temporary working directory): the snippet imports the package, reads the RSS,
makes the call (keeping its result alive), waits until the RSS of the process
TREE is stable (a local SparkSession's JVM is a child process: it is counted),
and reads the RSS again.  cost = RSS(tree, after the call) - RSS(after the
import), in MiB.  One warm-up run (discarded), then ``--runs`` runs (default
3); the MEDIAN is used.

Data loads are proportional to the input: ``json.loads`` of a synthetic
dbt-manifest-like JSON and ``pandas.read_csv`` of a synthetic CSV are measured
at 10 and 50 MiB, and ``mib_per_input_mib`` is the slope (MiB of RSS per MiB
of file) between the two sizes.

Only calls that run offline are measured; the others (a connection to a
server, a client that needs credentials, a model download) keep no figure:
see heuristics/calibrate/README.md.

calls.toml is edited in place: in the ``[[call]]`` block of each pattern, the
``mib`` / ``mib_per_input_mib`` / ``measured`` lines are replaced or added
right after ``what``; everything else is left as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CALLS = REPO / "heuristics" / "calls.toml"
VENV_PY = REPO / ".venv-calibrate" / "bin" / "python"

ENV_EXTRA = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "PYSPARK_PYTHON": str(VENV_PY),
    "SPARK_LOCAL_IP": "127.0.0.1",
}

# Reads the RSS (KiB) of this process and all its descendants.
PRELUDE = r"""
import os, sys, time, gc
def _children(pid):
    out = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out
def _tree(pid):
    seen, stack = [], [pid]
    while stack:
        p = stack.pop()
        if p in seen: continue
        seen.append(p); stack += _children(p)
    return seen
def _rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for l in f:
                if l.startswith("VmRSS:"): return int(l.split()[1])
    except OSError:
        pass
    return 0
def rss():
    return sum(_rss(p) for p in _tree(os.getpid()))
def stable(timeout=60.0):
    last, t0 = -1, time.monotonic()
    while time.monotonic() - t0 < timeout:
        gc.collect()
        now = rss()
        if last >= 0 and abs(now - last) < 256:
            return now, len(_tree(os.getpid()))
        last = now
        time.sleep(1.0)
    return rss(), len(_tree(os.getpid()))
"""

# pattern -> (setup (imports), call (assigns _keep), what to record)
CALLS_TO_MEASURE = {
    "boto3.client": ("import boto3", '_keep = boto3.client("s3", region_name="us-east-1")'),
    "boto3.resource": ("import boto3", '_keep = boto3.resource("s3", region_name="us-east-1")'),
    "boto3.Session.client": ("import boto3", '_keep = boto3.Session().client("s3", region_name="us-east-1")'),
    "boto3.Session.resource": ("import boto3", '_keep = boto3.Session().resource("s3", region_name="us-east-1")'),
    "sqlalchemy.create_engine": ("import sqlalchemy", '_keep = sqlalchemy.create_engine("sqlite://")'),
    "duckdb.connect": ("import duckdb", "_keep = duckdb.connect()"),
    "openai.OpenAI": ("import openai", '_keep = openai.OpenAI(api_key="x")'),
    "kubernetes.client.CoreV1Api": ("import kubernetes", "_keep = kubernetes.client.CoreV1Api()"),
    "redis.Redis": ("import redis", "_keep = redis.Redis()"),
    "pyspark.sql.SparkSession.builder.getOrCreate": (
        "import pyspark.sql",
        '_keep = pyspark.sql.SparkSession.builder.master("local[1]").getOrCreate()',
    ),
}
# The same measured figure also applies to these equivalent patterns.
SAME_AS = {
    "boto3.session.Session.client": "boto3.Session.client",
    "boto3.session.Session.resource": "boto3.Session.resource",
    "redis.StrictRedis": "redis.Redis",
}
DISTRIBUTION = {
    "boto3": "boto3", "sqlalchemy": "SQLAlchemy", "duckdb": "duckdb", "openai": "openai",
    "kubernetes": "kubernetes", "redis": "redis", "pyspark": "pyspark", "pandas": "pandas",
}

# Proportional loads: pattern -> (setup, call template with {path}, file kind)
SIZED = {
    "json.loads": ("import json", "_keep = json.loads(open({path!r}).read())", "json"),
    "pandas.read_*": ("import pandas", "_keep = pandas.read_csv({path!r})", "csv"),
}
SIZED_SAME_AS = {"json.load": "json.loads"}
SIZES_MIB = (10, 50)


def snippet(setup, call):
    return PRELUDE + f"""
{setup}
before, _ = stable()
{call}
after, nproc = stable()
import json as _j
print("@@" + _j.dumps({{"before": before, "after": after, "nproc": nproc}}))
sys.stdout.flush()
os._exit(0)
"""


def run(code, workdir):
    env = dict(os.environ)
    for k in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(k, None)
    env.update(ENV_EXTRA)
    r = subprocess.run([str(VENV_PY), "-I", "-c", code], cwd=workdir, env=env,
                       capture_output=True, text=True, timeout=600, start_new_session=True)
    for line in r.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    raise RuntimeError((r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1])


def measure(code, workdir, runs):
    run(code, workdir)  # warm-up
    samples = [run(code, workdir) for _ in range(runs)]
    deltas = [(s["after"] - s["before"]) / 1024 for s in samples]
    return statistics.median(deltas), deltas, max(s["nproc"] for s in samples)


def manifest_json(path: Path, mib: int, seed: int = 1):
    """dbt-manifest-like JSON: nodes with columns, config, depends_on, SQL."""
    rng = random.Random(seed)
    target = mib * 1024 * 1024
    nodes, size, i = {}, 0, 0
    while size < target:
        uid = f"model.analytics.model_{i}"
        node = {
            "database": "analytics", "schema": f"schema_{i % 20}", "name": f"model_{i}",
            "resource_type": "model", "package_name": "analytics", "path": f"marts/model_{i}.sql",
            "original_file_path": f"models/marts/model_{i}.sql", "unique_id": uid,
            "fqn": ["analytics", "marts", f"model_{i}"], "alias": f"model_{i}",
            "checksum": {"name": "sha256", "checksum": "%064x" % rng.getrandbits(256)},
            "config": {"enabled": True, "materialized": rng.choice(["table", "view", "incremental"]),
                       "tags": [f"tag_{rng.randrange(30)}"], "meta": {"owner": f"team_{rng.randrange(9)}"},
                       "persist_docs": {}, "quoting": {}, "column_types": {}, "on_schema_change": "ignore"},
            "tags": [f"tag_{rng.randrange(30)}"],
            "description": "Model %d: " % i + " ".join(rng.choice(["orders", "customers", "daily", "revenue", "joined", "with", "the", "latest"]) for _ in range(20)),
            "columns": {f"col_{c}": {"name": f"col_{c}", "description": f"column {c} of model {i}", "meta": {},
                                     "data_type": rng.choice(["varchar", "integer", "timestamp", None]), "tags": []}
                        for c in range(rng.randrange(3, 15))},
            "depends_on": {"macros": ["macro.dbt.run_query"], "nodes": [f"model.analytics.model_{rng.randrange(max(i, 1))}" for _ in range(rng.randrange(4))]},
            "raw_code": "select\n" + ",\n".join(f"    col_{c}" for c in range(10)) + f"\nfrom {{{{ ref('model_{max(i - 1, 0)}') }}}}\n",
            "compiled_path": None, "created_at": 1700000000.0 + i,
        }
        nodes[uid] = node
        size += len(json.dumps(node)) + 2
        i += 1
    doc = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "dbt_version": "1.11.0"},
           "nodes": nodes, "sources": {}, "macros": {}, "docs": {}, "exposures": {}, "metrics": {}}
    path.write_text(json.dumps(doc))


def csv_file(path: Path, mib: int, seed: int = 1):
    rng = random.Random(seed)
    target = mib * 1024 * 1024
    with path.open("w") as f:
        f.write("id,ts,customer,amount,quantity,country,status\n")
        i = 0
        while f.tell() < target:
            f.write(f"{i},2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00,"
                    f"cust_{rng.randrange(100000)},{rng.random() * 1000:.2f},{rng.randrange(100)},"
                    f"{rng.choice(['DE', 'FR', 'US', 'GB', 'JP'])},{rng.choice(['paid', 'open', 'void'])}\n")
            i += 1


def versions():
    code = ("import json, sys, importlib.metadata as m\nout={'python': '%d.%d.%d' % sys.version_info[:3]}\n"
            f"for d in {sorted(set(DISTRIBUTION.values()))!r}:\n"
            "    try: out[d]=m.version(d)\n    except Exception: out[d]=None\nprint(json.dumps(out))")
    return json.loads(subprocess.run([str(VENV_PY), "-I", "-c", code], capture_output=True, text=True, check=True).stdout)


def java_version():
    try:
        r = subprocess.run(["java", "-version"], capture_output=True, text=True)
        m = re.search(r'version "([^"]+)"', r.stderr)
        return m.group(1) if m else None
    except OSError:
        return None


def edit_calls(text, pattern, fields):
    """Replaces/sets `fields` (ordered dict) in the [[call]] block of `pattern`."""
    blocks = re.split(r"(?m)^(?=\[\[)", text)
    hit = False
    for i, b in enumerate(blocks):
        if not b.startswith("[[call]]") or not re.search(rf'(?m)^pattern = "{re.escape(pattern)}"$', b):
            continue
        hit = True
        lines = b.rstrip("\n").split("\n")
        lines = [l for l in lines if not re.match(r"(mib|mib_per_input_mib|measured|source) = ", l)]
        at = next(j for j, l in enumerate(lines) if l.startswith("what = ")) + 1
        new = [f"{k} = {json.dumps(v, ensure_ascii=False) if isinstance(v, str) else v}" for k, v in fields.items()]
        lines[at:at] = new
        trail = b[len(b.rstrip("\n")):]
        blocks[i] = "\n".join(lines) + (trail or "\n")
    if not hit:
        raise SystemExit(f"calls.toml: no [[call]] with pattern {pattern!r}")
    return "".join(blocks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="comma-separated patterns")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    if args.runs < 3:
        ap.error("--runs must be at least 3")
    only = set(args.only.split(",")) if args.only else None
    today = dt.date.today().isoformat()
    ver = versions()
    java = java_version()
    workdir = tempfile.mkdtemp(prefix="calls-")
    figures = {}
    for pattern, (setup, call) in CALLS_TO_MEASURE.items():
        if only and pattern not in only:
            continue
        pkg = pattern.split(".")[0]
        dist = DISTRIBUTION[pkg]
        if ver.get(dist) is None:
            print(f"{pattern}: {dist} not installed, skipped", file=sys.stderr)
            continue
        try:
            med, deltas, nproc = measure(snippet(setup, call), workdir, args.runs)
        except Exception as exc:  # noqa: BLE001
            print(f"{pattern}: failed: {exc}", file=sys.stderr)
            continue
        extra = ""
        if nproc > 1:
            extra = f", whole process tree ({nproc} processes: the JVM is a child{', Java ' + java if java else ''})"
        prov = (f"{dist} {ver[dist]}, CPython {ver['python']}, {today}: `{call.split('= ', 1)[1]}`, "
                f"RSS after the call − after the import{extra}, median of {args.runs} fresh processes")
        figures[pattern] = {"mib": round(max(med, 0.0), 1), "measured": prov}
        print(f"{pattern}: {med:.1f} MiB {['%.1f' % d for d in deltas]} ({nproc} proc)", file=sys.stderr)
    for pattern, (setup, call, kind) in SIZED.items():
        if only and pattern not in only:
            continue
        points = []
        for size in SIZES_MIB:
            path = Path(workdir) / f"input_{size}.{kind}"
            (manifest_json if kind == "json" else csv_file)(path, size)
            real = path.stat().st_size / 1048576
            med, deltas, _ = measure(snippet(setup, call.format(path=str(path))), workdir, args.runs)
            points.append((real, med))
            print(f"{pattern}: {real:.1f} MiB {kind} -> {med:.1f} MiB {['%.1f' % d for d in deltas]}", file=sys.stderr)
        (x0, y0), (x1, y1) = points
        slope = (y1 - y0) / (x1 - x0)
        pkg = "pandas" if kind == "csv" else None
        who = f"pandas {ver['pandas']}, " if pkg else ""
        what = "synthetic dbt-manifest-like JSON" if kind == "json" else "synthetic CSV (7 columns: ints, floats, dates, strings)"
        prov = (f"{who}CPython {ver['python']}, {today}: `{call.split('= ', 1)[1].replace('{path!r}', 'FILE')}` of a {what}, "
                f"slope between {x0:.0f} MiB → {y0:.0f} MiB and {x1:.0f} MiB → {y1:.0f} MiB of RSS, median of {args.runs} fresh processes each")
        figures[pattern] = {"mib_per_input_mib": round(slope, 2), "measured": prov}
        print(f"{pattern}: slope {slope:.2f} MiB/MiB", file=sys.stderr)
    for alias, src in {**SAME_AS, **SIZED_SAME_AS}.items():
        if src in figures:
            figures[alias] = dict(figures[src])
    text = CALLS.read_text()
    for pattern, fields in figures.items():
        text = edit_calls(text, pattern, fields)
    if args.dry_run:
        print(json.dumps(figures, indent=1, ensure_ascii=False))
        return
    CALLS.write_text(text)
    print(f"wrote {CALLS}", file=sys.stderr)


if __name__ == "__main__":
    main()
