"""The failure classes seen on real business records (issue 12), each with two records and
the expected outcome. The records are made up; the classes are what real directories showed.
"""

import pytest

from crm.models import Account, Contact
from crm.services import account_apply_normalization
from crm.tests.factories import AccountFactory
from leads import matching
from leads.choices import DealStatus, MatchKind
from leads.evidence import key_counts_add, key_counts_refresh, keys_of
from leads.matching import MATCH_THRESHOLD, Subject, score
from leads.models import Deal, KeyCount
from leads.services import deal_apply_normalization
from leads.tests.factories import DealFactory


def deal(company: str, *, phone: str = "", city: str = "", street: str = "", postal: str = "",
         country: str = "US", website: str = "", email: str = "", contact: str = "") -> Subject:
    record = Deal(company_name=company, contact_phone=phone, city=city, street=street,
                  postal_code=postal, country=country, website=website, contact_email=email,
                  contact_name=contact)
    deal_apply_normalization(record)
    return Subject.of_deal(record)


def account(name: str, *, phone: str = "", city: str = "", street: str = "", postal: str = "",
            country: str = "US", website: str = "", contacts: list[Contact] | None = None
            ) -> Subject:
    record = Account(name=name, phone=phone, city=city, street=street, postal_code=postal,
                     country=country, website=website)
    account_apply_normalization(record)
    return Subject.of_account(record, contacts or [])


def matched(a: Subject, b: Subject, freq=None) -> bool:
    result = score(a, b, freq)
    return bool(result and result.score >= MATCH_THRESHOLD)


# 1. CRM accounts carry phone and address: a phone match, and branches told apart ------------


def test_a_registration_matches_an_account_by_its_phone_when_the_names_differ_by_words():
    assert matched(deal("Marlowe at the Ansonia", phone="(212) 555-0188", city="New York"),
                   account("Marlowe", phone="212-555-0188", city="New York City"))


def test_two_branches_of_a_chain_in_different_cities_are_not_one_company():
    assert not matched(deal("Capital Grille", phone="617-555-0100", city="Boston"),
                       account("The Capital Grille", phone="312-555-0199", city="Chicago"))


def test_two_branches_in_one_city_at_different_addresses_are_not_one_company():
    assert not matched(
        deal("Capital Grille", city="Boston", street="900 Boylston St", phone="617-555-0100"),
        account("Capital Grille", city="Boston", street="10 Post Office Sq", phone="617-555-0177"))


def test_the_same_street_address_in_other_words_corroborates():
    result = score(deal("Harbor Grill", street="435 S. La Cienega Blv.", city="Los Angeles"),
                   account("Harbor Grill Restaurant", street="435 South La Cienega Boulevard",
                           city="LA"))
    assert result.score >= MATCH_THRESHOLD
    assert "address" in result.matched_fields


# 2. A shared phone is not discounted away by added words -------------------------------------


@pytest.mark.parametrize(("mine", "theirs"), [
    ("Marlowe", "Marlowe at the Ansonia"),
    ("Cinder", "Cinder (Boston)"),
    ("Harbor Grill", "Harbor Grill Restaurant"),
    ("Arnie Morton's", "Arnie Morton's of Chicago"),
])
def test_the_same_phone_with_names_extended_by_words_matches(mine, theirs):
    result = score(deal(mine, phone="+1 617 555 0142"), deal(theirs, phone="617.555.0142"))
    assert result.score >= MATCH_THRESHOLD, result
    assert "same phone +16175550142, shared by no other company" in result.reasons


def test_a_switchboard_shared_by_several_companies_does_not_make_two_names_one():
    # A hotel's number, listed for its three restaurants.
    a = deal("Lobby Lounge at the Plaza", phone="212-555-3000")
    b = deal("Oak Room", phone="212-555-3000")
    freq = matching.Frequencies({("phone", "+12125553000"): 3})
    result = score(a, b, freq)
    assert not result or result.score < MATCH_THRESHOLD
    assert any("also used by 2 other companies" in r for r in result.reasons)


# 3. Containment counts only when another field corroborates ----------------------------------


@pytest.mark.parametrize(("short", "long"), [
    ("Nordic Deli", "Nordic Delicatessen"),
    ("La Colombe", "La Colombe Bistro"),
])
def test_a_shortened_name_alone_is_not_a_match(short, long):
    assert not matched(deal(short), deal(long))


@pytest.mark.parametrize(("short", "long", "other"), [
    ("Nordic Deli", "Nordic Delicatessen", {"phone": "+46 8 555 0101"}),
    ("La Colombe", "La Colombe Bistro", {"website": "lacolombe.com"}),
    ("Nordic Deli", "Nordic Delicatessen", {"city": "Uppsala"}),
])
def test_a_shortened_name_with_a_corroborating_field_is_a_match(short, long, other):
    result = score(deal(short, country="SE", **other), deal(long, country="SE", **other))
    assert result.score >= MATCH_THRESHOLD, result
    assert any("shortened" in r or "after removing" in r for r in result.reasons)


# 4. Qualifiers left in names ------------------------------------------------------------------


@pytest.mark.parametrize(("mine", "theirs"), [
    ("Cinder (Boston)", "Cinder"),
    ("Holloway Garden Company (Class B)", "Holloway Garden Co."),
    ("Anchor, The", "The Anchor"),
    ("Veld K B.V.", "Veld K"),
])
def test_qualifiers_do_not_keep_twins_apart(mine, theirs):
    result = score(deal(mine, city="Boston"), account(theirs, city="Boston"))
    assert result.score >= MATCH_THRESHOLD, result
    assert "company names 100% alike" in result.reasons[0]


# 5. Common names and short names that differ by a letter --------------------------------------


@pytest.mark.parametrize(("mine", "theirs"), [
    ("Bistro", "Bistro"),
    ("Chophouse", "The Chophouse"),
    ("ABC Financial Corp.", "BC Financial Corp."),
    ("DF Industries", "LDF Industries"),
])
def test_common_names_and_short_names_apart_by_a_letter_do_not_match_on_the_name(mine, theirs):
    assert not matched(deal(mine), account(theirs))


def test_a_name_many_other_companies_carry_needs_more_than_the_name():
    freq = matching.Frequencies({("name", "marias"): 6, ("word", "marias"): 6})
    assert not matched(deal("Maria's", city="Boston"), account("Marias", city="Boston"), freq)
    # The same name, rare: it is one company.
    assert matched(deal("Maria's", city="Boston"), account("Marias", city="Boston"))


def test_a_big_city_weighs_less_than_a_small_one():
    small = score(deal("Nordic Deli", city="Uppsala"), deal("Nordic Delicatessen", city="Uppsala"))
    freq = matching.Frequencies({("city", "new york"): 5000})
    big = score(deal("Nordic Deli", city="NYC"), deal("Nordic Delicatessen", city="New York"), freq)
    assert big.weights["city"] < small.weights["city"]
    assert any("a big one" in r for r in big.reasons)


# 6 and CRM contacts: every match reaches the reviewer, with its kind -------------------------


@pytest.mark.django_db
def test_a_plain_crm_account_is_classified_as_a_known_account():
    plain = AccountFactory(name="Globex Corporation", country="US", website="globex.com",
                           sales_owner=None, is_customer=False, is_strategic=False)
    registration = DealFactory(company_name="Globex", country="US", website="www.globex.com",
                               status=DealStatus.SCREENING)
    [match] = matching.find_matches(registration)
    assert match.target == plain
    kinds = matching.classify(registration, match, protection_window_days=90)
    assert [(c.kind, c.target) for c in kinds] == [(MatchKind.KNOWN_ACCOUNT, plain)]


@pytest.mark.django_db
def test_a_crm_contact_with_the_registration_contacts_e_mail_brings_its_account():
    known = AccountFactory(name="Umbrella Holdings", country="US", website="")
    Contact.objects.create(external_id="C-1", account=known, name="Jane Roe",
                           email="jane@umbrella-corp.com", norm_email="jane@umbrella-corp.com",
                           norm_name="jane roe")
    registration = DealFactory(company_name="Umbrella Corp Pharma Division", country="US",
                               website="", contact_email="Jane@Umbrella-Corp.com",
                               contact_name="Jane Roe", status=DealStatus.SCREENING)
    [match] = matching.find_matches(registration)
    assert match.target == known
    assert "email" in match.matched_fields
    assert any("is a CRM contact of this account" in r for r in match.reasons)


@pytest.mark.django_db
def test_an_account_sharing_only_a_phone_is_retrieved_and_then_judged_by_the_evidence():
    AccountFactory(name="Quayside Fish House", country="US", website="", phone="617 555 0142")
    registration = DealFactory(company_name="Quayside Restaurant Group", country="US",
                               website="", contact_phone="+1 617 555 0142",
                               status=DealStatus.SCREENING)
    _deals, accounts = matching.candidates(registration)
    assert [a.name for a in accounts] == ["Quayside Fish House"]


@pytest.mark.django_db
def test_key_counts_follow_records_and_are_rebuilt_from_them():
    for n in range(3):
        AccountFactory(name="Maria's", country="US", website="", city="Boston",
                       phone=f"617 555 01{n}0")
    AccountFactory(name="Hotel Grill", country="US", website="", phone="617 555 9999")
    AccountFactory(name="Hotel Lounge", country="US", website="", phone="617 555 9999")
    key_counts_refresh()
    counts = dict(KeyCount.objects.values_list("field", "value").annotate().values_list(
        "value", "count"))
    assert counts["marias"] == 3  # the name and the word
    assert counts["+16175559999"] == 2  # two companies on one switchboard
    key_counts_add(keys_of(company="marias", phones=[], city="boston"))
    assert KeyCount.objects.get(field="name", value="marias").count == 4


@pytest.mark.django_db
def test_the_service_takes_a_country_name_for_an_account_too():
    record = Account(external_id="A-1", name="Veld K B.V.", country="Netherlands",
                     phone="020 123 4567")
    account_apply_normalization(record)
    assert (record.country, record.norm_phone) == ("NL", "+31201234567")
