"""NumPy's semantics at the edges, on top of the plain C calls.

libndkern's contract stays strict: an output with a zero stride is
NDKERN_EINVAL, an output overlapping an input is NDKERN_EOVERLAP, and an
output whose elements overlap each other is not detected (the C code writes
it in its own order).  NumPy accepts all three.  The public functions call
in here only for such outputs, for sum's `initial=`/`where=` and for
ndarray subclasses, so the common call pays nothing.  The result is
computed into a temporary and the final store is done by NumPy itself
(np.copyto), leaving NumPy's final memory contents:

- `out` overlapping an input: NumPy's iterator computes into a copy of
  `out` and writes it back with the assignment np.copyto does; so do we.
- a zero stride (on an axis longer than 1) and no overlap with the inputs:
  NumPy writes `out` directly.  A reduction adds every row aliasing one
  element into it: those axes are summed as well and the total stored.  An
  elementwise function leaves the value of the last element written: the
  last in C order, except that NumPy's iterator (used for more than one
  dimension) walks an axis the input steps backwards along in reverse.
- elements overlapping each other with nonzero strides (and no overlap
  with the inputs): NumPy writes `out` directly, and what is left depends
  on its loop order and buffering (an unaligned `out` is buffered and
  copied back as np.copyto does; an aligned one is not).  ndkern assigns
  with np.copyto: NumPy's result when it buffers, not always otherwise.
  In one dimension NumPy's elementwise loop does not go through its
  iterator, and the order it writes such an `out` in (index or address
  order) depends on the operands' alignment, even when `out` overlaps `x`
  or has a zero stride.
  Likewise when both `x` and a reduction's `out` have zero strides, or no
  axis is reduced (axis=()), NumPy's buffered iterator may add an aliased
  element once or every time; ndkern adds every time.
"""

import numpy as np

from ._arrays import finish

try:
    from numpy.exceptions import TooHardError
except ImportError:  # NumPy < 1.25
    from numpy import TooHardError  # type: ignore[attr-defined,no-redef]

__all__ = ["out_is_plain", "out_needs_temporary", "store_elementwise", "select",
           "sum_via_temporary", "wrap_like_numpy", "refuse_masked"]

# What NumPy's overlap checks may work on (its nditer uses max_work=1: only
# the cheap cases are decided, the rest count as overlapping).
_MAX_WORK = 1


def out_is_plain(out):
    """True for an `out` the C call takes as it is (contiguous: no zero
    strides on axes longer than 1, no element overlapping another).  An
    overlap with an input is left to the C call's NDKERN_EOVERLAP."""
    return out.flags.c_contiguous or out.flags.f_contiguous or out.size == 0


def _may_overlap_itself(array):
    """Whether two elements of `array` may share a byte, zero strides aside
    (the caller checks those): False only when each axis steps past
    everything the shorter-stride axes span."""
    span = array.dtype.itemsize
    for stride, extent in sorted((abs(s), n) for s, n in zip(array.strides, array.shape)
                                 if s != 0 and n > 1):
        if stride < span:
            return True
        span += (extent - 1) * stride
    return False


def _shares_memory(a, b):
    """NumPy's own overlap test for ufunc operands: too hard counts as yes."""
    try:
        return np.shares_memory(a, b, max_work=_MAX_WORK)  # type: ignore[arg-type]  # stubs: -1, 0
    except TooHardError:
        return True


def out_needs_temporary(out, inputs):
    """For a non-plain elementwise `out`: whether to compute into a temporary
    and store it (zero strides, elements overlapping each other or an
    input other than exactly, as NumPy's iterator allows in place);
    otherwise the C call writes `out` directly."""
    return (any(s == 0 and n > 1 for s, n in zip(out.strides, out.shape))
            or _may_overlap_itself(out)
            or any(_shares_memory(out, x) and not _identical(out, x) for x in inputs))


def _identical(a, b):
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype)


def store_elementwise(out, values, x, casting):
    """`values`, an elementwise function of `x`, stored into `out` (not plain)
    with np.copyto as NumPy's ufunc leaves it: where `out` has a zero stride
    the last element written stays, and NumPy's iterator (used beyond one
    dimension) walks an axis `x` steps backwards along in reverse."""
    if x.ndim > 1 and not _shares_memory(out, x):  # NumPy writes `out` directly
        reversed_axes = tuple(axis for axis, (stride, x_stride, extent)
                              in enumerate(zip(out.strides, x.strides, out.shape))
                              if stride == 0 and x_stride < 0 and extent > 1)
        values = np.flip(values, reversed_axes) if reversed_axes else values
    np.copyto(out, values, casting=casting)
    return out


def _accumulated_axes(out_kept, x, kept_axes):
    """The kept axes NumPy adds into one element of the reduction output
    `out_kept` (zero strides), none when NumPy copies `out` (it overlaps `x`)."""
    if _shares_memory(out_kept, x):
        return ()
    return tuple(axis for axis, stride, extent in zip(kept_axes, out_kept.strides, out_kept.shape)
                 if stride == 0 and extent > 1)


def select(x, where):
    """`x` with the elements `where` excludes replaced by 0 (a copy: one pass
    over the data and a temporary of x's size); NumPy's broadcasting rules
    and errors for `where`."""
    selected = np.zeros(x.shape, x.dtype)
    np.copyto(selected, x, where=where)
    return selected


def _numpy_initial(initial, dtype):
    """`initial` converted to `dtype` exactly as np.add.reduce converts it
    (its errors and warnings too), as a 0-d array."""
    return np.asarray(np.add.reduce(np.zeros(0, dtype), dtype=dtype, initial=initial))


def sum_via_temporary(sum_array, x, reduced, loop_dtype, out, keepdims, initial):
    """np.sum(x, axis=reduced, dtype=loop_dtype, out=out, keepdims=keepdims,
    initial=initial) for an `out` the C call cannot take as it is, or with
    `initial`: sums into a temporary (`sum_array` without these arguments),
    `initial` converted as NumPy converts it and added once per result
    element, the result stored into `out` by np.copyto."""
    summed = reduced
    if out is not None:
        out_kept = np.squeeze(out, axis=reduced) if keepdims else out
        if not out_is_plain(out):
            kept = tuple(i for i in range(x.ndim) if i not in reduced)
            summed = tuple(sorted(reduced + _accumulated_axes(out_kept, x, kept)))
    total = sum_array(x, axis=summed, dtype=loop_dtype, keepdims=True)
    if initial is not None:
        total = np.add(total, _numpy_initial(initial, loop_dtype))
    if out is None:
        return finish(total if keepdims else np.squeeze(total, axis=reduced), None)
    np.copyto(out_kept, np.squeeze(total, axis=reduced), casting="unsafe")
    return out


def refuse_masked(array, function):
    """TypeError for a masked array: ndkern never ignores a mask silently."""
    if isinstance(array, np.ma.MaskedArray):
        raise TypeError(f"{function}: masked arrays are not supported (the mask would be "
                        f"ignored); use numpy.ma, or pass .filled(...) or where=~mask")


def wrap_like_numpy(result, like, context, out):
    """`result` (an ndarray, 0-d for a scalar result) returned as a NumPy
    ufunc returns it for the subclass instance `like`: `out` if given, else
    through like.__array_wrap__(result, context, return_scalar)."""
    if out is not None:
        return out
    wrap = type(like).__array_wrap__
    try:
        return wrap(like, result, context, result.ndim == 0)
    except TypeError:  # an __array_wrap__ written before NumPy 2's return_scalar
        wrapped = wrap(like, result, context)
        return wrapped[()] if result.ndim == 0 and type(wrapped) is np.ndarray else wrapped
