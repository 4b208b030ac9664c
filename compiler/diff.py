"""Route-by-route comparison of two generated modules.

libcst splits each module into its top-level definitions; route functions are matched by
name, so a review shows "route[relay] changed" with a diff of that function alone rather than
one long diff where moved lines drown the real change. The line map is derived data (it moves
whenever lines move) and is left out; the other module-level statements (bindings, script
parameters) are compared as one pseudo-entry, ``<module>``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import libcst as cst

MODULE_ENTRY = "<module>"


@dataclass
class ModuleDiff:
    """Routes added, removed and changed, with a unified diff per changed entry."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def render(self) -> str:
        lines: list[str] = []
        for name in self.added:
            lines.append(f"route added: {name}")
        for name in self.removed:
            lines.append(f"route removed: {name}")
        for name in self.changed:
            lines.append(f"route changed: {name}")
        for text in self.changed.values():
            lines.append("")
            lines.append(text.rstrip("\n"))
        return "\n".join(lines) + ("\n" if lines else "")


def _is_line_map(stmt: cst.CSTNode) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign):
            targets = [small.target]
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            # script.line_map(...) style registration
            func = small.value.func
            if isinstance(func, cst.Attribute) and "line_map" in func.attr.value.lower():
                return True
        for target in targets:
            if isinstance(target, cst.Name) and "line_map" in target.value.lower():
                return True
    return False


def split_definitions(source: str) -> dict[str, str]:
    """Top-level functions by name, plus ``<module>`` for the other statements."""
    module = cst.parse_module(source)
    entries: dict[str, str] = {}
    rest: list[str] = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            entries[stmt.name.value] = module.code_for_node(stmt).strip("\n") + "\n"
        elif not _is_line_map(stmt):
            rest.append(module.code_for_node(stmt).strip("\n"))
    entries[MODULE_ENTRY] = "\n".join(rest) + "\n"
    return entries


def diff_modules(old: str, new: str, old_name: str = "old", new_name: str = "new") -> ModuleDiff:
    """Compare two generated modules definition by definition."""
    before = split_definitions(old)
    after = split_definitions(new)
    result = ModuleDiff()
    result.removed = [name for name in before if name not in after]
    result.added = [name for name in after if name not in before]
    for name, text in after.items():
        if name in before and before[name] != text:
            result.changed[name] = "".join(
                difflib.unified_diff(
                    before[name].splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"{old_name}:{name}",
                    f"{new_name}:{name}",
                )
            )
    return result
