"""Floating-point errors: ndkern under np.errstate/np.seterr against NumPy.

Each case runs ndkern and NumPy under the same error state and compares what
the error state made happen: warnings (category, text), the exception
raised, 'call' handler arguments, 'log' writes and 'print' output.  The
inputs are those where NumPy's flags do not depend on its summation order
(ndkern's order differs, see README "Floating-point errors"); the cases
where the orders give different flags are tested as documented.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import ndkern
from ndkern._library import lib

MODES = ["ignore", "warn", "raise", "call", "print", "log"]
KINDS = ["divide", "over", "under", "invalid"]
FLOATS = [np.float16, np.float32, np.float64, np.complex64, np.complex128]


class _Log:
    def __init__(self, events):
        self.events = events

    def write(self, text):
        self.events.append(("log", text))


def outcome(function, errstate, capfd):
    """What `function()` does under `errstate`: (events, exception, result)."""
    events = []
    handler = _Log(events) if "log" in errstate.values() else \
        (lambda kind, flags: events.append(("call", kind, flags)))
    capfd.readouterr()
    result = exception = None
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(**errstate, call=handler):
        warnings.simplefilter("always")
        try:
            result = function()
        except FloatingPointError as error:
            exception = (type(error), str(error))
    events += [("warning", w.category, str(w.message)) for w in caught]
    printed = capfd.readouterr().err
    if printed:
        events.append(("print", printed))
    return events, exception, result


def assert_same_handling(ours, numpy, errstate, capfd):
    got_events, got_exception, got = outcome(ours, errstate, capfd)
    want_events, want_exception, want = outcome(numpy, errstate, capfd)
    assert got_events == want_events
    assert got_exception == want_exception
    if want_exception is None:
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


errstates = st.fixed_dictionaries({kind: st.sampled_from(MODES) for kind in KINDS}).filter(
    lambda state: not ({"call", "log"} <= set(state.values())))  # one handler object


def _complex(real, imag, dtype):
    z = np.zeros(len(real), dtype)
    z.real, z.imag = real, imag
    return z


# Values whose squares raise each exception, and quiet/signalling NaN.
def _square_values(dtype):
    real = np.dtype(dtype).char.lower() if np.dtype(dtype).kind == "c" else dtype
    info = np.finfo(real)
    huge, tiny = float(np.sqrt(info.max)) * 2, float(np.sqrt(info.tiny)) / 4
    return st.sampled_from([0.0, 1.5, -3.0, huge, -huge, tiny, -tiny, float(info.max),
                            float(info.smallest_subnormal), np.inf, -np.inf, np.nan])


# capfd collects what 'print' writes; it is read and reset for every example.
per_example = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@per_example
@given(st.data(), st.sampled_from(FLOATS), errstates)
def test_square_matches_numpy(capfd, data, dtype, errstate):
    values = data.draw(st.lists(_square_values(dtype), min_size=0, max_size=40))
    x = np.array(values, dtype=np.float64).astype(dtype)
    if x.dtype.kind == "c":
        imag = data.draw(st.lists(_square_values(dtype), min_size=len(values),
                                  max_size=len(values)))
        # Complex: a finite part beside an infinite one takes NumPy's other
        # formulas (inf * 0 and the like); the exceptions of those are not
        # part of numpy.square's contract, so both parts are finite or
        # both are inf/NaN.
        assume(all(np.isfinite(r) == np.isfinite(i) for r, i in zip(values, imag)))
        # Where a*a and b*b both overflow, a fused a*a - b*b is -inf, the
        # plain one inf - inf = NaN (invalid): which one NumPy's loop uses
        # depends on the CPU (see README).
        big = float(np.sqrt(np.finfo(x.real.dtype).max))
        assume(not any(abs(r) > big and abs(i) > big and np.isfinite(r)
                       for r, i in zip(values, imag)))
        x = _complex(values, imag, dtype)
    step = data.draw(st.sampled_from([1, -1, 2]))
    x = x[::step]
    assert_same_handling(lambda: ndkern.square_array(x), lambda: np.square(x),
                         errstate, capfd)


def _sum_values(dtype, huge_sign):
    real = np.dtype(dtype).char.lower() if np.dtype(dtype).kind == "c" else dtype
    huge = float(np.finfo(real).max) * 0.9 * huge_sign
    return st.sampled_from([0.0, 1.0, -2.5, 1e-3, huge, np.inf, -np.inf, np.nan])


@per_example
@given(st.data(), st.sampled_from(FLOATS), errstates, st.sampled_from([1, -1]))
def test_sum_matches_numpy(capfd, data, dtype, errstate, huge_sign):
    shape = data.draw(st.sampled_from([(0,), (1,), (2,), (7,), (33,), (3, 5), (4, 2, 3)]))
    n = int(np.prod(shape))
    values = np.array(data.draw(st.lists(_sum_values(dtype, huge_sign), min_size=n,
                                         max_size=n)), dtype=np.float64)
    real = np.dtype(dtype).char.lower() if np.dtype(dtype).kind == "c" else dtype
    huge = np.isfinite(values) & (np.abs(values) > float(np.finfo(real).max) / 2)
    # Where NumPy's pairwise order and ndkern's could raise different flags:
    # a NaN beside both infinities (inf - inf before or after the NaN), two
    # huge values beside an infinity or a NaN (they overflow or not first).
    assume(not (np.isnan(values).any() and np.isposinf(values).any()
                and np.isneginf(values).any()))
    assume(not (huge.sum() >= 2 and not np.isfinite(values).all()))
    x = values.astype(dtype).reshape(shape)  # complex: real parts; the imaginary sums are 0
    axis = data.draw(st.sampled_from([None, 0, -1]))
    if axis is not None and x.ndim > 1 and huge.sum() >= 2:
        # every reduction then must hold all of them or at most one
        assume(huge.sum() == n or huge.reshape(shape).sum(axis=axis).max() < 2)
    assert_same_handling(lambda: ndkern.sum_array(x, axis=axis),
                         lambda: np.sum(x, axis=axis), errstate, capfd)


@pytest.mark.parametrize("errstate", [{"all": mode} for mode in MODES])
@pytest.mark.parametrize("function, ours, numpy", [
    ("sum overflow", lambda: ndkern.sum_array(np.array([1e308, 1e308])),
     lambda: np.sum(np.array([1e308, 1e308]))),
    ("sum invalid", lambda: ndkern.sum_array(np.array([np.inf, 1.0, -np.inf])),
     lambda: np.sum(np.array([np.inf, 1.0, -np.inf]))),
    ("float16 sum", lambda: ndkern.sum_array(np.array([6e4, 6e4], np.float16)),
     lambda: np.sum(np.array([6e4, 6e4], np.float16))),
    ("float16 square", lambda: ndkern.square_array(np.float16(1e3)),
     lambda: np.square(np.float16(1e3))),
    ("square over+under", lambda: ndkern.square_array(np.array([1e200, 1e-200])),
     lambda: np.square(np.array([1e200, 1e-200]))),
    ("sum to float32 out", lambda: ndkern.sum_array(np.array([3e38, 3e38], np.float32), axis=0,
                                                     out=np.zeros((), np.float32)),
     lambda: np.sum(np.array([3e38, 3e38], np.float32), axis=0, out=np.zeros((), np.float32))),
])
def test_each_mode(capfd, function, ours, numpy, errstate):
    assert_same_handling(ours, numpy, errstate, capfd)


def test_missing_handlers_raise_as_numpy():
    x = np.array([1e308, 1e308])
    for mode in ("call", "log"):
        messages = []
        for function in (ndkern.sum_array, np.sum):
            with np.errstate(over=mode, call=None), pytest.raises(NameError) as error:
                function(x)
            messages.append(str(error.value))
        assert messages[0] == messages[1]


def test_warning_points_at_the_caller():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ndkern.square_array(np.array([1e300]))
        ndkern.sum_array(np.array([1e308, 1e308]), axis=0)
    assert [w.filename for w in caught] == [__file__, __file__]


def test_integer_results_report_nothing():
    with np.errstate(all="raise"):
        assert ndkern.sum_array(np.array([2**62, 2**62], np.int64)) == np.sum(
            np.array([2**62, 2**62], np.int64))
        ndkern.square_array(np.array([2**40], np.int64))
    assert lib.ndkern_fp_exceptions() == 0


# Documented differences: ndkern's sum order is not NumPy's.
def test_exact_float32_sum_does_not_overflow():
    x = np.array([3e38, 3e38, -3e38], np.float32)
    with np.errstate(over="raise"):
        assert ndkern.sum_array(x) == np.float32(3e38)
        with pytest.raises(FloatingPointError, match="overflow encountered in reduce"):
            np.sum(x)


def test_flags_do_not_depend_on_threads():
    """Big enough for 3 threads; the exceptions are in the last elements."""
    to_sum = np.full(3_000_000, 1.0)
    to_sum[-3:] = [np.inf, -np.inf, 1.0]
    to_square = np.full(1_000_000, 1.0)
    to_square[-1] = 1e200
    for threads in (1, 2, 3):
        seen = []
        with ndkern.threads(threads), np.errstate(all="call", call=lambda *a: seen.append(a)):
            ndkern.sum_array(to_sum)
            ndkern.square_array(to_square)
        assert seen == [("invalid value", lib.NDKERN_FP_INVALID),
                        ("overflow", lib.NDKERN_FP_OVERFLOW)]
