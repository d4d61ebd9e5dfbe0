"""The move of the CRM records from leads to crm changed Django's state only."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.operations import SeparateDatabaseAndState

from crm.models import Account, Contact, CrmImport, Opportunity
from leads.models import Deal, DuplicateMatch

pytestmark = pytest.mark.django_db

TABLES = {
    Account: "leads_account",
    Contact: "leads_contact",
    Opportunity: "leads_opportunity",
    CrmImport: "leads_crmimport",
}


def test_the_crm_models_keep_the_tables_they_had_in_leads():
    assert {model: model._meta.db_table for model in TABLES} == TABLES
    existing = set(connection.introspection.table_names())
    assert set(TABLES.values()) <= existing
    assert not any(name.startswith("crm_") for name in existing)


def test_leads_no_longer_has_the_crm_models():
    assert {model._meta.label for model in TABLES} == {
        "crm.Account", "crm.Contact", "crm.Opportunity", "crm.CrmImport"}
    leads_models = {model.__name__ for model in apps.get_app_config("leads").get_models()}
    assert not leads_models & {"Account", "Contact", "Opportunity", "CrmImport"}
    import leads.models

    assert not {"Account", "Contact", "Opportunity", "CrmImport"} & set(dir(leads.models))


def test_the_foreign_keys_of_other_apps_point_at_the_crm_models():
    from distribution.models import VendorLead

    assert Deal._meta.get_field("opportunity").related_model is Opportunity
    assert DuplicateMatch._meta.get_field("target_account").related_model is Account
    assert DuplicateMatch._meta.get_field("target_opportunity").related_model is Opportunity
    assert VendorLead._meta.get_field("held_account").related_model is Account


@pytest.mark.parametrize("module", [
    "crm.migrations.0001_initial",
    "leads.migrations.0012_crm_records_move_to_crm",
    "distribution.migrations.0003_held_account_to_crm",
])
def test_the_move_migrations_touch_no_table(module):
    migration = importlib.import_module(module).Migration
    moves = [op for op in migration.operations if isinstance(op, SeparateDatabaseAndState)]
    assert moves and all(op.database_operations == [] for op in moves)
    # Besides the state, only crm 0001's content-type relabelling runs (a RunPython).
    others = [op for op in migration.operations if op not in moves]
    assert all(type(op).__name__ == "RunPython" for op in others)


def test_a_row_written_through_the_old_table_name_is_read_by_the_crm_model():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_account (external_id, name, website, country, industry, phone,"
            " street, city, postal_code, region, is_strategic, is_customer, norm_company,"
            " name_words, norm_domain, norm_phone, norm_city, norm_postal_code, norm_street,"
            " norm_address, updated_at) VALUES ('A-1', 'Harbor Grill', '', 'US', '', '', '',"
            " '', '', '', %s, %s, '', '', '', '', '', '', '', '', %s)",
            [False, False, "2026-01-01 00:00:00"],
        )
    assert Account.objects.get(external_id="A-1").name == "Harbor Grill"
