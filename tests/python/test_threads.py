"""Thread setting, the threads() context manager, and thread-count independence."""

import numpy as np
import pytest
from scipy import signal

import ndkern
from ndkern_testing import assert_matches, random_values


@pytest.fixture(autouse=True)
def restore_default():
    yield
    ndkern.set_num_threads(0)


def test_set_and_get():
    ndkern.set_num_threads(3)
    assert ndkern.get_num_threads() == 3
    ndkern.set_num_threads(np.int64(1))
    assert ndkern.get_num_threads() == 1
    ndkern.set_num_threads(0)
    assert ndkern.get_num_threads() >= 1


@pytest.mark.parametrize("bad", [-1, 1025, 2**40])
def test_bad_counts_raise_value_error(bad):
    ndkern.set_num_threads(2)
    with pytest.raises(ValueError):
        ndkern.set_num_threads(bad)
    assert ndkern.get_num_threads() == 2


@pytest.mark.parametrize("bad", [2.5, "4", None])
def test_non_integers_raise_type_error(bad):
    with pytest.raises(TypeError):
        ndkern.set_num_threads(bad)


def test_context_manager_restores_previous_value():
    ndkern.set_num_threads(2)
    with ndkern.threads(1):
        assert ndkern.get_num_threads() == 1
        with ndkern.threads(4):
            assert ndkern.get_num_threads() == 4
        assert ndkern.get_num_threads() == 1
    assert ndkern.get_num_threads() == 2
    with pytest.raises(KeyError):
        with ndkern.threads(3):
            raise KeyError("inside")
    assert ndkern.get_num_threads() == 2
    with pytest.raises(ValueError):
        with ndkern.threads(-5):
            pass
    assert ndkern.get_num_threads() == 2


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(9)
    x = random_values(rng, np.float64, (1024, 2048), finite=True)
    image = random_values(rng, np.float32, (700, 600), finite=True)
    kernel = random_values(rng, np.float32, (7, 6), finite=True)
    results = []
    for count in (1, 2, 3):
        with ndkern.threads(count):
            results.append((ndkern.sum_array(x), ndkern.sum_array(x, axis=0),
                            ndkern.sum_array(x[::-1].T, axis=0),
                            ndkern.convolve2d(image, kernel, "same", "symm")))
    for other in results[1:]:
        for first, second in zip(results[0], other):
            np.testing.assert_array_equal(first, second)
    assert_matches(results[0][3], signal.convolve2d(image, kernel, "same", "symm"), image, kernel)


def test_simd_level():
    assert ndkern.simd_level() in ("baseline", "avx2", "avx512")
