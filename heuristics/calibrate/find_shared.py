#!/usr/bin/env python3
"""Find the shared, uncatalogued dependencies of the catalogued packages.

For every measured catalog entry, imports it in a fresh interpreter of the
calibration venv and maps every module in ``sys.modules`` to the installed
distribution that ships its file (from the distributions' RECORD files).
A distribution that is not catalogued, is loaded by at least ``--min-users``
catalog entries and whose own import costs at least ``--min-mib`` MiB (fresh
process, median of 3 after a warm-up) is a candidate catalog entry: without
it, its memory is counted inside the ``own_mib`` of every package that loads
it, and the union-closure model counts it several times.

    python3 heuristics/calibrate/find_shared.py            # print candidates (JSON)

Used by hand when the catalog grows; the result is reviewed, then the
candidates are added to CATALOG_ADDITIONS in measure_imports.py.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure_imports import CATALOG, ENV_EXTRA, PROBE, VENV_PY, norm_dist  # noqa: E402

SNIPPET = r"""
import sys
for _n in NAMES:
    __import__(_n)
_mods = {k: getattr(v, "__file__", None) for k, v in list(sys.modules.items())}
import json, os, importlib.metadata as md
index = {}
for d in md.distributions():
    name = d.metadata["Name"]
    for f in d.files or ():
        if f.suffix in (".py", ".so", ".pyd") or ".so" in f.name:
            try:
                index[os.path.realpath(d.locate_file(f))] = name
            except Exception:
                pass
out = {}
for k, f in _mods.items():
    if not f:
        continue
    dist = index.get(os.path.realpath(f))
    if dist:
        out.setdefault(dist, []).append(k)
print("@@" + json.dumps(out))
"""


def run(names, workdir):
    import os
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(ENV_EXTRA)
    r = subprocess.run([str(VENV_PY), "-I", "-c", SNIPPET.replace("NAMES", repr(names))],
                       cwd=workdir, env=env, capture_output=True, text=True, timeout=900)
    for line in r.stdout.splitlines():
        if line.startswith("@@"):
            return json.loads(line[2:])
    raise RuntimeError(r.stderr[-500:])


RSS = r"""
import sys
__import__(NAME)
for l in open('/proc/self/status'):
    if l.startswith('VmRSS:'): print(int(l.split()[1]))
"""


def rss(name, workdir):
    import os
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(ENV_EXTRA)
    def once(n):
        code = RSS.replace("NAME", repr(n)) if n else RSS.replace("__import__(NAME)", "")
        r = subprocess.run([str(VENV_PY), "-I", "-c", code], cwd=workdir, env=env, capture_output=True, text=True)
        return int(r.stdout.split()[-1])
    once(name)
    return statistics.median(once(name) for _ in range(3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-users", type=int, default=2)
    ap.add_argument("--min-mib", type=float, default=2.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--raw", help="also write {entry: {distribution: [modules]}} to this JSON file")
    args = ap.parse_args()
    raw = {}
    cat = tomllib.loads(CATALOG.read_text())["package"]
    measured = [e for e in cat if e.get("measured")]
    cat_dists = {norm_dist(e["distribution"]) for e in cat}
    workdir = tempfile.mkdtemp(prefix="shared-")
    users = {}  # dist -> set(entry)
    modules = {}  # dist -> set(module)

    def one(e):
        probe = PROBE.get(e["name"], (e["name"], None))[0]
        try:
            return e, run([probe], workdir)
        except Exception as exc:  # noqa: BLE001
            print(f"{e['name']}: {exc}", file=sys.stderr)
            return e, {}

    with ThreadPoolExecutor(args.jobs) as ex:
        for e, out in ex.map(one, measured):
            own = norm_dist(e["distribution"])
            raw[e["name"]] = {norm_dist(k): sorted(v) for k, v in out.items()}
            for dist, mods in out.items():
                d = norm_dist(dist)
                if d == own or d in cat_dists:
                    continue
                users.setdefault(d, set()).add(e["name"])
                modules.setdefault(d, set()).update(mods)
            print(f"{e['name']}: {len(out)} distributions", file=sys.stderr)

    if args.raw:
        Path(args.raw).write_text(json.dumps(raw, indent=1, sort_keys=True) + "\n")
    cands = []
    for d, u in users.items():
        if len(u) < args.min_users:
            continue
        mods = modules[d]
        # the import name: the shortest module that is a package's root
        top = sorted(mods, key=lambda m: (m.count("."), len(m)))[0]
        if top.startswith("_") and any(not m.startswith("_") for m in mods):
            top = sorted((m for m in mods if not m.startswith("_")), key=lambda m: (m.count("."), len(m)))[0]
        cands.append((d, top, sorted(u)))
    bare = rss(None, workdir)
    out = []
    def cost(c):
        d, top, u = c
        try:
            return c, (rss(top, workdir) - bare) / 1024
        except Exception:  # noqa: BLE001
            return c, None
    with ThreadPoolExecutor(args.jobs) as ex:
        for (d, top, u), mib in ex.map(cost, cands):
            out.append({"distribution": d, "module": top, "import_mib": None if mib is None else round(mib, 1),
                        "users": u, "n_users": len(u)})
    out.sort(key=lambda r: -(r["import_mib"] or 0))
    for r in out:
        flag = "*" if (r["import_mib"] or 0) >= args.min_mib else " "
        print(f"{flag} {r['distribution']:30s} {r['module']:28s} {r['import_mib']!s:>7} MiB  {r['n_users']:3d} users", file=sys.stderr)
    print(json.dumps(out, indent=1))




# --------------------------------------------------------------------------
# selection: raw.json (from --raw) -> shared_deps.json

def leaves(mods):
    mods = set(mods)
    return sorted(m for m in mods if not any(o.startswith(m + ".") for o in mods))


def select(raw_path, min_mib, min_roots, out_path):
    """Candidates: distributions not catalogued, loaded by >= min_roots
    independent catalog entries (an entry that requires another user is not
    independent), whose probe (the submodules all independent users load)
    costs >= min_mib MiB in a fresh process."""
    import os
    raw = json.loads(Path(raw_path).read_text())
    cat = {e["name"]: e for e in tomllib.loads(CATALOG.read_text())["package"]}
    cat_dists = {norm_dist(e["distribution"]) for e in cat.values()}
    users = {}
    for entry, dists in raw.items():
        own = norm_dist(cat[entry]["distribution"])
        for d, mods in dists.items():
            if d == own or d in cat_dists or d in ("setuptools", "pip"):
                continue
            users.setdefault(d, {})[entry] = set(mods)
    workdir = tempfile.mkdtemp(prefix="select-")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(ENV_EXTRA)
    rss_code = r"""
import sys
ok = []
for n in NAMES:
    try:
        __import__(n); ok.append(n)
    except Exception:
        pass
for l in open('/proc/self/status'):
    if l.startswith('VmRSS:'): print(int(l.split()[1]))
print(" ".join(ok))
"""
    def measure(names):
        code = rss_code.replace("NAMES", repr(names))
        outs = []
        for _ in range(4):  # 1 warm-up + 3
            r = subprocess.run([str(VENV_PY), "-I", "-c", code], cwd=workdir, env=env, capture_output=True, text=True)
            lines = r.stdout.strip().splitlines()
            outs.append((int(lines[0]), lines[1].split() if len(lines) > 1 else []))
        return statistics.median(o[0] for o in outs[1:]), outs[-1][1]
    bare, _ = measure([])
    picked = []
    for d, by_user in sorted(users.items()):
        roots = [u for u in by_user if not any(c in by_user and c != u for c in
                                               cat[u].get("requires", []) + cat[u].get("optional_requires", []))]
        if len(roots) < min_roots:
            continue
        common = set.intersection(*(by_user[u] for u in roots))
        common = {m for m in common if not m.startswith("_") or "." in m}
        if not common:
            continue
        probe = leaves(common)
        kib, ok = measure(probe)
        probe = [p for p in probe if p in ok]
        cost = (kib - bare) / 1024
        top = sorted(common, key=lambda m: (m.count("."), len(m)))[0]
        print(f"{d:30s} {top:28s} {cost:6.1f} MiB {len(roots):3d} roots  probe {len(probe)}", file=sys.stderr)
        if cost >= min_mib and probe:
            picked.append({"name": top, "distribution": d, "probe": probe if probe != [top] else [top],
                           "screen_mib": round(cost, 1), "roots": sorted(roots)})
    doc = {"generated_by": "heuristics/calibrate/find_shared.py --select", "min_mib": min_mib,
           "min_roots": min_roots, "entries": picked}
    Path(out_path).write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out_path}: {len(picked)} entries", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--select":
        sel = argparse.ArgumentParser()
        sel.add_argument("--select", metavar="RAW_JSON", required=True)
        sel.add_argument("--min-mib", type=float, default=2.0)
        sel.add_argument("--min-roots", type=int, default=2)
        sel.add_argument("--out", default=str(HERE / "shared_deps.json"))
        a = sel.parse_args()
        select(a.select, a.min_mib, a.min_roots, a.out)
    else:
        main()
