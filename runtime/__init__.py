"""osipsc runtime: everything a generated module calls. Never imports osipsc.compiler.

``exported`` is the one explicit list of names generated code imports (like
``jinja2.runtime.exported``); the code generator writes ``from osipsc.runtime import ...``
with exactly these names, and a test keeps the two in step.
"""

from .control import (
    ScriptExit,
    assert_check,
    check,
    cond_ret,
    for_each,
    log_stmt,
    ret_value,
    route_call,
    route_dyn,
    run_async,
    run_launch,
    script_exit,
    switch_match,
    value_ret,
    xlog,
)
from .script import ABI, Script
from .values import (
    ERR,
    bracket_test,
    cmp_int,
    cmp_ip,
    cmp_null,
    cmp_pv,
    cmp_re,
    cmp_str,
    op_add,
    op_band,
    op_bnot,
    op_bor,
    op_bxor,
    op_div,
    op_mod,
    op_mul,
    op_shl,
    op_shr,
    op_sub,
    truth,
)

__all__ = [
    "ABI",
    "ERR",
    "Script",
    "ScriptExit",
    "assert_check",
    "check",
    "cmp_int",
    "cmp_ip",
    "cmp_null",
    "cmp_pv",
    "cmp_re",
    "cmp_str",
    "cond_ret",
    "for_each",
    "log_stmt",
    "op_add",
    "op_band",
    "op_bnot",
    "op_bor",
    "op_bxor",
    "op_div",
    "op_mod",
    "op_mul",
    "op_shl",
    "op_shr",
    "op_sub",
    "ret_value",
    "route_call",
    "route_dyn",
    "run_async",
    "run_launch",
    "script_exit",
    "switch_match",
    "bracket_test",
    "truth",
    "value_ret",
    "xlog",
]

exported = list(__all__)
"""The names generated modules may import (the same as ``__all__``)."""
