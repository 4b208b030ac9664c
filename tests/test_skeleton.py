"""The package layout the design card promises: three subpackages of one distribution."""

import importlib


def test_subpackages_import_and_runtime_never_imports_compiler():
    runtime = importlib.import_module("osipsc.runtime")
    compiler = importlib.import_module("osipsc.compiler")
    assert runtime.__name__ == "osipsc.runtime"
    assert compiler.__name__ == "osipsc.compiler"
