"""Personal values in audit events: the one list of field names, and the split.

End customers' contacts may ask to be erased, while the audit log must stay complete and
verifiable. So `audit_record` takes every value under one of PERSONAL_FIELDS (at any depth
of before/after, e.g. inside a `raw_input` copy) out of the hashed payload: the payload
keeps `{"$personal": <key>, "sha256": <sha256(salt + value)>}`, and the value with its salt
goes to a `PersonalValue` row that erasure blanks. The event's `reason` column is not split:
reasons are written by staff and partners about the deal, not copies of contact data.
"""

import hashlib
import json
import secrets
from typing import Any

# Contact data of end customers and free text partners or staff write about them.
PERSONAL_FIELDS = frozenset({
    "contact_name",
    "contact_title",
    "contact_email",
    "contact_phone",
    "norm_email",
    "norm_phone",
    "need",
    "relationship_notes",
    "question",
    "answer",
})
PLACEHOLDER_KEY = "$personal"
DIGEST_KEY = "sha256"


def value_digest(salt: str, value: Any) -> str:
    """SHA-256 of the salt and the value's canonical JSON."""
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{salt}:{blob}".encode()).hexdigest()


def is_placeholder(value: Any) -> bool:
    return isinstance(value, dict) and PLACEHOLDER_KEY in value


def split_personal(data: Any, pending: list[dict]) -> Any:
    """`data` with each non-empty personal value replaced by a placeholder.

    Appends to `pending` one dict per value taken out (key, field, value, salt), to be saved
    as PersonalValue rows once the event exists. `data` must be canonical JSON already.
    """
    if isinstance(data, list):
        return [split_personal(item, pending) for item in data]
    if not isinstance(data, dict) or is_placeholder(data):
        return data
    result = {}
    for name, value in data.items():
        if name in PERSONAL_FIELDS and value not in (None, "", [], {}) \
                and not is_placeholder(value):
            key, salt = secrets.token_hex(16), secrets.token_hex(16)
            pending.append({"key": key, "field": name, "value": value, "salt": salt})
            result[name] = {PLACEHOLDER_KEY: key, DIGEST_KEY: value_digest(salt, value)}
        else:
            result[name] = split_personal(value, pending)
    return result


def join_personal(data: Any, values: dict[str, Any], erased: Any) -> Any:
    """`data` with placeholders replaced by their values (`erased` for erased ones)."""
    if isinstance(data, list):
        return [join_personal(item, values, erased) for item in data]
    if not isinstance(data, dict):
        return data
    if is_placeholder(data):
        return values.get(data[PLACEHOLDER_KEY], erased)
    return {name: join_personal(value, values, erased) for name, value in data.items()}


def placeholders(data: Any) -> dict[str, str]:
    """key -> digest of every placeholder in `data`."""
    found: dict[str, str] = {}
    if isinstance(data, list):
        for item in data:
            found.update(placeholders(item))
    elif is_placeholder(data):
        found[data[PLACEHOLDER_KEY]] = data.get(DIGEST_KEY, "")
    elif isinstance(data, dict):
        for value in data.values():
            found.update(placeholders(value))
    return found
