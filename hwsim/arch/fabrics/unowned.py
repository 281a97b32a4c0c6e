"""Array views that numba does not reference-count, for the compiled passes' hot loops.

numba counts references to every array it binds to a variable: an atomic increment and decrement
on the array's owner, per binding. A cell binds about a dozen arrays (the design matrix, the
layer's records and tables, the counts) for every (point, layer), and with two threads both
count on the same owners, so the counts' cache lines move between the cores: measured, the
counts were a quarter of the fused pass's time (perf, benchmarks/bench_evaluate.py's points).
A view made here has no owner (numba's carray over the array's own memory), so its bindings
count nothing. The caller keeps the real array alive for as long as the view is used: arrays
passed in from Python live through the call; an array allocated in compiled code is freed after
its last use, so the caller uses it again (``hold``) after the views' last use.
"""

from __future__ import annotations

from numba import carray, njit, types
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload


@intrinsic
def _pointer(typingctx, address, dtype):
    """The integer ``address`` as a pointer to ``dtype``'s elements."""
    target = types.CPointer(dtype.dtype)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(target))

    return target(address, dtype), codegen


def unowned(array):
    """A view of ``array``'s memory with no owner (see the module's docstring), in compiled code
    only. ``array`` must be typed C-contiguous (checked when the caller compiles: numba types an
    array 'C' only when it is), as the view indexes it so."""
    raise NotImplementedError("unowned is for compiled code")


@overload(unowned, inline="always")
def _unowned(array):
    if not isinstance(array, types.Array) or array.layout != "C":
        raise TypingError(f"unowned takes a C-contiguous array, not {array}")

    def view(array):
        return carray(_pointer(array.ctypes.data, array.dtype), array.shape)

    return view


@njit(cache=True)
def hold(*arrays):
    """Nothing, but a use of ``arrays``: numba frees an array after its last use, so an array
    allocated in compiled code whose unowned views outlive its last use would be freed under them.
    Call this after the views' last use to keep the arrays alive until then."""
    return len(arrays)
