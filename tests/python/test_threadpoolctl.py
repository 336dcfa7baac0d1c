"""ndkern's threads under threadpoolctl: listed by threadpool_info() and
limited by threadpool_limits(); ndkern still imports without threadpoolctl."""

import os
import subprocess
import sys

import numpy as np
import pytest

import ndkern

PACKAGE_PARENT = os.path.dirname(os.path.dirname(ndkern.__file__))


@pytest.fixture(autouse=True)
def restore_default_threads():
    yield
    ndkern.set_num_threads(0)


def test_ndkern_imports_without_threadpoolctl():
    code = ("import sys; sys.modules['threadpoolctl'] = None\n"
            "import ndkern, ndkern._threadpoolctl as t\n"
            "print(t.registered); ndkern.show_config()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False") and "threadpoolctl  not available" in result.stdout


@pytest.fixture
def threadpoolctl():
    # pyshim/requirements-dev.txt installs it; the NumPy 1.x suite of
    # tests/ci/robustness.sh runs without it.
    return pytest.importorskip("threadpoolctl")


def ndkern_pools(threadpoolctl):
    return [pool for pool in threadpoolctl.threadpool_info() if pool["internal_api"] == "ndkern"]


def test_threadpoolctl_sees_ndkern(threadpoolctl):
    ndkern.set_num_threads(3)
    (pool,) = ndkern_pools(threadpoolctl)
    assert os.path.realpath(pool["filepath"]) == os.path.realpath(ndkern.library_path)
    assert pool["num_threads"] == 3 and pool["version"] == ndkern.__version__
    assert pool["user_api"] == "ndkern"


@pytest.mark.parametrize("user_api", [None, "ndkern"])
def test_threadpool_limits_governs_ndkern(threadpoolctl, user_api):
    ndkern.set_num_threads(3)
    x = np.random.default_rng(1).standard_normal((1024, 1024))
    expected = ndkern.sum_array(x, axis=0)
    with threadpoolctl.threadpool_limits(limits=1, user_api=user_api):
        assert ndkern.get_num_threads() == 1
        assert ndkern_pools(threadpoolctl)[0]["num_threads"] == 1
        np.testing.assert_array_equal(ndkern.sum_array(x, axis=0), expected)
    assert ndkern.get_num_threads() == 3
