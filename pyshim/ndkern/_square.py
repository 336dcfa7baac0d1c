"""square_array: numpy.square computed by libndkern."""

from typing import Any, Optional

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import C_CODES, buffer_out, check_out, data_pointer, finish, native, readable
from . import _fperr as fperr
from ._errors import call_checked
from ._library import lib

__all__ = ["square_array"]

_FUNCTION = "square_array"


def square_array(x: ArrayLike, out: Optional[Any] = None) -> Any:
    """Elementwise ``x * x``, as ``numpy.square(x, out=out)``.

    `x` is anything ``numpy.asarray`` accepts; views are read in place.
    `out`, if given, is a writeable array of x's shape whose dtype the
    result can be cast to (NumPy's 'same_kind' rule), or a writable buffer
    (array.array, memoryview, mmap) of x's dtype and size, written in place;
    it may be `x` itself.  Returns `out`, a new array, or a NumPy scalar for
    0-d input.  The square of a bool array is a bool array (x AND x).
    """
    x = np.asarray(x)
    if out is not None and not isinstance(out, np.ndarray):
        square_array(x, buffer_out(out, x.shape, x.dtype.newbyteorder("="), _FUNCTION))
        return out
    if out is not None:
        check_out(out, x.shape, _FUNCTION)
    code = C_CODES.get(x.dtype)
    if code is None or (out is not None and out.dtype != x.dtype):
        return _square_converted(x, out)
    result = np.empty_like(x) if out is None else out
    _square_into(x, result, code)
    return finish(result, out)


def _square_converted(x, out):
    """Byte-swapped, bool and float16 input, and `out` of another dtype."""
    x = native(x)
    x_read, code = readable(x, _FUNCTION)
    if out is not None and not np.can_cast(x.dtype, out.dtype, "same_kind"):
        raise TypeError(f"{_FUNCTION}: cannot cast the result from {x.dtype} to "
                        f"out's dtype {out.dtype} with casting rule 'same_kind'")
    if x_read.dtype.itemsize == x.dtype.itemsize:  # a view of x: write the result directly
        result = out if out is not None and out.dtype == x.dtype else np.empty_like(x)
        _square_into(x_read, result.view(x_read.dtype), code)
    else:  # float16 widened to float32, where its square is exact: round once
        _square_into(x_read, x_read, code)
        result = fperr.cast(x_read, x.dtype, "square")
    if out is not None and result is not out:
        np.copyto(out, result, casting="unsafe")  # 'same_kind' was checked above
    return finish(result, out)


def _square_into(x, out, code):
    call_checked(_FUNCTION, lambda x: lib.square_array(
        data_pointer(x), x.strides, data_pointer(out), out.strides, x.ndim, x.shape, code), x)
    fperr.check(code, "square")
