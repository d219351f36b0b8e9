"""Helpers shared by the Python tests."""
import numpy as np


def assert_tables_equal(a, b, ordered=True):
    """The same columns (in the same order, when `ordered`), with the same dtypes and identical
    values."""
    assert list(a) == list(b) if ordered else sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
