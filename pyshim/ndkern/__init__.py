"""ndkern: NumPy/SciPy-compatible array kernels from libndkern, via cffi (ABI mode).

    >>> import ndkern
    >>> ndkern.convolve2d([[1, 1, 1]], [[1], [2], [1]])
    array([[1, 1, 1],
           [2, 2, 2],
           [1, 1, 1]])

Functions follow the NumPy/SciPy signatures: square_array (numpy.square),
sum_array (numpy.sum), convolve2d and correlate2d (scipy.signal).
Run ``python -m ndkern demo`` for the examples and a timing table, and
``python -m ndkern info`` (or ``ndkern.show_config()``) to see which library
was loaded and how it runs.
"""

from . import _threadpoolctl  # noqa: F401  (registers with threadpoolctl, if installed)
from ._config import show_config
from ._convolve import choose_conv_method, convolve2d, correlate2d
from ._library import ffi as _ffi, header_path, lib as _lib, library_path
from ._square import square_array
from ._sum import sum_array
from ._threads import (get_num_threads, set_num_threads, simd_level, thread_source, threads,
                       warn_unknown_simd_request as _warn_unknown_simd_request)

__version__: str = _ffi.string(_lib.ndkern_version()).decode("ascii")

__all__ = ["square_array", "sum_array", "convolve2d", "correlate2d", "choose_conv_method",
           "set_num_threads", "get_num_threads", "threads", "thread_source", "simd_level",
           "show_config", "library_path", "header_path", "__version__"]

_warn_unknown_simd_request()
