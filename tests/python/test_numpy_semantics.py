"""NumPy's semantics at the edges: outputs NumPy accepts (zero strides,
overlap with an input or with themselves) leave NumPy's final memory, byte
for byte; sum_array's initial= and where= as numpy.sum; ndarray subclasses
wrapped as NumPy wraps them; masked arrays refused."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

try:
    from numpy.exceptions import TooHardError
except ImportError:  # NumPy < 1.25
    from numpy import TooHardError

import ndkern
from ndkern_testing import (BOOL, FLOAT_DTYPES, INT_DTYPES, assert_identical, axes,
                            fsum_reduce, normalized_axes, views)

_BUFFER_BYTES = 256


# ---------------------------------------------------------------- layouts in one buffer

@st.composite
def strided_view(draw, dtype, min_dims=0, max_dims=3, shape=None, min_side=1):
    """(offset, shape, byte strides) of a view of `dtype` inside a
    _BUFFER_BYTES buffer: any stride (0, negative, smaller than the item)."""
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                      max_side=5))
    strides = tuple(draw(st.sampled_from([0, 1, dtype.itemsize, -dtype.itemsize,
                                          dtype.itemsize * 5, 3, -7, 11])) for _ in shape)
    low = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides))
    high = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides)) + dtype.itemsize
    assume(high - low <= _BUFFER_BYTES)
    offset = draw(st.integers(-low, _BUFFER_BYTES - high))
    return offset, tuple(shape), strides


def view_of(buffer, dtype, layout):
    offset, shape, strides = layout
    return np.lib.stride_tricks.as_strided(_at(buffer, offset, dtype), shape, strides)


def _at(buffer, offset, dtype):
    """A one-element array of `dtype` at byte `offset` of `buffer` (unaligned allowed)."""
    return np.ndarray((1,), dtype, buffer=buffer, offset=offset)


def random_buffer(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).integers(0, 256, _BUFFER_BYTES, dtype=np.uint8)


def numpy_then_ndkern(numpy_call, ndkern_call, buffers):
    """Runs `numpy_call` on copies of `buffers`, skipping what NumPy rejects,
    and `ndkern_call` on other copies; returns (NumPy's, ndkern's) buffers."""
    want = [b.copy() for b in buffers]
    try:
        with np.errstate(all="ignore"):  # random bytes overflow; ndkern's flags are not tested here
            numpy_call(*want)
    except (ValueError, TypeError):
        assume(False)
    got = [b.copy() for b in buffers]
    ndkern_call(*got)
    return want, got


def order_dependent(out, x, one_dimensional_loop=False):
    """NumPy writes an `out` whose elements overlap each other (nonzero
    strides) directly unless it overlaps `x`, or always with a
    `one_dimensional_loop` (an elementwise function of 1-D arrays): what is
    left then depends on NumPy's loop order, buffering and alignment
    (README: differences from NumPy; a 1-D zero-stride out too)."""
    try:
        copied = np.shares_memory(out, x, max_work=1)
    except TooHardError:
        copied = True
    kept = [(n, s) for n, s in zip(out.shape, out.strides) if s != 0]
    starts = [sum(i * s for i, (n, s) in zip(index, kept))
              for index in np.ndindex(*(n for n, _ in kept))]
    covered = [b for start in starts for b in range(start, start + out.itemsize)]
    return (one_dimensional_loop or not copied) and len(set(covered)) < len(covered)


def broadcast(layout):
    """Whether a layout has a zero stride on an axis longer than 1."""
    return any(s == 0 and n > 1 for n, s in zip(layout[1], layout[2]))


def assert_same_bytes(want, got):
    for w, g in zip(want, got):
        assert w.tobytes() == g.tobytes(), (w, g)


# ---------------------------------------------------------------- sum_array: out layouts

def test_sum_zero_stride_out_overlapping_input_is_numpys():
    """The issue's example: a zero-stride out over the input."""
    def run(call, buffer):
        a = buffer[:7 * 13]
        call(a.reshape(7, 13), out=np.lib.stride_tricks.as_strided(a[2:], (7,), (0,)))
    want, got = (np.arange(7 * 13, dtype=np.int16) for _ in range(2))
    run(lambda x, out: np.add.reduce(x, axis=1, out=out), want)
    run(lambda x, out: ndkern.sum_array(x, axis=1, out=out), got)
    assert_same_bytes([want], [got])


def test_sum_zero_stride_out_apart_from_input_accumulates_as_numpy():
    x = np.arange(7 * 13, dtype=np.int16).reshape(7, 13)
    want, got = np.full(1, 5, np.int64), np.full(1, 5, np.int64)
    np.add.reduce(x, axis=1, out=np.lib.stride_tricks.as_strided(want, (7,), (0,)))
    ndkern.sum_array(x, axis=1, out=np.lib.stride_tricks.as_strided(got, (7,), (0,)))
    assert_same_bytes([want], [got])


@given(st.data(), st.sampled_from(INT_DTYPES), st.sampled_from(INT_DTYPES),
       st.booleans(), st.booleans())
def test_sum_out_layouts_match_numpy_bytes(data, dtype, out_dtype, keepdims, same_buffer):
    """Any out NumPy accepts, in the input's buffer or apart: same final bytes.
    (uint64 input with a signed out makes NumPy sum in float64: not here;
    bool is left out as random bytes are not all 0/1.)"""
    assume(np.result_type(dtype, out_dtype).kind in "iub")
    x_layout = data.draw(strided_view(dtype))
    axis = data.draw(axes(len(x_layout[1])))
    reduced = normalized_axes(axis, len(x_layout[1]))
    out_shape = tuple(1 if i in reduced else n for i, n in enumerate(x_layout[1])
                      if keepdims or i not in reduced)
    out_layout = data.draw(strided_view(out_dtype, shape=out_shape))
    buffers = [random_buffer(data.draw)] + ([] if same_buffer else [random_buffer(data.draw)])

    assume(not order_dependent(view_of(buffers[-1], out_dtype, out_layout),
                               view_of(buffers[0], dtype, x_layout)))
    # README, differences from NumPy: there NumPy's iterator order decides.
    assume(not broadcast(out_layout) or (reduced and not broadcast(x_layout)))
    def call(function):
        def run(*buffers):
            x = view_of(buffers[0], dtype, x_layout)
            function(x, axis=axis, keepdims=keepdims, out=view_of(buffers[-1], out_dtype, out_layout))
        return run
    assert_same_bytes(*numpy_then_ndkern(call(np.sum), call(ndkern.sum_array), buffers))


# ---------------------------------------------------------------- square_array / convolve2d

@given(st.data(), st.sampled_from(INT_DTYPES + FLOAT_DTYPES), st.booleans())
def test_square_out_layouts_match_numpy_bytes(data, dtype, same_buffer):
    x_layout = data.draw(strided_view(dtype))
    out_layout = data.draw(strided_view(dtype, shape=x_layout[1]))
    buffers = [random_buffer(data.draw)] + ([] if same_buffer else [random_buffer(data.draw)])

    assume(not order_dependent(view_of(buffers[-1], dtype, out_layout),
                               view_of(buffers[0], dtype, x_layout), len(x_layout[1]) <= 1))
    assume(len(x_layout[1]) > 1 or not broadcast(out_layout))  # the same for zero strides

    def call(function):
        def run(*buffers):
            function(view_of(buffers[0], dtype, x_layout),
                     out=view_of(buffers[-1], dtype, out_layout))
        return run
    assert_same_bytes(*numpy_then_ndkern(call(np.square), call(ndkern.square_array), buffers))


@given(st.data(), st.sampled_from([np.dtype(np.int32), np.dtype(np.int64)]),
       st.sampled_from(["full", "same", "valid"]), st.booleans())
def test_convolve_out_is_compute_then_assign(data, dtype, mode, correlate):
    """scipy.signal.convolve2d has no out=; ndkern's is defined as computing
    the result from the inputs as they were, then ``out[...] = result``."""
    image_layout = data.draw(strided_view(dtype, min_dims=2, max_dims=2))
    kernel_layout = data.draw(strided_view(dtype, min_dims=2, max_dims=2))
    scipy_function = signal.correlate2d if correlate else signal.convolve2d
    ndkern_function = ndkern.correlate2d if correlate else ndkern.convolve2d
    shape_of = {"same": image_layout[1], "full": tuple(
        m + n - 1 for m, n in zip(image_layout[1], kernel_layout[1])),
        "valid": tuple(abs(m - n) + 1 for m, n in zip(image_layout[1], kernel_layout[1]))}
    if mode == "valid":
        larger = [all(m >= n for m, n in zip(*pair)) for pair in
                  ((image_layout[1], kernel_layout[1]), (kernel_layout[1], image_layout[1]))]
        assume(any(larger))
    out_layout = data.draw(strided_view(dtype, shape=shape_of[mode]))
    buffer = random_buffer(data.draw)

    def assign(buffer):
        image, kernel = (view_of(buffer, dtype, layout).copy()
                         for layout in (image_layout, kernel_layout))
        view_of(buffer, dtype, out_layout)[...] = scipy_function(image, kernel, mode)

    def run(buffer):
        ndkern_function(view_of(buffer, dtype, image_layout), view_of(buffer, dtype, kernel_layout),
                        mode, out=view_of(buffer, dtype, out_layout))
    assert_same_bytes(*numpy_then_ndkern(assign, run, [buffer]))


# ---------------------------------------------------------------- initial= and where=

@st.composite
def where_masks(draw, shape):
    """A `where` argument broadcastable to `shape`: True, a bool array of
    `shape` or of a broadcastable shape (leading axes dropped, length 1)."""
    kind = draw(st.sampled_from(["full", "broadcast", "scalar"]))
    if kind == "scalar":
        return draw(st.booleans())
    if kind == "broadcast" and shape:
        shape = tuple(1 if draw(st.booleans()) else n for n in shape)[draw(st.integers(0, len(shape))):]
    return draw(hnp.arrays(BOOL, shape))


@given(st.data(), st.sampled_from(INT_DTYPES + [BOOL]), st.booleans())
def test_integer_initial_where_match_numpy(data, dtype, keepdims):
    x = data.draw(views(dtype, max_dims=4))
    axis = data.draw(axes(x.ndim))
    where = data.draw(where_masks(x.shape))
    initial = data.draw(st.one_of(st.none(), st.integers(-1000, 1000)))
    result_dtype = data.draw(st.sampled_from([None, np.int64, np.int32, np.uint16]))
    kwargs = dict(axis=axis, keepdims=keepdims, where=where, dtype=result_dtype)
    if initial is not None:
        kwargs["initial"] = initial
    try:
        want = np.sum(x, **kwargs)
    except OverflowError:  # a negative initial for an unsigned sum
        with pytest.raises(OverflowError):
            ndkern.sum_array(x, **kwargs)
        return
    assert_identical(ndkern.sum_array(x, **kwargs), want)


@given(st.data(), st.sampled_from(FLOAT_DTYPES), st.booleans())
def test_float_initial_where_match_fsum(data, dtype, keepdims):
    x = data.draw(views(dtype, max_dims=3, finite=True))
    axis = data.draw(axes(x.ndim))
    where = data.draw(where_masks(x.shape))
    initial = data.draw(st.floats(-1e3, 1e3, width=32))
    got = ndkern.sum_array(x, axis=axis, keepdims=keepdims, where=where, initial=initial)
    want = np.sum(x, axis=axis, keepdims=keepdims, where=where, initial=initial)
    assert type(got) is type(want) and np.asarray(got).dtype == np.asarray(want).dtype
    assert np.shape(got) == np.shape(want)
    selected = np.where(np.broadcast_to(where, x.shape), x, 0)
    exact, magnitude = fsum_reduce(selected, axis)
    exact, magnitude = exact + initial, magnitude + abs(initial)
    got_kept = np.reshape(got, exact.shape).astype(np.float64)
    eps = np.finfo(dtype).eps
    # one rounding of the sum, one of adding initial: within 2 eps of sum|x| + |initial|
    assert np.all(np.abs(got_kept - exact) <= 2 * eps * magnitude), (got_kept, exact)


@pytest.mark.parametrize("out_dtype", [np.int64, np.int16])
def test_where_and_initial_into_out_match_numpy(out_dtype):
    x = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    where = np.array([True, False, True, True])
    want, got = np.full((2, 3), 99, out_dtype), np.full((2, 3), 99, out_dtype)
    np.sum(x, axis=2, where=where, initial=-7, out=want)
    ndkern.sum_array(x, axis=2, where=where, initial=-7, out=got)
    assert_identical(got, want)


def _outcome(call):
    """The exception type `call` raises, else its result as a Python value."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy 1.x deprecation of out-of-range initial
            return ("value", np.asarray(call()).tolist())
    except Exception as error:  # the type is what is compared
        return ("raises", type(error))


def test_where_and_initial_errors_are_numpys():
    """Bad where= and an initial out of the dtype's range: NumPy's outcome
    (NumPy 2 raises OverflowError for initial=300 into int8; NumPy 1.x
    wraps it with a DeprecationWarning)."""
    x = np.arange(6, dtype=np.int8).reshape(2, 3)
    for kwargs in [dict(where=np.array([1, 0, 1])), dict(where=np.ones((2, 2, 3), bool)),
                   dict(dtype=np.int8, initial=300)]:
        want = _outcome(lambda: np.sum(x, **kwargs))
        assert _outcome(lambda: ndkern.sum_array(x, **kwargs)) == want, kwargs
    assert _outcome(lambda: np.sum(x, where=np.array([1, 0, 1])))[0] == "raises"


def test_where_all_false_gives_initial_or_zero():
    x = np.full((3, 4), np.nan)
    assert_identical(ndkern.sum_array(x, axis=1, where=False), np.sum(x, axis=1, where=False))
    assert_identical(ndkern.sum_array(x, where=False, initial=2.5),
                     np.sum(x, where=False, initial=2.5))


# ---------------------------------------------------------------- subclasses

class Tagged(np.ndarray):
    """A subclass that keeps its type through ufuncs, as NumPy wraps results."""


@given(st.data(), st.sampled_from(INT_DTYPES + FLOAT_DTYPES))
def test_subclass_results_are_wrapped_as_numpy(data, dtype):
    x = data.draw(views(dtype, max_dims=3, finite=True)).view(Tagged)
    axis = data.draw(axes(x.ndim))
    for got, want in [(ndkern.square_array(x), np.square(x)),
                      (ndkern.sum_array(x, axis=axis), np.sum(x, axis=axis))]:
        assert type(got) is type(want)
        if dtype.kind in "iu":
            np.testing.assert_array_equal(got, want)


def test_subclass_out_is_returned():
    x = np.arange(6.0).reshape(2, 3).view(Tagged)
    out = np.empty(3).view(Tagged)
    assert ndkern.sum_array(x, axis=0, out=out) is out
    np.testing.assert_array_equal(out, np.sum(np.asarray(x), axis=0))


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_matrix_is_wrapped_as_a_ufunc_reduction():
    """np.matrix keeps 2-D results as np.add.reduce returns them (its own
    .sum method, which np.sum calls, reshapes axis=1 to a column)."""
    m = np.matrix(np.arange(6).reshape(2, 3))
    for axis in (0, 1):
        got, want = ndkern.sum_array(m, axis=axis), np.add.reduce(m, axis=axis)
        assert type(got) is np.matrix
        np.testing.assert_array_equal(got, want)
    assert_identical(ndkern.square_array(m), np.square(m))


@pytest.mark.parametrize("function", [ndkern.sum_array, ndkern.square_array])
def test_masked_arrays_are_refused_not_unmasked(function):
    x = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    with pytest.raises(TypeError, match="masked"):
        function(x)
