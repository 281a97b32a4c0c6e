"""Unowned array views (hwsim/arch/fabrics/unowned.py): the same memory as the array, refused for
arrays numba does not type C-contiguous, and no reference counts on the array's owner."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from hwsim.arch.fabrics.unowned import hold, unowned


@njit
def _write_through(array, row, col, value):
    view = unowned(array)
    view[row, col] = value
    return view[row, col] + view.shape[0] * 1000 + view.shape[1] * 100000


@njit
def _scratch_sum(size):
    scratch = np.arange(size * 3.0).reshape(size, 3)
    view = unowned(scratch)
    total = 0.0
    for i in range(size):
        total += view[i, 2]
    hold(scratch)
    return total


def test_a_view_reads_and_writes_the_arrays_own_memory():
    array = np.zeros((4, 7))
    # 2.5 read back through the view, and the view's shape is the array's
    assert _write_through(array, 3, 5, 2.5) == 2.5 + 4 * 1000 + 7 * 100000
    assert array[3, 5] == 2.5 and array.sum() == 2.5


def test_a_view_of_scratch_held_alive_reads_what_was_written():
    # rows (0,1,2), (3,4,5), ...: the last column is 3i + 2, summed over 50 rows = 3*1225 + 100
    assert _scratch_sum(50) == 3 * 1225 + 100


def test_an_array_not_typed_c_contiguous_is_refused_when_compiling():
    with pytest.raises(TypingError, match="C-contiguous"):
        _write_through(np.zeros((4, 7)).T, 0, 0, 1.0)
