"""Field support: null what a provider's integration cannot read, per the provider catalog's
`supported_fields` map for the connection's authentication method."""

from __future__ import annotations

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
    spec = section_for(kind, supported_fields)
    if spec is None:
        return doc
    out = dict(doc)
    for key, rule in spec.items():
        if key in out and key not in _KEPT:
            out[key] = _prune(key, out[key], rule)
    return out


def _prune(key: str, value: Any, rule: Any) -> Any:
    if rule is False:
        return None
    if not isinstance(rule, dict) or value is None:
        return value
    if not _any_supported(rule):
        return None
    if isinstance(value, list):
        return [_prune_object(key, item, rule) for item in value]
    if isinstance(value, dict):
        return _prune_object(key, value, rule)
    return value


def _prune_object(key: str, value: Any, rule: dict[str, Any]) -> Any:
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for field, sub_rule in rule.items():
        if field not in out:
            continue
        pruned = _prune(field, out[field], sub_rule)
        if pruned is None and out[field] is not None and field in _NOT_NULLABLE.get(key, ()):
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
