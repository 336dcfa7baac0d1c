"""ndkern.show_config(), python -m ndkern info and thread_source()."""

import contextlib
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ndkern
from ndkern import _config, _library

PACKAGE_PARENT = os.path.dirname(os.path.dirname(ndkern.__file__))


@pytest.fixture(autouse=True)
def restore_default_threads():
    yield
    ndkern.set_num_threads(0)


def run_python(args, **env_changes):
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_show_config_names_what_was_loaded():
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        ndkern.show_config()
    text = shown.getvalue()
    for fact in (ndkern.__version__, ndkern.library_path, ndkern.header_path,
                 _library.library_found_by, _library.header_found_by,
                 f"SIMD in use    {ndkern.simd_level()}",
                 f"threads        {ndkern.get_num_threads()} (source: {ndkern.thread_source()})"):
        assert fact in text


def test_info_command_json_matches_the_package():
    result = run_python(["-m", "ndkern", "info", "--json"])
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["package"]["version"] == facts["library"]["version"] == \
        facts["header"]["version"] == ndkern.__version__
    assert facts["library"]["path"] == ndkern.library_path
    assert facts["library"]["found_by"] == _library.library_found_by
    assert facts["simd"]["in_use"] == ndkern.simd_level()
    text = run_python(["-m", "ndkern", "info"])
    assert text.returncode == 0 and ndkern.library_path in text.stdout


def test_the_level_in_use_is_one_the_cpu_offers():
    offered = _config.cpu_simd_levels()
    if offered is None:
        pytest.skip("no /proc/cpuinfo on this system")
    assert offered[0] == "baseline"
    assert ndkern.simd_level() in offered


def test_thread_source_follows_the_setting():
    ndkern.set_num_threads(0)
    default = ndkern.thread_source()
    assert default in ("default", "NDKERN_NUM_THREADS")
    ndkern.set_num_threads(3)
    assert ndkern.thread_source() == "set_num_threads"
    with ndkern.threads(1):
        assert ndkern.thread_source() == "set_num_threads"
    assert ndkern.get_num_threads() == 3
    ndkern.set_num_threads(0)
    assert ndkern.thread_source() == default
    with ndkern.threads(2):  # restores the default, not a copy of its count
        pass
    assert ndkern.thread_source() == default


@pytest.mark.parametrize("value, count, source", [
    ("3", 3, "NDKERN_NUM_THREADS"), ("0", None, "default"), ("two", None, "default"),
    (None, None, "default")])
def test_thread_source_from_the_environment(value, count, source):
    code = "import ndkern; print(ndkern.get_num_threads(), ndkern.thread_source())"
    result = run_python(["-c", code], NDKERN_NUM_THREADS=value)
    assert result.returncode == 0, result.stderr
    got_count, got_source = result.stdout.split()
    assert got_source == source
    assert int(got_count) == (count or os.cpu_count())
