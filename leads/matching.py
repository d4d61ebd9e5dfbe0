"""Duplicate and conflict detection: retrieve candidates, score them, classify matches.

Retrieval is cheap and index-backed: exact normalized keys (domain, e-mail, phone, the
same building's address key; a CRM contact's e-mail or phone brings its account) plus
trigram word similarity between the distinctive words of company names (a pg_trgm GIN
index on (country, name_words) on PostgreSQL; an in-process rapidfuzz scan on SQLite), one
statement per table in one transaction. So a record whose name differs is still found by
a shared key, and scoring decides.

Scoring is `leads.evidence`: each field's comparison adds or takes away evidence in bits,
weighted by how frequent the agreeing value is among existing records, and the reasons
are written from the same comparisons. Every match reaches the reviewer with its kind;
a CRM account with nothing else to say is a "known account".
"""

import functools
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from rapidfuzz import process

from crm.models import Account, Contact
from leads import evidence
from leads.choices import DealStatus
from leads.evidence import MATCH_THRESHOLD, Frequencies, company_similarity
from leads.models import Deal
from leads.normalize import name_words, registrable_domain, street_number

__all__ = ["MATCH_THRESHOLD", "Match", "Subject", "candidates", "classify",
           "company_similarity", "find_matches", "score"]

# company_similarity at least this: the names count as a matched field.
NAME_MATCH = 80
# word_similarity between the distinctive words of two names at least this: retrieval.
WORD_SIMILARITY_THRESHOLD = 0.5
CANDIDATE_LIMIT = 25
# What scoring and classification read of another registration (its long texts are not).
CANDIDATE_DEAL_FIELDS = (
    "partner", "status", "source", "website", "contact_name", "need", "submitted_at",
    "created_at", "norm_company", "norm_email", "norm_email_domain", "norm_phone",
    "norm_country", "norm_city", "norm_postal_code", "norm_street",
)
# Statuses of other registrations worth comparing against (drafts are private work).
COMPARABLE_STATUSES = [s for s in DealStatus.values if s not in {DealStatus.DRAFT}]


@dataclass
class Subject:
    """The comparable fields of a deal or account, already normalized.

    `web` is the registrable domain of the website, `mail_domain` that of the contact's
    (non-free) e-mail; either identifies the company. An account's `emails`, `phones` and
    `contacts` include those of its CRM contacts.
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
    city: str = ""
    postal: str = ""
    street: str = ""
    kind: str = "deal"
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    contacts: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.email:
            self.emails.add(self.email)
        if self.phone:
            self.phones.add(self.phone)
        if self.contact:
            self.contacts.add(self.contact)

    @property
    def domains(self) -> set[str]:
        return {d for d in (self.web, self.mail_domain) if d}

    @property
    def primary_domain(self) -> str:
        return self.web or self.mail_domain

    @property
    def street_number(self) -> str:
        return street_number(self.street)

    @classmethod
    def of_deal(cls, deal: Deal) -> "Subject":
        return cls(company=deal.norm_company, web=registrable_domain(deal.website),
                   mail_domain=deal.norm_email_domain, email=deal.norm_email,
                   phone=deal.norm_phone, country=deal.norm_country,
                   contact=(deal.contact_name or "").strip().lower(), need=deal.need or "",
                   at=getattr(deal, "submitted_at", None) or deal.created_at,
                   # A vendor lead stands in as a deal too, without an address.
                   city=getattr(deal, "norm_city", ""),
                   postal=getattr(deal, "norm_postal_code", ""),
                   street=getattr(deal, "norm_street", ""))

    @classmethod
    def of_account(cls, account: Account, contacts: list[Contact] | None = None) -> "Subject":
        """An account with its CRM contacts (`contacts`, or those prefetched as
        `matching_contacts`)."""
        if contacts is None:
            contacts = getattr(account, "matching_contacts", [])
        return cls(company=account.norm_company, web=account.norm_domain,
                   country=(account.country or "").upper(), phone=account.norm_phone,
                   city=account.norm_city, postal=account.norm_postal_code,
                   street=account.norm_street, kind="account",
                   emails={c.norm_email for c in contacts if c.norm_email},
                   phones={c.norm_phone for c in contacts if c.norm_phone},
                   contacts={c.norm_name for c in contacts if c.norm_name})


@dataclass
class Match:
    """A scored candidate: `target` is a Deal or an Account. `bits` is the evidence
    total, `weights` the bits of each field that counted."""

    target: Deal | Account
    score: float
    matched_fields: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    bits: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)


def score(subject: Subject, other: Subject, freq: Frequencies | None = None) -> Match | None:
    """Weigh the evidence that two subjects are one company; None when no field agrees."""
    bits, found = evidence.weigh(subject, other, freq or Frequencies(), domains_related)
    agreeing = [e for e in found if e.bits > 0]
    if not any(e.field in evidence.IDENTIFYING or e.field == "company" for e in agreeing):
        return None
    m = Match(target=None, score=evidence.score_of(bits), bits=bits,  # type: ignore[arg-type]
              weights={e.field: e.bits for e in found})
    m.matched_fields = [e.field for e in agreeing if e.field != "company" or e.outcome in {
        "exact", "alike", "typo", "close", "contained"}]
    if subject.country and subject.country == other.country and m.matched_fields:
        m.matched_fields.append("country")
    m.reasons = [e.reason for e in found if e.reason]
    if subject.at and other.at and abs((subject.at - other.at).days) <= 30:
        m.matched_fields.append("dates")
        m.reasons.append(f"registered {abs((subject.at - other.at).days)} days apart")
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


def _deal_keys(deal: Deal) -> Q:
    """Exact keys another record may share with the deal: domain, e-mail, phone, address."""
    domains = sorted(Subject.of_deal(deal).domains)
    keys = Q(pk__in=[])  # matches nothing: a deal without keys is searched by name only
    if domains:
        keys |= Q(norm_domain__in=domains) | Q(norm_email_domain__in=domains)
    for name in ("norm_email", "norm_phone", "norm_address"):
        value = getattr(deal, name, "")
        if value:
            keys |= Q(**{name: value})
    return keys


def _deal_candidates(deal: Deal) -> list[Deal]:
    """Other registrations (any partner, any source) that may be the same end customer."""
    others = Deal.objects.exclude(pk=deal.pk).filter(status__in=COMPARABLE_STATUSES)
    ids = _either(others.filter(_deal_keys(deal)),
                  _similar_names(_same_country(others, "norm_country", deal), deal.norm_company))
    return list(Deal.objects.filter(pk__in=ids).only(*CANDIDATE_DEAL_FIELDS).order_by())


def _account_candidates(deal: Deal) -> list[Account]:
    """CRM accounts that may be the deal's end customer: by domain, phone or address, by a
    CRM contact with the deal's e-mail or phone, or by name; with their opportunities and
    contacts loaded."""
    accounts = Account.objects.all()
    domains = sorted(Subject.of_deal(deal).domains)
    keys = Q(norm_domain__in=domains) if domains else Q(pk__in=[])
    for name in ("norm_phone", "norm_address"):
        if getattr(deal, name, ""):
            keys |= Q(**{name: getattr(deal, name)})
    by_name = _similar_names(_same_country(accounts, "country", deal), deal.norm_company)
    contact_keys = [Q(**{name: getattr(deal, name)}) for name in ("norm_email", "norm_phone")
                    if getattr(deal, name, "")]
    if contact_keys:
        # Its own branch of the UNION: inside the OR, a subquery would defeat the indexes.
        by_contact = Contact.objects.filter(erased_at__isnull=True).filter(
            functools.reduce(operator.or_, contact_keys)).values("account_id")[:CANDIDATE_LIMIT]
        by_name = (by_contact.union(by_name) if connection.vendor == "postgresql"
                   else [row["account_id"] for row in by_contact] + list(by_name))
    ids = _either(accounts.filter(keys), by_name)
    return list(Account.objects.filter(pk__in=ids).prefetch_related(
        "opportunities", Prefetch("contacts", to_attr="matching_contacts",
                                  queryset=Contact.objects.filter(erased_at__isnull=True)))
        .order_by())


def candidates(deal: Deal) -> tuple[list[Deal], list[Account]]:
    """Registrations and CRM accounts that may be the deal's end customer: those sharing
    an exact key (domain, e-mail, phone, address; a CRM contact's e-mail or phone) or a
    similar name, read in one transaction."""
    with _name_search():
        return _deal_candidates(deal), _account_candidates(deal)


def _vendor_lead_candidates(deal: Deal) -> list:
    """Open vendor leads that may be the deal's end customer: an exact key, or a name
    compared in process (open vendor leads are few; no name index is kept for them). A
    deal standing in for a vendor lead (`vendor_lead` set, unsaved) skips that lead."""
    from distribution.choices import VendorLeadStatus
    from distribution.models import VendorLead

    open_leads = VendorLead.objects.filter(status__in=[
        VendorLeadStatus.NEW, VendorLeadStatus.READY, VendorLeadStatus.OFFERED,
        VendorLeadStatus.HELD]).exclude(pk=deal.vendor_lead_id or 0)
    domains = sorted(Subject.of_deal(deal).domains)
    keys = Q(norm_domain__in=domains) | Q(norm_email_domain__in=domains) if domains else Q(pk__in=[])
    for name in ("norm_email", "norm_phone"):
        if getattr(deal, name):
            keys |= Q(**{name: getattr(deal, name)})
    ids = set(open_leads.filter(keys).values_list("id", flat=True)[:CANDIDATE_LIMIT])
    if deal.norm_company:
        names = dict(_same_country(open_leads, "norm_country", deal).exclude(norm_company="")
                     .values_list("id", "norm_company")[:5000])
        found = process.extract(deal.norm_company, names, limit=CANDIDATE_LIMIT,
                                scorer=lambda a, b, **_kw: company_similarity(a, b),
                                score_cutoff=NAME_MATCH)
        ids |= {key for _value, _score, key in found}
    return list(VendorLead.objects.filter(pk__in=ids)) if ids else []


def find_matches(deal: Deal, *, threshold: float = MATCH_THRESHOLD) -> list[Match]:
    """Every deal, account or open vendor lead that scores at least `threshold` against
    `deal`, best first."""
    subject = Subject.of_deal(deal)
    deals, accounts = candidates(deal)
    scored = [(lead, Subject.of_deal(lead)) for lead in _vendor_lead_candidates(deal)]
    scored += [(other, Subject.of_deal(other)) for other in deals]
    scored += [(account, Subject.of_account(account)) for account in accounts]
    if not scored:
        return []
    freq = evidence.frequencies_for(subject)
    matches = []
    for target, other in scored:
        match = score(subject, other, freq)
        if match and match.score >= threshold:
            match.target = target
            matches.append(match)
    # Best first; ties in a fixed order (registrations before accounts, older first).
    return sorted(matches, key=lambda m: (-m.score, isinstance(m.target, Account), m.target.pk))


def record_keys(deal: Deal, matches: list[Match]) -> None:
    """Count the deal's name, words, city and phone among existing records (screening
    calls this once, with the deal's matches, in the match step's transaction). Its phone
    counts as another company's only when no match already carries that phone."""
    same_phone = any("phone" in m.matched_fields and m.weights.get("company", 0) > 0
                     for m in matches)
    phones = [] if same_phone else [deal.norm_phone]
    evidence.key_counts_add(evidence.keys_of(company=deal.norm_company, phones=phones,
                                             city=deal.norm_city))


@dataclass(frozen=True)
class Classified:
    """One meaning of a match: its kind, the precise target, and whether it holds first."""

    kind: str
    target_type: str
    target: object
    holds_registration: bool = False


def classify(deal: Deal, match: Match, *, protection_window_days: int) -> list[Classified]:
    """What a match means for `deal`; an account can mean several things at once."""
    from crm.choices import OPEN_OPPORTUNITY_STAGES
    from distribution.models import VendorLead
    from leads.choices import OPEN_STATUSES, DealSource, MatchKind, MatchTarget

    target = match.target
    if isinstance(target, VendorLead):
        # The vendor's own open lead: held for the partner owner, not a direct-sales conflict.
        return [Classified(MatchKind.VENDOR_LEAD, MatchTarget.VENDOR_LEAD, target)]
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
    if not (open_opportunities or target.sales_owner_id or target.is_customer
            or target.is_strategic):
        # The vendor knows this company and nothing more applies: the reviewer still sees it.
        return [Classified(MatchKind.KNOWN_ACCOUNT, MatchTarget.ACCOUNT, target)]
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
