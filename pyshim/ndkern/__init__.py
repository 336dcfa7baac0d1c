"""ndkern: NumPy/SciPy-compatible array kernels from libndkern, via cffi (ABI mode).

    >>> import ndkern
    >>> ndkern.convolve2d([[1, 1, 1]], [[1], [2], [1]])
    array([[1, 1, 1],
           [2, 2, 2],
           [1, 1, 1]])

Functions follow the NumPy/SciPy signatures: square_array (numpy.square),
sum_array (numpy.sum), convolve2d and correlate2d (scipy.signal).
Run ``python -m ndkern demo`` for the examples and a timing table.
"""

from ._convolve import choose_conv_method, convolve2d, correlate2d
from ._library import ffi as _ffi, lib as _lib, header_path, library_path
from ._square import square_array
from ._sum import sum_array
from ._threads import get_num_threads, set_num_threads, simd_level, threads

__version__ = _ffi.string(_lib.ndkern_version()).decode("ascii")

__all__ = ["square_array", "sum_array", "convolve2d", "correlate2d", "choose_conv_method",
           "set_num_threads", "get_num_threads", "threads", "simd_level",
           "library_path", "header_path", "__version__"]
