"""Scoring: the same company in messy variants matches; look-alikes do not."""

import pytest

from leads.matching import MATCH_THRESHOLD, Subject, company_similarity, score
from leads.normalize import email_domain, normalize_company, registrable_domain


def subject(name: str, website: str = "", email: str = "", country: str = "", phone: str = "",
            contact: str = "") -> Subject:
    return Subject(company=normalize_company(name), web=registrable_domain(website),
                   mail_domain=email_domain(email), email=email.lower(), country=country,
                   phone=phone, contact=contact.lower())


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


@pytest.mark.parametrize(("a", "b"), [
    # The e-mail domain of one is the website of the other.
    (subject("Perry et Meijer LLC", website="perry-us.net", email="amanda@perrymei.com"),
     subject("Perry & Meijer LLC", website="www.perrymei.com")),
    # Regional free mail says nothing; the name and the phone do.
    (subject("Gao Walker Ckmpany", email="f.lynch@gaowalker.com", phone="+12596757925"),
     subject("GAO WALKER COMPANY", email="horn.seoyeon28@telenet.be", phone="+12596757925")),
    # One brand under two domains.
    (subject("Lake Realty Versicherungen", website="www.lakegroup.eu"),
     subject("Lake Realty Versicherungen", website="lake-pl.pl")),
    (subject("Horizon Lab Pty Ltd"), subject("Horizon Laboratories Pty Ltd")),
    (subject("Geandus Motors AB"), subject("Geandus Motors Aktiebolag")),
])
def test_messy_real_world_variants_match(a, b):
    assert matched(a, b), score(a, b)


@pytest.mark.parametrize(("a", "b"), [
    # Pages on a shared platform are not a shared website.
    (subject("Nordic Bakery", website="https://www.facebook.com/nordicbakery"),
     subject("Nordic Brewing", website="https://www.facebook.com/nordicbrewing")),
    # Near-identical invented brands with their own sites are different companies.
    (subject("Reclolajt Resources", website="reclolajt-resources.dk"),
     subject("Reclolant Ressources", website="reclolant-group.dk")),
    # A generic name on its own identifies no one.
    (subject("Global Solutions"), subject("Global Solution")),
])
def test_platform_pages_near_identical_brands_and_generic_names_do_not_match(a, b):
    assert not matched(a, b), score(a, b)


def test_a_name_only_match_across_countries_stays_below_the_threshold():
    """Retrieval searches names within one country; this is why that loses nothing."""
    a = Subject(company="acme analytics", country="US", contact="jane doe",
                need="replace three reporting tools with one analytics platform")
    b = Subject(company="acme analytics", country="DE", contact="jane doe",
                need="replace three reporting tools with one analytics platform")
    assert score(a, b).score < MATCH_THRESHOLD
