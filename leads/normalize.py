"""Normalized keys for matching: e-mail, registrable domain, E.164 phone, country, company.

Raw partner input is kept as typed; these keys sit beside it. Everything here is offline:
tldextract uses its bundled public suffix list and never fetches a newer one.
"""

import re
import unicodedata
from urllib.parse import urlsplit

import phonenumbers
import tldextract

_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

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
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return "" if domain in FREE_MAIL_DOMAINS else domain


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
]
_SUFFIX_RE = re.compile(
    r"(?:\s(?:" + "|".join(sorted({re.escape(s) for s in _LEGAL_SUFFIXES}, key=len, reverse=True)) + r"))+$"
)
# "Acme.com" or "acme.io Inc": a web address used as the name.
_WEB_SUFFIX_RE = re.compile(r"\.(com|net|org|io|co|ai|biz|info)\b")
_PREFIX_RE = re.compile(r"^(?:the|pt|ooo|zao|oao)\s")


def normalize_company(value: str | None) -> str:
    """A comparable company name: ASCII, lower case, '&' as 'and', no legal form or 'The'.

    'The Acme Company, Inc.' and 'ACME Co' both give 'acme'. A name made only of a legal
    form is kept rather than emptied.
    """
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _WEB_SUFFIX_RE.sub("", text)
    text = re.sub(r"(?<=\w)&(?=\w)", "", text)  # "AT&T" reads as one word
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"\s(und|et|y|en|och|og)\s", " and ", text)  # "and" in other languages
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"_", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return ""
    stripped = _SUFFIX_RE.sub("", " " + text).strip()
    stripped = _PREFIX_RE.sub("", stripped + " ").strip()
    return stripped or text
