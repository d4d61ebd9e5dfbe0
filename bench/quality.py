"""Matching quality on a generated, labeled set of pairs.

True pairs are one company written twice: a clean-ish record `a` (a CRM account or an
earlier registration) and a new registration `b` carrying one named kind of variation on
top of everyday messiness. Non-matches are two different companies built to look alike.
Each pair is scored with the real code path: raw fields → `deal_apply_normalization` (or
the CRM import's normalization for accounts) → `Subject` → `score(b, a)`, and predicted
a match when the score reaches `MATCH_THRESHOLD`.
"""

import json
import os
import random
import string
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from django.db import connection

from bench import data, words
from bench.data import Company, Record
from crm.models import Account, Contact
from crm.services import account_apply_normalization
from leads import matching
from leads.evidence import Frequencies, keys_of
from leads.models import Deal
from leads.normalize import name_words, normalize_email, normalize_phone
from leads.services import deal_apply_normalization

PER_KIND = 30
ABBREVIABLE = set(words.INDUSTRY_ABBREVIATIONS)


@dataclass
class Pair:
    label: bool
    kind: str
    b: Record  # the new registration (screening's subject)
    a: Record  # the existing record it is compared with


@dataclass
class Outcome:
    pair: Pair
    score: float
    reasons: list[str]
    predicted: bool
    keys_shared: bool
    name_trigram: float = 0.0


# Building blocks ---------------------------------------------------------------------------


def _pick(rng: random.Random, seed: int, ok: Callable[[Company], bool]) -> Company:
    while True:
        c = data.company(seed, rng.randrange(10**9))
        if ok(c):
            return c


def _existing(rng: random.Random, c: Company, *, account: bool) -> Record:
    if account:
        return data.render_account(rng, c, mess=0.3)
    return data.render_deal(rng, c, mess=0.3)


def _deal(rng: random.Random, c: Company, *, mess: float = 0.5, **fields) -> Record:
    record = data.render_deal(rng, c, mess=mess)
    for key, value in fields.items():
        setattr(record, key, value)
    return record


def _who(record: Record) -> tuple[str, str]:
    first, _space, last = record.contact_name.partition(" ")
    return first, last or first


def _corporate(rng: random.Random, c: Company, who: tuple[str, str]) -> str:
    """An address at the company's main domain."""
    return data.render_email(rng, replace(c, alt_domain=c.domain), who, free=0.0)


def _free_mail(rng: random.Random, who: tuple[str, str]) -> str:
    first, last = (data._slug(p) for p in who)
    provider = rng.choice(words.FREE_MAIL_LISTED if rng.random() < 0.8
                          else words.FREE_MAIL_UNLISTED)
    return f"{first}.{last}{rng.choice(('', str(rng.randint(1, 99))))}@{provider}"


def _sibling(rng: random.Random, c: Company, new_words: tuple[str, ...],
             country: str | None = None) -> Company:
    """Another company named `new_words`, with its own domains and phone."""
    country = country or c.country
    domain, alt = data._domain_for(rng, new_words, country)
    if domain == c.domain:
        domain = domain.replace(".", "-" + country.lower() + ".", 1)
    forms = words.COUNTRIES[country]["forms"]
    return Company(new_words, country, rng.randrange(len(forms)), domain, alt,
                   data._phone_digits(rng, country))


# True pairs: one company, two records ------------------------------------------------------


def _true_pair(rng: random.Random, seed: int, kind: str) -> Pair:
    account = rng.random() < 0.5
    if kind == "and_ampersand":
        c = _pick(rng, seed, lambda c: "&" in c.words)
    elif kind == "abbreviation":
        c = _pick(rng, seed, lambda c: bool(ABBREVIABLE & set(c.words))
                  or c.country in {"US", "CA"})
    elif kind == "acronym":
        c = _pick(rng, seed, lambda c: len([w for w in c.words if w != "&"]) >= 3)
    elif kind == "the_prefix":
        c = _pick(rng, seed, lambda c: c.country in {"US", "GB", "IE", "AU", "CA"})
    elif kind == "accents":
        c = _pick(rng, seed, lambda c: not "".join(c.words).isascii())
    else:
        c = data.company(seed, rng.randrange(10**9))
    a = _existing(rng, c, account=account and kind not in {"phone_formats", "same_contact"})
    b = _deal(rng, c, mess=0.3)
    name = data.render_name(rng, c, 0.3)
    if kind == "typo":
        ws = name.split()
        i = rng.choice([i for i, w in enumerate(ws) if len(w) >= 4] or [0])
        ws[i] = data.typo(rng, ws[i])
        if rng.random() < 0.25:
            ws[i] = data.typo(rng, ws[i])
        b.company_name = " ".join(ws)
    elif kind == "legal_suffix":
        forms = words.COUNTRIES[c.country]["forms"]
        other = rng.choice([f for f in forms if f[0] != forms[c.form][0]] or forms)
        base = ("The " if c.the else "") + " ".join(c.words)
        b.company_name = f"{base}{rng.choice((',', ''))} {rng.choice(other[1:] or other)}"
        a.company_name = f"{base} {rng.choice(forms[c.form][1:] or forms[c.form])}".strip()
    elif kind == "case_punctuation":
        text = rng.choice((name.upper(), name.lower(), name.replace(" ", "-", 1),
                           name.replace(" ", ". ", 1) + ".", f'"{name}"', name + " ."))
        b.company_name = text
    elif kind == "accents":
        canonical = data.render_name(rng, c, 0.0)
        a.company_name = canonical
        b.company_name = rng.choice((data.ascii_fold(canonical),
                                     data.ascii_fold(canonical.translate(data.TRANSLITERATION))))
    elif kind == "and_ampersand":
        conj = words.COUNTRIES[c.country]["conj"]
        canonical = data.render_name(rng, c, 0.0)
        a.company_name = canonical
        b.company_name = canonical.replace("&", rng.choice(("and", conj, "+", "und", "et")))
    elif kind == "the_prefix":
        canonical = data.render_name(rng, replace(c, the=False), 0.0)
        a.company_name, b.company_name = canonical, "The " + canonical
        if rng.random() < 0.5:
            a.company_name, b.company_name = b.company_name, a.company_name
    elif kind == "abbreviation":
        canonical = data.render_name(rng, c, 0.0)
        a.company_name = canonical
        ws = [rng.choice(words.INDUSTRY_ABBREVIATIONS[w]) if w in ABBREVIABLE else w
              for w in canonical.split()]
        text = " ".join(ws)
        for long, short in (("Corporation", "Corp."), ("Incorporated", "Inc."),
                            ("Company", "Co."), ("Limited", "Ltd")):
            text = text.replace(long, short)
        if text == canonical:
            text = canonical.replace(" Inc.", " Incorporated").replace(" Corp.", " Corporation")
        b.company_name = text
    elif kind == "acronym":
        letters = "".join(w[0].upper() for w in c.words if w != "&")
        b.company_name = f"{letters} {words.COUNTRIES[c.country]['forms'][c.form][0]}".strip()
        b.website = data.render_url(rng, c.domain)
        a.website = data.render_url(rng, c.domain)
    elif kind == "dropped_word":
        ws = [w for w in c.words if w != "&"]
        legal = words.COUNTRIES[c.country]["forms"][c.form][0]
        if len(ws) > 1:
            b.company_name = f"{' '.join(ws[:-1])} {legal}".strip()
        else:
            qualifier = rng.choice(data.QUALIFIERS.get(c.country, ["International"]))
            b.company_name = f"{ws[0]} {qualifier} {legal}".strip()
    elif kind == "url_forms":
        b.company_name = name
        a.website = data.render_url(rng, c.domain)
        b.website = data.render_url(rng, c.domain)
    elif kind == "missing_website":
        b.company_name, b.website = name, ""
        b.contact_email = _corporate(rng, c, _who(b))
    elif kind == "free_mail":
        b.company_name, b.website = name, ""
        b.contact_email = _free_mail(rng, _who(b))
    elif kind == "same_domain_other_contact":
        b.company_name, b.website = name, ""
        b.contact_email = _corporate(rng, c, _who(b))
        if a.kind == "deal":
            a.website, a.contact_email = "", _corporate(rng, c, _who(a))
    elif kind == "phone_formats":
        b.company_name, b.website = name, ""
        b.contact_email = _free_mail(rng, _who(b))
        a.contact_phone = data.render_phone(rng, c)
        b.contact_phone = data.render_phone(rng, c)
    elif kind == "same_contact":
        who = data.person(rng)
        a.contact_name = f"{who[0]} {who[1]}"
        b.contact_name = rng.choice((a.contact_name, a.contact_name.upper(),
                                     f"{who[1]}, {who[0]}"))
        a.contact_email = data.render_email(rng, c, who)
        b.contact_email = _free_mail(rng, who) if rng.random() < 0.5 else a.contact_email
        b.company_name, b.website = name, ""
        direct = data.direct_line(rng, c)
        a.contact_phone = data.render_phone(rng, c, direct) if rng.random() < 0.7 else ""
        b.contact_phone = data.render_phone(rng, c, direct) if rng.random() < 0.7 else ""
    elif kind == "alt_domain":
        b.company_name = name
        b.website = data.render_url(rng, c.alt_domain)
        a.website = data.render_url(rng, c.domain)
        b.contact_email = data.render_email(rng, replace(c, domain=c.alt_domain), _who(b),
                                            free=0.3)
    elif kind in REAL_WORLD_TRUE:
        _real_world_true(rng, kind, c, a, b)
    return Pair(True, kind, b, a)


def _bare(record: Record) -> Record:
    """Only the name, country and what a directory lists: no website, e-mail or contact."""
    record.website = record.contact_email = record.contact_name = record.need = ""
    record.contacts = ()
    return record


def _real_world_true(rng: random.Random, kind: str, c: Company, a: Record, b: Record) -> None:
    """The failure classes of real directory records (issue 12): one business listed
    twice, with names extended or qualified, and one phone."""
    base = " ".join(w for w in c.words if w != "&")
    _bare(a), _bare(b)
    phone_b = data.render_phone(rng, c)
    if a.kind == "account":
        a.phone = data.render_phone(rng, c)
    else:
        a.contact_phone = data.render_phone(rng, c)
    if kind == "extended_name_one_phone":
        a.company_name = base
        b.company_name = f"{base} {rng.choice(EXTENSIONS).format(city=c.city)}"
        b.contact_phone = phone_b
    elif kind == "bracketed_city":
        a.company_name, b.company_name = base, f"{base} ({c.city})"
        b.city = data.render_city(rng, c.city)
        b.contact_phone = phone_b if rng.random() < 0.5 else ""
    elif kind == "share_class":
        a.company_name = f"{base} Company"
        b.company_name = f"{base} Company (Class {rng.choice('ABC')})"
        b.city = a.city = c.city
    elif kind == "shortened_name_same_city":
        long = f"{base} {rng.choice(LONG_WORDS)}"
        a.company_name, b.company_name = long, long.rsplit(" ", 1)[0] + " " + \
            long.rsplit(" ", 1)[1][:4]
        b.city = data.render_city(rng, c.city)
        a.city = c.city
        b.contact_phone = phone_b
    elif kind == "inverted_article":
        a.company_name, b.company_name = f"The {base}", f"{base}, The"
        b.city = a.city = c.city
    elif kind == "account_contact_email":
        who = data.person(rng)
        email = data.render_email(rng, c, who, free=0.0)
        if a.kind == "account":
            a.contacts = ((f"{who[0]} {who[1]}", email, ""),)
        else:
            a.contact_email = email
        b.company_name = f"{base} {rng.choice(EXTENSIONS).format(city=c.city)}"
        b.contact_email, b.contact_name = email.upper(), f"{who[0]} {who[1]}"


EXTENSIONS = ["Restaurant", "at the {city} Hotel", "({city})", "Bar & Grill", "of {city}",
              "Cafe", "Bistro", "- {city}"]
LONG_WORDS = ["Delicatessen", "Brasserie", "Steakhouse", "Trattoria", "Pizzeria"]
REAL_WORLD_TRUE = ["extended_name_one_phone", "bracketed_city", "share_class",
                   "shortened_name_same_city", "inverted_article", "account_contact_email"]
TRUE_KINDS = ["typo", "legal_suffix", "case_punctuation", "accents", "and_ampersand",
              "the_prefix", "abbreviation", "acronym", "dropped_word", "url_forms",
              "missing_website", "free_mail", "same_domain_other_contact", "phone_formats",
              "same_contact", "alt_domain", *REAL_WORLD_TRUE]


# Non-matches: two companies that look alike ------------------------------------------------


def _false_pair(rng: random.Random, seed: int, kind: str) -> Pair:
    c = data.company(seed, rng.randrange(10**9))
    head = c.words[0]
    account = rng.random() < 0.5
    if kind == "shared_first_word":
        tail = rng.choice([w for w in data.INDUSTRY if w not in c.words])
        other = _sibling(rng, c, (head, tail))
    elif kind == "shared_last_words":
        first = rng.choice(words.GEO_WORDS + words.SURNAMES)
        other = _sibling(rng, c, (first,) + c.words[1:] if len(c.words) > 1
                         else (first, c.words[0]))
    elif kind == "same_name_other_country":
        country = rng.choice([k for k in words.COUNTRIES if k != c.country])
        other = _sibling(rng, c, c.words, country)
    elif kind == "near_identical_name":
        # Brand names a letter apart (Nordex / Nortex) are different companies.
        brands = set(data.brand_words())
        c = _pick(rng, seed, lambda c: c.words[0] in brands and len(c.words[0]) >= 5)
        ws = list(c.words)
        while ws[0] == c.words[0]:
            ws[0] = data.typo(rng, ws[0])
        other = _sibling(rng, c, tuple(ws))
    elif kind == "plural_or_variant":
        swaps = {"Trading": "Traders", "Technology": "Technologies", "Solutions": "Solution",
                 "Systems": "System", "Services": "Service", "Partners": "Partner",
                 "Holdings": "Holding", "Group": "Groep", "Labs": "Lab"}
        ws = [swaps.get(w, w) for w in c.words]
        if ws == list(c.words):
            ws.append(rng.choice(("Partners", "Consulting", "Solutions", "Services")))
        other = _sibling(rng, c, tuple(ws))
    elif kind == "shared_free_mail":
        other = _sibling(rng, c, data.company(seed, rng.randrange(10**9)).words)
    elif kind == "shared_platform_website":
        other = _sibling(rng, c, (head, rng.choice(data.INDUSTRY)))
    elif kind == "same_contact_name":
        other = _sibling(rng, c, data.company(seed, rng.randrange(10**9)).words)
    elif kind == "shared_switchboard":
        other = replace(_sibling(rng, c, data.company(seed, rng.randrange(10**9)).words),
                        phone=c.phone)
    else:  # surname_firm
        surname = rng.choice(words.SURNAMES)
        c = _sibling(rng, c, (surname, "&", rng.choice(words.SURNAMES)))
        other = _sibling(rng, c, rng.choice(((surname, "&", "Partner"), (surname, "Brothers"),
                                             (surname, "&", rng.choice(words.SURNAMES)),
                                             (surname, rng.choice(data.INDUSTRY)))))
    a = _existing(rng, c, account=account and kind not in
                  {"shared_free_mail", "same_contact_name", "shared_switchboard"})
    b = _deal(rng, other, mess=0.3)
    if kind == "shared_free_mail":
        provider = rng.choice(words.FREE_MAIL_LISTED if rng.random() < 0.8
                              else words.FREE_MAIL_UNLISTED)
        for record in (a, b):
            who = data.person(rng)
            record.website = ""
            record.contact_email = (f"{data.ascii_fold(who[0]).lower()}."
                                    f"{data.ascii_fold(who[1]).lower()}@{provider}")
    elif kind == "shared_platform_website":
        url = rng.choice(words.SHARED_PLATFORM_URLS)
        for record, company_ in ((a, c), (b, other)):
            slug = "-".join(data._slug(w) for w in company_.words if w != "&")
            record.website = url.format(slug=slug)
            if record.kind == "deal":
                record.contact_email = _free_mail(rng, _who(record))
    elif kind == "same_contact_name":
        who = data.person(rng)
        a.contact_name = b.contact_name = f"{who[0]} {who[1]}"
    elif kind == "shared_switchboard":
        a.contact_phone = data.render_phone(rng, c)
        b.contact_phone = data.render_phone(rng, other)
    elif kind in {"plural_or_variant", "near_identical_name", "shared_first_word"}:
        # Two real companies with close names are told apart by their websites; drop
        # them only where the name itself differs clearly enough for a person to tell.
        a.website = a.website or data.render_url(rng, c.domain)
        b.website = b.website or data.render_url(rng, other.domain)
    return Pair(False, kind, b, a)


def _real_world_false(rng: random.Random, seed: int, kind: str,
                      background: list[Record]) -> Pair:
    """Look-alike different businesses of real directories (issue 12). `background` gets
    the other records that make a value frequent (a chain's other branches, the other
    restaurants behind one hotel switchboard, other shops with an everyday name)."""
    c = data.company(seed, rng.randrange(10**9))
    base = " ".join(w for w in c.words if w != "&")
    if kind in {"chain_other_city", "chain_same_city"}:
        other = replace(_sibling(rng, c, c.words), city=c.city if kind == "chain_same_city"
                        else rng.choice(data.cities(c.country)[:50]))
        other = replace(other, street=data.place(seed, rng.randrange(10**9), c.country)[1])
        for _ in range(rng.randint(2, 6)):  # more branches elsewhere
            branch = replace(other, city=rng.choice(data.cities(c.country)))
            background.append(_bare(data.render_account(rng, branch)))
            background[-1].company_name = base
        a, b = _bare(data.render_account(rng, c)), _bare(data.render_deal(rng, other))
        a.company_name = b.company_name = base
        b.city = data.render_city(rng, other.city)
        b.street = data.render_street(rng, other.street)
        b.contact_phone = data.render_phone(rng, other)
    elif kind == "switchboard_names":
        hotel = f"{rng.choice(data.cities(c.country)[:30])} Hotel"
        other = _sibling(rng, c, data.company(seed, rng.randrange(10**9)).words)
        a, b = _bare(data.render_deal(rng, c)), _bare(data.render_deal(rng, other))
        a.company_name = f"{base} at the {hotel}"
        b.company_name = " ".join(w for w in other.words if w != "&") + f" ({hotel})"
        a.contact_phone, b.contact_phone = data.render_phone(rng, c), data.render_phone(rng, c)
        a.city = b.city = c.city
        for _ in range(rng.randint(1, 4)):
            extra = _sibling(rng, c, data.company(seed, rng.randrange(10**9)).words)
            record = _bare(data.render_deal(rng, extra))
            record.contact_phone = data.render_phone(rng, c)
            background.append(record)
    elif kind == "everyday_name":
        name = rng.choice(EVERYDAY_NAMES)
        other = _sibling(rng, c, c.words)
        a, b = _bare(data.render_account(rng, c)), _bare(data.render_deal(rng, other))
        a.company_name, b.company_name = name, rng.choice((name, f"The {name}"))
        b.contact_phone = data.render_phone(rng, other) if rng.random() < 0.5 else ""
        b.city = data.render_city(rng, other.city) if rng.random() < 0.5 else ""
        for _ in range(rng.randint(3, 8)):
            shop = _bare(data.render_account(rng, data.company(seed, rng.randrange(10**9))))
            shop.company_name = name
            background.append(shop)
    else:  # letter_apart
        head = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
        tail = rng.choice(("Financial Corp.", "Industries", "Logistics Inc.", "Partners LLC"))
        other = _sibling(rng, c, (head[1:], tail))
        a, b = _bare(data.render_account(rng, c)), _bare(data.render_deal(rng, other))
        a.company_name, b.company_name = f"{head} {tail}", f"{head[1:]} {tail}"
        if rng.random() < 0.5:
            a.company_name, b.company_name = b.company_name, a.company_name
    return Pair(False, kind, b, a)


EVERYDAY_NAMES = ["Bistro", "Chophouse", "Maria's", "The Diner", "Golden Dragon", "Luigi's",
                  "Corner Cafe", "Blue Moon", "Sunrise Bakery", "Little Italy"]
REAL_WORLD_FALSE = ["chain_other_city", "chain_same_city", "switchboard_names",
                    "everyday_name", "letter_apart"]
FALSE_KINDS = ["shared_first_word", "shared_last_words", "same_name_other_country",
               "near_identical_name", "plural_or_variant", "shared_free_mail",
               "shared_platform_website", "same_contact_name", "shared_switchboard",
               "surname_firm", *REAL_WORLD_FALSE]


@dataclass
class PairSet:
    """Labeled pairs and the other existing records that make values frequent."""

    pairs: list[Pair]
    background: list[Record]

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def labeled_pairs(seed: int, per_kind: int = PER_KIND) -> PairSet:
    rng = random.Random(seed)
    background: list[Record] = []
    pairs = [_true_pair(rng, seed, kind) for kind in TRUE_KINDS for _ in range(per_kind)]
    pairs += [_real_world_false(rng, seed, kind, background) if kind in REAL_WORLD_FALSE
              else _false_pair(rng, seed, kind) for kind in FALSE_KINDS
              for _ in range(per_kind + per_kind // 5)]
    return PairSet(pairs, background)


# Scoring through the real code -------------------------------------------------------------


def subject(record: Record) -> matching.Subject:
    if record.kind == "account":
        account = Account(name=record.company_name, website=record.website,
                          country=record.country, phone=record.phone, city=record.city,
                          street=record.street, postal_code=record.postal_code)
        account_apply_normalization(account)
        contacts = []
        for name, email, phone in record.contacts:
            contacts.append(Contact(norm_name=" ".join(name.lower().split()),
                                    norm_email=normalize_email(email),
                                    norm_phone=normalize_phone(phone, account.country)))
        return matching.Subject.of_account(account, contacts)
    deal = Deal(company_name=record.company_name, website=record.website,
                country=record.country, contact_name=record.contact_name,
                contact_email=record.contact_email, contact_phone=record.contact_phone,
                need=record.need, city=record.city, street=record.street,
                postal_code=record.postal_code)
    deal_apply_normalization(deal)
    return matching.Subject.of_deal(deal)


def frequencies(pairs: PairSet) -> Frequencies:
    """The key counts the existing records of a set give (what `key_counts_refresh`
    would store if they were the database): every pair's `a` and the background."""
    counts: Counter = Counter()
    phone_names: set[tuple[str, str]] = set()
    for record in [p.a for p in pairs] + pairs.background:
        s = subject(record)
        for key in keys_of(company=s.company, phones=[], city=s.city):
            counts[key] += 1
        phone_names |= {(phone, name_words(s.company)) for phone in s.phones}
    for phone, _words in phone_names:
        counts["phone", phone] += 1
    return Frequencies(dict(counts))


def evaluate(pairs: PairSet) -> list[Outcome]:
    freq = frequencies(pairs)
    outcomes = []
    for pair in pairs:
        sb, sa = subject(pair.b), subject(pair.a)
        match = matching.score(sb, sa, freq)
        value = match.score if match else 0.0
        # What the exact-key part of matching.candidates would find.
        keys = bool(sb.domains & sa.domains) or bool(sb.phones & sa.phones) or bool(
            sb.emails & sa.emails)
        outcomes.append(Outcome(pair, value, match.reasons if match else [],
                                value >= matching.MATCH_THRESHOLD, keys))
    _add_trigram_similarity(outcomes)
    return outcomes


# Splink on the same pairs and fields ---------------------------------------------------------


def splink_records(pairs: PairSet) -> list[dict]:
    """Both sides of every pair as splink reads them: the normalized fields ours scores."""
    records = []
    for n, pair in enumerate(pairs):
        for side, record in (("left", pair.b), ("right", pair.a)):
            s = subject(record)
            records.append({
                "side": side, "unique_id": f"{side}-{n}", "pair": str(n), "name": s.company,
                "name_words": name_words(s.company), "phone": min(s.phones, default=""),
                "domain": s.primary_domain, "email": min(s.emails, default=""),
                "city": s.city, "postal": s.postal, "street": s.street, "country": s.country})
    return records


def splink_evaluate(pairs: PairSet) -> list[float] | None:
    """Splink's match probability for each pair, run by the bench-only interpreter
    (`BENCH_SPLINK_PYTHON`, default this one); None without splink."""
    python = os.environ.get("BENCH_SPLINK_PYTHON", sys.executable)
    with tempfile.TemporaryDirectory() as folder:
        given, got = Path(folder, "in.json"), Path(folder, "out.json")
        given.write_text(json.dumps({"records": splink_records(pairs)}))
        done = subprocess.run([python, str(Path(__file__).with_name("splink_side.py")),
                               str(given), str(got)], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            print(f"  splink did not run: {done.stderr.strip().splitlines()[-1:]}")
            return None
        probabilities = json.loads(got.read_text())
    return [probabilities.get(str(n), 0.0) for n in range(len(pairs.pairs))]


def _add_trigram_similarity(outcomes: list[Outcome]) -> None:
    """pg_trgm word similarity of the new name's distinctive words to the stored name's
    (what candidate retrieval sees)."""
    left = [name_words(subject(o.pair.b).company) for o in outcomes]
    right = [name_words(subject(o.pair.a).company) for o in outcomes]
    with connection.cursor() as cursor:
        cursor.execute("SELECT word_similarity(x, y) FROM unnest(%s::text[], %s::text[]) "
                       "WITH ORDINALITY AS t(x, y, n) ORDER BY n", [left, right])
        for outcome, (value,) in zip(outcomes, cursor.fetchall(), strict=True):
            outcome.name_trigram = value


@dataclass
class Metrics:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def metrics(outcomes: list[Outcome], predicted: Callable[[Outcome], bool] | None = None
            ) -> Metrics:
    predicted = predicted or (lambda o: o.predicted)
    counts = Counter((o.pair.label, predicted(o)) for o in outcomes)
    return Metrics(counts[True, True], counts[False, True], counts[True, False],
                   counts[False, False])


def retrieved(outcome: Outcome, threshold: float, *, same_country: bool = False) -> bool:
    """Would candidate retrieval bring `a` up for `b` (exact keys, or the trigram search)?"""
    if outcome.keys_shared:
        return True
    if same_country:
        b, a = subject(outcome.pair.b), subject(outcome.pair.a)
        if b.country and a.country and a.country != b.country:
            return False
    return outcome.name_trigram >= threshold
