"""Test helpers for pages kept under a data version (`partnerportal.page_cache`)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerportal import page_cache

TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "[^"]+"')


def capture_tables_of_kept_bodies(monkeypatch) -> set[str]:
    """The set (filled as pages are requested) of every table read while a kept body is
    computed (`page_cache.body_kept`'s compute)."""
    read: set[str] = set()
    keep = page_cache.cached

    def capturing(key, version, compute, **kwargs):
        def computing():
            with CaptureQueriesContext(connection) as queries:
                result = compute()
            for query in queries.captured_queries:
                read.update(TABLE.findall(query["sql"]))
            return result
        return keep(key, version, computing, **kwargs)

    monkeypatch.setattr(page_cache, "cached", capturing)
    return read


def unwatched(tables: set[str], version_name: str) -> set[str]:
    """`tables` no trigger of the version watches, as the database's catalog says (the
    version table itself does not count: a body may key a part by another version)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c"
                           " ON c.oid = t.tgrelid WHERE t.tgname LIKE %s",
                           [f"version_{version_name}%"])
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master"
                           " WHERE type = 'trigger' AND name LIKE %s",
                           [f"version_{version_name}_%"])
        watched = {row[0] for row in cursor.fetchall()}
    return tables - watched - {"partnerportal_changeversion"}


def without_csrf_tokens(page: str) -> str:
    """The page with its CSRF tokens (form inputs and the htmx header) taken out."""
    return CSRF_HEADER.sub("", CSRF_INPUT.sub("", page))
