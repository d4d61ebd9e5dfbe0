"""Normalized keys: the same customer typed many ways gives the same key."""

import pytest

from leads.normalize import (
    is_generic,
    name_words,
    normalize_company,
    normalize_country,
    normalize_email,
    normalize_phone,
    registrable_domain,
)


@pytest.mark.parametrize(("raw", "key"), [
    ("The Acme Company, Inc.", "acme"),
    ("ACME Co", "acme"),
    ("Müller & Söhne GmbH & Co. KG", "muller and sohne"),
    ("Müller und Söhne GmbH", "muller and sohne"),
    ("Grupo Bimbo, S.A.B. de C.V.", "grupo bimbo"),
    ("Samsung Electronics Co., Ltd.", "samsung electronics"),
    ("Société Générale S.A.", "societe generale"),
    ("Siemens Aktiengesellschaft", "siemens"),
    ("Sony K.K.", "sony"),
    ("Globex Pty Ltd", "globex"),
    ("De Vries B.V.", "de vries"),
    ("Amazon.com, Inc.", "amazon"),
    ("AT&T Inc.", "att"),
    ("Procter & Gamble", "procter and gamble"),
    ("Ltd", "ltd"),
    ("Moore & Bauer Ges.m.b.H.", "moore and bauer"),
    ("Kumar Transports P.L.C.", "kumar transports"),
    ("Delta S.A.R.L.", "delta"),
    ("Nowak Sp. z o.o.", "nowak"),
    ("Dvorak spol. s r.o.", "dvorak"),
    ("I.B.M. Corp", "ibm"),
    ("A.B.C. Supplies Ltd", "abc supplies"),
    ("Plan B Ltd", "plan b"),
    ("Acme (U.K.) Limited", "acme"),
    ("Siemens (Deutschland) GmbH", "siemens"),
    ("Acme Holdings (Pty) Ltd", "acme"),
    ("Acme (Europe) B.V.", "acme"),
    ("Northwind Traders (formerly Southwind Ltd)", "northwind traders"),
    ("Widgets (Acme Group)", "widgets acme"),
    ("Bank of America", "bank of america"),
    ("Anadolu Gıda Ltd. Şti.", "anadolu gida"),
    ("Nordhavn K/S", "nordhavn"),
    ("Baltic Timber SIA", "baltic timber"),
    ("AT & T Inc.", "att"),
    ("A & B Plumbing", "ab plumbing"),
    ("A&B Plumbing Ltd", "ab plumbing"),
    ("Jo & Co", "jo"),
    ("Microsoft UK Ltd", "microsoft"),
    ("Acme U.S.A., Inc.", "acme"),
    ("Air France", "air france"),
    ("Sliockity Inv Cyber", "sliockity investments cyber"),
    ("Delta Constr & Bldrs", "delta construction and builders"),
])
def test_company_names_lose_legal_forms_case_accents_and_punctuation(raw, key):
    assert normalize_company(raw) == key


@pytest.mark.parametrize(("raw", "domain"), [
    ("https://www.acme.co.uk/about?x=1", "acme.co.uk"),
    ("WWW.ACME.COM", "acme.com"),
    ("jane.doe@Sales.Acme.com", "acme.com"),
    ("bob@gmail.com", ""),
    ("someone@yahoo.co.uk", ""),
    ("http://[::1]/", ""),
    ("localhost", ""),
    ("not a website", ""),
    ("", ""),
])
def test_registrable_domains_come_from_websites_or_emails_and_skip_free_mail(raw, domain):
    assert registrable_domain(raw) == domain


def test_phones_become_e164_using_the_country_for_national_numbers():
    assert normalize_phone("020 7123 4567", "GB") == "+442071234567"
    assert normalize_phone("+1 (415) 555-2671") == "+14155552671"
    assert normalize_phone("call me maybe") == ""


def test_emails_and_countries_are_trimmed_and_cased():
    assert normalize_email("  Jane.Doe@ACME.com ") == "jane.doe@acme.com"
    assert normalize_email("no-at-sign") == ""
    assert normalize_country(" de ") == "DE"
    assert normalize_country("Germany") == ""


@pytest.mark.parametrize(("company", "words"), [
    ("kumar transports", "kumar"),
    ("acme global solutions", "acme"),
    ("shouwaant indsutries", "shouwaant"),  # a mistyped common word is still common
    ("morozov maschiennbau", "morozov"),
    ("lopez groep", "lopez"),
    ("xu and sons", "xu and sons"),  # too little is left: the whole name
    ("global solutions", "global solutions"),
    ("solaris energy", "solaris"),  # near "solar", but not a typo of it
    ("", ""),
])
def test_name_words_keep_what_identifies_a_company(company, words):
    assert name_words(company) == words


def test_a_name_of_common_words_only_is_generic():
    assert is_generic("global transport services")
    assert not is_generic("apex transport services")
