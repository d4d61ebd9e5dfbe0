"""Scoring: the same company in messy variants matches; look-alikes do not."""

import pytest

from leads.matching import MATCH_THRESHOLD, Subject, company_similarity, score
from leads.normalize import normalize_company, registrable_domain


def subject(name: str, website: str = "", email: str = "", country: str = "", phone: str = "",
            contact: str = "") -> Subject:
    return Subject(company=normalize_company(name),
                   domain=registrable_domain(website) or registrable_domain(email),
                   email=email.lower(), country=country, phone=phone, contact=contact.lower())


def matched(a: Subject, b: Subject) -> bool:
    result = score(a, b)
    return bool(result and result.score >= MATCH_THRESHOLD)


@pytest.mark.parametrize(("a", "b"), [
    (subject("Globex Corporation", country="US"), subject("GLOBEX Corp.", country="US")),
    (subject("The Acme Company, Inc."), subject("Acme Co")),
    (subject("Müller & Söhne GmbH & Co. KG"), subject("Mueller und Soehne GmbH", website="mueller.de")),
    (subject("Initech LLC", website="initech.com"), subject("Inetech", email="bob@initech.com")),
    (subject("Stark Industries"), subject("Stark Industires Ltd")),
    (subject("Unknown Name", email="j.doe@gmail.com"), subject("Something Else", email="J.Doe@gmail.com")),
])
def test_variants_of_the_same_customer_match(a, b):
    assert matched(a, b), score(a, b)


@pytest.mark.parametrize(("a", "b"), [
    (subject("Acme Logistics", website="acmelogistics.com"), subject("Acme Foods", website="acmefoods.com")),
    (subject("Delta Air Lines"), subject("Delta Dental")),
    (subject("Blue Sun Energy"), subject("Blue Sun Health")),
    (subject("Global Solutions Inc", website="globalsolutions.com"),
     subject("Global Solution Ltd", website="global-solution.co.uk")),
    (subject("Apex Systems", country="US"), subject("Apex Systems", country="DE")),
    (subject("Alpha Bank", email="a@gmail.com"), subject("Beta Insurance", email="b@gmail.com")),
])
def test_look_alike_companies_do_not_match(a, b):
    assert not matched(a, b), score(a, b)


def test_a_shared_phone_with_different_names_is_not_enough():
    a = subject("Northwind Traders", phone="+14155550100", website="northwind.com")
    b = subject("Tailspin Toys", phone="+14155550100", website="tailspin.com")
    assert not matched(a, b)


def test_reasons_name_what_matched():
    result = score(subject("Acme Corp", website="https://www.acme.com/about"),
                   subject("ACME Corporation", email="jane@acme.com"))
    assert "same registrable domain acme.com" in result.reasons
    assert any("company names 100% alike" in r for r in result.reasons)
    assert {"domain", "company"} <= set(result.matched_fields)


def test_company_similarity_compares_whole_names_not_shared_words():
    assert company_similarity("acme", "acme foods") < 80
    assert company_similarity("united systems", "united sytems") > 90
