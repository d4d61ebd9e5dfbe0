"""Normalized keys for matching: e-mail, registrable domain, E.164 phone, country, company.

Raw partner input is kept as typed; these keys sit beside it. Everything here is offline:
tldextract uses its bundled public suffix list and never fetches a newer one.
"""

import functools
import re
import unicodedata
from urllib.parse import urlsplit

import phonenumbers
import tldextract
from django_countries import countries
from rapidfuzz import fuzz, process

# Private suffixes too, so "acme.myshopify.com" is Acme's own site, not Shopify's.
_extract = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)

# Registrable domains of free and consumer mail providers: an address there says nothing
# about the company the person works for.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.co.in yahoo.co.jp yahoo.fr yahoo.de
    yahoo.es yahoo.it yahoo.com.br yahoo.com.au ymail.com rocketmail.com hotmail.com
    hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es outlook.com outlook.fr
    outlook.de live.com live.co.uk live.fr live.de msn.com passport.com aol.com aim.com
    icloud.com me.com mac.com proton.me protonmail.com protonmail.ch pm.me tutanota.com
    tuta.io gmx.com gmx.net gmx.de gmx.at gmx.ch web.de t-online.de freenet.de mail.com
    email.com zoho.com zohomail.com yandex.com yandex.ru ya.ru mail.ru bk.ru inbox.ru list.ru
    rambler.ru qq.com 163.com 126.com yeah.net sina.com sohu.com aliyun.com naver.com
    daum.net hanmail.net orange.fr wanadoo.fr free.fr laposte.net sfr.fr libero.it virgilio.it
    tiscali.it alice.it seznam.cz wp.pl o2.pl interia.pl onet.pl bigpond.com optusnet.com.au
    rediffmail.com comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net
    charter.net earthlink.net btinternet.com sky.com virginmedia.com talktalk.net shaw.ca
    rogers.com sympatico.ca uol.com.br bol.com.br terra.com.br hushmail.com fastmail.com
    fastmail.fm mailbox.org posteo.de runbox.com hey.com duck.com
    telenet.be skynet.be proximus.be scarlet.be ziggo.nl kpnmail.nl kpnplanet.nl planet.nl
    home.nl xs4all.nl chello.nl upcmail.nl bluewin.ch sunrise.ch hispeed.ch aon.at chello.at
    a1.net eircom.net btopenworld.com ntlworld.com blueyonder.co.uk tiscali.co.uk
    bigpond.net.au iinet.net.au telus.net videotron.ca cogeco.ca sapo.pt netcabo.pt
    telefonica.net terra.es ono.com orange.es telia.com comhem.se bredband.net online.no
    broadpark.no tele2.nl alice.de arcor.de vodafone.de kabelmail.de 1und1.de ewe.net
    op.pl o2.pl tlen.pl centrum.cz atlas.cz azet.sk abv.bg yahoo.gr otenet.gr walla.co.il
    rediff.com sify.com vsnl.net 139.com sohu.net 21cn.com hinet.net netvigator.com
    """.split()
)
# Consumer mail brands under any country suffix: hotmail.se, yahoo.es, live.nl, gmx.fr ...
FREE_MAIL_BRANDS = frozenset(
    "gmail googlemail yahoo ymail hotmail outlook live msn aol icloud gmx web yandex mail "
    "protonmail proton tutanota libero virgilio t-online freenet".split()
)
# Sites where many unrelated companies have a page: the host says nothing of the company.
PLATFORM_DOMAINS = frozenset(
    """
    facebook.com fb.com linkedin.com instagram.com twitter.com x.com youtube.com tiktok.com
    google.com goo.gl business.site xing.com yelp.com tripadvisor.com linktr.ee about.me
    medium.com substack.com notion.site wix.com squarespace.com weebly.com wordpress.com
    godaddysites.com webflow.io jimdofree.com jimdosite.com strikingly.com mystrikingly.com
    carrd.co site123.me ueniweb.com shopify.com bit.ly t.co
    """.split()
)


def normalize_email(value: str | None) -> str:
    """Lower-cased, trimmed e-mail ('' when empty or without an @)."""
    value = (value or "").strip().lower()
    return value if "@" in value else ""


def registrable_domain(value: str | None) -> str:
    """The registrable domain ('acme.co.uk') of a URL, bare host or e-mail address.

    Returns '' for empty input, IP addresses, hosts without a public suffix and free-mail
    providers.
    """
    value = (value or "").strip().lower()
    if not value:
        return ""
    if "@" in value and "/" not in value:
        host = value.rsplit("@", 1)[1]
    else:
        if "://" not in value:
            value = "http://" + value
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            return ""
    host = host.strip(".")
    if not host:
        return ""
    parts = _extract(host)
    if not parts.domain or not parts.suffix:
        return ""
    domain = f"{parts.domain}.{parts.suffix}"
    if domain in PLATFORM_DOMAINS:
        # A page on a shared platform: keep "acme.business.site", drop "facebook.com/acme".
        label = parts.subdomain.split(".")[-1] if parts.subdomain else ""
        if not label or label == "www" or domain not in _SUBDOMAIN_PLATFORMS:
            return ""
        domain = f"{label}.{domain}"
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return "" if is_free_mail_domain(domain) else domain


# Platforms that give each customer a subdomain of its own.
_SUBDOMAIN_PLATFORMS = frozenset({"business.site", "wordpress.com", "weebly.com",
                                  "godaddysites.com", "webflow.io", "jimdofree.com",
                                  "jimdosite.com", "mystrikingly.com", "carrd.co",
                                  "site123.me", "ueniweb.com", "squarespace.com"})


def is_free_mail_domain(domain: str) -> bool:
    """A consumer or ISP mail domain, which says nothing about the employer."""
    if domain in FREE_MAIL_DOMAINS:
        return True
    parts = _extract(domain)
    return parts.domain in FREE_MAIL_BRANDS and not parts.is_private


def email_domain(value: str | None) -> str:
    """The registrable domain of an e-mail address ('' for free mail or no address)."""
    email = normalize_email(value)
    return registrable_domain(email) if email else ""


def normalize_phone(value: str | None, country: str | None = None) -> str:
    """E.164 form ('+442071234567'), using `country` for national numbers; '' if invalid."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Country names people write that are not the ISO short names django-countries knows.
_COUNTRY_ALIASES = {
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "united states": "US",
    "america": "US", "u s a": "US", "u s": "US", "the netherlands": "NL", "holland": "NL",
    "deutschland": "DE", "espana": "ES", "italia": "IT", "schweiz": "CH", "suisse": "CH",
    "osterreich": "AT", "brasil": "BR", "czechia": "CZ", "czech republic": "CZ",
    "russia": "RU", "south korea": "KR", "korea": "KR", "uae": "AE", "hong kong sar": "HK",
}


def country_code(value: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a code (DE, DEU, 276), an English name ("Germany") or
    a common alias ("UK", "United States", "Deutschland"); '' for a blank value, None for
    anything unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^a-z ]", " ", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    code = _COUNTRY_ALIASES.get(folded) or countries.alpha2(value) or countries.by_name(value)
    return str(code) if code else None


def normalize_country(value: str | None) -> str:
    """Upper-case ISO 3166-1 alpha-2 code, or '' for anything else."""
    value = (value or "").strip().upper()
    return value if re.fullmatch(r"[A-Z]{2}", value) else ""


# Legal-form suffixes across languages, written as they read after punctuation is removed.
_LEGAL_SUFFIXES = [
    "incorporated", "inc", "corporation", "corp", "company", "co", "limited", "ltd",
    "llc", "l l c", "llp", "lp", "plc", "pllc", "pc", "gmbh", "gmbh and co kg", "and co kg",
    "and co", "and company", "co kg", "kg",
    "ag", "se", "ug", "ohg", "ev", "mbh", "sa", "s a", "sas", "sasu", "sarl", "sl", "slu",
    "srl", "s r l", "spa", "s p a", "snc", "bv", "b v", "nv", "n v", "vof", "cv", "ab",
    "as", "a s", "asa", "oy", "oyj", "aps", "hf", "ehf", "sp z o o", "spzoo", "sro",
    "s r o", "as", "kft", "zrt", "nyrt", "doo", "d o o", "ad", "ood", "eood", "pty",
    "pty ltd", "pte", "pte ltd", "sdn bhd", "bhd", "kk", "k k", "kabushiki kaisha", "yk",
    "godo kaisha", "gk", "ltda", "sa de cv", "s a de c v", "sab de cv", "eireli", "me",
    "pvt", "pvt ltd", "private limited", "ooo", "zao", "oao", "pao", "jsc", "ojsc",
    "cjsc", "tbk", "pt", "holdings", "holding", "group", "the", "aktiengesellschaft",
    "gesellschaft mbh", "societe anonyme", "s a b de c v", "sab", "s de rl", "s de r l de c v",
    "s de rl de cv", "sccl", "scrl", "sprl", "bvba", "gie", "kgaa", "sa nv", "nv sa", "plc ltd",
    "incorporation", "corporated", "limitada", "ltda me", "epp", "lda", "unipessoal",
    "e k", "ek", "ev", "proprietary limited", "proprietary", "pty limited", "spolka z o o",
    "spolka akcyjna", "spolka komandytowa", "sp k", "sp j", "s c", "ab publ", "oy ab",
    "a s a", "k s", "i s", "sa s", "societa per azioni", "societa a responsabilita limitata",
    "besloten vennootschap", "naamloze vennootschap", "kabushiki gaisha", "yugen kaisha",
    "company limited", "co ltd", "corp ltd", "llc ltd", "l p", "l l p", "p c", "pte limited",
    "s l u", "teoranta", "dac", "ug haftungsbeschrankt", "ug haftungsbeschraenkt", "g k",
    "limited liability company", "limited liability partnership", "limited partnership",
    "public limited company", "aktiebolag", "aktieselskab", "aksjeselskap", "osakeyhtio", "sociedad anonima",
    "sociedad limitada", "sociedade anonima", "gesellschaft m b h", "g m b h", "ltee", "limitee",
    "inc ltee", "sas u", "s a s", "s a r l", "s l", "s p a", "a g", "n v", "b v", "k g", "o g",
    "s e", "plc co", "bhd sdn", "s de r l", "s c a", "sca", "scs", "s r o", "spol s r o",
    # Dotted forms read as one word once single letters are joined ("G.m.b.H." -> "gmbh").
    "gesmbh", "ges mbh", "ges m b h", "sp zoo", "spol sro", "sa de cv", "sab de cv",
    "s de rl de cv", "gmbh and co kg", "gmbh co kg", "kg aa", "og", "ks", "is", "sc",
    # Turkish, Baltic, Greek, French, German, Hungarian, Slovenian, Ukrainian, Belgian ...
    "sti", "ltd sti", "sia", "uab", "ou", "ae", "epe", "ike", "sci", "eurl", "gbr", "ggmbh",
    "bt", "dd", "pjsc", "tov", "sgps", "vzw", "asbl", "scarl", "sapa", "lllp", "opc",
    "spolka zoo",
]
# Common abbreviations, written out so "Intl" and "International" compare equal.
_ABBREVIATIONS = {
    "intl": "international", "int": "international", "natl": "national", "mfg": "manufacturing",
    "svcs": "services", "svc": "service", "srvcs": "services", "tech": "technology",
    "techs": "technologies", "sys": "systems", "mgmt": "management", "mgt": "management",
    "assoc": "associates", "assocs": "associates", "bros": "brothers", "eng": "engineering",
    "engg": "engineering", "ind": "industries", "inds": "industries", "grp": "group",
    "hldgs": "holdings", "hldg": "holding", "ins": "insurance", "fin": "financial",
    "finl": "financial", "med": "medical", "lab": "laboratories", "labs": "laboratories",
    "labo": "laboratories", "univ": "university", "hosp": "hospital", "ctr": "center",
    "centre": "center", "dev": "development", "devel": "development", "distr": "distribution",
    "dist": "distribution", "pharma": "pharmaceuticals", "pharm": "pharmaceuticals",
    "comm": "communications", "comms": "communications", "telecom": "telecommunications",
    "elec": "electric", "chem": "chemical", "mfrs": "manufacturers", "prod": "products",
    "prods": "products", "st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort",
    "inv": "investments", "invs": "investments", "syst": "systems", "serv": "services",
    "servs": "services", "solns": "solutions", "soln": "solution", "constr": "construction",
    "props": "properties", "env": "environmental", "edu": "education", "mktg": "marketing",
    "hlth": "health", "bldg": "building", "bldrs": "builders", "equip": "equipment",
    "whse": "warehouse", "amer": "american", "techn": "technologies", "ents": "enterprises",
    "assn": "association", "acad": "academy", "coop": "cooperative",
}

_SUFFIX_RE = re.compile(
    r"(?:\s(?:" + "|".join(sorted({re.escape(s) for s in _LEGAL_SUFFIXES}, key=len, reverse=True)) + r"))+$"
)
# Letters that Unicode does not decompose into an ASCII base letter.
_TRANSLITERATE = str.maketrans({
    "ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
    "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i", "ħ": "h",
})
# "Acme.com" or "acme.io Inc": a web address used as the name.
_WEB_SUFFIX_RE = re.compile(r"\.(com|net|org|io|co|ai|biz|info)\b")
_PREFIX_RE = re.compile(r"^(?:the|pt|ooo|zao|oao)\s")
# Two or more single letters in a row: "p l c" (from "P.L.C."), "i b m" (from "I.B.M.").
_INITIALS_RE = re.compile(r"\b\w(?: \w\b)+")


# "(UK)", "(Deutschland)", "(Pty)": a bracketed place, region or legal form qualifies the
# name, and is dropped like a legal form.
_PARENTHESES_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
# "(formerly Globex)": an earlier name, not part of this one.
_FORMER_RE = re.compile(r"(?:formerly|fka|previously|ehemals|anciennement|antes)\b")
_REGIONS = frozenset("europe emea apac asia americas latam nordics benelux dach mena".split())


# "Class B", "Series A shares": a share class names a listing, not another company.
_SHARE_CLASS_RE = re.compile(
    r"(?:\s(?:class|series|cl)\s[a-z0-9](?:\s(?:shares?|stock|common|ordinary|units?|"
    r"voting|non voting|preferred))*)+$")
# "Anchor, The" and "Colombe, La": a library-style inverted article, moved back in front.
_INVERTED_ARTICLE_RE = re.compile(
    r"^(?P<name>[^,(\[]+?),\s*(?P<article>the|a|an|la|le|les|l|el|los|las|il|lo|die|der|"
    r"das|de|het)\b\.?(?P<rest>\s*(?:[,(\[].*)?)$")


def _unless_qualifier(match: re.Match) -> str:
    """A bracketed part of a name: kept only when it reads as (part of) a company name.

    A place ("(UK)", "(Boston)"), a branch ("(Midtown)"), a legal form, a share class
    ("(Class B)") or a former name qualifies the name and is dropped. What stays is a
    bracket holding an organization ("Widgets (Acme Group)"): a legal form or a business
    word among other words.
    """
    inner = match.group(1).strip()
    words = re.sub(r"[^\w\s]", "", inner).lower().strip()
    if (not words or words in _REGIONS or _SUFFIX_RE.fullmatch(" " + words)
            or _FORMER_RE.match(words) or _SHARE_CLASS_RE.fullmatch(" " + words)
            or country_code(words)):
        return " "
    split = words.split()
    organization = len(split) > 1 and (
        _SUFFIX_RE.search(" " + words) is not None
        or any(word in GENERIC_WORDS for word in split))
    return f" {inner} " if organization else " "


def _join_initials(match: re.Match) -> str:
    """'i b m' -> 'ibm'; but 'k b v' (from 'Veld K B.V.') -> 'k bv': a single initial
    before a dotted legal form stays apart, so the legal form can still be removed."""
    letters = match.group().split()
    at_end = match.end() == len(match.string)
    if at_end and len(letters) > 2 and not _SUFFIX_RE.fullmatch(" " + "".join(letters)):
        for cut in range(1, len(letters) - 1):
            tail = letters[cut:]
            if _SUFFIX_RE.fullmatch(" " + " ".join(tail)) or _SUFFIX_RE.fullmatch(
                    " " + "".join(tail)):
                return "".join(letters[:cut]) + " " + "".join(tail)
    return "".join(letters)


def normalize_company(value: str | None) -> str:
    """A comparable company name: ASCII, lower case, '&' as 'and', no legal form or 'The'.

    'The Acme Company, Inc.' and 'ACME Co' both give 'acme'. A name made only of a legal
    form is kept rather than emptied.
    """
    text = (value or "").translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().strip()
    text = _INVERTED_ARTICLE_RE.sub(r"\g<article> \g<name>\g<rest>", text)
    text = re.sub(r"(?<=\w)['\u2019`\u00b4](?=\w)", "", text)  # "Maria's" is "marias"
    text = _WEB_SUFFIX_RE.sub("", text)
    text = _PARENTHESES_RE.sub(_unless_qualifier, text)
    text = re.sub(r"(?<=\w)&(?=\w)", "", text)  # "AT&T" reads as one word
    text = re.sub(r"\b(\w{1,2}) & (?!co\b)(\w{1,2})\b", r"\1\2", text)  # so does "AT & T"
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"\s(und|et|y|en|och|og)\s", " and ", text)  # "and" in other languages
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"_", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return ""
    text = _INITIALS_RE.sub(_join_initials, text)
    text = " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())
    text = _SHARE_CLASS_RE.sub("", " " + text).strip() or text
    stripped = _SUFFIX_RE.sub("", " " + text).strip()
    stripped = _SHARE_CLASS_RE.sub("", " " + stripped).strip() or stripped
    stripped = _SUFFIX_RE.sub("", " " + stripped).strip()
    stripped = _PREFIX_RE.sub("", stripped + " ").strip()
    stripped = _without_trailing_place(stripped)
    return stripped or text


def _without_trailing_place(name: str) -> str:
    """'acme uk' and 'acme usa' are 'acme'. Other places stay: too many names end in one
    ('Bank of America', 'Air France', 'Toys R Us', 'Acme IT')."""
    words = name.split()
    if len(words) > 1 and words[-1] in {"uk", "usa"}:
        words.pop()
    return " ".join(words)


# Words many unrelated companies use (industries, places, "and", "sons"), in the languages
# company names are most often written in. A name made only of these does not identify one
# company, and candidate retrieval does not search for them.
GENERIC_WORDS = frozenset("""
    global international national united general american european asian pacific north
    south east west central first new best prime premier advanced applied integrated
    creative digital smart solutions solution systems system services service
    technologies technology tech consulting consultants partners partner group holdings
    industries industry enterprises enterprise trading traders management capital
    ventures labs lab networks network software data cloud media marketing logistics
    engineering energy health care healthcare financial finance insurance investments
    properties realty construction design products manufacturing supply supplies
    resources associates business and of the co laboratories pharmaceuticals
    communications telecommunications development distribution brothers center medical
    electric chemical manufacturers saint mount fort company research studio studios
    store shop imports exports import export transport consultancy agency home homes
    foods food motors auto retail bank travel sons son sohne soehne fils hijos figli
    filhos zonen logistik logistica logistique logistiek transports transportes
    trasporti transporte transportation freight shipping cargo express travels tours
    airlines aviation hotels hotel hospitality restaurants restaurant catering bau bouw
    bygg construcciones construcoes costruzioni constructions builders building
    immobilien immobilier inmobiliaria immobiliare vastgoed fastigheter estates estate
    property servicios servicos servizi dienstleistungen diensten soluciones solucoes
    soluzioni loesungen losungen oplossingen technik techniek teknik tecnologia
    tecnologias tecnologie technologie technologien techno elektrotechnik electrotecnia
    elettrotecnica elektro electrical electronics maschinenbau machinery machines
    equipment instruments devices tools handel handels comercial commerciale commerce
    trade comercio beratung conseil consultoria consulenza advies advisory advisors
    versicherungen versicherung assurances assurance seguros assicurazioni verzekeringen
    inversiones investimentos investimenti investment invest distribuciones
    distribuzione distributors distributor wholesale groep gruppo grupo groupe gruppe
    installatie instalaciones impianti installations werke werk fabrik factory works
    mills agri agro agricultural farms farm farming beverages brewing academy education
    learning school training institute publishing press printing print games
    entertainment sports fitness wellness clinic clinics dental pharmacy aerospace
    automotive automation robotics analytics diagnostics biotech biosciences
    semiconductors security cyber materials metals steel plastics textiles apparel
    fashion utilities water environmental recycling marine mining oil gas renewables
    solar wind power interiors architects architecture
    bistro grill cafe coffee chophouse tavern diner kitchen bar pub pizzeria trattoria
    steakhouse brasserie bakery deli delicatessen eatery cantina osteria lounge inn
""".split())


def is_generic(company: str) -> bool:
    """True when every word of a normalized name is a common business word."""
    words = company.split()
    return bool(words) and all(word in GENERIC_WORDS for word in words)


@functools.lru_cache(maxsize=65536)
def _is_generic_word(word: str) -> bool:
    """A common business word, or one mistyped ("industris", "biosceinces")."""
    if word in GENERIC_WORDS:
        return True
    return len(word) >= 6 and process.extractOne(
        word, GENERIC_WORDS, scorer=fuzz.ratio, score_cutoff=85) is not None


def name_words(company: str) -> str:
    """The distinctive words of a normalized company name, which name search indexes.

    'kumar transports' gives 'kumar'. Common words (typed right or not) are left out: they
    sit in so many names that searching for them finds thousands of rows scoring would
    drop. A name with under four letters left is kept whole ('xu and sons').
    """
    words = " ".join(word for word in company.split() if not _is_generic_word(word))
    return words if len(words.replace(" ", "")) >= 4 else company


def company_keys(value: str | None) -> tuple[str, str]:
    """(norm_company, name_words) of a raw company name, cut to their fields' length."""
    company = normalize_company(value)[:200]
    return company, name_words(company)[:200]


# --- Addresses ------------------------------------------------------------------------

def _fold(value: str | None) -> str:
    """ASCII, lower case, punctuation as spaces, single spaces."""
    text = (value or "").translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"(?<=\w)['\u2019`](?=\w)", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# Words a city name is written with or without: "St. Louis" / "Saint Louis",
# "W. Hollywood" / "West Hollywood", "New York City" / "New York".
_CITY_WORDS = {
    "st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "port", "n": "north",
    "s": "south", "e": "east", "w": "west", "hts": "heights", "spgs": "springs",
    "bch": "beach", "is": "island", "sta": "santa", "sn": "san",
}
# Cities better known by a short form, in either direction.
_CITY_ALIASES = {
    "nyc": "new york", "new york city": "new york", "ny": "new york", "la": "los angeles",
    "sf": "san francisco", "dc": "washington", "washington dc": "washington",
    "washington d c": "washington", "frankfurt am main": "frankfurt", "munchen": "munich",
    "koln": "cologne", "wien": "vienna", "praha": "prague", "roma": "rome",
    "milano": "milan", "firenze": "florence", "napoli": "naples", "lisboa": "lisbon",
    "bruxelles": "brussels", "brussel": "brussels", "geneve": "geneva", "zurich": "zurich",
    "kobenhavn": "copenhagen", "warszawa": "warsaw", "den haag": "the hague",
    "s gravenhage": "the hague", "sankt": "saint",
}


def normalize_city(value: str | None) -> str:
    """A comparable city: folded, abbreviations written out, well-known short forms
    resolved ('W. Hollywood' -> 'west hollywood', 'NYC' -> 'new york')."""
    text = _fold(value)
    text = re.sub(r"\b(city of|ville de|stadt)\s", "", text)
    text = " ".join(_CITY_WORDS.get(word, word) for word in text.split())
    return _CITY_ALIASES.get(text, text)[:100]


def normalize_postal_code(value: str | None, country: str | None = None) -> str:
    """A postal code as the country writes it canonically: upper case without spaces,
    US ZIP+4 cut to its five digits, UK and Canadian codes with their space, Dutch and
    Polish forms without punctuation, a leading country prefix ('D-10115') dropped."""
    text = re.sub(r"[^\w]", "", (value or "").upper())
    country = (country or "").upper()
    if country and text.startswith(country) and len(text) > len(country) + 3:
        text = text[len(country):]  # "DE10115", "D-10115" below
    if country == "DE" and re.fullmatch(r"D\d{5}", text):
        text = text[1:]
    if country == "US":
        digits = re.sub(r"\D", "", text)
        return digits[:5] if len(digits) in (5, 9) else text
    if country in {"GB", "CA"} and len(text) > 3:
        return f"{text[:-3]} {text[-3:]}"
    return text[:20]


# Street words written out or short: both sides are brought to the short form.
_STREET_WORDS = {
    "street": "st", "str": "st", "strasse": "str", "avenue": "ave", "av": "ave",
    "boulevard": "blvd", "blv": "blvd", "road": "rd", "drive": "dr", "lane": "ln",
    "place": "pl", "court": "ct", "square": "sq", "highway": "hwy", "parkway": "pkwy",
    "suite": "ste", "floor": "fl", "north": "n", "south": "s", "east": "e", "west": "w",
    "building": "bldg", "terrace": "ter", "circle": "cir", "plaza": "plz",
}


def normalize_street(value: str | None) -> str:
    """A comparable street address: folded, common street words in their short form,
    'No.', '#' and 'Suite 200' parts dropped ('435 S. La Cienega Boulevard, Suite 2'
    -> '435 s la cienega blvd')."""
    text = _fold(value)
    text = re.sub(r"\b(?:ste|suite|unit|apt|floor|fl|room|rm)\s+\w+$", "", text).strip()
    words = [_STREET_WORDS.get(word, word) for word in text.split() if word not in {"no"}]
    return " ".join(words)[:200]


def street_number(street: str) -> str:
    """The house number of a normalized street ('' when it has none)."""
    found = re.search(r"\b\d+[a-z]?\b", street)
    return found.group() if found else ""


def address_key(*, street: str, postal_code: str, city: str) -> str:
    """'<postal code or city>|<house number>' from normalized parts: two records in the
    same building share it whatever their names say ('' without a house number)."""
    number = street_number(street)
    place = postal_code or city
    return f"{place}|{number}"[:140] if number and place else ""


def address_keys(*, street: str | None, city: str | None, postal_code: str | None,
                 country: str | None) -> dict[str, str]:
    """The normalized address fields (norm_street, norm_city, norm_postal_code,
    norm_address) of a raw address."""
    keys = {"norm_street": normalize_street(street), "norm_city": normalize_city(city),
            "norm_postal_code": normalize_postal_code(postal_code, country)}
    keys["norm_address"] = address_key(street=keys["norm_street"], city=keys["norm_city"],
                                       postal_code=keys["norm_postal_code"])
    return keys
