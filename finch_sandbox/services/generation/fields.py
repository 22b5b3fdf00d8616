"""Field support: null what a provider's integration cannot read, per the provider catalog's
`supported_fields` map for the connection's authentication method."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Where each document kind's map sits inside `supported_fields`.
_SECTIONS: dict[str, tuple[str, ...]] = {
    "company": ("company",),
    "directory": ("directory", "individuals"),
    "individual": ("individual",),
    "employment": ("employment",),
    "payment": ("payment",),
    "pay_statement": ("pay_statement", "pay_statements"),
}
# Keys that identify a document; a catalog that marks them unsupported would leave records
# nobody can address, so they always stay.
_KEPT = frozenset({"id", "individual_id"})
# Keys the schema does not let be null inside their object (e.g. `emails[].data`,
# `manager.id`, `Money.currency`): when one is unsupported the whole object goes instead.
_NOT_NULLABLE: dict[str, frozenset[str]] = {
    "emails": frozenset({"data"}),
    "manager": frozenset({"id"}),
    "gross_pay": frozenset({"currency"}),
    "net_pay": frozenset({"currency"}),
    "company_debit": frozenset({"currency"}),
    "employee_taxes": frozenset({"currency"}),
    "employer_taxes": frozenset({"currency"}),
}


def section_for(kind: str, supported_fields: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of the catalog map that describes documents of `kind`, if it says anything."""
    if kind not in _SECTIONS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {sorted(_SECTIONS)}")
    node: Any = supported_fields
    for key in _SECTIONS[kind]:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, dict) else None


def apply_field_support(
    kind: str, doc: dict[str, Any], supported_fields: dict[str, Any] | None
) -> dict[str, Any]:
    """`doc` with every field the map marks `false` set to null; `doc` itself is not changed.

    Keys marked true or not mentioned are kept, and `None` means everything is supported. A map
    for an object applies to each element of a list of such objects (e.g. `accounts`), and an
    object whose every leaf is unsupported becomes null as a whole.
    """
    return field_pruner(kind, supported_fields)(doc)


def field_pruner(
    kind: str, supported_fields: dict[str, Any] | None
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`apply_field_support` for many documents of one kind: the map is read once, and parts
    it supports entirely are passed through untouched (most of a pay statement, usually), which
    is what makes nulling 10,000 people's documents cheap."""
    spec = section_for(kind, supported_fields)
    if spec is None:
        return _unchanged
    plan = tuple(
        (key, compiled)
        for key, rule in spec.items()
        if key not in _KEPT and (compiled := _compile(rule)) is not _KEEP
    )
    if not plan:
        return _unchanged

    def prune(doc: dict[str, Any]) -> dict[str, Any]:
        out = dict(doc)
        for key, compiled in plan:
            if key in out:
                out[key] = _apply(key, out[key], compiled)
        return out

    return prune


def _unchanged(doc: dict[str, Any]) -> dict[str, Any]:
    return doc


# A compiled rule: keep the value, null it, or a plan for an object (or each object of a list).
_KEEP = "keep"
_DROP = "drop"


@dataclass(frozen=True, slots=True)
class _Plan:
    readable: bool  # anything of the object is supported; if not, the object becomes null
    fields: tuple[tuple[str, Any], ...]  # (field, compiled rule) for the fields that change


def _compile(rule: Any) -> Any:
    if rule is False:
        return _DROP
    if not isinstance(rule, dict):
        return _KEEP
    if not _any_supported(rule):
        return _Plan(False, ())
    fields = tuple(
        (field, compiled)
        for field, sub_rule in rule.items()
        if (compiled := _compile(sub_rule)) is not _KEEP
    )
    return _Plan(True, fields) if fields else _KEEP


def _apply(key: str, value: Any, compiled: Any) -> Any:
    if compiled is _DROP or value is None:
        return None
    if not compiled.readable:
        return None
    if isinstance(value, list):
        return [_apply_object(key, item, compiled) for item in value]
    if isinstance(value, dict):
        return _apply_object(key, value, compiled)
    return value


def _apply_object(key: str, value: Any, plan: _Plan) -> Any:
    if not isinstance(value, dict):
        return value
    out = dict(value)
    not_nullable = _NOT_NULLABLE.get(key, ())
    for field, compiled in plan.fields:
        if field not in out:
            continue
        original = out[field]
        pruned = _apply(field, original, compiled)
        if pruned is None and original is not None and field in not_nullable:
            return None
        out[field] = pruned
    return out


def _any_supported(rule: Any) -> bool:
    """Whether a rule leaves anything readable (`true`, or a map with a `true` somewhere)."""
    if isinstance(rule, dict):
        return any(_any_supported(r) for r in rule.values()) if rule else True
    return rule is not False


def unsupported_paths(kind: str, supported_fields: dict[str, Any] | None) -> list[str]:
    """Dotted paths the map marks unsupported for `kind` (for tests and diagnostics)."""
    found: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, rule in node.items():
            if rule is False:
                found.append(prefix + key)
            elif isinstance(rule, dict):
                walk(rule, f"{prefix}{key}.")

    spec = section_for(kind, supported_fields)
    if spec is not None:
        walk(spec, "")
    return found
