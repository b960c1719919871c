import numpy
# café encoded as latin-1: not valid UTF-8
name = "café"
