# HOSTILE TEST SAMPLE: this code must never run. dagster-footprint only parses
# it; tests/never_executes.rs checks that scanning leaves none of these traces.
import os
import socket

_TRACE = os.environ.get("DAGSTER_FOOTPRINT_TRACE_DIR", "/tmp/dagster-footprint-hostile-trace")
_PORT = int(os.environ.get("DAGSTER_FOOTPRINT_TRACE_PORT", "9"))
os.makedirs(_TRACE, exist_ok=True)
with open(os.path.join(_TRACE, "executed-assets"), "w") as _f:
    _f.write(__file__)
os.system("touch " + os.path.join(_TRACE, "os-system-assets"))
try:
    socket.create_connection(("127.0.0.1", _PORT), timeout=1).sendall(b"assets")
except OSError:
    pass

import dagster as dg
import pandas as pd


@dg.asset
def orders() -> None:
    pd.DataFrame()
