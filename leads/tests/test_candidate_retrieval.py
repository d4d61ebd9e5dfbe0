"""Candidate retrieval: the records a registration is scored against, on the real database.

On PostgreSQL this is the trigram index on the distinctive words of names; on SQLite the
in-process fallback. Both must bring up the same customer typed another way, and leave
out companies that only share a common word.
"""

import importlib
import uuid

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from crm.models import Account
from crm.tests.factories import AccountFactory
from leads import matching
from leads.choices import DealStatus
from leads.models import Deal
from leads.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def registration(**fields) -> Deal:
    """A registration that shares no exact key with another: names alone can find it."""
    fields.setdefault("website", "")
    fields.setdefault("contact_email", f"{uuid.uuid4().hex}@gmail.com")
    fields.setdefault("contact_phone", "")
    return DealFactory(status=DealStatus.SCREENING, **fields)


def found(deal: Deal) -> set[str]:
    deals, accounts = matching.candidates(deal)
    return {d.company_name for d in deals} | {a.name for a in accounts}


def test_a_mistyped_common_word_and_a_dotted_legal_form_still_find_the_account():
    AccountFactory(name="Shouwaant Industries Ges.m.b.H.", country="AT", website="")
    deal = registration(company_name="Shouwaant Indsutries GmbH", country="AT")
    assert found(deal) == {"Shouwaant Industries Ges.m.b.H."}
    assert [m.target.name for m in matching.find_matches(deal)] == [
        "Shouwaant Industries Ges.m.b.H."]


def test_a_typo_in_the_distinctive_word_still_finds_the_earlier_registration():
    registration(company_name="Frurkon Wind Power Ltda", country="BR")
    deal = registration(company_name="Frurkin Wind Power", country="BR")
    assert "Frurkon Wind Power Ltda" in found(deal)


def test_companies_sharing_only_common_words_are_not_candidates():
    for name in ("Quantum Transport Ltd", "Apex Trading Ltd", "Pioneer Travel Ltd",
                 "Kumar Transports P.L.C."):
        AccountFactory(name=name, country="GB", website="")
    deal = registration(company_name="Tranio Transport", country="GB")
    assert found(deal) == set()


def test_names_are_searched_in_the_deal_country_and_in_records_without_one():
    AccountFactory(name="Zentrix Analytics", country="", website="")
    AccountFactory(name="Zentrix Analytics SARL", country="FR", website="")
    registration(company_name="Zentrix Analytics Pty", country="AU")
    registration(company_name="Zentrix Analytics Inc", country="")
    deal = registration(company_name="Zentrix Analytics GmbH", country="DE")
    assert found(deal) == {"Zentrix Analytics", "Zentrix Analytics Inc"}


def test_short_names_are_searched_whole():
    registration(company_name="Xu & Sons Ltd", country="GB")
    registration(company_name="Smith & Sons Ltd", country="GB")
    deal = registration(company_name="Xu and Sons", country="GB")
    assert found(deal) == {"Xu & Sons Ltd"}


def test_the_duplicate_check_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    account = AccountFactory(name="Globex Corporation", country="US", website="globex.com")
    account.opportunities.create(external_id="OPP-G", name="Renewal", stage="proposal")
    for n in range(5):
        registration(company_name=f"Globex Corp {n}", country="US", website="globex.com")
    deal = registration(company_name="Globex", country="US", website="www.globex.com")
    # PostgreSQL: the key counts, the search's savepoint (a transaction outside tests) and
    # settings, the deals, the accounts with their contacts' keys, the savepoint's release,
    # the open vendor leads, the matched accounts' opportunities. SQLite searches names in
    # process: keys, names and rows apart.
    with django_assert_max_num_queries(8 if connection.vendor == "postgresql" else 12):
        matches = matching.find_matches(deal)
    assert len(matches) == 6
    assert [o.external_id for o in matches[-1].target.opportunities.all()] == ["OPP-G"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram search settings")
def test_a_name_of_common_words_only_is_searched_strictly_a_rare_one_loosely():
    from leads.evidence import COMMON_WORD_RECORDS, Frequencies

    # word_similarity("marlowe", "marlove") is 0.625: found by the loose search only.
    AccountFactory(name="Marlove Partners", country="US", website="")
    deal = registration(company_name="Marlowe", country="US")
    rare = Frequencies({("word", "marlowe"): 3})
    common = Frequencies({("word", "marlowe"): COMMON_WORD_RECORDS})
    assert [a.name for a in matching.candidates(deal, rare)[1]] == ["Marlove Partners"]
    assert matching.candidates(deal, common)[1] == []
    # The name itself is still found when common.
    AccountFactory(name="Marlowe", country="US", website="")
    assert [a.name for a in matching.candidates(deal, common)[1]] == ["Marlowe"]


def test_the_migration_recomputes_the_name_keys_of_existing_rows():
    account = AccountFactory(name="Kumar Transports P.L.C.", country="GB")
    Account.objects.filter(pk=account.pk).update(norm_company="kumar transports p l c",
                                                 name_words="")
    migration = importlib.import_module("leads.migrations.0006_name_words")
    # The models as that migration saw them (Account lived in leads then; same table).
    state = MigrationLoader(connection).project_state(("leads", "0006_name_words"))
    migration.recompute_names(state.apps, None)
    account.refresh_from_db()
    assert (account.norm_company, account.name_words) == ("kumar transports", "kumar")


def test_a_registration_with_a_name_only_is_searched_by_name():
    AccountFactory(name="Zentrix Analytics", country="DE", website="")
    registration(company_name="Zentrix Analytics AG", country="DE", contact_email="")
    deal = registration(company_name="Zentrix Analytics GmbH", country="DE", contact_email="")
    assert found(deal) == {"Zentrix Analytics", "Zentrix Analytics AG"}


def test_a_registration_without_a_name_is_found_by_its_keys_only():
    AccountFactory(name="Zentrix Analytics", country="DE", website="zentrix.de")
    deal = registration(company_name="", country="DE", website="https://zentrix.de")
    assert found(deal) == {"Zentrix Analytics"}


def test_a_name_is_common_only_when_every_distinctive_word_is():
    from leads.evidence import COMMON_WORD_RECORDS, Frequencies, common_name

    freq = Frequencies({("word", "stein"): COMMON_WORD_RECORDS, ("word", "kelly"): 5000,
                        ("word", "zentrix"): 2})
    assert common_name("stein and sons", freq)  # "and sons" is not distinctive
    assert common_name("kelly stein", freq)
    assert not common_name("zentrix stein", freq)
    assert not common_name("steim and sons", freq)  # a mistyped word is a rare word
    assert not common_name("", freq)
