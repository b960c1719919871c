#!/usr/bin/env python3
"""Measure the memory model's own parameters and write heuristics/model.toml.

Run by hand, never in CI, after measure_imports.py (which writes sets.json):

    python3 heuristics/calibrate/measure_model.py            # measure + write
    python3 heuristics/calibrate/measure_model.py --dry-run  # print only

Parameters
----------
first_party_mib_per_kib
    RSS added per KiB of first-party Python source imported. Generates
    synthetic packages of realistic code (module docstrings, imports of the
    standard library, constants, dict literals, functions with docstrings and
    bodies, classes with methods, decorators) at several total sizes, imports
    each whole package in a fresh interpreter (``python -I``, one warm-up, then
    the median of --runs runs), and fits the slope of RSS delta over source KiB
    by least squares through the measured points.

union_error_pct
    The largest relative error of the union-closure model (sum of own_mib over
    the closure, each package once) against the measured RSS of the package
    sets in sets.json (written by measure_imports.py). The estimate uses it as
    its band's margin.

Only the standard library is used. The interpreter is the calibration venv's
(``.venv-calibrate``) when it exists, else the running one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "heuristics" / "model.toml"
SETS = REPO / "heuristics" / "calibrate" / "sets.json"
VENV_PY = REPO / ".venv-calibrate" / "bin" / "python"

SNIPPET = """
import sys, importlib
sys.path.insert(0, {root!r})
for name in {modules!r}:
    importlib.import_module(name)
with open('/proc/self/status') as f:
    for line in f:
        if line.startswith('VmRSS:'):
            print(int(line.split()[1]))
"""


def python() -> str:
    return str(VENV_PY) if VENV_PY.exists() else sys.executable


def module_text(rng: random.Random, index: int, target_bytes: int) -> str:
    """Plausible first-party code: what asset and resource modules look like."""
    parts = [
        f'"""Module {index}: assets and helpers for a data pipeline."""\n\n',
        "import datetime\nimport json\nimport logging\nimport os\nfrom dataclasses import dataclass\n\n",
        "LOGGER = logging.getLogger(__name__)\n",
    ]
    n = 0
    while sum(len(p) for p in parts) < target_bytes:
        n += 1
        kind = rng.randrange(4)
        if kind == 0:
            keys = ", ".join(f'"key_{n}_{k}": {rng.randrange(10**6)}' for k in range(8))
            parts.append(f"TABLE_{n} = {{{keys}}}\n\n")
        elif kind == 1:
            parts.append(
                f"def transform_{n}(rows: list[dict], threshold: int = {rng.randrange(100)}) -> list[dict]:\n"
                f'    """Filter and enrich rows for stage {n}."""\n'
                "    out = []\n"
                "    for row in rows:\n"
                f"        if row.get('value', 0) > threshold:\n"
                f"            row['stage'] = {n}\n"
                "            row['ts'] = datetime.datetime.now().isoformat()\n"
                "            out.append(row)\n"
                f"    LOGGER.info('stage {n}: %d rows', len(out))\n"
                "    return out\n\n\n"
            )
        elif kind == 2:
            parts.append(
                "@dataclass\n"
                f"class Config{n}:\n"
                f'    """Settings for job {n}."""\n\n'
                f"    bucket: str = 'bucket-{n}'\n"
                f"    prefix: str = 'prefix/{n}'\n"
                f"    retries: int = {rng.randrange(5)}\n\n"
                "    def path(self, name: str) -> str:\n"
                "        return os.path.join(self.prefix, name)\n\n"
                "    def to_json(self) -> str:\n"
                "        return json.dumps(self.__dict__)\n\n\n"
            )
        else:
            parts.append(
                f"def _decorate_{n}(fn):\n"
                "    fn.tags = {'owner': 'team', 'kind': 'asset'}\n"
                "    return fn\n\n\n"
                f"@_decorate_{n}\n"
                f"def asset_{n}(context=None):\n"
                f'    """Asset {n}."""\n'
                f"    return [{{'id': i, 'value': i * {n}}} for i in range(10)]\n\n\n"
            )
    return "".join(parts)


def write_package(root: Path, total_kib: int, seed: int) -> tuple[list[str], int]:
    rng = random.Random(seed)
    pkg = root / f"synthetic_{total_kib}"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    modules, size, i = [], 0, 0
    while size < total_kib * 1024:
        text = module_text(rng, i, 8 * 1024)
        (pkg / f"m{i}.py").write_text(text)
        modules.append(f"{pkg.name}.m{i}")
        size += len(text.encode())
        i += 1
    return modules, size


def rss_kib(root: Path, modules: list[str]) -> int:
    code = SNIPPET.format(root=str(root), modules=modules)
    # -B: do not write .pyc files, so every run compiles (as a fresh image does).
    out = subprocess.run(
        [python(), "-I", "-B", "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    return int(out.stdout.strip().splitlines()[-1])


def median_rss(root: Path, modules: list[str], runs: int) -> float:
    rss_kib(root, modules)  # warm-up
    return statistics.median(rss_kib(root, modules) for _ in range(runs))


def first_party(runs: int) -> tuple[float, str]:
    sizes = [256, 1024, 2048, 4096]
    points = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bare = median_rss(root, [], runs)
        for kib in sizes:
            modules, size = write_package(root, kib, seed=kib)
            delta_mib = (median_rss(root, modules, runs) - bare) / 1024
            points.append((size / 1024, delta_mib))
            print(f"  {size / 1024:8.0f} KiB source -> +{delta_mib:.1f} MiB", file=sys.stderr)
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    detail = ", ".join(f"{x:.0f} KiB→{y:.1f} MiB" for x, y in points)
    return slope, detail


def union_error() -> tuple[float, str] | None:
    if not SETS.exists():
        return None
    data = json.loads(SETS.read_text())
    sets = data["sets"] if isinstance(data, dict) and "sets" in data else data
    worst, names = 0.0, []
    for s in sets:
        measured = s.get("measured_mib")
        predicted = s.get("union_closure_mib")
        if not measured or predicted is None:
            continue
        err = abs(predicted - measured) / measured * 100
        names.append(f"{'+'.join(s['names'])} {err:.1f}%")
        worst = max(worst, err)
    if not names:
        return None
    return worst, "; ".join(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    today = dt.date.today().isoformat()
    version = subprocess.run(
        [python(), "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    print("first-party source term:", file=sys.stderr)
    slope, detail = first_party(args.runs)
    lines = [
        "# Memory-model parameters, written by heuristics/calibrate/measure_model.py.",
        "# See heuristics/calibrate/README.md and docs/memory-model.md.",
        "",
        "[model.first_party_mib_per_kib]",
        f"value = {slope:.4f}",
        f'measured = "CPython {version}, {today}: least-squares slope over synthetic packages ({detail}), median of {args.runs} fresh processes each"',
    ]
    err = union_error()
    if err is not None:
        worst, per_set = err
        lines += [
            "",
            "[model.union_error_pct]",
            f"value = {worst:.1f}",
            f'measured = "CPython {version}, {today}: largest |union-closure − measured| / measured over heuristics/calibrate/sets.json, both on top of the runtime baseline ({per_set})"',
        ]
    text = "\n".join(lines) + "\n"
    if args.dry_run:
        print(text)
    else:
        OUT.write_text(text)
        print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
