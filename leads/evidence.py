"""Evidence-weighted duplicate scoring, in the spirit of Fellegi–Sunter.

Every field of two records is compared and the outcome (exact, close, different, missing
...) contributes a weight in bits: log2 of how much more often that outcome is seen for
two records of one company than for two records of different companies. A missing value
is neutral (0); a conflicting one counts against. The weights add up; the total decides
(`MATCH_BITS` is the line at which a pair counts as a match) and is mapped to the stored
0–1 score. The reasons a reviewer reads are written from the same comparisons that gave
the bits, so they never say more or less than what was counted.

Agreement on a frequent value counts less than on a rare one: a name several other
companies carry, a name word that is everywhere, a phone number used by other companies
(a hotel switchboard, a call centre), a big city. The frequencies come from `KeyCount`,
one row per (field, value) with the number of existing records (registrations that were
screened and CRM accounts) carrying it; counts are added as records are screened or
imported (`key_counts_add`) and rebuilt by the beat task (`key_counts_refresh`). A check
reads them with one indexed query, never by scanning records.

The weights (bits), field by field; each was chosen from what the outcome says about two
records, and the bench (`bench/quality.py`) checks them against labeled pairs:

| field | outcome | bits |
| --- | --- | --- |
| e-mail | same address (a deal's contact, a CRM contact) | +16 |
| domain | same registrable domain (website or e-mail) | +14 |
| | related domains of one brand (acme.com / acme.de) | +1.5 |
| | different domains | −5 |
| phone | same number, used by no other company | +10 |
| | same number, also used by other companies (a switchboard) | +6, −2 per doubling of those companies, ≥ 0; does not corroborate a shortened name |
| | different numbers | −1 (0 when only the last four digits differ: direct lines of one exchange) |
| name | the same after normalization | +9 |
| | the same after removing common words from one ("Harbor Grill Restaurant") | +8.5 with another agreeing field (phone, domain, e-mail, address, city), else +3 |
| | a typo apart (≥ 92% alike) | +8 |
| | close (88–92%) | +6 |
| | similar (80–88%) | +2 |
| | one is the other plus words ("Nordic Deli" / "Nordic Delicatessen") | +6 with another agreeing field (phone, domain, e-mail, address, city), else +1 |
| | one is the initials of the other ("RPC" / "Rhine Power Cyber") | 0 |
| | names differ (under 60%), or short distinctive words differ ("ABC" / "BC") | −7 |
| | frequent name | −2 per doubling of other companies with that name, down to +2 |
| | not the same name, frequent words | −0.75 per doubling of other names with its rarest distinctive word, down to +2 |
| | a name of common business words only | at most +2 |
| address | same street and number | +6 |
| | same number, street alike | +3 |
| | different | −4.5 |
| postal code | (without streets to compare) same | +1; different −1.5 |
| city | same | +2.5, −0.5 per doubling of other records in that city, ≥ +0.5 |
| | different | −5 |
| country | same | +0.5; different −8 |
| contact | same person's name | +2 |
| need | described alike | +1 |

Only an exact agreement corroborates a shortened or extended name: related domains, a
switchboard phone, a postal code or the same country do not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from leads.normalize import GENERIC_WORDS, _is_generic_word, is_generic, name_words

# The total at which two records count as one company; its score is MATCH_THRESHOLD.
MATCH_BITS = 8.0
MATCH_THRESHOLD = 0.75

EMAIL_SAME = 16.0
DOMAIN_SAME, DOMAIN_RELATED, DOMAIN_DIFFERENT = 14.0, 1.5, -5.0
PHONE_SAME, PHONE_SHARED, PHONE_SHARED_PER_DOUBLING = 10.0, 6.0, 2.0
PHONE_DIFFERENT, PHONE_EXCHANGE = -1.0, 0.0
NAME_EXACT, NAME_ALIKE, NAME_TYPO, NAME_CLOSE, NAME_SIMILAR = 9.0, 8.5, 8.0, 6.0, 2.0
NAME_CONTAINED, NAME_CONTAINED_ALONE, NAME_ALIKE_ALONE, NAME_DIFFERENT = 6.0, 1.0, 3.0, -7.0
NAME_FREQUENT_PER_DOUBLING, WORD_FREQUENT_PER_DOUBLING, NAME_FLOOR = 2.0, 0.75, 2.0
NAME_ACRONYM, NAME_GENERIC_CAP = 0.0, 2.0
ADDRESS_SAME, ADDRESS_CLOSE, ADDRESS_DIFFERENT = 6.0, 3.0, -4.5
POSTAL_SAME, POSTAL_DIFFERENT = 1.0, -1.5
CITY_SAME, CITY_FREQUENT_PER_DOUBLING, CITY_FLOOR, CITY_DIFFERENT = 2.5, 0.5, 0.5, -5.0
COUNTRY_SAME, COUNTRY_DIFFERENT = 0.5, -8.0
CONTACT_SAME, NEED_ALIKE = 2.0, 1.0
# Fields whose agreement lets a shortened name count ("Nordic Deli" / "... Delicatessen").
CORROBORATING = {"phone", "domain", "email", "address", "city"}


def score_of(bits: float) -> float:
    """The stored 0–1 score of a total: MATCH_THRESHOLD at MATCH_BITS, each further bit
    halving the odds against (logistic in base 2)."""
    odds = (MATCH_THRESHOLD / (1 - MATCH_THRESHOLD)) * 2 ** (bits - MATCH_BITS)
    return round(odds / (1 + odds), 3)


@dataclass
class Frequencies:
    """Counts of existing records per value, read once per check (empty: all rare)."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def others(self, kind: str, value: str) -> int:
        """Records with `value` besides the candidate that shares it."""
        return max(0, self.counts.get((kind, value), 0) - 1)


@dataclass
class Evidence:
    """One field comparison: its outcome, its bits and the sentence a reviewer reads."""

    field: str
    outcome: str
    bits: float
    reason: str = ""


def _doublings(others: int) -> float:
    return math.log2(1 + others)


# --- Names --------------------------------------------------------------------------------


def company_similarity(a: str, b: str) -> float:
    """0–100: how alike two normalized company names are, compared as whole names."""
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _prefix_contained(short: list[str], long: list[str]) -> bool:
    """Every word of `short`, in order, begins a word of `long` ('nordic deli' in
    'nordic delicatessen'; 'marlowe' in 'marlowe at the ansonia'), and `long` has more."""
    if not short or len(short) > len(long) or short == long:
        return False
    position = 0
    for word in short:
        while position < len(long) and not long[position].startswith(word):
            position += 1
        if position == len(long):
            return False
        position += 1
    return sum(len(w) for w in short) >= 2


def _short_words_conflict(a: str, b: str) -> bool:
    """Distinctive short words that differ ('abc financial' / 'bc financial',
    'df industries' / 'ldf industries'): initials of different companies, not a typo."""
    left, right = set(a.split()), set(b.split())
    only_left, only_right = left - right, right - left
    if not only_left or not only_right:
        return False
    return any(
        len(x) <= 4 and len(y) <= 4 and not (_is_generic_word(x) or _is_generic_word(y))
        and not (min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)))
        for x in only_left for y in only_right)


def _initials_of(short: str, long: str) -> bool:
    """'rpc' are the initials of 'rhine power cyber' (of its words, 'and' left out)."""
    words = [w for w in long.split() if w != "and"]
    return (" " not in short and 2 <= len(short) <= 5 and len(words) >= 2
            and short == "".join(w[0] for w in words))


def compare_names(mine: str, theirs: str, freq: Frequencies) -> Evidence:
    """The name comparison, before corroboration and frequency (see `_name_weight`)."""
    if not mine or not theirs:
        return Evidence("company", "missing", 0.0)
    if mine == theirs:
        return Evidence("company", "exact", NAME_EXACT, _("company names 100% alike"))
    words_mine, words_theirs = name_words(mine), name_words(theirs)
    extra_mine = set(mine.split()) - set(theirs.split())
    extra_theirs = set(theirs.split()) - set(mine.split())
    if (words_mine == words_theirs and not (extra_mine and extra_theirs)
            and all(_is_generic_word(w) for w in extra_mine | extra_theirs)):
        removed = ", ".join(f"'{w}'" for w in sorted(extra_mine | extra_theirs))
        return Evidence("company", "alike", NAME_ALIKE,
                        _("company names alike after removing %(words)s") % {"words": removed})
    if _initials_of(mine, theirs) or _initials_of(theirs, mine):
        return Evidence("company", "acronym", NAME_ACRONYM,
                        _("'%(a)s' may be the initials of '%(b)s'") % {
                            "a": min(mine, theirs, key=len), "b": max(mine, theirs, key=len)})
    if _short_words_conflict(mine, theirs):
        return Evidence("company", "different", NAME_DIFFERENT,
                        _("different short names (%(a)s / %(b)s)") % {"a": mine, "b": theirs})
    similarity = company_similarity(mine, theirs)
    short, long = sorted((mine.split(), theirs.split()), key=len)
    if similarity < 92 and _prefix_contained(short, long):
        return Evidence("company", "contained", NAME_CONTAINED,
                        _("'%(short)s' is '%(long)s' shortened") % {
                            "short": " ".join(short), "long": " ".join(long)})
    alike = _("company names %(p).0f%% alike") % {"p": similarity}
    if similarity >= 92:
        return Evidence("company", "typo", NAME_TYPO, alike)
    if similarity >= 88:
        return Evidence("company", "close", NAME_CLOSE, alike)
    if similarity >= 80:
        return Evidence("company", "similar", NAME_SIMILAR, alike)
    if similarity < 60:
        return Evidence("company", "different", NAME_DIFFERENT,
                        _("company names differ (%(p).0f%% alike)") % {"p": similarity})
    return Evidence("company", "partial", 0.0)


def _name_weight(evidence: Evidence, mine: str, freq: Frequencies,
                 corroborated: bool) -> Evidence:
    """Corroboration, frequency and generic-name adjustments of a name agreement."""
    if evidence.bits <= 0 or evidence.outcome == "similar":
        return evidence
    notes = []
    bits = evidence.bits
    if evidence.outcome in {"contained", "alike"} and not corroborated:
        bits = NAME_CONTAINED_ALONE if evidence.outcome == "contained" else NAME_ALIKE_ALONE
        notes.append(_("counts only with another agreeing field"))
    # The same name: how many other companies carry it. Another name: how common its
    # rarest distinctive word is (a frequent word makes near-misses likelier).
    others = freq.others("name", mine)
    word_others = 0
    if evidence.outcome != "exact":
        words = [w for w in name_words(mine).split() if w not in GENERIC_WORDS]
        word_others = min((freq.others("word", w) for w in words), default=0)
    discount = max(NAME_FREQUENT_PER_DOUBLING * _doublings(others),
                   WORD_FREQUENT_PER_DOUBLING * _doublings(word_others))
    if discount:
        bits = max(min(bits, NAME_FLOOR), bits - discount)
        if others:
            notes.append(_("%(n)d other companies have this name") % {"n": others})
        else:
            notes.append(_("a frequent name word, in %(n)d other names") % {"n": word_others})
    if is_generic(mine):
        bits = min(bits, NAME_GENERIC_CAP)
        notes.append(_("the name is made of common business words only"))
    reason = evidence.reason + (f" ({'; '.join(notes)})" if notes else "")
    return Evidence("company", evidence.outcome, round(bits, 2), reason)


# --- The other fields ---------------------------------------------------------------------


def _domains(subject, other, related) -> Evidence:
    shared = sorted(subject.domains & other.domains)
    if shared:
        return Evidence("domain", "exact", DOMAIN_SAME,
                        _("same registrable domain %(d)s") % {"d": shared[0]})
    mine, theirs = subject.primary_domain, other.primary_domain
    if not mine or not theirs:
        return Evidence("domain", "missing", 0.0)
    if related(mine, theirs, subject.company) or related(mine, theirs, other.company):
        return Evidence("domain", "related", DOMAIN_RELATED,
                        _("related domains (%(a)s / %(b)s)") % {"a": mine, "b": theirs})
    return Evidence("domain", "different", DOMAIN_DIFFERENT,
                    _("different websites (%(a)s / %(b)s)") % {"a": mine, "b": theirs})


def _emails(subject, other) -> Evidence:
    shared = sorted(subject.emails & other.emails)
    if not shared:
        return Evidence("email", "missing", 0.0)
    if other.kind == "account":
        return Evidence("email", "exact", EMAIL_SAME,
                        _("the contact's e-mail %(e)s is a CRM contact of this account")
                        % {"e": shared[0]})
    return Evidence("email", "exact", EMAIL_SAME, _("same contact e-mail %(e)s") % {"e": shared[0]})


def _phones(subject, other, freq: Frequencies) -> Evidence:
    if not subject.phones or not other.phones:
        return Evidence("phone", "missing", 0.0)
    shared = sorted(subject.phones & other.phones)
    if not shared:
        if any(a[:-4] == b[:-4] for a in subject.phones for b in other.phones):
            return Evidence("phone", "exchange", PHONE_EXCHANGE,
                            _("phones of one exchange (direct lines?)"))
        return Evidence("phone", "different", PHONE_DIFFERENT, _("different phones"))
    phone = shared[0]
    others = freq.others("phone", phone)
    if others:
        bits = max(0.0, PHONE_SHARED - PHONE_SHARED_PER_DOUBLING * _doublings(others))
        said = _("same phone %(p)s, also used by %(n)d other companies") % {"p": phone, "n": others}
        return Evidence("phone", "shared", round(bits, 2), said)
    return Evidence("phone", "exact", PHONE_SAME,
                    _("same phone %(p)s, shared by no other company") % {"p": phone})


def _address(subject, other) -> Evidence:
    if subject.street and other.street:
        number_mine, number_theirs = subject.street_number, other.street_number
        similarity = fuzz.token_sort_ratio(subject.street, other.street)
        if number_mine and number_mine == number_theirs and similarity >= 85:
            return Evidence("address", "exact", ADDRESS_SAME,
                            _("same street address (%(s)s)") % {"s": other.street})
        if number_mine and number_mine == number_theirs and similarity >= 60:
            return Evidence("address", "close", ADDRESS_CLOSE,
                            _("street addresses alike (%(a)s / %(b)s)") % {
                                "a": subject.street, "b": other.street})
        if similarity < 85 or number_mine != number_theirs:
            return Evidence("address", "different", ADDRESS_DIFFERENT,
                            _("different street addresses (%(a)s / %(b)s)") % {
                                "a": subject.street, "b": other.street})
    if subject.postal and other.postal:
        if subject.postal == other.postal:
            return Evidence("address", "postal", POSTAL_SAME,
                            _("same postal code %(p)s") % {"p": subject.postal})
        return Evidence("address", "postal_different", POSTAL_DIFFERENT,
                        _("different postal codes (%(a)s / %(b)s)") % {
                            "a": subject.postal, "b": other.postal})
    return Evidence("address", "missing", 0.0)


def _city(subject, other, freq: Frequencies) -> Evidence:
    if not subject.city or not other.city:
        return Evidence("city", "missing", 0.0)
    if subject.city == other.city or fuzz.ratio(subject.city, other.city) >= 90:
        others = freq.others("city", subject.city)
        bits = max(CITY_FLOOR, CITY_SAME - CITY_FREQUENT_PER_DOUBLING * _doublings(others))
        said = _("same city (%(c)s)") % {"c": subject.city}
        if others >= 100:
            said = _("same city (%(c)s, a big one)") % {"c": subject.city}
        return Evidence("city", "exact", round(bits, 2), said)
    return Evidence("city", "different", CITY_DIFFERENT,
                    _("different cities (%(a)s / %(b)s)") % {"a": subject.city, "b": other.city})


def _country(subject, other) -> Evidence:
    if not subject.country or not other.country:
        return Evidence("country", "missing", 0.0)
    if subject.country == other.country:
        return Evidence("country", "exact", COUNTRY_SAME)
    return Evidence("country", "different", COUNTRY_DIFFERENT,
                    _("different countries (%(a)s / %(b)s)") % {
                        "a": subject.country, "b": other.country})


def _contact(subject, other) -> Evidence:
    if not subject.contact or not other.contacts:
        return Evidence("contact_name", "missing", 0.0)
    for name in other.contacts:
        if fuzz.token_sort_ratio(subject.contact, name) >= 90:
            if other.kind == "account":
                return Evidence("contact_name", "exact", CONTACT_SAME,
                                _("the contact is a known contact of this account"))
            return Evidence("contact_name", "exact", CONTACT_SAME, _("same contact name"))
    return Evidence("contact_name", "missing", 0.0)


def _need(subject, other) -> Evidence:
    if subject.need and other.need and fuzz.token_set_ratio(subject.need, other.need) >= 80:
        return Evidence("need", "close", NEED_ALIKE, _("needs described alike"))
    return Evidence("need", "missing", 0.0)


# Keys whose agreement alone makes a record worth scoring; without one, a pair needs a name.
IDENTIFYING = {"email", "domain", "phone", "address"}


def weigh(subject, other, freq: Frequencies, related) -> tuple[float, list[Evidence]]:
    """Every field comparison of `subject` with `other` and the total in bits.

    `related(a, b, company)` says whether two domains are one brand's (matching knows).
    Returns (bits, evidence); the evidence with non-zero bits or a reason is kept, in the
    order a reviewer reads it (strongest first).
    """
    found = [_emails(subject, other), _domains(subject, other, related),
             _phones(subject, other, freq), _address(subject, other),
             _city(subject, other, freq), _country(subject, other),
             _contact(subject, other), _need(subject, other)]
    # Only an exact agreement corroborates: not related domains, not a switchboard.
    agreeing = {e.field for e in found if e.bits > 0 and e.outcome == "exact"}
    name = compare_names(subject.company, other.company, freq)
    name = _name_weight(name, subject.company, freq, corroborated=bool(agreeing & CORROBORATING))
    found.insert(0, name)
    kept = [e for e in found if e.bits or e.reason]
    kept.sort(key=lambda e: -abs(e.bits))
    return round(sum(e.bits for e in kept), 2), kept


# --- Keeping the counts -------------------------------------------------------------------


def keys_of(*, company: str, phones: Iterable[str], city: str) -> list[tuple[str, str]]:
    """The (field, value) pairs one record adds to the counts."""
    keys = []
    if company:
        keys.append(("name", company[:200]))
        keys += [("word", w[:200]) for w in set(name_words(company).split())]
    keys += [("phone", p) for p in set(phones) if p]
    if city:
        keys.append(("city", city[:200]))
    return keys


# A name word carried by at least this many existing names is common (a frequent surname
# or place, in a large database).
COMMON_WORD_RECORDS = 200


def common_name(company: str, freq: Frequencies) -> bool:
    """Every distinctive word of the name is common among existing names (`freq` holds the
    counts of its words, as `frequencies_for` reads them)."""
    words = name_words(company).split() if company else []
    return bool(words) and all(freq.counts.get(("word", w[:200]), 0) >= COMMON_WORD_RECORDS
                               for w in words)


def frequencies_for(subject) -> Frequencies:
    """The counts scoring needs for `subject`: its name, name words, phones and city (one
    indexed query)."""
    from leads.models import KeyCount

    wanted = keys_of(company=subject.company, phones=subject.phones, city=subject.city)
    if not wanted:
        return Frequencies()
    from django.db.models import Q

    query = Q()
    for kind, value in wanted:
        query |= Q(field=kind, value=value)
    rows = KeyCount.objects.filter(query).values_list("field", "value", "count")
    return Frequencies({(kind, value): count for kind, value, count in rows})


def key_counts_add(keys: Iterable[tuple[str, str]]) -> None:
    """Add one to the count of each (field, value), creating missing rows (one statement;
    PostgreSQL and SQLite both take INSERT ... ON CONFLICT)."""
    from collections import Counter

    from leads.models import KeyCount

    tally = Counter(keys)
    if not tally:
        return
    table = KeyCount._meta.db_table
    rows = sorted(tally.items())  # one order for every writer: no deadlock between two
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [p for (kind, value), n in chunk for p in (kind, value, n)]
            cursor.execute(
                f"INSERT INTO {table} (field, value, count) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (field, value) DO UPDATE SET count = {table}.count + excluded.count",
                params)


def key_counts_refresh() -> int:
    """Rebuild every count from the records themselves (the beat task; also after a bulk
    load). A phone counts the distinct companies (distinctive names) using it, so one
    company registered many times is not a switchboard. Returns the number of rows."""
    from collections import Counter

    from crm.models import Account, Contact
    from leads.matching import COMPARABLE_STATUSES
    from leads.models import Deal, KeyCount

    if connection.vendor == "postgresql":
        return _key_counts_refresh_sql(COMPARABLE_STATUSES)
    counts: Counter = Counter()
    phone_names: set[tuple[str, str]] = set()
    sources = [
        Deal.objects.filter(status__in=COMPARABLE_STATUSES).values_list(
            "norm_company", "norm_phone", "norm_city"),
        Account.objects.values_list("norm_company", "norm_phone", "norm_city"),
    ]
    for rows in sources:
        for company, phone, city in rows.iterator(chunk_size=5000):
            for key in keys_of(company=company, phones=[], city=city):
                counts[key] += 1
            if phone:
                phone_names.add((phone, name_words(company)))
    for phone, company in Contact.objects.exclude(norm_phone="").values_list(
            "norm_phone", "account__norm_company").iterator(chunk_size=5000):
        phone_names.add((phone, name_words(company or "")))
    for phone, _words in phone_names:
        counts["phone", phone] += 1
    with transaction.atomic():
        KeyCount.objects.all().delete()
        KeyCount.objects.bulk_create(
            (KeyCount(field=kind, value=value, count=n)
             for (kind, value), n in counts.items() if n > 1), batch_size=5000)
    return sum(1 for n in counts.values() if n > 1)


def _key_counts_refresh_sql(statuses: list[str]) -> int:
    """The same rebuild as one statement per field on PostgreSQL (seconds at 1M records)."""
    # KeyCount's table is written literally; the only value (statuses) is a parameter.
    records = ("SELECT norm_company, name_words, norm_phone, norm_city FROM leads_deal "
               "WHERE status = ANY(%(statuses)s) UNION ALL "
               "SELECT norm_company, name_words, norm_phone, norm_city FROM leads_account")
    phones = ("SELECT norm_phone, name_words FROM r WHERE norm_phone <> '' UNION "
              "SELECT c.norm_phone, a.name_words FROM leads_contact c JOIN leads_account a "
              "ON a.id = c.account_id WHERE c.norm_phone <> '' AND c.erased_at IS NULL")
    statements = [
        "INSERT INTO leads_keycount (field, value, count) SELECT 'name', left(norm_company, 200), "
        "count(*) FROM r WHERE norm_company <> '' GROUP BY 1, 2 HAVING count(*) > 1",
        "INSERT INTO leads_keycount (field, value, count) SELECT 'word', left(w, 200), count(*) "
        "FROM r, unnest(DISTINCT_WORDS) AS w WHERE w <> '' GROUP BY 1, 2 HAVING count(*) > 1",
        "INSERT INTO leads_keycount (field, value, count) SELECT 'city', left(norm_city, 200), "
        "count(*) FROM r WHERE norm_city <> '' GROUP BY 1, 2 HAVING count(*) > 1",
        "INSERT INTO leads_keycount (field, value, count) SELECT 'phone', norm_phone, count(*) "
        "FROM (PHONES) AS p GROUP BY 1, 2 HAVING count(*) > 1",
    ]
    words = "ARRAY(SELECT DISTINCT unnest(string_to_array(name_words, ' ')))"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM leads_keycount")
        for statement in statements:
            sql = "WITH r AS MATERIALIZED (RECORDS) " + statement
            sql = sql.replace("RECORDS", records).replace("DISTINCT_WORDS", words)
            cursor.execute(sql.replace("PHONES", phones), {"statuses": list(statuses)})
        cursor.execute("SELECT count(*) FROM leads_keycount")
        return cursor.fetchone()[0]
