#!/usr/bin/env python3
"""Measure lazy attributes (``[[package.attributes]]`` in packages.toml).

``import transformers`` is small: the package resolves its attributes on first
access, and ``transformers.pipeline`` / ``AutoTokenizer`` / ``AutoModel``
import the model code and torch.  Run by hand after measure_imports.py (which
keeps the attributes when it rewrites the catalog):

    python3 heuristics/calibrate/measure_attributes.py [--dry-run] [--runs N]

For every (package, attribute) in ATTRIBUTES, in fresh interpreters of the
calibration venv (1 warm-up + --runs runs, median of VmRSS):

* ``requires`` = the catalog entries in sys.modules after
  ``import P; getattr(P, "A")`` that are not there after ``import P`` alone
  (the attribute access only: nothing is called, nothing is downloaded);
* ``mib`` = RSS(import P; getattr(P, "A")) − RSS(import P and the probes of
  ``requires`` together, one process), floored at 0: what the access adds on
  top of the package and of the catalog entries it lists (those are charged
  through their own ``own_mib``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile

from measure_imports import (
    CATALOG,
    Measurer,
    find_requires,
    load_catalog,
    mib,
    probes,
    r1,
    render,
    venv_info,
)

ATTRIBUTES = {
    "transformers": ["pipeline", "AutoTokenizer", "AutoModel"],
}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    header, entries = load_catalog()
    by_name = {e["name"]: e for e in entries}
    info = venv_info([by_name[p]["distribution"] for p in ATTRIBUTES])
    today = dt.date.today().isoformat()
    workdir = tempfile.mkdtemp(prefix="attr-")
    m = Measurer(args.runs, workdir)
    for pkg, attrs in ATTRIBUTES.items():
        e = by_name[pkg]
        base_pkg = m.measure(probes(pkg))
        pkg_found = set(find_requires(e, base_pkg["modules"], entries))
        out = []
        for attr in attrs:
            r = m.measure(probes(pkg) + [f"{pkg}:{attr}"])
            found = set(find_requires(e, r["modules"], entries))
            new = sorted(found - pkg_found)
            base_names = sorted({p for n in [pkg, *new] for p in probes(n)})
            base = m.measure(base_names)
            own = max(0.0, mib(r["rss_kib"] - base["rss_kib"]))
            total = mib(r["rss_kib"] - base_pkg["rss_kib"])
            print(f"{pkg}.{attr}: +{total:.1f} MiB over `import {pkg}`; requires {new}; own {own:.1f} MiB",
                  file=sys.stderr)
            out.append({
                "name": attr,
                "mib": r1(own),
                "requires": new,
                "measured": (f"{e['distribution']} {info['dists'][e['distribution']]}, CPython {info['python']}, {today}: "
                             f"`import {pkg}; getattr({pkg}, {attr!r})` adds {total:.1f} MiB over `import {pkg}`; "
                             f"mib = the part above the listed requires, median of {args.runs} fresh processes"),
            })
        e["attributes"] = out
    text = render(header, None, entries)
    if args.dry_run:
        for pkg in ATTRIBUTES:
            print(by_name[pkg]["attributes"])
        return
    # keep the generated calibration comment block of the header as it is
    old = CATALOG.read_text()
    idx = old.find("[[package]]")
    new_idx = text.find("[[package]]")
    CATALOG.write_text(old[:idx] + text[new_idx:])
    print(f"wrote {CATALOG}", file=sys.stderr)


if __name__ == "__main__":
    main()
