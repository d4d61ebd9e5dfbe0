"""The benchmark database: create it, migrate it, and grow it with COPY.

Each `grow` adds rows up to a total (half registrations, half CRM accounts), so 10k, 100k
and 1M are the same database at three moments. Secondary indexes are dropped for the load
and rebuilt from their own definitions afterwards (same names, same SQL as the
migrations), then the tables are vacuumed and analyzed.
"""

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import rows

ROOT = Path(__file__).resolve().parent.parent
PARTNERS = 50
CHUNK = 20_000
TABLES = ["leads_deal", "leads_account", "leads_opportunity"]


@dataclass
class LoadStats:
    total: int
    deals: int
    accounts: int
    opportunities: int
    added: int
    seconds: float


@dataclass(frozen=True)
class Tenancy:
    """Ids of the partner organizations, their users and the vendor's sales owner."""

    partner_ids: tuple[int, ...]
    user_ids: tuple[int, ...]
    sales_owner_id: int


def recreate_database(admin_url: str, name: str) -> None:
    """Drop (closing its sessions) and create the benchmark database."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True)


def create_partners() -> Tenancy:
    """50 active partner organizations with one admin each, and a sales owner."""
    from django.contrib.auth import get_user_model

    from partners.choices import MemberRole
    from partners.models import Membership, PartnerOrganization, Tier

    user_model = get_user_model()
    tier, _created = Tier.objects.get_or_create(name="Gold", defaults={"rank": 30})
    partner_ids, user_ids = [], []
    for i in range(PARTNERS):
        partner, _created = PartnerOrganization.objects.get_or_create(
            name=f"Bench Partner {i:02d}", defaults={"tier": tier})
        user, created = user_model.objects.get_or_create(
            username=f"rep{i:02d}@bench.test", defaults={"email": f"rep{i:02d}@bench.test"})
        if created:
            Membership.objects.create(user=user, partner=partner, role=MemberRole.ADMIN)
        partner_ids.append(partner.pk)
        user_ids.append(user.pk)
    owner, _created = user_model.objects.get_or_create(
        username="sales@vendor.test", defaults={"email": "sales@vendor.test", "is_staff": True})
    return Tenancy(tuple(partner_ids), tuple(user_ids), owner.pk)


def _counts(conn: psycopg.Connection) -> tuple[int, int, int]:
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                 for t in TABLES)


def _secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of every index that backs no constraint."""
    return conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [TABLES]).fetchall()


def _chunks(start: int, stop: int) -> Iterator[tuple[int, int]]:
    for lo in range(start, stop, CHUNK):
        yield lo, min(stop, lo + CHUNK)


def _copy(conn: psycopg.Connection, pool, table: str, columns: list[str],
          make: Callable, ctx: rows.Context, start: int, stop: int) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cur, cur.copy(sql) as copy:
        jobs = [(ctx, lo, hi) for lo, hi in _chunks(start, stop)]
        for chunk in pool.imap(_Star(make), jobs):
            for row in chunk:
                copy.write_row(row)


class _Star:
    """Picklable `f(*args)` for Pool.imap (keeps chunk order, streams results)."""

    def __init__(self, func: Callable) -> None:
        self.func = func

    def __call__(self, args: tuple) -> list[tuple]:
        return self.func(*args)


def grow(db_url: str, *, total: int, seed: int, partners: Tenancy,
         log: Callable[[str], None]) -> LoadStats:
    """Add registrations and accounts until there are `total` records; index; analyze."""
    started = time.monotonic()
    with psycopg.connect(db_url, autocommit=True) as conn:
        deals, accounts, _opps = _counts(conn)
        want_deals, want_accounts = total // 2, total - total // 2
        added = max(0, want_deals - deals) + max(0, want_accounts - accounts)
        if added:
            ctx = rows.Context(seed, partners.partner_ids, partners.user_ids,
                               max(accounts, want_accounts), partners.sales_owner_id,
                               datetime.now(UTC))
            indexes = _secondary_indexes(conn)
            for name, _sql in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            last_account = conn.execute("SELECT coalesce(max(id), 0) FROM leads_account"
                                        ).fetchone()[0]
            spawn = multiprocessing.get_context("spawn")
            with spawn.Pool(min(2, os.cpu_count() or 1)) as pool:
                _copy(conn, pool, "leads_account", rows.columns("account"), rows.account_rows,
                      ctx, accounts, want_accounts)
                log(f"  accounts copied ({time.monotonic() - started:.0f} s)")
                _copy(conn, pool, "leads_deal", rows.columns("deal"), rows.deal_rows, ctx,
                      deals, want_deals)
                log(f"  registrations copied ({time.monotonic() - started:.0f} s)")
            _add_opportunities(conn, last_account, partners.sales_owner_id)
            _add_contacts(conn, last_account)
            conn.execute("SET maintenance_work_mem = '1GB'")
            for _name, sql in indexes:
                conn.execute(sql)
            log(f"  {len(indexes)} indexes rebuilt ({time.monotonic() - started:.0f} s)")
        for table in [*TABLES, "leads_contact"]:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        deals, accounts, opportunities = _counts(conn)
    return LoadStats(deals + accounts, deals, accounts, opportunities, added,
                     time.monotonic() - started)


def _add_contacts(conn: psycopg.Connection, after_id: int) -> None:
    """A CRM contact on three of five new accounts: a person at the account's domain, on
    a direct line of its switchboard (keys as the CRM import computes them)."""
    conn.execute(
        "INSERT INTO leads_contact (external_id, account_id, name, email, phone, title, "
        "norm_name, norm_email, norm_phone, updated_at) "
        "SELECT 'CON-' || a.id, a.id, n.name, n.mail || a.id || '@' || a.norm_domain, "
        "a.phone, 'Head of IT', lower(n.name), "
        "CASE WHEN a.norm_domain <> '' THEN n.mail || a.id || '@' || a.norm_domain ELSE '' END, "
        "CASE WHEN a.norm_phone <> '' THEN left(a.norm_phone, length(a.norm_phone) - 3) "
        "|| lpad((a.id %% 1000)::text, 3, '0') ELSE '' END, now() "
        "FROM leads_account a, LATERAL (SELECT (ARRAY['Jane Roe','Ana Silva','Li Wei',"
        "'Omar Haddad','Eva Novak'])[1 + a.id %% 5] AS name, "
        "(ARRAY['jane.roe','ana.silva','li.wei','omar.haddad','eva.novak'])[1 + a.id %% 5] "
        "AS mail) n WHERE a.id > %s AND a.id %% 5 < 3",
        [after_id])


def _add_opportunities(conn: psycopg.Connection, after_id: int, owner_id: int) -> None:
    """One CRM opportunity on every fourth new account; some open, some closed."""
    conn.execute(
        "INSERT INTO leads_opportunity (external_id, name, stage, amount, close_date, "
        "updated_at, account_id, owner_id) "
        "SELECT 'OPP-' || a.id, left(a.name, 180) || ' expansion', "
        "(ARRAY['prospecting','qualification','proposal','negotiation','closed_won',"
        "'closed_lost'])[1 + a.id %% 6], (a.id %% 500) * 1000, current_date + (a.id %% 300)::int, "
        "now(), a.id, CASE WHEN a.id %% 3 = 0 THEN %s END "
        "FROM leads_account a WHERE a.id > %s AND a.id %% 4 = 0",
        [owner_id, after_id])


def check_normalization(sample: int = 300) -> int:
    """Recompute the keys of sampled rows with the real code; raise on any difference."""
    from crm.models import Account
    from crm.services import account_apply_normalization
    from leads.models import Deal
    from leads.services import NORMALIZED_KEYS, deal_apply_normalization

    keys = NORMALIZED_KEYS
    checked = 0
    for deal in Deal.objects.order_by("?")[:sample]:
        stored = [getattr(deal, k) for k in keys]
        deal_apply_normalization(deal)
        if stored != [getattr(deal, k) for k in keys]:
            raise AssertionError(f"deal {deal.pk}: stored {stored}, service computes "
                                 f"{[getattr(deal, k) for k in keys]}")
        checked += 1
    for account in Account.objects.order_by("?")[:sample]:
        stored = [account.norm_company, account.name_words, account.norm_domain]
        account_apply_normalization(account)
        want = [account.norm_company, account.name_words, account.norm_domain]
        if stored != want:
            raise AssertionError(f"account {account.pk}: stored {stored}, service computes {want}")
        checked += 1
    return checked
