"""Partner pages: my attributions, disputes (with attachments), commissions, statements,
and the credit line on the deal page. Each partner sees only its own part."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attribution.choices import AttributionStatus, DisputeStatus
from attribution.compensation import payout_statement_issue
from attribution.models import Attribution, Commission, Dispute, DisputeAttachment
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _line(partner) -> Attribution:
    return Attribution.objects.for_partner(partner).current().get()


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def statement_a(won_split, partner_a, people):
    return payout_statement_issue(actor=people.admin, partner=partner_a, period_start=date(2026, 1, 1),
                                  period_end=timezone.localdate(), currency="USD")


def _secrets_of_a(first) -> list[str]:
    return [first.reference, first.company_name, first.contact_email, "Alpha Partners", "60.00"]


def _secrets_of_b(second) -> list[str]:
    return [second.reference, second.company_name, second.contact_email, "Bravo Partners", "40.00"]


def test_my_attributions_list_only_the_organization_own_line(won_split, client_a, client_b):
    first, second = won_split

    page_a = _text(client_a.get(reverse("attribution:attribution-list")))
    page_b = _text(client_b.get(reverse("attribution:attribution-list")))

    assert "60.00%" in page_a and "Sourced" in page_a and first.reference in page_a
    # B's line hangs on A's surviving deal, but B sees it under its own registration.
    assert "40.00%" in page_b and "Influenced" in page_b and second.reference in page_b
    for secret in _secrets_of_b(second):
        assert secret not in page_a, secret
    for secret in _secrets_of_a(first):
        assert secret not in page_b, secret


def test_my_attributions_offer_dispute_only_while_the_window_is_open(won_split, client_b, partner_b):
    line = _line(partner_b)
    dispute_url = reverse("attribution:dispute-create", args=[line.pk])
    assert dispute_url in _text(client_b.get(reverse("attribution:attribution-list")))

    Attribution.objects.filter(pk=line.pk).update(dispute_until=timezone.now() - timedelta(seconds=1))

    assert dispute_url not in _text(client_b.get(reverse("attribution:attribution-list")))


def test_proposed_lines_of_an_open_case_are_not_shown(conflict_pair, client_a, client_b):
    assert Attribution.objects.filter(status=AttributionStatus.PROPOSED).exists()
    for client in (client_a, client_b):
        assert "100.00%" not in _text(client.get(reverse("attribution:attribution-list")))


def test_the_deal_pages_show_each_partner_its_own_credit(won_split, client_a, client_b):
    first, second = won_split

    page_a = _text(client_a.get(first.get_absolute_url()))
    page_b = _text(client_b.get(second.get_absolute_url()))

    assert "Your credit: 60% sourced" in page_a
    assert "Merged after review; your credit share: 40%" in page_b
    # The merged registration's page names neither the survivor nor its partner.
    for secret in _secrets_of_a(first):
        assert secret not in page_b, secret
    assert "60%" not in page_b


def test_a_partner_disputes_its_line_with_an_attachment_and_downloads_it(
        won_split, client_b, partner_b, admin_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    line = _line(partner_b)
    upload = SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")

    response = client_b.post(reverse("attribution:dispute-create", args=[line.pk]),
                             {"text": "We ran the workshop.", "attachments": [upload]})

    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.partner, dispute.opened_by, dispute.status) == (partner_b, admin_b, DisputeStatus.OPEN)
    line.refresh_from_db()
    assert line.status == AttributionStatus.DISPUTED
    item = DisputeAttachment.objects.get()
    listing = _text(client_b.get(reverse("attribution:dispute-list")))
    assert "We ran the workshop." in listing and "proof.pdf" in listing

    download = client_b.get(reverse("attribution:attachment-download", args=[item.pk]))

    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content) == PDF


def test_another_organization_gets_404_for_the_attachment_and_the_dispute_form(
        won_split, client_a, client_b, partner_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    line = _line(partner_b)
    client_b.post(reverse("attribution:dispute-create", args=[line.pk]),
                  {"text": "Ours.", "attachments": [SimpleUploadedFile("a.txt", b"notes")]})
    item = DisputeAttachment.objects.get()
    events = AuditEvent.objects.count()

    assert client_a.get(reverse("attribution:attachment-download", args=[item.pk])).status_code == 404
    assert client_a.get(reverse("attribution:dispute-create", args=[line.pk])).status_code == 404
    assert client_a.post(reverse("attribution:dispute-create", args=[line.pk]),
                         {"text": "Hijack"}).status_code == 404
    assert Dispute.objects.count() == 1 and AuditEvent.objects.count() == events
    assert "Ours." not in _text(client_a.get(reverse("attribution:dispute-list")))


@pytest.mark.parametrize(("name", "content", "error"), [
    ("evil.html", b"<script>alert(1)</script>", "only PDF, PNG, JPEG, TXT and CSV"),
    ("fake.pdf", b"MZ\x90\x00 not a pdf", "is not really a .pdf file"),
    ("big.txt", b"a" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
])
def test_a_bad_attachment_is_refused_beside_the_field(won_split, client_b, partner_b, name, content,
                                                       error, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    line = _line(partner_b)

    response = client_b.post(reverse("attribution:dispute-create", args=[line.pk]),
                             {"text": "See file", "attachments": [SimpleUploadedFile(name, content)]})

    assert response.status_code == 400
    form = response.context["form"]
    assert any(error in message for message in form.errors["attachments"])
    assert not Dispute.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_six_attachments_and_an_empty_text_are_refused_beside_their_fields(won_split, client_b, partner_b):
    line = _line(partner_b)
    files = [SimpleUploadedFile(f"n{i}.txt", b"x") for i in range(6)]

    response = client_b.post(reverse("attribution:dispute-create", args=[line.pk]),
                             {"text": " ", "attachments": files})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"text", "attachments"}
    assert not Dispute.objects.exists()


def test_a_closed_window_is_named_on_the_form(won_split, client_b, partner_b):
    line = _line(partner_b)
    Attribution.objects.filter(pk=line.pk).update(dispute_until=timezone.now() - timedelta(seconds=1))

    response = client_b.post(reverse("attribution:dispute-create", args=[line.pk]), {"text": "Late"})

    assert response.status_code == 400
    assert "dispute window of this attribution has closed" in _text(response)


def test_commissions_list_shows_own_lines_and_filters_by_status(won_split, client_a, client_b, partner_b):
    first, second = won_split
    mine = Commission.objects.get(partner=partner_b)

    page_b = _text(client_b.get(reverse("attribution:commission-list")))
    approved_only = _text(client_b.get(reverse("attribution:commission-list"), {"status": "paid"}))

    assert f'data-commission="{mine.pk}"' in page_b and "4,000.00 USD" in page_b
    assert "6,000.00 USD" not in page_b and first.reference not in page_b
    assert f'data-commission="{mine.pk}"' not in approved_only
    assert "4,000.00 USD" not in _text(client_a.get(reverse("attribution:commission-list")))


def test_payout_statement_page_and_csv_for_its_partner_only(statement_a, client_a, client_b):
    detail = client_a.get(reverse("attribution:statement-detail", args=[statement_a.pk]))
    csv = client_a.get(reverse("attribution:statement-csv", args=[statement_a.pk]))

    assert detail.status_code == 200 and "6,000.00 USD" in _text(detail)
    assert csv.status_code == 200 and csv["Content-Disposition"].startswith("attachment;")
    body = csv.content.decode("utf-8-sig").splitlines()
    assert body[0].startswith("statement,partner,")
    assert body[-1].split(",")[9] == "6000.00"
    for name in ("statement-detail", "statement-csv"):
        assert client_b.get(reverse(f"attribution:{name}", args=[statement_a.pk])).status_code == 404
    assert statement_a.reference not in _text(client_b.get(reverse("attribution:statement-list")))
    assert statement_a.reference in _text(client_a.get(reverse("attribution:statement-list")))


def test_staff_without_membership_are_sent_away_and_signed_out_users_sign_in(won_split, staff_client):
    assert Client().get(reverse("attribution:attribution-list")).status_code == 302
    assert staff_client.get(reverse("attribution:commission-list")).status_code == 302


@pytest.mark.parametrize("name", ["attribution:attribution-list", "attribution:commission-list",
                                  "attribution:dispute-list", "attribution:statement-list"])
def test_list_pages_take_a_fixed_number_of_queries(name, won_split, client_b, partner_b, people,
                                                   settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_b.get(reverse(name)).status_code == 200
        return len(queries)

    line = _line(partner_b)
    original = Commission.objects.get(partner=partner_b)

    def more_rows(n: int) -> None:
        """One more row of every kind: a dispute with a file, a correction, a statement."""
        Dispute.objects.filter(status=DisputeStatus.OPEN).update(status=DisputeStatus.DISMISSED)
        Attribution.objects.filter(pk=line.pk).update(status=AttributionStatus.APPROVED)
        client_b.post(reverse("attribution:dispute-create", args=[line.pk]),
                      {"text": f"More {n}", "attachments": [SimpleUploadedFile("a.txt", b"1")]})
        Commission.objects.create(deal=original.deal, attribution=line, partner=partner_b,
                                  base_amount=Decimal("0"), share=Decimal("40.00"), amount=Decimal("-1.00"),
                                  currency="USD", correction_of=original, status="approved",
                                  approved_at=timezone.now())
        payout_statement_issue(actor=people.admin, partner=partner_b, period_start=date(2026, 1, n),
                               period_end=timezone.localdate(), currency="USD")

    more_rows(1)
    before = count()
    more_rows(2)
    more_rows(3)

    assert count() == before
