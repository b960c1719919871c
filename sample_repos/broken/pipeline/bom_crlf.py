import polars as pl

frame = pl.DataFrame({"a": [1]})
