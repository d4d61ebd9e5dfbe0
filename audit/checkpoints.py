"""Checkpoints of the audit chain's head, kept outside the database.

A checkpoint is one JSON line appended to `<AUDIT_CHECKPOINT_DIR>/<database>.jsonl`: the
newest event's id and hash and how many events lead up to it. Whoever can rewrite the table
cannot rewrite this file (keep the directory on other storage, append-only, e.g.
`chattr +a`), so a log that was emptied, shortened or rewritten and re-chained from scratch no
longer matches the last checkpoint, and `verify_audit` says so.
"""

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger("audit.checkpoints")


@dataclass(frozen=True)
class Head:
    """The newest event of the chain and how many events lead up to it (inclusive)."""

    id: int
    hash: str
    count: int


def checkpoint_path() -> Path:
    """This database's checkpoint file (one file per database name)."""
    name = Path(str(connection.settings_dict.get("NAME") or "default")).name
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "default"
    return Path(settings.AUDIT_CHECKPOINT_DIR) / f"{name}.jsonl"


def checkpoint_last() -> dict | None:
    """The last complete checkpoint line, or None when none was written yet."""
    path = checkpoint_path()
    if not path.exists():
        return None
    last = None
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn last line from a crash mid-write
            if isinstance(record, dict) and "head_id" in record:
                last = record
    return last


def checkpoint_append(*, head: Head, kind: str, extra: dict | None = None) -> dict:
    """Append one checkpoint line (and fsync it); log it too. Returns the record."""
    record = {
        "at": timezone.now().isoformat(),
        "kind": kind,
        "database": connection.settings_dict.get("NAME") and str(
            connection.settings_dict["NAME"]),
        "head_id": head.id,
        "head_hash": head.hash,
        "count": head.count,
        **(extra or {}),
    }
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, sort_keys=True, default=str) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.info("audit checkpoint %s: head #%s %s, %s events (%s)",
                kind, head.id, head.hash, head.count, path)
    return record
