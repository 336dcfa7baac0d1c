"""Finding and loading libndkern and ndkern.h; status codes -> exceptions."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ndkern
from ndkern import _errors, _header, _library
from ndkern._library import ffi, lib

PACKAGE_DIR = Path(ndkern.__file__).resolve().parent


def run_python(code, env_changes, cwd=None, package_parent=None):
    env = dict(os.environ)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["PYTHONPATH"] = str(package_parent or PACKAGE_DIR.parent)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_version_matches_the_header():
    text = Path(ndkern.header_path).read_text()
    parts = [re.search(rf"#define NDKERN_VERSION_{part}\s+(\d+)", text).group(1)
             for part in ("MAJOR", "MINOR", "PATCH")]
    assert ndkern.__version__ == ".".join(parts)


def test_cdef_is_the_header_block_without_comments():
    text = ("#define OUTSIDE 1\n/* NDKERN_CDEF_BEGIN */\n/* doc */\n#define N 3  /* trailing */\n"
            "// line comment\nNDKERN_API int f(const int64_t *s);\n/* NDKERN_CDEF_END */\n"
            "int after(void);")
    cdef = _header.cdef_from_header(text)
    assert "OUTSIDE" not in cdef and "after" not in cdef
    assert "/*" not in cdef and "//" not in cdef and "NDKERN_API" not in cdef
    assert "#define N 3" in cdef and "int f(const int64_t *s);" in cdef
    with pytest.raises(ImportError, match="NDKERN_CDEF"):
        _header.cdef_from_header("int f(void);")


def test_every_exported_function_is_declared():
    for name in ("square_array", "sum_array", "convolve2d", "ndkern_correlate2d",
                 "ndkern_strerror", "ndkern_version", "ndkern_dtype_size",
                 "ndkern_set_num_threads", "ndkern_get_num_threads", "ndkern_simd_level"):
        assert callable(getattr(lib, name))
    assert lib.NDKERN_MAX_NDIM == 64
    assert [lib.ndkern_dtype_size(code) for code in range(12)] == [
        1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 8, 16]


@pytest.mark.parametrize("status, exception", [
    (lib.NDKERN_EINVAL, ValueError), (lib.NDKERN_ESHAPE, ValueError),
    (lib.NDKERN_EOVERFLOW, ValueError), (lib.NDKERN_EOVERLAP, ValueError),
    (lib.NDKERN_EDTYPE, TypeError), (lib.NDKERN_ENOMEM, MemoryError), (-99, RuntimeError)])
def test_status_codes_become_exceptions(status, exception):
    message = ffi.string(lib.ndkern_strerror(status)).decode()
    assert message
    with pytest.raises(exception) as raised:
        _errors.check_status(status, "some_function")
    assert type(raised.value) is exception
    assert str(raised.value).startswith("some_function: " + message)
    name = ffi.string(lib.ndkern_status_name(status)).decode()
    assert f"({name}, libndkern status {status})" in str(raised.value)
    _errors.check_status(lib.NDKERN_OK, "some_function")  # no exception


def test_errors_without_status_names(tmp_path):
    """A header from before ndkern_status_name: errors still carry the message."""
    text = Path(ndkern.header_path).read_text()
    header = tmp_path / "ndkern.h"
    header.write_text(re.sub(r"NDKERN_API const char \*ndkern_status_name\(int code\);", "", text))
    result = run_python("from ndkern._errors import check_status\ntry:\n"
                        "    check_status(-1, 'f')\nexcept ValueError as e:\n    print(e)",
                        {"NDKERN_HEADER": str(header)})
    assert result.returncode == 0, result.stderr
    message = ffi.string(lib.ndkern_strerror(-1)).decode()
    assert result.stdout.splitlines()[-1] == f"f: {message} (libndkern status -1)"


def test_env_library_that_does_not_exist_is_reported(tmp_path):
    missing = str(tmp_path / "libndkern-missing.so")
    result = run_python("import ndkern", {"NDKERN_LIBRARY": missing})
    assert result.returncode != 0
    assert "ImportError" in result.stderr and missing in result.stderr
    assert "./bootstrap --deps && ./configure && make" in result.stderr


def test_header_without_cdef_block_is_reported(tmp_path):
    header = tmp_path / "ndkern.h"
    header.write_text("int nothing(void);\n")
    result = run_python("import ndkern", {"NDKERN_HEADER": str(header)})
    assert result.returncode != 0 and "NDKERN_CDEF" in result.stderr


def test_failure_lists_every_place_tried(tmp_path):
    """A copy of the package outside any build tree, no environment overrides."""
    copy = tmp_path / "site" / "ndkern"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns(
        "__pycache__", "_buildconfig.py", "ndkern.h"))
    result = run_python("import ndkern", {"NDKERN_LIBRARY": None, "NDKERN_HEADER": None},
                        cwd=tmp_path, package_parent=copy.parent)
    if result.returncode == 0:
        pytest.skip("a libndkern is installed system-wide (ctypes.util.find_library)")
    assert "in-tree build" in result.stderr
    assert str(tmp_path / "csrc" / ".libs") in result.stderr
    assert 'find_library("ndkern")' in result.stderr
    assert "./bootstrap --deps && ./configure && make" in result.stderr


def test_header_found_next_to_an_installed_library(tmp_path):
    """<prefix>/lib/libndkern.so finds <prefix>/include/ndkern.h."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "include").mkdir()
    library = tmp_path / "lib" / Path(ndkern.library_path).name
    shutil.copyfile(ndkern.library_path, library)
    shutil.copyfile(ndkern.header_path, tmp_path / "include" / "ndkern.h")
    copy = tmp_path / "site" / "ndkern"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns(
        "__pycache__", "_buildconfig.py", "ndkern.h"))
    result = run_python("import ndkern; print(ndkern.header_path); print(ndkern.__version__)",
                        {"NDKERN_LIBRARY": str(library), "NDKERN_HEADER": None},
                        package_parent=copy.parent)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.split()[0]) == tmp_path / "include" / "ndkern.h"


def test_library_and_header_of_different_versions_raise_import_error(tmp_path):
    text = Path(ndkern.header_path).read_text()
    patch = int(re.search(r"#define NDKERN_VERSION_PATCH\s+(\d+)", text).group(1))
    header = tmp_path / "ndkern.h"
    header.write_text(re.sub(r"(#define NDKERN_VERSION_PATCH\s+)\d+", rf"\g<1>{patch + 7}", text))
    result = run_python("import ndkern", {"NDKERN_HEADER": str(header)})
    assert result.returncode != 0 and "ImportError" in result.stderr
    major_minor = ndkern.__version__.rsplit(".", 1)[0]
    assert f"ndkern_version() = {ndkern.__version__}" in result.stderr
    assert f"NDKERN_VERSION = {major_minor}.{patch + 7}" in result.stderr
    assert str(header) in result.stderr and ndkern.library_path in result.stderr


def test_pyshim_metadata_has_the_header_version():
    """pip install ./pyshim takes its version from pyshim/pyproject.toml
    (configure.ac and make wheel read the header's)."""
    pyproject = (PACKAGE_DIR.parent / "pyproject.toml").read_text()
    assert f'version = "{ndkern.__version__}"' in pyproject


def test_bundled_library_comes_before_the_recorded_libdir(tmp_path):
    """A wheel's layout: the package with libndkern and ndkern.h inside, and
    a _buildconfig.py naming some other libdir: the bundled copy is loaded."""
    copy = tmp_path / "site" / "ndkern"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ndkern.library_path, copy / "libndkern.so")
    shutil.copyfile(ndkern.header_path, copy / "ndkern.h")
    (copy / "_buildconfig.py").write_text(f"LIBDIR = {str(tmp_path / 'nowhere')!r}\n"
                                          "INCLUDEDIR = None\n")
    result = run_python("import ndkern, ndkern._library as l; print(l.library_found_by);"
                        "print(ndkern.library_path)",
                        {"NDKERN_LIBRARY": None, "NDKERN_HEADER": None},
                        cwd=tmp_path, package_parent=copy.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["bundled in the package", str(copy / "libndkern.so")]
