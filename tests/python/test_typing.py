"""The package is typed: py.typed beside it and every public function fully
annotated.  mypy itself runs in .ci/run ("make typecheck", about 30 s)."""

import importlib
import inspect
from pathlib import Path

import pytest

import ndkern

PACKAGE_DIR = Path(ndkern.__file__).resolve().parent


def test_py_typed_marker():
    assert (PACKAGE_DIR / "py.typed").is_file()


@pytest.mark.parametrize("module_name", ["ndkern", "ndkern.dask"])
def test_public_functions_are_annotated(module_name):
    if module_name == "ndkern.dask":  # optional: dask[array] may not be installed
        pytest.importorskip("dask.array", reason="dask[array] is not installed")
    module = importlib.import_module(module_name)
    functions = [getattr(module, name) for name in module.__all__
                 if inspect.isfunction(getattr(module, name))]
    assert len(functions) >= 6
    for function in functions:
        signature = inspect.signature(function)
        missing = [name for name, parameter in signature.parameters.items()
                   if parameter.annotation is inspect.Parameter.empty]
        assert not missing, f"{function.__name__}: parameters {missing} have no annotation"
        assert signature.return_annotation is not inspect.Signature.empty, function.__name__

