"""ndkern on Dask arrays: the same results, computed chunk by chunk.

    import dask.array as da
    import ndkern.dask

    image = da.random.default_rng(0).random((20000, 20000), chunks=5000)
    blurred = ndkern.dask.convolve2d(image, kernel, mode="same", boundary="symm")

convolve2d and correlate2d equal ndkern.convolve2d / ndkern.correlate2d on
the whole array for every mode and boundary: each chunk is convolved in
'valid' mode together with a border of its neighbours (``map_overlap``, depth
from the kernel's size), and the array's own edges are extended as SciPy's
`boundary` says ('fill' -> a constant, 'wrap' -> Dask's 'periodic', 'symm' ->
Dask's 'reflect').  Integer results are bit-identical; floating results agree
to rounding.  sum_array is a ``da.reduction``; square_array a ``map_blocks``.

Dask is an optional dependency: ``import ndkern`` never imports this module.
Worker processes must be able to import ndkern too; worker_env() gives the
environment to start them with.
"""

import functools
import os
import time
from typing import Any, Dict, Optional, Tuple, Union

from numpy.typing import DTypeLike

import dask.array as da
import numpy as np
from dask.array.overlap import ensure_minimum_chunksize

from . import convolve2d as _convolve2d, correlate2d as _correlate2d
from . import square_array as _square_array, sum_array as _sum_array
from ._convolve import stack_arguments
from ._conventions import (convolve_method, convolve_output_shape, fill_element,
                           square_result_dtype, sum_default_dtype)
from ._library import lib

__all__ = ["convolve2d", "correlate2d", "sum_array", "square_array", "worker_env",
           "bench_scale_out"]

_DASK_BOUNDARY = {lib.NDKERN_BOUNDARY_WRAP: "periodic", lib.NDKERN_BOUNDARY_SYMM: "reflect"}


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0, method: str = "direct") -> Any:
    """``ndkern.convolve2d(in1, in2, mode, boundary, fillvalue)`` on a Dask array.

    `in1` is a Dask array (or anything ``da.asarray`` takes); `in2`, the
    kernel, is small and is converted to NumPy.  Stacks broadcast as in
    ndkern.convolve2d (leading axes, ``(m,n),(k,l)->(p,q)``): chunks along
    the leading axes map block by block (each block is one stack call with
    its slice of the kernels); the last two axes are chunked as for 2-D.
    Returns a lazy Dask array.
    Chunks smaller than the kernel are merged first.  When the kernel is
    larger than the image (its border would wrap around the whole image more
    than once, or 'valid' mode swaps the inputs), the image is one chunk.
    `method` ('direct', 'fft' or 'auto') applies to each chunk.
    """
    return _overlapped(_convolve2d, "convolve2d", in1, in2, mode, boundary, fillvalue, method)


def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0, method: str = "direct") -> Any:
    """``ndkern.correlate2d`` on a Dask array (or stack); arguments as convolve2d."""
    return _overlapped(_correlate2d, "correlate2d", in1, in2, mode, boundary, fillvalue,
                       method)


def _overlapped(function, name, in1, in2, mode, boundary, fillvalue, method):
    image = da.asarray(in1)
    kernel = np.asarray(in2)
    mode_code, boundary_code, dtype, _, batch = stack_arguments(name, image, kernel, mode,
                                                                boundary)
    image, kernel = image.astype(dtype), kernel.astype(dtype)
    if image.shape[:-2] != batch:  # the kernels' leading axes add images
        image = da.broadcast_to(image, batch + image.shape[-2:])
    nbatch = len(batch)
    core_axes = (nbatch, nbatch + 1)
    shape = batch + convolve_output_shape(mode_code, image.shape[-2:], kernel.shape[-2:])
    # 'same' output starts (K-1)//2 rows into the full convolution, K//2 into
    # the full correlation (as SciPy).
    correlate = function is _correlate2d
    plans = [_AxisPlan(mode_code, size, kernel_size,
                       kernel_size // 2 if correlate else (kernel_size - 1) // 2)
             for size, kernel_size in zip(image.shape[-2:], kernel.shape[-2:])]
    convolve_method(method)  # ValueError now, not in a worker
    function = functools.partial(function, method=method)
    kernels = _KernelStack(kernel, batch, image.chunks[:nbatch])
    meta = np.empty((0,) * len(shape), dtype)
    if not all(plan.fits for plan in plans):
        whole = functools.partial(_convolve_whole, function, kernels, mode=mode,
                                  boundary=boundary, fillvalue=fillvalue)
        image = image.rechunk({axis: -1 for axis in core_axes})
        return image.map_blocks(whole, chunks=image.chunks[:nbatch] + tuple(
            (n,) for n in shape[nbatch:]), dtype=dtype, meta=meta)

    if boundary_code == lib.NDKERN_BOUNDARY_FILL:
        edge = fill_element(fillvalue, dtype)[0]
    else:
        edge = _DASK_BOUNDARY[boundary_code]
    image = image.rechunk({axis: ensure_minimum_chunksize(plan.minimum_chunk, image.chunks[axis])
                           for axis, plan in zip(core_axes, plans)})
    windows = [plan.windows(image.chunks[axis]) for axis, plan in zip(core_axes, plans)]
    block = functools.partial(_convolve_block, function, kernels, windows)
    return da.map_overlap(block, image,
                          depth={axis: plan.depth for axis, plan in zip(core_axes, plans)},
                          boundary={axis: edge for axis in core_axes}, trim=False,
                          allow_rechunk=False,
                          chunks=image.chunks[:nbatch] + tuple(
                              tuple(stop - start for start, stop in axis_windows)
                              for axis_windows in windows),
                          dtype=dtype, meta=meta)


class _KernelStack:
    """The kernel(s) of each block of a stack: a 2-D kernel serves every
    block; a stack of kernels, broadcast to the images' leading axes, is cut
    along the blocks' chunks of those axes (core axes have no kernel
    chunks)."""

    def __init__(self, kernel, batch, batch_chunks):
        self.kernel = kernel
        if kernel.ndim > 2:
            self.kernel = np.broadcast_to(kernel, batch + kernel.shape[-2:])
        self.starts = [np.concatenate([[0], np.cumsum(chunks)]) for chunks in batch_chunks]

    def of_block(self, block_id):
        """The kernel for the block with this block_id (all of its axes)."""
        if self.kernel.ndim == 2:
            return self.kernel
        return self.kernel[tuple(slice(starts[index], starts[index + 1])
                                 for starts, index in zip(self.starts, block_id))]


class _AxisPlan:
    """How one axis of an M-long image and a K-long kernel splits into chunks.

    In full-mode coordinates the output covers [first, first + length);
    output index m reads image rows m-K+1 .. m.  A chunk [s, s + c) of the
    image, with `depth` rows of its neighbours (or of the extended edge) on
    each side, yields output rows [s + centre, s_next + centre); the first
    and last chunk are cut at `first` and `first + length`.  Depth is the
    least that lets every chunk produce its rows: K//2 for 'same' and
    'valid', K-1 for 'full' (whose first row reads K-1 rows before the image).
    `centre` is where 'same' mode starts in full mode.
    """

    def __init__(self, mode_code, size, kernel_size, centre):
        self.kernel_size, self.shift = kernel_size, centre
        if mode_code == lib.NDKERN_MODE_FULL:
            self.depth, self.first, self.length = kernel_size - 1, 0, size + kernel_size - 1
        elif mode_code == lib.NDKERN_MODE_SAME:
            self.depth, self.first, self.length = kernel_size // 2, centre, size
        else:
            self.depth, self.first = kernel_size // 2, kernel_size - 1
            self.length = size - kernel_size + 1
        # Dask extends an edge by at most the image, and 'valid' needs the
        # image at least as large as the kernel (otherwise SciPy swaps them).
        self.fits = 0 < kernel_size and 0 < size and self.depth <= size and (
            mode_code != lib.NDKERN_MODE_VALID or kernel_size <= size)
        # Chunks at least K long give every chunk output rows and let the
        # overlap come from the neighbouring chunk alone.
        self.minimum_chunk = min(kernel_size, size)

    def windows(self, chunks):
        """Per chunk: the (start, stop) of its output rows within the rows its
        extended block yields in 'valid' mode."""
        starts = np.concatenate([[0], np.cumsum(chunks)])
        bounds = starts + self.shift
        bounds[0], bounds[-1] = self.first, self.first + self.length
        offset = self.depth - self.kernel_size + 1  # block row u yields output row s + u - offset
        return tuple((int(bounds[i] - starts[i] + offset), int(bounds[i + 1] - starts[i] + offset))
                     for i in range(len(chunks)))


def _convolve_block(function, kernels, windows, block, block_id=None):
    """The output rows of one chunk: 'valid' mode on the part of its extended
    block those rows read."""
    nbatch = block.ndim - 2
    (row_start, row_stop), (col_start, col_stop) = (
        windows[axis][index] for axis, index in enumerate(block_id[nbatch:]))
    kernel = kernels.of_block(block_id)
    rows, cols = kernel.shape[-2:]
    needed = block[..., row_start:row_stop + rows - 1, col_start:col_stop + cols - 1]
    return function(needed, kernel, mode="valid")


def _convolve_whole(function, kernels, block, block_id=None, **arguments):
    """One chunk holding whole images: the call itself."""
    return function(block, kernels.of_block(block_id), **arguments)


def sum_array(a: Any, axis: Union[None, int, Tuple[int, ...]] = None,
              dtype: Optional[DTypeLike] = None, keepdims: bool = False,
              split_every: Any = None) -> Any:
    """``ndkern.sum_array`` (numpy.sum) of a Dask array, as a ``da.reduction``.

    Each chunk is summed by ndkern; floating partial sums are kept in double
    (complex128) precision and rounded once to the result type, as ndkern does
    for one array.  Integer sums wrap modulo 2^bits and equal ndkern's exactly.
    """
    x = da.asarray(a)
    result_dtype = np.dtype(dtype) if dtype is not None else sum_default_dtype(x.dtype)
    partial_dtype = {"f": np.dtype(np.float64), "c": np.dtype(np.complex128)}.get(
        result_dtype.kind, result_dtype)
    # (da.reduction would override a keyword named `dtype` with the result's.)
    partial = functools.partial(_partial_sum, partial_dtype=partial_dtype)
    total = functools.partial(_partial_sum, partial_dtype=partial_dtype,
                              result_dtype=result_dtype)
    return da.reduction(x, partial, total, combine=partial, axis=axis, keepdims=keepdims,
                        dtype=result_dtype, split_every=split_every, concatenate=True,
                        meta=np.empty((0,) * (x.ndim if keepdims else 0), result_dtype))


def _partial_sum(block, axis, keepdims, partial_dtype, result_dtype=None):
    total = _sum_array(block, axis=axis, dtype=partial_dtype, keepdims=keepdims)
    if result_dtype is None:
        return total
    with np.errstate(over="ignore"):  # like ndkern, overflow gives inf silently
        return np.asarray(total).astype(result_dtype, copy=False)


def square_array(x: Any) -> Any:
    """``ndkern.square_array`` (numpy.square) of a Dask array, chunk by chunk."""
    x = da.asarray(x)
    dtype = square_result_dtype(x.dtype)  # int8 for bool, as numpy.square
    return x.map_blocks(_square_array, dtype=dtype, meta=np.empty((0,) * x.ndim, dtype))


def worker_env(num_threads: Optional[int] = None) -> Dict[str, str]:
    """Environment for Dask worker processes so they load the same ndkern:
    PYTHONPATH with this package's directory, the NDKERN_* variables of this
    process, and NDKERN_NUM_THREADS=`num_threads` if given.  Pass it as
    ``LocalCluster(env=worker_env())`` (or the ``env`` of any Nanny)."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = [package_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {name: value for name, value in os.environ.items() if name.startswith("NDKERN_")}
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    if num_threads is not None:
        env["NDKERN_NUM_THREADS"] = str(num_threads)
    return env


def bench_scale_out(size: int = 20000, chunk: int = 5000, kernel_size: int = 9,
                    n_workers: int = 2, dtype: DTypeLike = "float32", mode: str = "same",
                    boundary: str = "symm") -> Dict[str, Any]:
    """Time convolve2d of a random `size` x `size` image on a LocalCluster.

    Starts `n_workers` worker processes (one Dask thread each; ndkern splits
    the machine's CPUs between them), makes the image on the workers in
    `chunk` x `chunk` chunks, then times convolving it with a `kernel_size`
    square kernel until the result is in the workers' memory.  Returns a dict
    with "seconds", "megapixels_per_second" and the parameters.  Nothing
    is gathered to this process.  Needs the distributed package.
    """
    from distributed import Client, LocalCluster, wait

    threads = max(1, (os.cpu_count() or 1) // n_workers)
    kernel = np.random.default_rng(1).random((kernel_size, kernel_size)).astype(dtype)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, env=worker_env(threads)) as cluster, \
            Client(cluster) as client:
        image = da.random.default_rng(0).random((size, size), chunks=chunk, dtype=dtype)
        image = client.persist(image)
        wait(image)
        start = time.perf_counter()
        result = client.persist(convolve2d(image, kernel, mode, boundary))
        wait(result)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "megapixels_per_second": size * size / seconds / 1e6,
            "size": size, "chunk": chunk, "kernel_size": kernel_size, "n_workers": n_workers,
            "ndkern_threads_per_worker": threads, "dtype": str(np.dtype(dtype)),
            "mode": mode, "boundary": boundary}
