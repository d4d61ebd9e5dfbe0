"""Duplicate and conflict detection: retrieve candidates, score them, classify matches.

Retrieval is cheap and index-backed: exact normalized keys (domain, e-mail, phone) plus
trigram word similarity between the distinctive words of company names (a pg_trgm GIN
index on (country, name_words) on PostgreSQL; an in-process rapidfuzz scan on SQLite), one
statement per table in one transaction. Scoring then compares the fields one by one with
rapidfuzz and gives one score, the fields that matched and reasons a reviewer can read.

A shared word is not a match: names are compared whole (ratio and token-sort ratio, never
token-set), and a company-name match is discounted when the two records carry different
websites or countries.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import Q
from rapidfuzz import fuzz, process

from leads.choices import DealStatus
from leads.models import Account, Deal
from leads.normalize import is_generic, name_words, registrable_domain

MATCH_THRESHOLD = 0.75
# company_similarity at least this: the names count as a matched field.
NAME_MATCH = 80
# word_similarity between the distinctive words of two names at least this: retrieval.
WORD_SIMILARITY_THRESHOLD = 0.5
CANDIDATE_LIMIT = 25
# What scoring and classification read of another registration (its long texts are not).
CANDIDATE_DEAL_FIELDS = (
    "partner", "status", "source", "website", "contact_name", "need", "submitted_at",
    "created_at", "norm_company", "norm_email", "norm_email_domain", "norm_phone",
    "norm_country",
)
# Statuses of other registrations worth comparing against (drafts are private work).
COMPARABLE_STATUSES = [s for s in DealStatus.values if s not in {DealStatus.DRAFT}]


@dataclass
class Subject:
    """The comparable fields of a deal or account, already normalized.

    `web` is the registrable domain of the website, `mail_domain` that of the contact's
    (non-free) e-mail; either identifies the company.
    """

    company: str
    web: str = ""
    mail_domain: str = ""
    email: str = ""
    phone: str = ""
    country: str = ""
    contact: str = ""
    need: str = ""
    at: datetime | None = None

    @property
    def domains(self) -> set[str]:
        return {d for d in (self.web, self.mail_domain) if d}

    @property
    def primary_domain(self) -> str:
        return self.web or self.mail_domain

    @classmethod
    def of_deal(cls, deal: Deal) -> "Subject":
        return cls(company=deal.norm_company, web=registrable_domain(deal.website),
                   mail_domain=deal.norm_email_domain, email=deal.norm_email,
                   phone=deal.norm_phone, country=deal.norm_country,
                   contact=(deal.contact_name or "").strip().lower(), need=deal.need or "",
                   at=deal.submitted_at or deal.created_at)

    @classmethod
    def of_account(cls, account: Account) -> "Subject":
        return cls(company=account.norm_company, web=account.norm_domain,
                   country=(account.country or "").upper())


@dataclass
class Match:
    """A scored candidate: `target` is a Deal or an Account."""

    target: Deal | Account
    score: float
    matched_fields: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def company_similarity(a: str, b: str) -> float:
    """0–100: how alike two normalized company names are, compared as whole names."""
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def score(subject: Subject, other: Subject) -> Match | None:
    """Compare two subjects field by field; None when nothing identifies them as one."""
    m = Match(target=None, score=0.0)  # type: ignore[arg-type]
    base = 0.0
    if subject.email and subject.email == other.email:
        base = max(base, 0.97)
        m.matched_fields.append("email")
        m.reasons.append(f"same contact e-mail {subject.email}")
    shared = sorted(subject.domains & other.domains)
    if shared:
        base = max(base, 0.92)
        m.matched_fields.append("domain")
        m.reasons.append(f"same registrable domain {shared[0]}")
    if subject.phone and subject.phone == other.phone:
        base = max(base, 0.85)
        m.matched_fields.append("phone")
        m.reasons.append(f"same phone {subject.phone}")
    name = company_similarity(subject.company, other.company)
    if name >= NAME_MATCH:
        m.matched_fields.append("company")
        m.reasons.append(f"company names {name:.0f}% alike")
        base = max(base, 0.88 if name >= 95 else 0.80 if name >= 88 else 0.65)
    if base == 0.0:
        return None
    identity = {"email", "domain", "phone"} & set(m.matched_fields)
    countries_differ = bool(subject.country and other.country and subject.country != other.country)
    mine, theirs = subject.primary_domain, other.primary_domain
    if mine and theirs and not identity & {"email", "domain"}:
        distinctive = not is_generic(subject.company)
        related = (domains_related(mine, theirs, subject.company)
                   or domains_related(mine, theirs, other.company))
        same_brand = related or "phone" in identity
        if name >= 90 and distinctive and not countries_differ and same_brand:
            base -= 0.05
            m.reasons.append(f"related domains ({mine} / {theirs})" if related
                             else f"other website ({mine} / {theirs}), same phone")
        else:
            base -= 0.25
            m.reasons.append(f"different websites ({mine} / {theirs})")
    if countries_differ and not identity:
        base -= 0.2
        m.reasons.append(f"different countries ({subject.country} / {other.country})")
    if not identity and is_generic(subject.company):
        base -= 0.15
        m.reasons.append("the name is made of common business words only")
    same_person = bool(subject.contact and other.contact
                       and fuzz.token_sort_ratio(subject.contact, other.contact) >= 90)
    if identity == {"phone"} and other.company and name < 60 and not same_person:
        base -= 0.3
        m.reasons.append("only the phone number is shared; company names differ")
    base += _corroboration(subject, other, m, name)
    m.score = round(max(0.0, min(base, 1.0)), 3)
    return m


def domains_related(a: str, b: str, company: str) -> bool:
    """Two registrable domains of one brand: acme.com / acme.de, lake-pl.pl / lakegroup.eu.

    Related when one label extends the other, or both begin with the company's first word.
    """
    left, right = _label(a), _label(b)
    if not left or not right:
        return False
    if left.startswith(right) or right.startswith(left):
        return min(len(left), len(right)) >= 2
    first = "".join(ch for ch in (company.split() or [""])[0] if ch.isalnum())
    return len(first) >= 3 and left.startswith(first) and right.startswith(first)


def _label(domain: str) -> str:
    """The registrable label without its suffix or punctuation: 'perry-us.net' -> 'perryus'."""
    return "".join(ch for ch in domain.split(".", 1)[0] if ch.isalnum())


def _corroboration(subject: Subject, other: Subject, m: Match, name: float) -> float:
    """Small boosts from fields that agree but do not identify a company on their own."""
    bonus = 0.0
    if subject.contact and other.contact and fuzz.token_sort_ratio(subject.contact, other.contact) >= 90:
        bonus += 0.04
        m.matched_fields.append("contact_name")
        m.reasons.append("same contact name")
    if m.matched_fields and subject.country and subject.country == other.country:
        m.matched_fields.append("country")
    if subject.need and other.need and fuzz.token_set_ratio(subject.need, other.need) >= 80:
        bonus += 0.02
        m.matched_fields.append("need")
        m.reasons.append("needs described alike")
    if subject.at and other.at and abs((subject.at - other.at).days) <= 30:
        m.matched_fields.append("dates")
        m.reasons.append(f"registered {abs((subject.at - other.at).days)} days apart")
    if {"domain", "company"} <= set(m.matched_fields) or (name >= NAME_MATCH and "email" in m.matched_fields):
        bonus += 0.03
    return bonus


@contextmanager
def _name_search() -> Iterator[None]:
    """One transaction for a deal's candidate queries, set up for the trigram index.

    Both settings apply to this transaction only. On small tables the planner would scan
    every row and compute word similarity for each; the GIN index is always cheaper.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = "
                       f"{float(WORD_SIMILARITY_THRESHOLD)}; SET LOCAL enable_seqscan = off")
        yield


def _similar_names(queryset, name: str):
    """Ids of up to CANDIDATE_LIMIT rows whose distinctive words are like those of `name`,
    the most similar names first.

    On PostgreSQL an unevaluated `values("id")` query (trigram word similarity on the GIN
    index, inside `_name_search`); on SQLite a list, from comparing every name in process.
    """
    if connection.vendor == "postgresql":
        if not name:
            return queryset.none().values("id")
        return (queryset.filter(name_words__trigram_word_similar=name_words(name))
                .annotate(similarity=TrigramSimilarity("norm_company", name))
                .order_by("-similarity").values("id")[:CANDIDATE_LIMIT])
    if not name:
        return []
    # A name below NAME_MATCH could only match through an exact key, looked up apart.
    choices = dict(queryset.exclude(norm_company="").values_list("id", "norm_company"))
    found = process.extract(name, choices, scorer=lambda a, b, **_kw: company_similarity(a, b),
                            limit=CANDIDATE_LIMIT, score_cutoff=NAME_MATCH)
    return [key for _value, _score, key in found]


def _same_country(queryset, field: str, deal: Deal):
    """Rows in the deal's country or with none recorded, where names are searched.

    A name-only candidate from another country cannot reach MATCH_THRESHOLD (the country
    penalty keeps it below). Two scans of the one (country, name_words) index, OR-ed.
    """
    if not deal.norm_country:
        return queryset
    return queryset.filter(Q(**{field: deal.norm_country}) | Q(**{field: ""}))


def _either(by_keys, by_name):
    """The ids found by exact keys or by name, as one subquery where the database can run
    a limited query inside a UNION (PostgreSQL), else as a list."""
    by_keys = by_keys.values("id")[:CANDIDATE_LIMIT]
    if connection.vendor == "postgresql":
        return by_keys.union(by_name)
    return [row["id"] for row in by_keys] + list(by_name)


def _deal_candidates(deal: Deal) -> list[Deal]:
    """Other registrations (any partner, any source) that may be the same end customer."""
    others = Deal.objects.exclude(pk=deal.pk).filter(status__in=COMPARABLE_STATUSES)
    domains = sorted(Subject.of_deal(deal).domains)
    keys = Q(pk__in=[])  # matches nothing: a deal without keys is searched by name only
    if domains:
        keys |= Q(norm_domain__in=domains) | Q(norm_email_domain__in=domains)
    for name in ("norm_email", "norm_phone"):
        value = getattr(deal, name)
        if value:
            keys |= Q(**{name: value})
    ids = _either(others.filter(keys), _similar_names(_same_country(others, "norm_country", deal),
                                                      deal.norm_company))
    return list(Deal.objects.filter(pk__in=ids).only(*CANDIDATE_DEAL_FIELDS).order_by())


def _account_candidates(deal: Deal) -> list[Account]:
    """CRM accounts that may be the deal's end customer, with their opportunities loaded."""
    accounts = Account.objects.all()
    domains = sorted(Subject.of_deal(deal).domains)
    by_keys = accounts.filter(norm_domain__in=domains)
    ids = _either(by_keys, _similar_names(_same_country(accounts, "country", deal),
                                          deal.norm_company))
    return list(Account.objects.filter(pk__in=ids).prefetch_related("opportunities").order_by())


def candidates(deal: Deal) -> tuple[list[Deal], list[Account]]:
    """Registrations and CRM accounts that may be the deal's end customer: those sharing
    an exact key (domain, e-mail, phone) or a similar name, read in one transaction."""
    with _name_search():
        return _deal_candidates(deal), _account_candidates(deal)


def find_matches(deal: Deal, *, threshold: float = MATCH_THRESHOLD) -> list[Match]:
    """Every deal or account that scores at least `threshold` against `deal`, best first."""
    subject = Subject.of_deal(deal)
    deals, accounts = candidates(deal)
    matches = []
    for other in deals:
        match = score(subject, Subject.of_deal(other))
        if match and match.score >= threshold:
            match.target = other
            matches.append(match)
    for account in accounts:
        match = score(subject, Subject.of_account(account))
        if match and match.score >= threshold:
            match.target = account
            matches.append(match)
    # Best first; ties in a fixed order (registrations before accounts, older first).
    return sorted(matches, key=lambda m: (-m.score, isinstance(m.target, Account), m.target.pk))


@dataclass(frozen=True)
class Classified:
    """One meaning of a match: its kind, the precise target, and whether it holds first."""

    kind: str
    target_type: str
    target: object
    holds_registration: bool = False


def classify(deal: Deal, match: Match, *, protection_window_days: int) -> list[Classified]:
    """What a match means for `deal`; an account can mean several things at once."""
    from leads.choices import (
        OPEN_OPPORTUNITY_STAGES,
        OPEN_STATUSES,
        DealSource,
        MatchKind,
        MatchTarget,
    )

    target = match.target
    if isinstance(target, Deal):
        if target.partner_id == deal.partner_id:
            return [Classified(MatchKind.SAME_PARTNER, MatchTarget.DEAL, target)]
        if target.status not in OPEN_STATUSES:
            return []
        if target.source in {DealSource.DIRECT, DealSource.VENDOR}:
            return [Classified(MatchKind.DIRECT_SALES, MatchTarget.DEAL, target)]
        return [Classified(MatchKind.CROSS_PARTNER, MatchTarget.DEAL, target,
                           holds_registration=_holds(target, deal, protection_window_days))]
    result = []
    open_opportunities = [o for o in target.opportunities.all() if o.stage in OPEN_OPPORTUNITY_STAGES]
    for opportunity in open_opportunities:
        result.append(Classified(MatchKind.DIRECT_SALES, MatchTarget.OPPORTUNITY, opportunity))
    if not open_opportunities and target.sales_owner_id:
        result.append(Classified(MatchKind.DIRECT_SALES, MatchTarget.ACCOUNT, target))
    if target.is_customer:
        result.append(Classified(MatchKind.EXISTING_CUSTOMER, MatchTarget.ACCOUNT, target))
    if target.is_strategic:
        result.append(Classified(MatchKind.STRATEGIC_ACCOUNT, MatchTarget.ACCOUNT, target))
    return result


def _holds(other: Deal, deal: Deal, window_days: int) -> bool:
    """The other registration came first, inside the protection window, so it holds."""
    from datetime import timedelta

    mine = deal.submitted_at or deal.created_at
    theirs = other.submitted_at
    return bool(theirs and theirs <= mine and theirs >= mine - timedelta(days=window_days))
