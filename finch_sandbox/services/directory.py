"""Directory entries (`IndividualInDirectory`), made from a person's individual and employment.

The catalog describes the directory on its own (`supported_fields.directory.individuals`),
apart from the individual and employment products: a provider may list a manager in its
directory while its employment endpoint lacks one, or the reverse. So an entry is made from
the full documents and then nulled under the directory's own rules, and kept beside them
(the employee record's `directory` key); an employee record without one (people added with
POST /sandbox/directory) gets its entry derived when it is read.
"""

from __future__ import annotations

from typing import Any

# The entry keys an edit of the individual or the employment can change.
NAME_KEYS = ("first_name", "middle_name", "last_name")
EMPLOYMENT_KEYS = ("manager", "department", "is_active")


def directory_entry(individual: dict[str, Any], employment: dict[str, Any]) -> dict[str, Any]:
    """An `IndividualInDirectory` from the person's documents."""
    department = employment.get("department")
    manager = employment.get("manager")
    return {
        "id": individual["id"],
        "first_name": individual.get("first_name"),
        "middle_name": individual.get("middle_name"),
        "last_name": individual.get("last_name"),
        "manager": {"id": manager["id"]} if manager and manager.get("id") else None,
        "department": {"name": department.get("name")} if department else None,
        "is_active": employment.get("is_active"),
    }


def stored_entry(doc: dict[str, Any]) -> dict[str, Any]:
    """The entry of an employee record: its own, or one derived from its documents."""
    entry = doc.get("directory")
    if entry is not None:
        return dict(entry)
    return directory_entry(doc["individual"], doc["employment"])


def edited_entry(
    doc: dict[str, Any],
    individual: dict[str, Any],
    employment: dict[str, Any],
    changed: set[str],
    rules: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The record's entry after an edit of the keys in `changed`: those keys take their new
    values (under the directory's rules), the others keep theirs. None when the record keeps
    no entry of its own."""
    current = doc.get("directory")
    if current is None:
        return None
    fresh = directory_entry(individual, employment)
    if rules is not None:
        from finch_sandbox.services.generation.fields import apply_field_support

        fresh = apply_field_support("directory", fresh, rules)
    return {**current, **{k: fresh[k] for k in changed if k in fresh}}
