import pandas as pd


def ok():
    return 1


def broken(:
    return 2

import torch
