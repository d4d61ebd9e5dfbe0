"""Matching quality on a generated, labeled set of pairs.

True pairs are one company written twice: a clean-ish record `a` (a CRM account or an
earlier registration) and a new registration `b` carrying one named kind of variation on
top of everyday messiness. Non-matches are two different companies built to look alike.
Each pair is scored with the real code path: raw fields → `deal_apply_normalization` (or
the CRM import's normalization for accounts) → `Subject` → `score(b, a)`, and predicted
a match when the score reaches `MATCH_THRESHOLD`.
"""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import connection

from bench import data, words
from bench.data import Company, Record
from leads import matching
from leads.models import Account, Deal
from leads.normalize import name_words
from leads.services import account_apply_normalization, deal_apply_normalization

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
    return Pair(True, kind, b, a)


TRUE_KINDS = ["typo", "legal_suffix", "case_punctuation", "accents", "and_ampersand",
              "the_prefix", "abbreviation", "acronym", "dropped_word", "url_forms",
              "missing_website", "free_mail", "same_domain_other_contact", "phone_formats",
              "same_contact", "alt_domain"]


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


FALSE_KINDS = ["shared_first_word", "shared_last_words", "same_name_other_country",
               "near_identical_name", "plural_or_variant", "shared_free_mail",
               "shared_platform_website", "same_contact_name", "shared_switchboard",
               "surname_firm"]


def labeled_pairs(seed: int, per_kind: int = PER_KIND) -> list[Pair]:
    rng = random.Random(seed)
    pairs = [_true_pair(rng, seed, kind) for kind in TRUE_KINDS for _ in range(per_kind)]
    pairs += [_false_pair(rng, seed, kind) for kind in FALSE_KINDS
              for _ in range(per_kind + per_kind // 5)]
    return pairs


# Scoring through the real code -------------------------------------------------------------


def subject(record: Record) -> matching.Subject:
    if record.kind == "account":
        account = Account(name=record.company_name, website=record.website,
                          country=record.country)
        account_apply_normalization(account)
        return matching.Subject.of_account(account)
    deal = Deal(company_name=record.company_name, website=record.website,
                country=record.country, contact_name=record.contact_name,
                contact_email=record.contact_email, contact_phone=record.contact_phone,
                need=record.need)
    deal_apply_normalization(deal)
    return matching.Subject.of_deal(deal)


def evaluate(pairs: list[Pair]) -> list[Outcome]:
    outcomes = []
    for pair in pairs:
        sb, sa = subject(pair.b), subject(pair.a)
        match = matching.score(sb, sa)
        value = match.score if match else 0.0
        # What the exact-key part of matching.candidates would find.
        keys = bool(sb.domains & sa.domains) or (
            pair.a.kind == "deal" and bool((sb.email and sb.email == sa.email)
                                           or (sb.phone and sb.phone == sa.phone)))
        outcomes.append(Outcome(pair, value, match.reasons if match else [],
                                value >= matching.MATCH_THRESHOLD, keys))
    _add_trigram_similarity(outcomes)
    return outcomes


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
