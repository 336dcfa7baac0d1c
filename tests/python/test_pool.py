"""The library's persistent worker pool seen from Python: many Python threads
calling at once, fork (os.fork and multiprocessing's 'fork' context), and
interpreter exit while the pool is busy or idle.  Every wait is bounded: a
deadlock fails the test instead of hanging the run."""

import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import numpy as np
import pytest
from scipy import signal

import ndkern
from ndkern_testing import assert_matches, random_values

TIMEOUT = 120  # seconds; generous for sanitizer builds on a busy machine
N_THREADS = 8


@pytest.fixture(autouse=True)
def restore_default():
    yield
    ndkern.set_num_threads(0)


@pytest.fixture(scope="module")
def work():
    """Inputs large enough to be split over threads, and their results with
    one thread (the reference every threaded result must equal bit for bit)."""
    rng = np.random.default_rng(10)
    inputs = (random_values(rng, np.float64, (2_200_000,), finite=True),
              random_values(rng, np.float64, (700, 1500), finite=True),
              random_values(rng, np.float32, (400, 400), finite=True),
              random_values(rng, np.float32, (7, 7), finite=True))
    with ndkern.threads(1):
        want = compute(inputs)
    assert_matches(want[2], signal.convolve2d(inputs[2], inputs[3], "same", "symm"),
                   inputs[2], inputs[3])
    return inputs, want


def compute(inputs):
    x, matrix, image, kernel = inputs
    return (ndkern.sum_array(x), ndkern.sum_array(matrix, axis=0),
            ndkern.convolve2d(image, kernel, "same", "symm"))


def assert_same(got, want):
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def run_in_threads(target, count):
    """Runs target() on `count` daemon threads at once; returns the errors.
    Daemon threads: a deadlocked one cannot keep the test run alive."""
    errors = []
    start = threading.Barrier(count)

    def body():
        try:
            start.wait(TIMEOUT)
            target()
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=body, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a caller thread hangs"
    return errors


@pytest.mark.parametrize("resize", [False, True])
def test_python_threads_at_once_match_one_thread(work, resize):
    inputs, want = work
    ndkern.set_num_threads(2)
    done = threading.Event()

    def calls():
        for _ in range(3):
            assert_same(compute(inputs), want)

    def resizer():
        counts = (1, 3, 2, 8, 0, 4)
        for i in range(10_000):
            if done.is_set():
                return
            ndkern.set_num_threads(counts[i % len(counts)])
            time.sleep(0.001)

    changer = threading.Thread(target=resizer, daemon=True)
    if resize:
        changer.start()
    try:
        errors = run_in_threads(calls, N_THREADS)
    finally:
        done.set()
    if resize:
        changer.join(TIMEOUT)
    assert errors == []


def wait_for_child(pid):
    """The exit status of child `pid`, killing it if it outlives TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail(f"fork child {pid} did not finish in {TIMEOUT} s")


def busy_caller(inputs, stop):
    """Keeps the pool busy from another thread until `stop` is set."""
    def loop():
        while not stop.is_set():
            compute(inputs)
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def test_os_fork_while_another_thread_uses_the_pool(work):
    inputs, want = work
    ndkern.set_num_threads(2)
    compute(inputs)  # the pool is started
    stop = threading.Event()
    caller = busy_caller(inputs, stop)
    try:
        for delay in (0.0, 0.003, 0.011):
            time.sleep(delay)
            with warnings.catch_warnings():  # fork with threads: intended here
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                status = 1
                try:
                    assert_same(compute(inputs), want)
                    status = 0
                finally:
                    os._exit(status)
            assert wait_for_child(pid) == 0
    finally:
        stop.set()
        caller.join(TIMEOUT)
    assert_same(compute(inputs), want)


def child_results(inputs, connection):
    connection.send(compute(inputs))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="this platform has no fork")
def test_multiprocessing_fork_context(work):
    inputs, want = work
    ndkern.set_num_threads(2)
    compute(inputs)
    context = multiprocessing.get_context("fork")
    stop = threading.Event()
    caller = busy_caller(inputs, stop)
    try:
        for _ in range(2):
            receiver, sender = context.Pipe(duplex=False)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                child = context.Process(target=child_results, args=(inputs, sender))
                child.start()
            assert receiver.poll(TIMEOUT), "the fork child sent no result"
            assert_same(receiver.recv(), want)
            child.join(TIMEOUT)
            assert child.exitcode == 0
    finally:
        stop.set()
        caller.join(TIMEOUT)


EXIT_SCRIPT = textwrap.dedent("""
    import os, sys, threading
    import numpy as np
    import ndkern
    from ndkern import _library

    ndkern.set_num_threads(2)
    x = np.linspace(0.0, 1.0, 3_000_000)
    image = np.ones((500, 500), np.float32)
    kernel = np.ones((7, 7), np.float32)
    ndkern.sum_array(x)

    def calls():
        while True:
            ndkern.sum_array(x)
            ndkern.convolve2d(image, kernel, "same")

    if sys.argv[1] == "busy":
        for _ in range(3):
            threading.Thread(target=calls, daemon=True).start()
    elif sys.argv[1] == "dlclose":
        # The library stays mapped (linked -z nodelete): its helper threads
        # sleep in its code.
        _library.ffi.dlclose(_library.lib)
        with open("/proc/self/maps") as maps:
            assert os.path.realpath(_library.library_path) in maps.read()
    print("exiting", flush=True)
""")


@pytest.mark.parametrize("state", ["idle", "busy", "dlclose"])
def test_interpreter_exits_with_the_pool_running(state):
    if state == "dlclose" and not os.path.exists("/proc/self/maps"):
        pytest.skip("/proc/self/maps is Linux-only")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(ndkern.__file__)))
    result = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, state], env=env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "exiting\n"
