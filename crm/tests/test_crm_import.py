"""Importing CRM accounts, contacts and opportunities from CSV: the service, the command, the pages."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from conftest import login_with_mfa
from crm import services as service
from crm.choices import ImportKind, ImportStatus
from crm.imports.reader import read_csv
from crm.imports.rows import import_rows
from crm.models import Account, Contact, CrmImport, Opportunity
from crm.services import crm_import_create, crm_import_fail, crm_import_run
from partners.choices import StaffRole
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ACCOUNTS_HEADER = "external_id,name,website,country,industry,sales_owner_email,strategic,customer\n"
OPPORTUNITIES_HEADER = "external_id,account_external_id,name,stage,owner_email,amount,close_date\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seller(db):
    return StaffFactory(email="seller@vendor.test", roles=[StaffRole.SALES_OWNER])


def run_import(kind: str, content: bytes | str, *, actor=None, name: str = "crm.csv") -> CrmImport:
    """Store the file as an import and run it here, as the command does."""
    data = content.encode() if isinstance(content, str) else content
    crm_import = crm_import_create(actor=actor, kind=kind, run_in_worker=False,
                                   uploaded_file=SimpleUploadedFile(name, data))
    return crm_import_run(import_id=crm_import.pk)


def queued_import(content: str, kind: str = ImportKind.ACCOUNTS) -> CrmImport:
    """An import stored and queued, with nothing run yet."""
    return crm_import_create(actor=None, kind=kind, run_in_worker=False,
                             uploaded_file=SimpleUploadedFile("a.csv", content.encode()))


def counts(crm_import: CrmImport) -> tuple[int, int, int]:
    return crm_import.created_count, crm_import.updated_count, crm_import.unchanged_count


def reasons_by_line(crm_import: CrmImport) -> dict[int, str]:
    return {row["line"]: row["reason"] for row in crm_import.error_rows}


def writes_to(table: str, queries) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].startswith(f'INSERT INTO "{table}"') or f'UPDATE "{table}"' in q["sql"]]


GOOD_ACCOUNTS = (
    ACCOUNTS_HEADER
    + "A-1,Acme Corporation Inc.,https://www.acme.co.uk/about,GB,Manufacturing,"
      "seller@vendor.test,yes,no\n"
    + "A-2,Globex GmbH,globex.de,de,Energy,,TRUE,1\n"
    + "A-3,Initech,,,,,,\n"
)


# --- The service ---------------------------------------------------------------------------


def test_good_rows_land_and_each_bad_row_is_reported_by_line_with_its_reasons(seller):
    content = (
        ACCOUNTS_HEADER
        + "A-1,Acme Corporation Inc.,https://www.acme.co.uk/about,GB,Manufacturing,"
          "seller@vendor.test,yes,no\n"                                   # line 2: good
        + ",Nameless Ltd,,,,,,\n"                                         # 3: no id
        + "A-3,,,,,,,\n"                                                  # 4: no name
        + "A-4,Atlantis Ltd,,XX,,,,\n"                                    # 5: country
        + "A-5,Maybe Inc,,,,,maybe,\n"                                    # 6: boolean
        + "A-6,Ghost Inc,,,,ghost@nowhere.test,,\n"                       # 7: owner
        + "A-7," + "N" * 201 + ",,,,,,\n"                                 # 8: too long
        + "A-8,Short row\n"                                               # 9: fields
        + "A-1,Acme again,,,,,,\n"                                        # 10: duplicate
        + "A-9,Globex GmbH,globex.de,DEU,,,n,Y\n"                         # 11: good
        + "A-10,Two Problems,,ZZ,,,perhaps,\n"                            # 12: both
    )

    crm_import = run_import(ImportKind.ACCOUNTS, content)

    assert crm_import.status == ImportStatus.DONE
    assert (crm_import.total_rows, crm_import.created_count) == (11, 2)
    reasons = reasons_by_line(crm_import)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 12]
    assert reasons[3] == "external_id is required"
    assert reasons[4] == "name is required"
    assert reasons[5] == "country 'XX' is not an ISO 3166 country code"
    assert reasons[6].startswith("strategic 'maybe' is not a yes/no value")
    assert reasons[7] == "sales_owner_email 'ghost@nowhere.test' matches no active staff user"
    assert reasons[8] == "name is longer than 200 characters"
    assert reasons[9] == "expected 8 fields, found 2"
    assert reasons[10] == "external_id 'A-1' already appeared on line 2"
    assert "country 'ZZ'" in reasons[12] and "strategic 'perhaps'" in reasons[12]
    acme = Account.objects.get(external_id="A-1")
    assert (acme.name, acme.country, acme.industry) == (
        "Acme Corporation Inc.", "GB", "Manufacturing")
    assert (acme.sales_owner, acme.is_strategic, acme.is_customer) == (seller, True, False)
    assert (acme.norm_company, acme.norm_domain) == ("acme", "acme.co.uk")
    globex = Account.objects.get(external_id="A-9")
    assert (globex.country, globex.is_strategic, globex.is_customer) == ("DE", False, True)
    assert set(Account.objects.values_list("external_id", flat=True)) == {"A-1", "A-9"}


def test_importing_the_same_file_again_changes_nothing_and_writes_nothing(seller):
    with CaptureQueriesContext(connection) as first_queries:
        first = run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    assert writes_to("leads_account", first_queries)  # the check does see writes
    stamps = dict(Account.objects.values_list("external_id", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        second = run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)

    assert counts(first) == (3, 0, 0)
    assert counts(second) == (0, 0, 3)
    assert second.error_rows == []
    assert writes_to("leads_account", queries) == []
    assert dict(Account.objects.values_list("external_id", "updated_at")) == stamps


def test_an_edited_row_is_updated_and_the_other_rows_stay_unchanged(seller):
    run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    untouched = Account.objects.get(external_id="A-1").updated_at
    edited = GOOD_ACCOUNTS.replace("A-2,Globex GmbH,globex.de,de,Energy,,TRUE,1",
                                   "A-2,Globex Energy AG,https://globex-energy.com,AT,Energy,,no,1")

    crm_import = run_import(ImportKind.ACCOUNTS, edited)

    assert counts(crm_import) == (0, 1, 2)
    globex = Account.objects.get(external_id="A-2")
    assert (globex.name, globex.country, globex.is_strategic) == ("Globex Energy AG", "AT", False)
    assert (globex.norm_company, globex.norm_domain) == ("globex energy", "globex-energy.com")
    assert Account.objects.get(external_id="A-1").updated_at == untouched


def test_a_large_edit_updates_every_row_across_batches_and_statements(seller):
    rows = "".join(f"A-{n},Company {n},company{n}.example.com,DE,,,no,no\n" for n in range(1200))
    run_import(ImportKind.ACCOUNTS, ACCOUNTS_HEADER + rows)

    crm_import = run_import(ImportKind.ACCOUNTS, ACCOUNTS_HEADER + rows.replace(",DE,", ",FR,"))

    assert (crm_import.created_count, crm_import.updated_count) == (0, 1200)
    assert set(Account.objects.values_list("country", flat=True)) == {"FR"}
    assert Account.objects.get(external_id="A-777").name == "Company 777"


def test_a_column_the_file_does_not_have_is_left_alone_on_existing_accounts(seller):
    run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)

    crm_import = run_import(ImportKind.ACCOUNTS, "id,company\nA-1,Acme Corporation Inc.\n")

    assert crm_import.unchanged_count == 1
    acme = Account.objects.get(external_id="A-1")
    assert (acme.is_strategic, acme.sales_owner, acme.website) == (
        True, seller, "https://www.acme.co.uk/about")


def test_opportunities_reference_accounts_and_their_bad_values_are_reported(seller):
    run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    content = (
        OPPORTUNITIES_HEADER
        + "O-1,A-1,Acme rollout,Proposal,seller@vendor.test,125000.50,2026-03-31\n"  # 2
        + "O-2,A-404,Lost account,prospecting,,,\n"                                  # 3
        + "O-3,A-2,Odd stage,won,,,\n"                                               # 4
        + "O-4,A-2,Words,negotiation,,lots,\n"                                       # 5
        + "O-5,A-2,Negative,negotiation,,-5,\n"                                      # 6
        + "O-6,A-2,Fractions,negotiation,,1.234,\n"                                  # 7
        + "O-7,A-2,US date,negotiation,,,03/31/2026\n"                               # 8
        + "O-8,A-2,No such day,negotiation,,,2026-02-30\n"                           # 9
        + "O-9,A-3,Renewal,Closed Won,,99,\n"                                        # 10
    )

    crm_import = run_import(ImportKind.OPPORTUNITIES, content)

    reasons = reasons_by_line(crm_import)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert reasons[3] == ("account_external_id 'A-404' matches no account "
                          "(import the accounts first)")
    assert reasons[4] == ("stage 'won' is not one of: prospecting, qualification, proposal, "
                          "negotiation, closed_won, closed_lost")
    assert reasons[5].startswith("amount 'lots' is not a number")
    assert reasons[6] == "amount '-5' is negative"
    assert reasons[7] == "amount '1.234' has more than 2 decimal places"
    assert reasons[8] == "close_date '03/31/2026' is not a date in YYYY-MM-DD form"
    assert reasons[9] == "close_date '2026-02-30' is not a valid date"
    rollout = Opportunity.objects.get(external_id="O-1")
    assert rollout.account == Account.objects.get(external_id="A-1")
    assert (rollout.stage, rollout.owner, rollout.amount, rollout.close_date) == (
        "proposal", seller, Decimal("125000.50"), date(2026, 3, 31))
    assert Opportunity.objects.get(external_id="O-9").stage == "closed_won"
    again = run_import(ImportKind.OPPORTUNITIES, content)
    assert counts(again) == (0, 0, 2)


def test_an_edited_opportunity_updates_every_kind_of_field_including_clearing_one(seller):
    run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    run_import(ImportKind.OPPORTUNITIES, OPPORTUNITIES_HEADER
               + "O-1,A-1,Rollout,proposal,seller@vendor.test,100,2026-03-31\n"
               + "O-2,A-1,Renewal,proposal,,200,\n")

    crm_import = run_import(ImportKind.OPPORTUNITIES, OPPORTUNITIES_HEADER
                            + "O-1,A-2,Rollout phase 2,negotiation,,99.99,2026-06-30\n"
                            + "O-2,A-1,Renewal,proposal,,200.00,\n")

    assert (crm_import.updated_count, crm_import.unchanged_count) == (1, 1)
    rollout = Opportunity.objects.select_related("account").get(external_id="O-1")
    assert (rollout.account.external_id, rollout.name, rollout.stage) == (
        "A-2", "Rollout phase 2", "negotiation")
    assert (rollout.owner, rollout.amount, rollout.close_date) == (
        None, Decimal("99.99"), date(2026, 6, 30))


def test_a_utf8_bom_file_with_semicolons_aliases_and_decimal_commas_imports(seller):
    accounts = ("\ufeffID;Company;Domain;Country;Owner_Email;Strategic\r\n"
                "A-1;Müller & Söhne GmbH;mueller.de;DE;SELLER@vendor.test;Ja?\r\n"
                "A-2;Zürich Versicherung AG;zurich.ch;CH;;no\r\n")
    opportunities = ("\ufeffid;account_id;name;stage;amount;close_date\r\n"
                     "O-1;A-2;Erneuerung;qualification;1234,5;2026-01-15\r\n")

    crm_accounts = run_import(ImportKind.ACCOUNTS, accounts.encode("utf-8"))
    crm_opps = run_import(ImportKind.OPPORTUNITIES, opportunities.encode("utf-8"))

    assert reasons_by_line(crm_accounts) == {
        2: "strategic 'Ja?' is not a yes/no value (use true/false, yes/no, y/n or 1/0)"}
    zurich = Account.objects.get(external_id="A-2")
    assert (zurich.name, zurich.norm_domain, zurich.country) == (
        "Zürich Versicherung AG", "zurich.ch", "CH")
    assert crm_opps.created_count == 1
    assert Opportunity.objects.get().amount == Decimal("1234.50")


def test_a_latin1_file_is_read_as_such(seller):
    content = "external_id;name;country\nA-1;Société Générale;FR\n".encode("latin-1")

    crm_import = run_import(ImportKind.ACCOUNTS, content)

    assert crm_import.created_count == 1
    assert Account.objects.get().name == "Société Générale"


def test_a_utf16_tab_separated_export_is_read(seller):
    content = "external_id\tname\tcountry\r\nA-1\tŁódź Systems\tPL\r\n".encode("utf-16")

    crm_import = run_import(ImportKind.ACCOUNTS, content)

    assert crm_import.created_count == 1
    assert Account.objects.get().name == "Łódź Systems"


def test_a_bad_row_after_a_quoted_multiline_value_is_reported_on_the_line_it_starts(seller):
    content = (ACCOUNTS_HEADER
               + 'A-1,"Acme\nCorporation",,,,,,\n'
               + "\n"
               + "A-2,Globex,,XX,,,,\n")

    crm_import = run_import(ImportKind.ACCOUNTS, content)

    assert reasons_by_line(crm_import) == {5: "country 'XX' is not an ISO 3166 country code"}
    assert Account.objects.get().name == "Acme\nCorporation"


def test_rows_are_written_in_batches_with_progress_after_each(seller):
    content = ACCOUNTS_HEADER + "".join(f"A-{n},Company {n},,,,,,\n" for n in range(7))
    progress = []

    result = import_rows(
        kind=ImportKind.ACCOUNTS,
        rows_iter=read_csv(io.BytesIO(content.encode()), kind=ImportKind.ACCOUNTS).rows(),
        batch_size=3,
        on_batch=lambda counts: progress.append((counts.total, counts.created)),
    )

    assert progress == [(3, 3), (6, 6), (7, 7)]
    assert result.counts() == {"total_rows": 7, "created": 7, "updated": 0, "unchanged": 0,
                               "errors": 0}


def test_one_audit_event_records_each_run_with_its_counts(seller, staff):
    crm_import = run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS + "A-4,,,,,,,\n", actor=staff)
    crm_import_run(import_id=crm_import.pk)  # a second delivery of the same run

    events = AuditEvent.objects.filter(action="crm.import")
    assert events.count() == 1
    event = events.get()
    assert (event.target_type, event.target_id, event.actor) == (
        "crm.crmimport", str(crm_import.pk), staff)
    assert event.after == {"status": "done", "kind": "accounts", "file": "crm.csv",
                           "total_rows": 4, "created": 3, "updated": 0, "unchanged": 0,
                           "errors": 1}


def test_running_a_finished_import_again_does_nothing(seller):
    crm_import = run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    Account.objects.all().delete()

    again = crm_import_run(import_id=crm_import.pk)

    assert again.status == ImportStatus.DONE
    assert again.created_count == 3
    assert not Account.objects.exists()


def test_a_run_left_running_by_a_lost_worker_is_claimed_again_once_stale(seller):
    crm_import = queued_import(GOOD_ACCOUNTS)
    CrmImport.objects.filter(pk=crm_import.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5))
    assert crm_import_run(import_id=crm_import.pk).status == ImportStatus.RUNNING

    CrmImport.objects.filter(pk=crm_import.pk).update(
        started_at=timezone.now() - service.RUN_STALE_AFTER - timedelta(minutes=1))

    assert crm_import_run(import_id=crm_import.pk).status == ImportStatus.DONE
    assert Account.objects.count() == 3


def test_a_database_outage_puts_the_import_back_in_the_queue_for_the_retry(seller, monkeypatch):
    crm_import = queued_import(GOOD_ACCOUNTS)

    def outage(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(service, "import_rows", outage)
    with pytest.raises(OperationalError):
        crm_import_run(import_id=crm_import.pk)
    crm_import.refresh_from_db()
    assert crm_import.status == ImportStatus.QUEUED

    monkeypatch.undo()
    assert crm_import_run(import_id=crm_import.pk).status == ImportStatus.DONE


def test_the_final_failure_is_recorded_once_and_leaves_a_finished_import_alone(seller):
    crm_import = queued_import(GOOD_ACCOUNTS)

    failed = crm_import_fail(import_id=crm_import.pk, failure="The database was unavailable.")
    crm_import_fail(import_id=crm_import.pk, failure="again")

    assert (failed.status, failed.failure) == (ImportStatus.FAILED, "The database was unavailable.")
    assert AuditEvent.objects.filter(action="crm.import").count() == 1
    assert crm_import_run(import_id=crm_import.pk).status == ImportStatus.FAILED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
        (b"", "The file is empty."),
        (b"customer;amount\nAcme;12\n", "The file has no external_id, name column"),
    ],
)
def test_a_file_that_is_not_an_accounts_csv_is_refused_before_anything_is_stored(content, message):
    with pytest.raises(service.CrmFileError, match=message) as excinfo:
        crm_import_create(actor=None, kind=ImportKind.ACCOUNTS,
                          uploaded_file=SimpleUploadedFile("x.csv", content))
    assert excinfo.value.field == "file"
    assert not CrmImport.objects.exists()


def test_the_task_retries_a_database_outage_then_records_the_final_failure(seller, monkeypatch):
    from celery.exceptions import Retry

    from crm.tasks import crm_import_run_task

    crm_import = queued_import(GOOD_ACCOUNTS)

    def outage(*, import_id):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(service, "crm_import_run", outage)
    with pytest.raises(Retry):
        crm_import_run_task.apply(args=[crm_import.pk], retries=0)
    crm_import.refresh_from_db()
    assert crm_import.status == ImportStatus.QUEUED

    with pytest.raises(OperationalError):
        crm_import_run_task.apply(args=[crm_import.pk], retries=crm_import_run_task.max_retries)
    crm_import.refresh_from_db()
    assert crm_import.status == ImportStatus.FAILED
    assert crm_import.failure == (
        "The database was unavailable for too long; start the import again.")


def test_the_task_runs_the_import_and_a_second_delivery_changes_nothing(seller):
    from crm.tasks import crm_import_run_task

    crm_import = queued_import(GOOD_ACCOUNTS)

    assert crm_import_run_task.delay(crm_import.pk).get() == ImportStatus.DONE
    assert crm_import_run_task.delay(crm_import.pk).get() == ImportStatus.DONE
    assert AuditEvent.objects.filter(action="crm.import").count() == 1
    assert Account.objects.count() == 3


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.CRM_IMPORT_MAX_BYTES = 1024 * 1024
    content = GOOD_ACCOUNTS.encode() + b"x" * (1024 * 1024)

    with pytest.raises(service.CrmFileError, match="larger than 1 MB"):
        crm_import_create(actor=None, kind=ImportKind.ACCOUNTS,
                          uploaded_file=SimpleUploadedFile("big.csv", content))
    assert not CrmImport.objects.exists()


def test_a_stored_file_that_vanished_fails_the_import_with_a_reason(seller):
    crm_import = queued_import(GOOD_ACCOUNTS)
    crm_import.file.storage.delete(crm_import.file.name)

    crm_import = crm_import_run(import_id=crm_import.pk)

    assert crm_import.status == ImportStatus.FAILED
    assert "could not be opened" in crm_import.failure


# --- The command ---------------------------------------------------------------------------


def test_the_command_imports_accounts_then_opportunities_and_prints_counts_and_bad_rows(
    tmp_path, seller
):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(GOOD_ACCOUNTS + "A-4,Bad Country,,XX,,,,\n")
    opportunities = tmp_path / "opportunities.csv"
    opportunities.write_text(OPPORTUNITIES_HEADER + "O-1,A-1,Rollout,proposal,,10,\n"
                             "O-2,A-4,Orphan,proposal,,10,\n")
    out = io.StringIO()

    call_command("import_crm", "--opportunities", str(opportunities),
                 "--accounts", str(accounts), stdout=out)

    lines = out.getvalue().splitlines()
    assert "line 5: country 'XX' is not an ISO 3166 country code" in lines
    assert ("line 3: account_external_id 'A-4' matches no account (import the accounts first)"
            in lines)
    accounts_summary = "accounts: 4 rows, 3 created, 0 updated, 0 unchanged, 1 bad"
    opportunities_summary = "opportunities: 2 rows, 1 created, 0 updated, 0 unchanged, 1 bad"
    assert lines.index(accounts_summary) < lines.index(opportunities_summary)
    assert Opportunity.objects.get().account.external_id == "A-1"
    imports = CrmImport.objects.order_by("pk").values_list("kind", "status", "original_name")
    assert list(imports) == [
        ("accounts", "done", "accounts.csv"), ("opportunities", "done", "opportunities.csv")]


def test_the_command_run_twice_reports_every_row_unchanged(tmp_path, seller):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(GOOD_ACCOUNTS)
    call_command("import_crm", "--accounts", str(accounts), stdout=io.StringIO())
    out = io.StringIO()

    call_command("import_crm", "--accounts", str(accounts), stdout=out)

    assert "accounts: 3 rows, 0 created, 0 updated, 3 unchanged, 0 bad" in out.getvalue()


def test_the_command_fails_when_a_file_cannot_be_read_or_is_not_a_crm_csv(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_crm", "--accounts", str(tmp_path / "missing.csv"),
                     stdout=io.StringIO())
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("customer,amount\nAcme,12\n")
    with pytest.raises(CommandError, match="The file has no external_id, name column"):
        call_command("import_crm", "--accounts", str(wrong), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Give --accounts FILE, --contacts FILE"):
        call_command("import_crm", stdout=io.StringIO())


def test_the_command_exits_with_status_1_only_for_an_unreadable_file(tmp_path, seller, capsys):
    from django.core.management import ManagementUtility

    bad_rows = tmp_path / "accounts.csv"
    bad_rows.write_text(GOOD_ACCOUNTS + "A-4,,,,,,,\n")
    ManagementUtility(["manage.py", "import_crm", "--accounts", str(bad_rows)]).execute()
    assert "line 5: name is required" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_crm", "--accounts",
                           str(tmp_path / "missing.csv")]).execute()
    assert exit_info.value.code == 1


# --- The staff pages -----------------------------------------------------------------------


LIST_URL = reverse("crm:crm-import-list")


def upload(client: Client, content: bytes, kind: str = ImportKind.ACCOUNTS, name: str = "a.csv"):
    return client.post(LIST_URL, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_an_upload_creates_an_import_that_the_worker_completes(
    staff_client, staff, seller, settings, django_capture_on_commit_callbacks
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64  # a temporary file on disk, as big uploads are
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, (GOOD_ACCOUNTS + "A-4,,,,,,,\n").encode(),
                          name="crm accounts.csv")

    crm_import = CrmImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:crm-import-detail", args=[crm_import.pk])
    assert len(callbacks) == 1
    # Eager Celery in unit tests: the queued task ran the import to the end.
    assert (crm_import.status, crm_import.created_count, crm_import.created_by) == (
        ImportStatus.DONE, 3, staff)
    assert crm_import.original_name == "crm accounts.csv"
    assert Account.objects.count() == 3
    page = staff_client.get(response["Location"])
    assert page.status_code == 200
    assert "name is required" in page.content.decode()
    assert 'hx-trigger="every 1s"' not in page.content.decode()


def test_the_progress_partial_polls_while_the_import_is_queued(staff_client):
    crm_import = queued_import(GOOD_ACCOUNTS)
    CrmImport.objects.filter(pk=crm_import.pk).update(
        status=ImportStatus.RUNNING, total_rows=200, processed_rows=50)
    url = reverse("crm:crm-import-detail", args=[crm_import.pk])

    response = staff_client.get(url, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="crm-import-progress"' in html
    assert f'hx-get="{url}"' in html and 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="25"' in html


def test_the_progress_partial_stops_polling_and_lists_bad_rows_when_done(staff_client, seller):
    crm_import = run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS + "A-4,<b>x</b>,,XX,,,,\n")

    response = staff_client.get(reverse("crm:crm-import-detail", args=[crm_import.pk]),
                                HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "hx-trigger" not in html
    assert 'aria-valuenow="100"' in html
    assert "country &#x27;XX&#x27; is not an ISO 3166 country code" in html
    assert "<b>x</b>" not in html


def test_the_bad_rows_download_as_csv_with_formulas_defused(staff_client, seller):
    crm_import = run_import(ImportKind.ACCOUNTS, ACCOUNTS_HEADER + "=HYPERLINK(1),,,,,,,\n")

    response = staff_client.get(reverse("crm:crm-import-errors", args=[crm_import.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="crm-import-{crm_import.pk}-errors.csv"')
    assert response.content.decode("utf-8-sig").splitlines() == [
        "line,external_id,reason", "2,'=HYPERLINK(1),name is required"]


def test_the_list_shows_imports_from_the_page_and_the_command(staff_client, seller):
    run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS, name="from-command.csv")

    response = staff_client.get(LIST_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "from-command.csv" in html and "command line" in html
    assert 'enctype="multipart/form-data"' in html


def test_the_list_costs_the_same_queries_however_many_imports_it_shows(
    staff_client, seller, django_assert_num_queries
):
    run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    with CaptureQueriesContext(connection) as baseline:
        staff_client.get(LIST_URL)
    for _n in range(4):
        run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS, actor=seller)

    with django_assert_num_queries(len(baseline)):
        staff_client.get(LIST_URL)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 60, "This file is an Excel workbook or ZIP archive, not CSV."),
        (b"customer,amount\nAcme,12\n", "The file has no external_id, name column"),
    ],
)
def test_a_non_csv_upload_is_refused_beside_the_field_and_nothing_is_queued(
    staff_client, django_capture_on_commit_callbacks, content, message
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, content)

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert message.split(",")[0] in response.content.decode()
    assert callbacks == []
    assert not CrmImport.objects.exists()


def test_an_oversized_upload_is_refused_beside_the_field_and_nothing_is_queued(
    staff_client, settings, django_capture_on_commit_callbacks
):
    settings.CRM_IMPORT_MAX_BYTES = 1024 * 1024

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, GOOD_ACCOUNTS.encode() + b"x" * (1024 * 1024))

    assert response.context["form"].errors["file"] == [
        "The file is larger than 1 MB; split it into smaller files."]
    assert callbacks == []
    assert not CrmImport.objects.exists()


def test_a_partner_user_gets_403_on_every_import_page(client_a, seller):
    crm_import = run_import(ImportKind.ACCOUNTS, GOOD_ACCOUNTS)
    detail = reverse("crm:crm-import-detail", args=[crm_import.pk])
    errors = reverse("crm:crm-import-errors", args=[crm_import.pk])

    assert client_a.get(LIST_URL).status_code == 403
    assert upload(client_a, GOOD_ACCOUNTS.encode()).status_code == 403
    assert client_a.get(detail).status_code == 403
    assert client_a.get(detail, HTTP_HX_REQUEST="true").status_code == 403
    assert client_a.get(errors).status_code == 403
    assert CrmImport.objects.count() == 1


def test_staff_who_did_not_pass_mfa_are_sent_to_set_it_up(staff):
    client = Client()
    client.force_login(staff)

    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_sales_owner_may_watch_imports_but_not_upload(seller):
    client = login_with_mfa(Client(), seller)

    page = client.get(LIST_URL)
    refused = upload(client, GOOD_ACCOUNTS.encode())

    assert page.status_code == 200
    assert page.context["form"] is None
    assert refused.status_code == 403
    assert not CrmImport.objects.exists()


def test_a_program_admin_may_upload(django_capture_on_commit_callbacks):
    admin = StaffFactory(roles=[StaffRole.PROGRAM_ADMIN])
    client = login_with_mfa(Client(), admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, GOOD_ACCOUNTS.replace("seller@vendor.test", "").encode())

    assert response.status_code == 302
    assert CrmImport.objects.get().status == ImportStatus.DONE


def test_an_unknown_import_id_answers_404(staff_client):
    assert staff_client.get(reverse("crm:crm-import-detail", args=[987654])).status_code == 404


def test_account_phone_and_address_columns_land_with_their_normalized_keys(seller):
    content = ("external_id,name,country,Telephone,Address,Town,ZIP,State\n"
               "A-1,Harbor Grill,US,(617) 555-0142,\"435 S. La Cienega Blvd., Suite 2\","
               "W. Hollywood,90048-1234,CA\n"
               "A-2,Nordic Deli,Sweden,no phone,,,,\n")
    crm_import = run_import(ImportKind.ACCOUNTS, content)
    account = Account.objects.get(external_id="A-1")
    assert (account.phone, account.norm_phone) == ("(617) 555-0142", "+16175550142")
    assert (account.street, account.city, account.postal_code, account.region) == (
        "435 S. La Cienega Blvd., Suite 2", "W. Hollywood", "90048-1234", "CA")
    assert (account.norm_street, account.norm_city, account.norm_postal_code) == (
        "435 s la cienega blvd", "west hollywood", "90048")
    assert account.norm_address == "90048|435"
    assert reasons_by_line(crm_import) == {3: "phone 'no phone' is not a phone number"}


def test_an_account_file_with_a_country_name_stores_the_code(seller):
    run_import(ImportKind.ACCOUNTS, "external_id,name,country,phone\nA-1,Veld K B.V.,Netherlands,"
               "020 123 4567\n")
    account = Account.objects.get(external_id="A-1")
    assert (account.country, account.norm_company, account.norm_phone) == (
        "NL", "veld k", "+31201234567")


CONTACTS = ("external_id,account_external_id,name,email,phone,title\n"
            "C-1,A-1,Jane Roe,Jane.Roe@Harborgrill.com,617-555-0142,Owner\n"
            "C-2,A-9,Joe Bloggs,joe@example.com,,\n"
            "C-3,A-1,No Mail,not-an-address,,\n")


def test_contacts_import_after_their_accounts_with_keys_and_bad_rows_by_line(seller):
    run_import(ImportKind.ACCOUNTS, "external_id,name,country\nA-1,Harbor Grill,US\n")
    crm_import = run_import(ImportKind.CONTACTS, CONTACTS)
    contact = Contact.objects.get(external_id="C-1")
    assert (contact.account.external_id, contact.name, contact.title) == ("A-1", "Jane Roe", "Owner")
    assert (contact.norm_email, contact.norm_phone) == ("jane.roe@harborgrill.com", "+16175550142")
    assert reasons_by_line(crm_import) == {
        3: "account_external_id 'A-9' matches no account (import the accounts first)",
        4: "email 'not-an-address' is not an e-mail address"}
    again = run_import(ImportKind.CONTACTS, CONTACTS)
    assert counts(again) == (0, 0, 1)


def test_the_command_imports_contacts_between_accounts_and_opportunities(tmp_path, seller):
    accounts = tmp_path / "a.csv"
    accounts.write_text("external_id,name,country\nA-1,Harbor Grill,US\n")
    contacts = tmp_path / "c.csv"
    contacts.write_text("contact_id,account,full_name,e-mail\nC-1,A-1,Jane Roe,jane@harborgrill.com\n")
    out = io.StringIO()
    call_command("import_crm", accounts=accounts, contacts=contacts, stdout=out)
    assert "contacts: 1 rows, 1 created" in out.getvalue()
    assert Contact.objects.get().norm_email == "jane@harborgrill.com"


def test_an_erased_contact_is_blank_audited_and_not_brought_back_by_an_import(seller, staff):
    from audit.erasure import crm_contact_erase

    run_import(ImportKind.ACCOUNTS, "external_id,name,country\nA-1,Harbor Grill,US\n")
    run_import(ImportKind.CONTACTS, CONTACTS)
    contact = Contact.objects.get(external_id="C-1")
    summary = crm_contact_erase(actor=staff, contact=contact, reason="asked by the person")
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.phone, contact.norm_email, contact.norm_phone) == (
        "", "", "", "", "")
    assert contact.erased_at is not None
    assert "email" in summary["fields"]
    event = AuditEvent.objects.get(action="crm.contact_erase")
    assert "Jane" not in str(event.after)
    run_import(ImportKind.CONTACTS, CONTACTS)
    contact.refresh_from_db()
    assert contact.email == ""
    assert crm_contact_erase(actor=staff, contact=contact, reason="again")["fields"] == []


def test_new_accounts_count_among_the_values_duplicate_scoring_weighs(seller):
    from leads.models import KeyCount

    run_import(ImportKind.ACCOUNTS, "external_id,name,city\nA-1,Maria's,Boston\nA-2,Marias,Boston\n")
    assert KeyCount.objects.get(field="name", value="marias").count == 2
    assert KeyCount.objects.get(field="city", value="boston").count == 2
    run_import(ImportKind.ACCOUNTS, "external_id,name,city\nA-1,Maria's,Boston\nA-2,Marias,Boston\n")
    assert KeyCount.objects.get(field="name", value="marias").count == 2  # unchanged rows
