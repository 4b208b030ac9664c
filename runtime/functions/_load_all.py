"""Imports every function module once so their ``@export`` registrations run."""

import importlib
import pkgutil

from . import __path__ as _path

for _info in pkgutil.iter_modules(_path):
    if not _info.name.startswith("_") and _info.name != "registry":
        importlib.import_module(f"{__package__}.{_info.name}")
