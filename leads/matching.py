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

from django.db import connection, transaction
from django.db.models import Q, prefetch_related_objects
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
# ... and this when every distinctive word of the name is common (`evidence.common_name`):
# agreeing on such a name is weak evidence, and a loose search for it reads thousands of
# rows in a large database. A mistyped common word is a rare word, searched loosely.
COMMON_NAME_WORD_SIMILARITY = 0.7
CANDIDATE_LIMIT = 25
# What scoring and classification read of another registration (its long texts are not).
CANDIDATE_DEAL_FIELDS = (
    "partner", "status", "source", "website", "contact_name", "need", "submitted_at",
    "created_at", "norm_company", "norm_email", "norm_email_domain", "norm_phone",
    "norm_country", "norm_city", "norm_postal_code", "norm_street",
)
# What scoring, classification and the reviewer's label read of a CRM account.
CANDIDATE_ACCOUNT_FIELDS = (
    "name", "country", "sales_owner", "is_strategic", "is_customer", "norm_company",
    "norm_domain", "norm_phone", "norm_city", "norm_postal_code", "norm_street",
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
        """An account with its CRM contacts: `contacts`, or the contact keys that candidate
        retrieval attached (`contact_emails`, `contact_phones`, `contact_names`)."""
        if contacts is not None:
            emails = [c.norm_email for c in contacts]
            phones = [c.norm_phone for c in contacts]
            names = [c.norm_name for c in contacts]
        else:
            emails = getattr(account, "contact_emails", None) or []
            phones = getattr(account, "contact_phones", None) or []
            names = getattr(account, "contact_names", None) or []
        return cls(company=account.norm_company, web=account.norm_domain,
                   country=(account.country or "").upper(), phone=account.norm_phone,
                   city=account.norm_city, postal=account.norm_postal_code,
                   street=account.norm_street, kind="account",
                   emails={e for e in emails if e}, phones={p for p in phones if p},
                   contacts={n for n in names if n})


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
def _name_search(threshold: float = WORD_SIMILARITY_THRESHOLD) -> Iterator[None]:
    """One transaction for a deal's candidate queries, set up for the trigram index.

    Both settings apply to this transaction only. On small tables the planner would scan
    every row and compute word similarity for each; the GIN index is always cheaper.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {float(threshold)}; "
                       "SET LOCAL enable_seqscan = off")
        yield


def _similar_names(queryset, name: str) -> list[int]:
    """SQLite: ids of up to CANDIDATE_LIMIT rows whose names are like `name` (company
    similarity at least NAME_MATCH), compared in process; PostgreSQL searches the trigram
    index instead (`_TRIGRAM_BRANCH`). A name below NAME_MATCH could only match through an
    exact key, looked up apart."""
    if not name:
        return []
    choices = dict(queryset.exclude(norm_company="").values_list("id", "norm_company"))
    found = process.extract(name, choices, scorer=lambda a, b, **_kw: company_similarity(a, b),
                            limit=CANDIDATE_LIMIT, score_cutoff=NAME_MATCH)
    return [key for _value, _score, key in found]


def _same_country(queryset, field: str, deal: Deal):
    """Rows in the deal's country or with none recorded, where names are searched.

    A name-only candidate from another country cannot reach MATCH_THRESHOLD (the country
    penalty keeps it below). `queryset` may also be a Q, which is narrowed the same way.
    """
    if not deal.norm_country:
        return queryset
    same = Q(**{field: deal.norm_country}) | Q(**{field: ""})
    return queryset & same if isinstance(queryset, Q) else queryset.filter(same)


def _deal_keys(deal: Deal, subject: Subject) -> list[tuple[str, list[str]]]:
    """Exact keys another registration may share with the deal, as (column, values):
    its domains (as a website's or an e-mail's), e-mail, phone and building address."""
    domains = sorted(subject.domains)
    keys = [("norm_domain", domains), ("norm_email_domain", domains)] + [
        (name, [getattr(deal, name, "")]) for name in ("norm_email", "norm_phone", "norm_address")]
    return [(column, values) for column, values in keys if any(values)]


def _account_keys(deal: Deal, subject: Subject) -> list[tuple[str, list[str]]]:
    """Exact keys a CRM account may share with the deal: domain, phone, address."""
    keys = [("norm_domain", sorted(subject.domains))] + [
        (name, [getattr(deal, name, "")]) for name in ("norm_phone", "norm_address")]
    return [(column, values) for column, values in keys if any(values)]


def _contact_keys(deal: Deal) -> list[tuple[str, list[str]]]:
    """Keys a CRM contact may share with the deal's contact: e-mail and phone."""
    keys = [(name, [getattr(deal, name, "")]) for name in ("norm_email", "norm_phone")]
    return [(column, values) for column, values in keys if any(values)]


def _q(keys: list[tuple[str, list[str]]]) -> Q:
    """The keys as one OR-ed filter (matching nothing when there are none)."""
    return functools.reduce(operator.or_, (Q(**{f"{column}__in": values})
                                           for column, values in keys), Q(pk__in=[]))


# PostgreSQL: each table's candidates in one statement, a UNION of limited branches (exact
# keys on their b-tree indexes; distinctive name words on the (country, name_words) trigram
# GIN index, most similar names first; records without a country have a partial GIN index
# of their own, migration 0013). Written as SQL because the ORM spends more time
# compiling these nested unions than PostgreSQL spends running them. Only identifiers
# from the models' metadata and these constants are put into the text; every value is a
# parameter.
_KEYS_BRANCH = "(SELECT id FROM {table} WHERE ({keys}){where} ORDER BY id LIMIT {limit})"
_TRIGRAM_BRANCH = ("(SELECT id FROM {table} WHERE name_words %%> %s{where}"
                   " ORDER BY similarity(norm_company, %s) DESC LIMIT {limit})")
_CONTACT_BRANCH = ("(SELECT account_id FROM {table} WHERE erased_at IS NULL AND ({keys})"
                   " ORDER BY account_id LIMIT {limit})")
# An account's live CRM contacts' keys, read with the account for scoring.
_CONTACT_ARRAYS = ", ".join(
    f"ARRAY(SELECT c.{column} FROM {{contacts}} c WHERE c.account_id = a.id"  # noqa: S608
    f" AND c.erased_at IS NULL AND c.{column} <> '') AS {alias}"
    for column, alias in (("norm_email", "contact_emails"), ("norm_phone", "contact_phones"),
                          ("norm_name", "contact_names")))


def _union_sql(table: str, deal: Deal, keys, *, country_column: str, where: str = "",
               where_params: tuple = ()) -> tuple[list[str], list]:
    """The UNION branches (and their parameters) that find a table's candidates."""
    branches, params = [], []
    if keys:
        branches.append(_KEYS_BRANCH.format(
            table=table, where=where, limit=CANDIDATE_LIMIT,
            keys=" OR ".join(f"{column} = ANY(%s)" for column, _values in keys)))
        params += [values for _column, values in keys] + list(where_params)
    if deal.norm_company:
        country = ""
        if deal.norm_country:
            country = f" AND ({country_column} = %s OR {country_column} = '')"
        branches.append(_TRIGRAM_BRANCH.format(table=table, where=country + where,
                                               limit=CANDIDATE_LIMIT))
        params += [name_words(deal.norm_company)] + ([deal.norm_country] if country else [])
        params += list(where_params) + [deal.norm_company]
    return branches, params


def _deal_candidates(deal: Deal, subject: Subject) -> list[Deal]:
    """Other registrations (any partner, any source) that may be the same end customer."""
    others = Deal.objects.exclude(pk=deal.pk).filter(status__in=COMPARABLE_STATUSES)
    keys = _deal_keys(deal, subject)
    if connection.vendor != "postgresql":
        ids = list(others.filter(_q(keys)).values_list("id", flat=True)[:CANDIDATE_LIMIT])
        ids += _similar_names(_same_country(others, "norm_country", deal), deal.norm_company)
        return list(Deal.objects.filter(pk__in=ids).only(*CANDIDATE_DEAL_FIELDS).order_by())
    table = connection.ops.quote_name(Deal._meta.db_table)
    branches, params = _union_sql(
        table, deal, keys, country_column="norm_country",
        where=" AND status = ANY(%s) AND id <> %s",
        where_params=(COMPARABLE_STATUSES, deal.pk or 0))
    if not branches:
        return []
    columns = ", ".join(Deal._meta.get_field(name).column
                        for name in ("id", *CANDIDATE_DEAL_FIELDS))
    return list(Deal.objects.raw(
        f"SELECT {columns} FROM {table} WHERE id IN ({' UNION '.join(branches)})",  # noqa: S608
        params))


def _account_candidates(deal: Deal, subject: Subject) -> list[Account]:
    """CRM accounts that may be the deal's end customer: by domain, phone or address, by a
    CRM contact with the deal's e-mail or phone, or by name; each with its live CRM
    contacts' keys (`contact_emails`, `contact_phones`, `contact_names`). Opportunities
    are read later, for matches only (`find_matches`)."""
    keys, contact_keys = _account_keys(deal, subject), _contact_keys(deal)
    if connection.vendor != "postgresql":
        contacts = Contact.objects.filter(erased_at__isnull=True)
        ids = list(Account.objects.filter(_q(keys)).values_list("id", flat=True)[:CANDIDATE_LIMIT])
        if contact_keys:
            ids += list(contacts.filter(_q(contact_keys))
                        .values_list("account_id", flat=True)[:CANDIDATE_LIMIT])
        ids += _similar_names(_same_country(Account.objects.all(), "country", deal),
                              deal.norm_company)
        found = list(Account.objects.filter(pk__in=ids).only(*CANDIDATE_ACCOUNT_FIELDS)
                     .order_by())
        _attach_contacts(found, contacts)
        return found
    table = connection.ops.quote_name(Account._meta.db_table)
    contact_table = connection.ops.quote_name(Contact._meta.db_table)
    branches, params = _union_sql(table, deal, keys, country_column="country")
    if contact_keys:
        branches.insert(0, _CONTACT_BRANCH.format(
            table=contact_table, limit=CANDIDATE_LIMIT,
            keys=" OR ".join(f"{column} = ANY(%s)" for column, _values in contact_keys)))
        params = [values for _column, values in contact_keys] + params
    if not branches:
        return []
    columns = ", ".join(f"a.{Account._meta.get_field(name).column}"
                        for name in ("id", *CANDIDATE_ACCOUNT_FIELDS))
    return list(Account.objects.raw(
        f"SELECT {columns}, {_CONTACT_ARRAYS.format(contacts=contact_table)}"  # noqa: S608
        f" FROM {table} a"
        f" WHERE a.id IN ({' UNION '.join(branches)})", params))


def _attach_contacts(accounts: list[Account], contacts) -> None:
    """SQLite: attach each account's live CRM contacts' keys, as PostgreSQL's candidate
    statement does, from one more statement."""
    keys: dict[int, tuple[list, list, list]] = {a.pk: ([], [], []) for a in accounts}
    for account_id, *values in contacts.filter(account_id__in=keys).values_list(
            "account_id", "norm_email", "norm_phone", "norm_name"):
        for found, value in zip(keys[account_id], values, strict=True):
            if value:
                found.append(value)
    for account in accounts:
        account.contact_emails, account.contact_phones, account.contact_names = keys[account.pk]


def candidates(deal: Deal, freq: Frequencies | None = None) -> tuple[list[Deal], list[Account]]:
    """Registrations and CRM accounts that may be the deal's end customer: those sharing
    an exact key (domain, e-mail, phone, address; a CRM contact's e-mail or phone) or a
    similar name, read in one transaction. With `freq`, a name made only of common words
    is searched more strictly (COMMON_NAME_WORD_SIMILARITY)."""
    subject = Subject.of_deal(deal)
    common = freq is not None and evidence.common_name(deal.norm_company, freq)
    with _name_search(COMMON_NAME_WORD_SIMILARITY if common else WORD_SIMILARITY_THRESHOLD):
        return _deal_candidates(deal, subject), _account_candidates(deal, subject)


def _vendor_lead_candidates(deal: Deal, subject: Subject) -> list:
    """Open vendor leads that may be the deal's end customer: an exact key, or a name
    compared in process. Open vendor leads are few and no name index is kept for them: one
    narrow statement reads the keys of those in the deal's country or without one (all of
    them when the deal has no country) or sharing a key, and the full rows are read only
    for a match. A deal standing in for a vendor lead
    (`vendor_lead` set, unsaved) skips that lead."""
    from distribution.choices import VendorLeadStatus
    from distribution.models import VendorLead

    open_leads = VendorLead.objects.filter(status__in=[
        VendorLeadStatus.NEW, VendorLeadStatus.READY, VendorLeadStatus.OFFERED,
        VendorLeadStatus.HELD]).exclude(pk=deal.vendor_lead_id or 0)
    # A registration's keys, less the address a vendor lead does not have.
    keys = [(column, values) for column, values in _deal_keys(deal, subject)
            if column != "norm_address"]
    if not deal.norm_company:
        where = _q(keys)
    elif deal.norm_country:
        where = _q(keys) | _same_country(Q(), "norm_country", deal)
    else:
        where = Q()  # every open lead's name is compared
    rows = open_leads.filter(where).values("id", "norm_company", *(column for column, _v in keys))
    ids = {row["id"] for row in rows[:5000]
           if any(row[column] in values for column, values in keys)
           or (deal.norm_company and row["norm_company"]
               and company_similarity(deal.norm_company, row["norm_company"]) >= NAME_MATCH)}
    return list(VendorLead.objects.filter(pk__in=ids)) if ids else []


def find_matches(deal: Deal, *, threshold: float = MATCH_THRESHOLD) -> list[Match]:
    """Every deal, account or open vendor lead that scores at least `threshold` against
    `deal`, best first. Matched accounts come with their opportunities loaded."""
    subject = Subject.of_deal(deal)
    freq = evidence.frequencies_for(subject)
    deals, accounts = candidates(deal, freq)
    scored = [(lead, Subject.of_deal(lead)) for lead in _vendor_lead_candidates(deal, subject)]
    scored += [(other, Subject.of_deal(other)) for other in deals]
    scored += [(account, Subject.of_account(account)) for account in accounts]
    matches = []
    for target, other in scored:
        match = score(subject, other, freq)
        if match and match.score >= threshold:
            match.target = target
            matches.append(match)
    # What classify reads of a matched account, in one statement for all of them.
    prefetch_related_objects([m.target for m in matches if isinstance(m.target, Account)],
                             "opportunities")
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
