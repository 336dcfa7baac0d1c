"""ndkern.dask: the chunked results equal ndkern's on the whole array.

Run on Dask's threaded scheduler and on a dask.distributed LocalCluster of
two worker processes.  Skipped only when dask (or distributed) is missing;
pyshim/requirements-dev.txt installs both.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="dask[array] is not installed "
                         "(pip install -r pyshim/requirements-dev.txt)")
import dask  # noqa: E402  (after the skip)

import ndkern  # noqa: E402
import ndkern.dask as nd  # noqa: E402

MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]
# Odd and even sizes, a kernel larger than the (5, 4) chunks, and a 1-wide one.
KERNEL_SHAPES = [(3, 3), (4, 2), (6, 7), (1, 5)]


@pytest.fixture(autouse=True, scope="module")
def threaded_scheduler():
    with dask.config.set(scheduler="threads"):
        yield


def _image(dtype, shape=(23, 17), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-60, 60, shape).astype(dtype)
    if x.dtype.kind == "f":
        x += rng.random(shape).astype(dtype)
    return x


def _assert_same(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    if want.dtype.kind in "iu":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_importing_ndkern_does_not_import_dask():
    code = "import sys, ndkern; sys.exit('dask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], env=os.environ).returncode == 0


@pytest.mark.parametrize("kernel_shape", KERNEL_SHAPES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.int64, np.float64])
def test_convolve_and_correlate_equal_the_whole_array(dtype, mode, boundary, kernel_shape):
    x = _image(dtype)
    kernel = _image(dtype, kernel_shape, seed=1)
    chunked = da.from_array(x, chunks=(5, 4))
    for whole, by_chunks in [(ndkern.convolve2d, nd.convolve2d),
                             (ndkern.correlate2d, nd.correlate2d)]:
        want = whole(x, kernel, mode, boundary, fillvalue=7)
        got = by_chunks(chunked, kernel, mode, boundary, fillvalue=7)
        assert got.shape == want.shape
        _assert_same(got.compute(), want)


@pytest.mark.parametrize("kernel_shape", [(9, 9), (30, 3), (12, 12)])
@pytest.mark.parametrize("mode", MODES)
def test_kernel_larger_than_the_image(mode, kernel_shape):
    x = _image(np.float32, (8, 10))
    kernel = _image(np.float32, kernel_shape, seed=2)
    for boundary in BOUNDARIES:
        try:
            want = ndkern.convolve2d(x, kernel, mode, boundary)
        except ValueError:  # 'valid' with neither input larger: the same error
            with pytest.raises(ValueError):
                nd.convolve2d(da.from_array(x, chunks=3), kernel, mode, boundary)
            continue
        _assert_same(nd.convolve2d(da.from_array(x, chunks=3), kernel, mode, boundary)
                     .compute(), want)


def test_complex_and_mixed_dtypes():
    x = _image(np.float32) + 1j * _image(np.float32, seed=3)
    kernel = np.array([[1, 2j], [3, -1], [0.5, 1]])
    chunked = da.from_array(x, chunks=(6, 5))
    for mode in MODES:
        _assert_same(nd.correlate2d(chunked, kernel, mode, "symm").compute(),
                     ndkern.correlate2d(x, kernel, mode, "symm"))
    ints = _image(np.int16)
    _assert_same(nd.convolve2d(da.from_array(ints, chunks=4), np.ones((3, 3), np.uint8),
                               "same", "wrap").compute(),
                 ndkern.convolve2d(ints, np.ones((3, 3), np.uint8), "same", "wrap"))


def test_bad_arguments_raise_like_ndkern():
    chunked = da.zeros((10, 10), chunks=5)
    with pytest.raises(ValueError, match="mode"):
        nd.convolve2d(chunked, np.ones((3, 3)), mode="nearest")
    with pytest.raises(ValueError, match="boundary"):
        nd.convolve2d(chunked, np.ones((3, 3)), boundary="reflect")
    with pytest.raises(ValueError, match="2-D"):
        nd.convolve2d(chunked, np.ones(3))
    with pytest.raises(ValueError):
        nd.convolve2d(chunked, np.ones((12, 3)), mode="valid")


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_array(axis, keepdims):
    integers = np.random.default_rng(4).integers(-2**62, 2**62, (37, 29))
    chunked = da.from_array(integers, chunks=(8, 7))
    _assert_same(np.asarray(nd.sum_array(chunked, axis=axis, keepdims=keepdims).compute()),
                 np.asarray(ndkern.sum_array(integers, axis=axis, keepdims=keepdims)))
    floats = _image(np.float32, (37, 29))[::-1, ::2]
    got = nd.sum_array(da.from_array(floats, chunks=5), axis=axis, keepdims=keepdims).compute()
    want = ndkern.sum_array(floats, axis=axis, keepdims=keepdims)
    assert np.shape(got) == np.shape(want) and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_sum_array_dtype_wraps_like_ndkern():
    x = np.arange(200, dtype=np.uint8).reshape(20, 10)
    got = nd.sum_array(da.from_array(x, chunks=3), axis=0, dtype=np.uint8).compute()
    _assert_same(got, ndkern.sum_array(x, axis=0, dtype=np.uint8))


def test_square_array_of_a_strided_view():
    x = _image(np.int32, (30, 20))[:, ::3].T
    chunked = da.from_array(x, chunks=4)
    _assert_same(nd.square_array(chunked).compute(), ndkern.square_array(x))


def test_square_array_of_bool_is_int8_like_numpy():
    x = np.frombuffer(bytes(range(60)), dtype=bool).reshape(6, 10)
    squared = nd.square_array(da.from_array(x, chunks=4))
    assert squared.dtype == np.square(x).dtype == np.int8
    _assert_same(squared.compute(), np.square(x))


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", reason="distributed is not installed "
                                      "(pip install -r pyshim/requirements-dev.txt)")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, env=nd.worker_env(1))
    with cluster, distributed.Client(cluster) as client:
        yield client


def _library_path():
    import ndkern
    return ndkern.library_path


def test_distributed_workers_load_the_same_library(client):
    paths = client.run(_library_path)
    assert len(paths) == 2 and set(paths.values()) == {ndkern.library_path}


def test_distributed_results_equal_the_whole_array(client):
    x = _image(np.int64, (61, 45))
    kernel = _image(np.int64, (5, 4), seed=5)
    chunked = da.from_array(x, chunks=(16, 12))
    for mode, boundary in [("same", "symm"), ("full", "wrap"), ("valid", "fill")]:
        got = client.compute(nd.convolve2d(chunked, kernel, mode, boundary)).result()
        _assert_same(got, ndkern.convolve2d(x, kernel, mode, boundary))
    _assert_same(np.asarray(client.compute(nd.sum_array(chunked, axis=1)).result()),
                 ndkern.sum_array(x, axis=1))
    _assert_same(client.compute(nd.square_array(chunked)).result(), ndkern.square_array(x))
