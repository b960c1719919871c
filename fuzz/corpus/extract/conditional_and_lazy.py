# noqa: FP001
from __future__ import annotations
import os
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import torch
try:
    import ujson as json
except ImportError:
    import json
from . import sibling
from ..parent import thing as other  # noqa: FP001
MODEL = __import__("transformers").AutoModel.from_pretrained("bert")
client = boto3.client("s3")
def lazy():
    import pandas as pd
    return pd.read_csv("x.csv")
class C:
    import numpy
    x = [f(y) for y in range(3)]
