"""Rows for COPY into leads_deal and leads_account, built in worker processes.

Each spawned worker sets Django up (same settings and database as the parent) and builds
unsaved model instances, so registrations get their keys from the real
`leads.services.deal_apply_normalization` and the COPY columns are the model's own: a
new column with a default, or a change to normalization, needs no change here. Accounts
get the keys the CRM import computes (`crm.imports.rows`).
"""

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import accumulate

from bench import data, words

# Company numbers of registrations that are not CRM accounts start here.
DEAL_COMPANY_BASE = 50_000_000

STATUSES = ["draft", "in_review", "needs_info", "accepted", "rejected", "converted", "won",
            "lost", "withdrawn", "expired"]
STATUS_CUM = list(accumulate([5, 8, 2, 25, 10, 5, 15, 12, 5, 13]))
DECIDED = {"accepted", "rejected", "converted", "won", "lost", "expired"}
SOURCES = ["partner", "referral", "reseller", "direct", "vendor"]
SOURCE_CUM = list(accumulate([80, 5, 10, 3, 2]))
SIZES = ["1-49", "50-249", "250-999", "1000-4999", "5000+"]
AUTHORITY = ["decision_maker", "influencer", "champion", "unknown"]
URGENCY = ["low", "medium", "high", "critical"]
PATHS = ["existing_client", "customer_inbound", "outbound", "event", "referral",
         "vendor_intro", "other"]
TITLES = ["CIO", "CTO", "Head of IT", "IT Manager", "CFO", "Procurement Lead",
          "Director of Operations", "VP Engineering", "Head of Data"]


@dataclass(frozen=True)
class Context:
    """What a chunk needs to know about the database it is written for."""

    seed: int
    partner_ids: tuple[int, ...]
    partner_users: tuple[int, ...]  # created_by for each partner, same order
    accounts_total: int  # accounts present once this step's accounts are loaded
    sales_owner_id: int
    now: datetime


@cache
def _django() -> None:
    import django

    django.setup()


def columns(model_name: str) -> list[str]:
    """The model's concrete columns except the primary key, in COPY order."""
    _django()
    from crm.models import Account
    from leads.models import Deal

    model = {"deal": Deal, "account": Account}[model_name]
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def _row(instance) -> tuple:
    from django.db.models import JSONField

    values = []
    for f in type(instance)._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(instance, f.attname)
        if isinstance(f, JSONField):
            value = json.dumps(value)
        elif value is not None and not isinstance(value, (str, int, float, bool, Decimal,
                                                          datetime)):
            value = str(value)  # CountryField's Country
        values.append(value)
    return tuple(values)


def deal_company(rng: random.Random, ctx: Context, j: int) -> data.Company:
    """Registration j names a new company mostly, else a CRM account or an earlier one."""
    roll = rng.random()
    if roll < 0.15 and ctx.accounts_total:
        return data.company(ctx.seed, rng.randrange(ctx.accounts_total))
    if roll < 0.30 and j:
        return data.company(ctx.seed, DEAL_COMPANY_BASE + rng.randrange(j))
    return data.company(ctx.seed, DEAL_COMPANY_BASE + j)


def deal_rows(ctx: Context, start: int, stop: int) -> list[tuple]:
    """Rows of registrations number start..stop-1 (deterministic per range)."""
    _django()
    from leads.models import Deal
    from leads.services import deal_apply_normalization

    rng = random.Random(ctx.seed * 7919 + start)
    partner_cum = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(ctx.partner_ids))))
    rows = []
    for j in range(start, stop):
        rec = data.render_deal(rng, deal_company(rng, ctx, j), mess=0.7)
        p = rng.choices(range(len(ctx.partner_ids)), cum_weights=partner_cum)[0]
        status = rng.choices(STATUSES, cum_weights=STATUS_CUM)[0]
        created = ctx.now - timedelta(days=rng.uniform(1, 1095))
        submitted = None if status == "draft" else created + timedelta(hours=rng.uniform(0, 48))
        screened = submitted and submitted + timedelta(seconds=rng.uniform(0.3, 3))
        decided = screened + timedelta(days=rng.uniform(0.5, 5)) if status in DECIDED else None
        withdrawn = screened + timedelta(days=rng.uniform(1, 30)) if status == "withdrawn" else None
        deal = Deal(
            partner_id=ctx.partner_ids[p], created_by_id=ctx.partner_users[p], status=status,
            source=rng.choices(SOURCES, cum_weights=SOURCE_CUM)[0],
            company_name=rec.company_name, website=rec.website, country=rec.country,
            industry=rng.choice(words.INDUSTRY_LABELS), company_size=rng.choice(SIZES),
            contact_name=rec.contact_name, contact_title=rng.choice(TITLES),
            contact_email=rec.contact_email, contact_phone=rec.contact_phone,
            street=rec.street, city=rec.city, postal_code=rec.postal_code,
            contact_authority=rng.choice(AUTHORITY), need=rec.need,
            urgency=rng.choice(URGENCY), timeline=rng.choice(("Q1", "Q2", "Q3", "Q4", "")),
            estimated_value=Decimal(rng.randrange(5, 2000) * 1000), currency="USD",
            introduction_path=rng.choice(PATHS), customer_consent=rng.random() < 0.8,
            created_at=created, updated_at=decided or withdrawn or screened or created,
            submitted_at=submitted, screening_started_at=submitted,
            screening_finished_at=screened, decided_at=decided, withdrawn_at=withdrawn)
        deal_apply_normalization(deal)
        rows.append(_row(deal))
    return rows


def account_rows(ctx: Context, start: int, stop: int) -> list[tuple]:
    """Rows of CRM accounts number start..stop-1; account k is company k."""
    _django()
    from crm.models import Account
    from crm.services import account_apply_normalization

    rng = random.Random(ctx.seed * 104729 + start)
    rows = []
    for k in range(start, stop):
        rec = data.render_account(rng, data.company(ctx.seed, k))
        account = Account(
            external_id=f"ACC-{k:08d}", name=rec.company_name, website=rec.website,
            country=rec.country, industry=rng.choice(words.INDUSTRY_LABELS),
            phone=rec.phone, street=rec.street, city=rec.city, postal_code=rec.postal_code,
            is_strategic=rng.random() < 0.02, is_customer=rng.random() < 0.3,
            sales_owner_id=ctx.sales_owner_id if rng.random() < 0.3 else None,
            updated_at=ctx.now)
        account_apply_normalization(account)
        rows.append(_row(account))
    return rows
