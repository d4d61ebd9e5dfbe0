"""Version numbers of data that pages cache, kept by the database.

`deals` is bumped on commit of every change of a deal's status (or routing pause, partner,
submission time, company name), a deal's creation or deletion, any change of review tasks,
stop-rule hits, decisions and attribution disputes, and a rename of an organization, a tier
or a staff user: triggers see services, `QuerySet.update()`, bulk loads and raw SQL alike
(migrations partnerportal 0002 to 0004). `deal_rows` and `deal_pages` are bumped by
any change of the tables their pages read (migration partnerportal 0005). What is cached
under a version is exact: an entry is never read after the data it was computed from
changed.
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

DEALS = "deals"
# Every column of every deal, and the deals' products (the deal API list's pages).
DEAL_ROWS = "deal_rows"
# Every table the deal pages (the staff's and the partner's) read: their rendered bodies
# (`partnerportal.page_cache`).
DEAL_PAGES = "deal_pages"
# Entries of an old version are never read again; they expire after this long.
TIMEOUT = 24 * 3600

T = TypeVar("T")


def data_version(name: str = DEALS) -> int | None:
    """The current version of `name`, or None where nothing may be cached: inside a
    transaction (what it reads may include its own uncommitted changes, which must not
    reach the shared cache; tests run in transactions that never commit), or when the
    version row is missing."""
    if connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM partnerportal_changeversion WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def cached(key: str, version: int | None, compute: Callable[[], T], *,
           timeout: int = TIMEOUT, fresh: Callable[[T], bool] | None = None) -> T:
    """`compute()`, kept in the cache under `key` and `version` (computed every time when
    `version` is None). A key names the shape of its value too: code that changes what it
    keeps changes the key (`…:2`), so a deploy never reads the old shape.

    `fresh(value)` is for values that also depend on the clock: a kept value it refuses is
    computed again (and replaces the old one). Large values take a shorter `timeout`: an
    entry of an old version is never read again, and only expires."""
    if version is None:
        return compute()
    full_key = f"v:{key}:{version}"
    value = cache.get(full_key)
    if value is None or (fresh is not None and not fresh(value)):
        value = compute()
        cache.set(full_key, value, timeout)
    return value
