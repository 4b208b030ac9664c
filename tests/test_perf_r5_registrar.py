"""registrar's settings cache check (``_prepared``'s plain-attribute fast check) against
the settings asked afresh, through edits of the modparam lists between calls."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osipsc.runtime.engine import Engine
from osipsc.runtime.functions import registrar
from osipsc.runtime.script import ABI, Script


def _fresh(engine: Any) -> tuple[Any, ...]:
    return tuple(registrar._param(engine, module, name, default)
                 for module, name, default in registrar._SETTINGS)


_EDITS = st.sampled_from(["none", "append", "replace", "pop", "script_append",
                          "script_replace", "tuple", "script_tuple", "delete_script"])
_PARAMS = [("registrar", "default_expires", 1800), ("registrar", "max_expires", 7200),
           ("usrloc", "use_domain", 1), ("registrar", "min_expires", "x"),
           ("registrar", "case_sensitive", 0)]


def _edit(engine: Any, edit: str, n: int) -> None:
    param = _PARAMS[n % len(_PARAMS)]
    own = engine.modparams
    scripted = getattr(engine, "script", None)
    if edit == "append" and type(own) is list:  # in place: same list, longer
        own.append(param)
    elif edit == "replace":
        engine.modparams = [param]
    elif edit == "pop" and type(own) is list and own:
        own.pop()
    elif edit == "script_append" and scripted is not None \
            and type(scripted.modparams) is list:
        scripted.modparams.append(param)
    elif edit == "script_replace" and scripted is not None:
        scripted.modparams = [param]
    elif edit == "tuple":
        engine.modparams = (*own, param)
    elif edit == "script_tuple" and scripted is not None:
        scripted.modparams = (param,)
    elif edit == "delete_script":
        engine.__dict__.pop("script", None)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_EDITS, st.integers(0, 9)), max_size=6))
def test_prepared_follows_modparam_edits(edits: list[tuple[str, int]]) -> None:
    engine = Engine(Script(ABI, "t.cfg", modparams=[("registrar", "default_expires", 600)]))
    for edit, n in edits:
        assert registrar._prepared(engine)[0] == _fresh(engine)
        _edit(engine, edit, n)
    assert registrar._prepared(engine)[0] == _fresh(engine)
