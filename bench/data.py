"""Generated companies and the messy ways people type them.

A `Company` is one real-world end customer (its canonical name, country, domains and
switchboard). `render_*` functions turn it into what a partner or a CRM record would
hold: legal forms spelled several ways, typos, dropped words, abbreviations, accents lost
or transliterated, websites as URLs, free-mail contacts, phones in local formats.
Everything is driven by an explicit `random.Random`, so a seed reproduces the data.

Imports no Django: worker processes of the bulk loader use it without settings.
"""

import random
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from bench import words

COUNTRY_CODES = list(words.COUNTRIES)
COUNTRY_CUM_WEIGHTS = list(accumulate(words.COUNTRIES[c]["weight"] for c in COUNTRY_CODES))
PATTERN_CUM_WEIGHTS = list(accumulate((28, 10, 8, 14, 7, 3, 8, 5, 5, 2, 5, 2, 3)))
INDUSTRY = [w for w, _abbr in words.INDUSTRY_WORDS]
INDUSTRY_SET = set(INDUSTRY)
TRANSLITERATION = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss",
    "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "æ": "ae", "ł": "l", "Ł": "L",
})
KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu",
    "z": "asx",
}
QUALIFIERS = {
    "DE": ["Deutschland", "Germany", "- Berlin", "München", "(Hamburg)"],
    "GB": ["(UK)", "UK", "- London", "Europe"], "US": ["USA", "(US)", "of America",
                                                      "- New York", "North America"],
    "FR": ["France", "- Paris"], "NL": ["Nederland", "Benelux"], "ES": ["España", "Iberia"],
    "IT": ["Italia"], "CH": ["Schweiz", "Suisse"], "AT": ["Austria", "Österreich"],
}


@dataclass(frozen=True)
class Company:
    """One real end customer: what stays the same however people write it down."""

    words: tuple[str, ...]
    country: str
    form: int
    domain: str
    alt_domain: str
    phone: str
    the: bool = False
    # Where it is: a city (bigger cities hold more companies), a street address, a code.
    city: str = ""
    street: str = ""
    postal: str = ""

    @property
    def name(self) -> str:
        forms = words.COUNTRIES[self.country]["forms"]
        legal = forms[self.form][0]
        base = " ".join(self.words)
        return f"{'The ' if self.the else ''}{base} {legal}".strip()


@dataclass
class Record:
    """Raw fields as entered: a deal registration or a CRM account."""

    kind: str  # "deal" or "account"
    company_name: str
    website: str = ""
    country: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    need: str = ""
    city: str = ""
    street: str = ""
    postal_code: str = ""
    phone: str = ""  # an account's switchboard
    # An account's CRM contacts: (name, e-mail, phone).
    contacts: tuple[tuple[str, str, str], ...] = ()


@lru_cache(maxsize=1)
def brand_words() -> tuple[str, ...]:
    """About 12,000 distinct invented brand words, the same for every run."""
    rng = random.Random(20240611)
    found: dict[str, None] = {}
    while len(found) < 12000:
        syllables = rng.choice((1, 2, 2, 2, 2, 3))
        word = "".join(rng.choice(words.ONSETS) + rng.choice(words.VOWELS)
                       + (rng.choice(words.CODAS) if i == syllables - 1 else "")
                       for i in range(syllables)) + rng.choice(words.ENDINGS)
        if 4 <= len(word) <= 10:
            found[word.capitalize()] = None
    return tuple(found)


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=100_000)
def _slug(text: str) -> str:
    text = ascii_fold(text.translate(TRANSLITERATION)).lower()
    return "".join(ch for ch in text if ch in string.ascii_lowercase + string.digits)


def _name_words(rng: random.Random) -> tuple[str, ...]:
    brands, surnames, geo = brand_words(), words.SURNAMES, words.GEO_WORDS
    industry = rng.choice(INDUSTRY)
    pattern = rng.choices(range(13), cum_weights=PATTERN_CUM_WEIGHTS)[0]
    if pattern == 0:
        return (rng.choice(brands), industry)
    if pattern == 1:
        return (rng.choice(brands),)
    if pattern == 2:
        return (rng.choice(brands), rng.choice(INDUSTRY), industry)
    if pattern == 3:
        return (rng.choice(surnames), industry)
    if pattern == 4:
        return (rng.choice(surnames), "&", rng.choice(surnames))
    if pattern == 5:
        return (rng.choice(surnames), "&", rng.choice(surnames), industry)
    if pattern == 6:
        return (rng.choice(geo), industry)
    if pattern == 7:
        return (rng.choice(geo), rng.choice(INDUSTRY), industry)
    if pattern == 8:
        return (rng.choice(geo), rng.choice(brands))
    if pattern == 9:
        return (rng.choice(surnames), rng.choice(surnames))
    if pattern == 10:
        initials = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice((2, 3, 3, 4))))
        return (initials, industry)
    if pattern == 11:
        return (rng.choice(brands), rng.choice(geo))
    return (rng.choice(surnames),) + rng.choice((("&", "Sons"), ("Brothers",), ("&", "Partner")))


def _domain_for(rng: random.Random, name_words: tuple[str, ...], country: str) -> tuple[str, str]:
    parts = [_slug(w) for w in name_words if w != "&"]
    parts = [p for p in parts if p]
    style = rng.random()
    if style < 0.45 or len(parts) == 1:
        label = "".join(parts)
    elif style < 0.70:
        label = "-".join(parts)
    elif style < 0.85:
        label = parts[0] + (parts[1][:3] if len(parts) > 1 else "")
    else:
        label = parts[0] + rng.choice(("group", "-group", "hq", "online", "-" + country.lower()))
    tlds = words.COUNTRIES[country]["tlds"]
    domain = f"{label}.{rng.choice(tlds)}"
    alt_tld = rng.choice([t for t in ("com", tlds[0], "net", "eu") if not domain.endswith("." + t)])
    alt = f"{parts[0]}{rng.choice(('', 'group', '-' + country.lower()))}.{alt_tld}"
    return domain, alt if alt != domain else f"{label}-{country.lower()}.com"


def _phone_digits(rng: random.Random, country: str) -> str:
    nsn = words.COUNTRIES[country]["nsn"]
    first = str(rng.randint(2, 9))
    rest = str(rng.randrange(10 ** (nsn - 1))).zfill(nsn - 1)
    if words.COUNTRIES[country]["code"] == "1":  # NANP: exchange must not start 0/1
        rest = rest[:2] + str(rng.randint(2, 9)) + rest[3:]
    return first + rest


def company(seed: int, index: int) -> Company:
    """The company number `index` of the universe `seed` (deterministic, order-free)."""
    rng = random.Random(seed * 1_000_000_007 + index)
    country = rng.choices(COUNTRY_CODES, cum_weights=COUNTRY_CUM_WEIGHTS)[0]
    name_words = _name_words(rng)
    forms = words.COUNTRIES[country]["forms"]
    form = rng.choices(range(len(forms)), weights=[4] + [1] * (len(forms) - 1))[0]
    domain, alt = _domain_for(rng, name_words, country)
    the = country in {"US", "GB"} and rng.random() < 0.04
    return Company(name_words, country, form, domain, alt, _phone_digits(rng, country), the,
                   *place(seed, index, country))


STREET_KINDS = ["Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "Place"]
STREET_SHORT = {"Street": ("St.", "St", "Str."), "Avenue": ("Ave.", "Ave", "Av."),
                "Road": ("Rd.", "Rd"), "Boulevard": ("Blvd.", "Blv.", "Blvd"),
                "Lane": ("Ln.",), "Drive": ("Dr.",), "Place": ("Pl.",)}


@lru_cache(maxsize=64)
def cities(country: str) -> tuple[str, ...]:
    """400 invented city names of a country, biggest first (drawn with Zipf weights)."""
    rng = random.Random(f"cities-{country}")
    return tuple(rng.sample(brand_words(), 400))


CITY_CUM_WEIGHTS = list(accumulate(1 / (rank + 1) for rank in range(400)))


def place(seed: int, index: int, country: str) -> tuple[str, str, str]:
    """(city, street address, postal code) of company `index`, from its own generator so
    the rest of the company stays as it was."""
    rng = random.Random(seed * 7_000_003 + index * 31 + 5)
    at = rng.choices(range(400), cum_weights=CITY_CUM_WEIGHTS)[0]
    street = f"{rng.randint(1, 2400)} {rng.choice(brand_words())} {rng.choice(STREET_KINDS)}"
    return cities(country)[at], street, f"{10000 + at * 97 + rng.randrange(90):05d}"


# Rendering --------------------------------------------------------------------------------


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: substitution by a neighbouring key, deletion, swap or double."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    ch = word[i].lower()
    if kind < 0.35 and ch in KEYBOARD:
        repl = rng.choice(KEYBOARD[ch])
        return word[:i] + (repl.upper() if word[i].isupper() else repl) + word[i + 1:]
    if kind < 0.6:
        return word[:i] + word[i + 1:]
    if kind < 0.85:
        return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _legal_form(rng: random.Random, c: Company, mess: float) -> str:
    forms = words.COUNTRIES[c.country]["forms"]
    if rng.random() < 0.22 * mess:
        return ""
    form = forms[c.form]
    if rng.random() < 0.05 * mess:
        form = rng.choice(forms)
    return rng.choice(form[1:] or form)


def render_name(rng: random.Random, c: Company, mess: float = 1.0) -> str:
    """How someone writes the company's name; `mess` 0 gives the canonical spelling."""
    ws = list(c.words)
    conj = words.COUNTRIES[c.country]["conj"]
    for i, w in enumerate(ws):
        if w == "&":
            ws[i] = rng.choices(("&", "and", conj, "+"), weights=(55, 25, 15, 5))[0]
            if rng.random() > mess:
                ws[i] = "&"
        elif w in words.INDUSTRY_ABBREVIATIONS and rng.random() < 0.15 * mess:
            ws[i] = rng.choice(words.INDUSTRY_ABBREVIATIONS[w])
        elif not w.isascii():
            roll = rng.random()
            if roll < 0.30 * mess:
                ws[i] = ascii_fold(w)
            elif roll < 0.55 * mess:
                ws[i] = ascii_fold(w.translate(TRANSLITERATION))
    if len(ws) > 1 and ws[-1] in INDUSTRY_SET and rng.random() < 0.06 * mess:
        ws.pop()
    if rng.random() < 0.15 * mess:
        candidates = [i for i, w in enumerate(ws) if len(w) >= 4]
        if candidates:
            i = rng.choice(candidates)
            ws[i] = typo(rng, ws[i])
            if rng.random() < 0.15:
                ws[i] = typo(rng, ws[i])
    if len(ws) > 1 and rng.random() < 0.04 * mess:
        i = rng.randrange(len(ws) - 1)
        ws[i:i + 2] = [ws[i] + rng.choice(("", "-")) + ws[i + 1]]
    name = " ".join(ws)
    if c.the and rng.random() < 0.6:
        name = "The " + name
    elif c.country in {"US", "GB"} and rng.random() < 0.03 * mess:
        name = "The " + name
    if c.country in QUALIFIERS and rng.random() < 0.04 * mess:
        name += " " + rng.choice(QUALIFIERS[c.country])
    legal = _legal_form(rng, c, mess) if mess else words.COUNTRIES[c.country]["forms"][c.form][0]
    if legal:
        name += ("," if rng.random() < 0.25 * mess else "") + " " + legal
    roll = rng.random()
    if roll < 0.12 * mess:
        name = name.upper()
    elif roll < 0.16 * mess:
        name = name.lower()
    elif roll < 0.20 * mess:
        name = name.replace(" ", "  ", 1) + rng.choice((".", " ", ""))
    return name.strip() if rng.random() < 0.9 else name


def render_url(rng: random.Random, domain: str) -> str:
    """A domain the way people paste it into a website field."""
    form = rng.choices(range(8), weights=(35, 20, 10, 20, 5, 4, 4, 2))[0]
    if form == 0:
        return f"www.{domain}"
    if form == 1:
        return f"https://www.{domain}/"
    if form == 2:
        return f"https://{domain}"
    if form == 3:
        return domain
    if form == 4:
        return f"http://www.{domain}/en/contact"
    if form == 5:
        return f"WWW.{domain.upper()}"
    if form == 6:
        return f"https://www.{domain}/about-us?utm_source=partner"
    return f"{rng.choice(('de', 'en', 'shop', 'portal'))}.{domain}"


def render_website(rng: random.Random, c: Company, *, missing: float, alt: float = 0.03,
                   platform: float = 0.015) -> str:
    roll = rng.random()
    if roll < missing:
        return ""
    if roll < missing + platform:
        slug = "-".join(_slug(w) for w in c.words if w != "&")
        return rng.choice(words.SHARED_PLATFORM_URLS).format(slug=slug)
    if roll < missing + platform + alt:
        return render_url(rng, c.alt_domain)
    return render_url(rng, c.domain)


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(words.FIRST_NAMES), rng.choice(words.SURNAMES)


def render_email(rng: random.Random, c: Company, who: tuple[str, str], *,
                 free: float = 0.25) -> str:
    first, last = (_slug(p) for p in who)
    roll = rng.random()
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", first, f"{first}_{last}",
                        f"{last}.{first}", f"{first[0]}.{last}"))
    if roll < free:
        provider = rng.choice(words.FREE_MAIL_LISTED if rng.random() < 0.8
                              else words.FREE_MAIL_UNLISTED)
        return f"{local}{rng.choice(('', '', str(rng.randint(1, 99))))}@{provider}"
    domain = c.alt_domain if roll < free + 0.03 else c.domain
    address = f"{local}@{domain}"
    return address.upper() if rng.random() < 0.03 else address


def render_phone(rng: random.Random, c: Company, digits: str | None = None) -> str:
    """A phone number in one of the ways people write it locally or internationally."""
    digits = digits or c.phone
    info = words.COUNTRIES[c.country]
    code, trunk = info["code"], info["trunk"]
    head, tail = digits[:3], digits[3:]
    grouped = " ".join(tail[i:i + 3] for i in range(0, len(tail), 3))
    form = rng.randrange(6)
    if code == "1":
        return [f"+1 ({head}) {tail[:3]}-{tail[3:]}", f"{head}.{tail[:3]}.{tail[3:]}",
                f"1-{head}-{tail[:3]}-{tail[3:]}", f"({head}) {tail[:3]}-{tail[3:]}",
                f"+1{digits}", f"{head}-{tail[:3]}-{tail[3:]}"][form]
    return [f"+{code} {head} {grouped}", f"{trunk}{head} {grouped}", f"00{code} {head}{tail}",
            f"+{code} ({trunk}){head} {tail}" if trunk else f"+{code} {head}{tail}",
            f"({trunk}{head}) {grouped}", f"+{code}{digits}"][form]


def direct_line(rng: random.Random, c: Company) -> str:
    """Another number at the same company (a person's direct line)."""
    return c.phone[:-3] + "".join(rng.choice(string.digits) for _ in range(3))


def render_street(rng: random.Random, street: str) -> str:
    """A street address as typed: the street kind written out or short, a suite added."""
    number, *rest = street.split()
    kind = rest[-1]
    if kind in STREET_SHORT and rng.random() < 0.5:
        rest[-1] = rng.choice(STREET_SHORT[kind])
    text = " ".join([number, *rest])
    if rng.random() < 0.1:
        text += f", Suite {rng.randint(1, 900)}"
    return text.upper() if rng.random() < 0.05 else text


def render_city(rng: random.Random, city: str) -> str:
    return rng.choice((city, city, city, city.upper(), city.lower()))


def render_address(rng: random.Random, c: Company, record: Record, *, street: float,
                   city: float, postal: float) -> Record:
    """Fill the address fields each with its own chance of being there."""
    if c.street and rng.random() < street:
        record.street = render_street(rng, c.street)
    if c.city and rng.random() < city:
        record.city = render_city(rng, c.city)
    if c.postal and rng.random() < postal:
        record.postal_code = c.postal
    return record


def render_deal(rng: random.Random, c: Company, *, mess: float = 1.0,
                who: tuple[str, str] | None = None) -> Record:
    """A partner's registration of `c`: name, maybe a website, a contact, maybe a phone,
    often the city, sometimes the street and postal code."""
    who = who or person(rng)
    phone = ""
    if rng.random() < 0.65:
        phone = render_phone(rng, c, c.phone if rng.random() < 0.4 else direct_line(rng, c))
    record = Record("deal", render_name(rng, c, mess), render_website(rng, c, missing=0.3),
                    c.country, f"{who[0]} {who[1]}", render_email(rng, c, who), phone,
                    rng.choice(words.NEEDS))
    return render_address(rng, c, record, street=0.35, city=0.7, postal=0.35)


def render_account(rng: random.Random, c: Company, *, mess: float = 0.5) -> Record:
    """The vendor's CRM record of `c`: cleaner than registrations, rarely without website;
    usually with its switchboard and address, sometimes with a contact."""
    record = Record("account", render_name(rng, c, mess),
                    render_website(rng, c, missing=0.1, platform=0.005),
                    "" if rng.random() < 0.04 else c.country)
    if rng.random() < 0.75:
        record.phone = render_phone(rng, c)
    if rng.random() < 0.5:
        who = person(rng)
        record.contacts = ((f"{who[0]} {who[1]}", render_email(rng, c, who, free=0.05),
                            render_phone(rng, c, direct_line(rng, c))),)
    return render_address(rng, c, record, street=0.7, city=0.9, postal=0.7)


def perturb_name(rng: random.Random, name: str) -> str:
    """A typed-again variant of an existing raw name: a typo, a case change, a lost suffix."""
    parts = name.split()
    if len(parts) > 1 and rng.random() < 0.4:
        parts.pop()
    candidates = [i for i, w in enumerate(parts) if len(w) >= 4]
    if candidates:
        i = rng.choice(candidates)
        parts[i] = typo(rng, parts[i])
    text = " ".join(parts)
    return text.upper() if rng.random() < 0.2 else text
