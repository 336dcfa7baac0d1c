"""Stacks in convolve2d / correlate2d (leading axes broadcast like a gufunc
``(m,n),(k,l)->(p,q)``) against a loop of scipy.signal calls, and bit for
bit against a loop of ndkern's own 2-D calls."""

import array

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

import ndkern
from ndkern_testing import C_DTYPES, assert_identical, assert_matches, random_values

FUNCTIONS = {"convolve2d": (ndkern.convolve2d, signal.convolve2d),
             "correlate2d": (ndkern.correlate2d, signal.correlate2d)}
MODES = ["full", "same", "valid"]
BOUNDARIES = ["fill", "wrap", "symm"]


@st.composite
def batch_shapes(draw, max_dims=3):
    """(h's batch shape, in1's and in2's batch shapes broadcasting to it)."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=3))

    def one_input():
        own = draw(st.integers(0, len(batch)))
        return tuple(1 if draw(st.integers(0, 3)) == 0 else n
                     for n in batch[len(batch) - own:])
    return batch, one_input(), one_input()


@st.composite
def stacks(draw, dtype, batch, max_side):
    """A stack of `batch` images of one random core shape, with random
    steps (negative too), a broadcast (zero-stride) batch axis or a
    Fortran-order copy now and then."""
    core = draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=max_side))
    shape = batch + core
    steps = [draw(st.sampled_from([1, 1, 2, -1])) for _ in shape]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = random_values(rng, dtype, [n * abs(step) for n, step in zip(shape, steps)],
                         finite=True)
    view = base[tuple(slice(None, None, step) for step in steps)]
    spread = [axis for axis, n in enumerate(batch) if n > 1]
    if spread and draw(st.booleans()):
        axis = draw(st.sampled_from(spread))
        view = np.broadcast_to(view[(slice(None),) * axis + (slice(0, 1),)], shape)
    elif draw(st.integers(0, 4)) == 0:
        view = np.asfortranarray(view)
    return view


def images(in1, in2, batch):
    """(index, image, kernel) of every image of the broadcast stack."""
    image_stack = np.broadcast_to(in1, batch + in1.shape[-2:])
    kernel_stack = np.broadcast_to(in2, batch + in2.shape[-2:])
    for index in np.ndindex(*batch):
        yield index, image_stack[index], kernel_stack[index]


def check_stack(ours, theirs, in1, in2, mode, boundary, fillvalue, method):
    """ours on the stack equals ours on each image bit for bit, and SciPy's
    `theirs` on each image (assert_matches); ValueError exactly when a 2-D
    call raises one."""
    batch = np.broadcast_shapes(in1.shape[:-2], in2.shape[:-2])
    if not all(batch):  # no images: only the core shapes can be wrong
        try:
            ours(np.zeros(in1.shape[-2:]), np.zeros(in2.shape[-2:]), mode)
        except ValueError:
            with pytest.raises(ValueError):
                ours(in1, in2, mode, boundary, fillvalue, method=method)
            return
        assert ours(in1, in2, mode, boundary, fillvalue, method=method).size == 0
        return
    try:
        loop = [(index, ours(image, kernel, mode, boundary, fillvalue, method=method),
                 image, kernel) for index, image, kernel in images(in1, in2, batch)]
    except ValueError:
        with pytest.raises(ValueError):
            ours(in1, in2, mode, boundary, fillvalue, method=method)
        return
    got = ours(in1, in2, mode, boundary, fillvalue, method=method)
    assert got.shape[:len(batch)] == batch
    for index, want, image, kernel in loop:
        assert_identical(got[index], want)
        if method == "direct" and image.size and kernel.size:  # SciPy crashes on empty wrap/symm
            assert_matches(got[index], theirs(image, kernel, mode, boundary, fillvalue),
                           image, kernel, fillvalue if boundary == "fill" else 0)


@given(st.data(), st.sampled_from(C_DTYPES), st.sampled_from(MODES),
       st.sampled_from(BOUNDARIES), st.sampled_from(sorted(FUNCTIONS)))
def test_stack_equals_loops(data, dtype, mode, boundary, name):
    ours, theirs = FUNCTIONS[name]
    batch, batch1, batch2 = data.draw(batch_shapes(), "batch shapes")
    in1 = data.draw(stacks(dtype, batch1, 8), "in1")
    in2 = data.draw(stacks(dtype, batch2, 5), "in2")
    kind = np.dtype(dtype).kind
    method = data.draw(st.sampled_from(["direct", "fft", "auto"] if kind in "fc" else
                                       ["direct", "auto"]), "method")
    fillvalue = data.draw(st.integers(0, 3), "fillvalue")  # every dtype holds it
    check_stack(ours, theirs, in1, in2, mode, boundary, fillvalue, method)


def test_shapes_of_the_documentation():
    rng = np.random.default_rng(7)
    images_, kernels = rng.random((5, 9, 8)), rng.random((5, 3, 3))
    one = rng.random((3, 3))
    assert ndkern.convolve2d(images_, one).shape == (5, 11, 10)       # a stack, one kernel
    assert ndkern.convolve2d(images_[0], kernels).shape == (5, 11, 10)  # one image, 5 kernels
    assert ndkern.convolve2d(images_, kernels, "valid").shape == (5, 7, 6)
    outer = ndkern.correlate2d(images_[:, None], kernels[None, :4], "same")
    assert outer.shape == (5, 4, 9, 8)
    for i in range(5):
        for j in range(4):
            assert_identical(outer[i, j], ndkern.correlate2d(images_[i], kernels[j], "same"))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_integer_fft_stack(name):
    """Integer 'fft' on a stack: exact, so equal to 'direct'."""
    ours = FUNCTIONS[name][0]
    rng = np.random.default_rng(3)
    in1, in2 = rng.integers(-50, 50, (4, 12, 10)), rng.integers(-9, 9, (4, 1, 5, 3))
    assert_identical(ours(in1, in2, "same", "symm", method="fft"),
                     ours(in1, in2, "same", "symm"))


def test_out_of_the_broadcast_shape():
    rng = np.random.default_rng(5)
    in1, in2 = rng.random((3, 1, 8, 7)).astype(np.float32), rng.random((4, 3, 2), np.float32)
    want = ndkern.convolve2d(in1, in2, "same")
    out = np.full((3, 4, 8, 7), np.nan, np.float32)
    assert ndkern.convolve2d(in1, in2, "same", out=out) is out
    assert_identical(out, want)
    strided = np.zeros((3, 8, 8, 14), np.float32)[:, ::2, :, ::2]
    ndkern.convolve2d(in1, in2, "same", out=strided)
    assert_identical(strided, want)
    flat = array.array("f", bytes(want.nbytes))
    assert ndkern.convolve2d(in1, in2, "same", out=flat) is flat
    assert_identical(np.frombuffer(flat, np.float32).reshape(want.shape), want)
    with pytest.raises(ValueError, match="shape"):
        ndkern.convolve2d(in1, in2, "same", out=np.empty((4, 8, 7), np.float32))
    with pytest.raises(TypeError, match="dtype"):
        ndkern.convolve2d(in1, in2, "same", out=np.empty(want.shape, np.float64))


def test_out_overlapping_an_input_gives_numpys_answer():
    rng = np.random.default_rng(6)
    stack = rng.random((4, 9, 9))
    want = ndkern.convolve2d(stack, np.ones((3, 3)), "same")
    ndkern.convolve2d(stack, np.ones((3, 3)), "same", out=stack)  # in place: copies first
    assert_identical(stack, want)


def test_bad_stacks_raise():
    with pytest.raises(ValueError, match="broadcast"):
        ndkern.convolve2d(np.ones((3, 5, 5)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        ndkern.convolve2d(np.ones((3, 5, 5)), np.ones(3))
    with pytest.raises(ValueError, match="large"):
        ndkern.correlate2d(np.ones((2, 2, 5)), np.ones((3, 2)), "valid")
    with pytest.raises(ValueError, match="mode"):
        ndkern.convolve2d(np.ones((3, 5, 5)), np.ones((2, 2)), "nearest")


def test_empty_stack():
    got = ndkern.convolve2d(np.ones((0, 5, 5)), np.ones((3, 3)), "same", "wrap")
    assert got.shape == (0, 5, 5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_dask_chunked_stack(mode, boundary):
    da = pytest.importorskip("dask.array")
    import ndkern.dask as nd
    rng = np.random.default_rng(8)
    stack, kernels = rng.random((5, 2, 23, 19)), rng.random((2, 4, 3))
    chunked = da.from_array(stack, chunks=(2, 1, 9, 7))
    for ours, chunked_ours in ((ndkern.convolve2d, nd.convolve2d),
                               (ndkern.correlate2d, nd.correlate2d)):
        want = ours(stack, kernels, mode, boundary, 0.5)
        got = chunked_ours(chunked, kernels, mode, boundary, 0.5)
        assert got.shape == want.shape and got.chunks[:2] == chunked.chunks[:2]
        np.testing.assert_allclose(got.compute(), want, rtol=1e-13, atol=1e-13)
    one_kernel = nd.convolve2d(chunked, kernels[0], mode, boundary).compute()
    np.testing.assert_allclose(one_kernel, ndkern.convolve2d(stack, kernels[0], mode, boundary),
                               rtol=1e-13, atol=1e-13)
    broadcast_image = nd.correlate2d(chunked[:, :1], kernels, mode, boundary).compute()
    np.testing.assert_allclose(broadcast_image,
                               ndkern.correlate2d(stack[:, :1], kernels, mode, boundary),
                               rtol=1e-13, atol=1e-13)
