"""Disputes: a partner objects to its own approved line within the window, with checked
attachments; a partner owner upholds (new shares, correcting commissions) or dismisses
(final); undisputed lines become final when the window closes (beat, frozen clock)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time

from attribution.choices import AttributionStatus, CommissionStatus, DisputeStatus
from attribution.compensation import commission_approve
from attribution.disputes import attributions_finalize, dispute_open, dispute_resolve
from attribution.models import Attribution, Commission, Dispute, DisputeAttachment
from audit.models import AuditEvent
from partnerportal.exceptions import InvalidTransition, NotAllowed
from reviews.choices import TaskKind, TaskStatus
from reviews.models import Notification, ReviewTask

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _line(partner) -> Attribution:
    return Attribution.objects.for_partner(partner).current().get()


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _open(partner, user, **kwargs) -> Dispute:
    return dispute_open(partner=partner, actor=user, attribution=_line(partner),
                        text=kwargs.pop("text", "We introduced the buyer."), **kwargs)


def test_a_partner_disputes_its_own_line_with_every_accepted_file_type(won_split, partner_b, admin_b):
    files = [_file("a.pdf", PDF), _file("b.png", PNG), _file("c.JPG", JPEG), _file("d.txt", b"notes\n"),
             _file("e.csv", b"date,call\n2026-01-02,intro\n")]

    dispute = _open(partner_b, admin_b, files=files)

    assert dispute.status == DisputeStatus.OPEN
    assert _line(partner_b).status == AttributionStatus.DISPUTED
    stored = list(DisputeAttachment.objects.filter(dispute=dispute).order_by("id"))
    assert [a.content_type for a in stored] == ["application/pdf", "image/png", "image/jpeg",
                                                "text/plain", "text/csv"]
    assert stored[0].file.read() == PDF and "dispute_attachments/" in stored[0].file.name
    event = AuditEvent.objects.get(action="attribution.dispute")
    assert event.after["attachments"] == 5 and event.partner == partner_b


@pytest.mark.parametrize(("name", "content", "message"), [
    ("macro.docm", b"PK\x03\x04", "only PDF, PNG, JPEG, TXT and CSV"),
    ("page.html", b"<html>", "only PDF, PNG, JPEG, TXT and CSV"),
    ("noext", b"hello", "only PDF, PNG, JPEG, TXT and CSV"),
    ("fake.png", b"GIF89a......", "is not really a .png file"),
    ("fake.jpeg", PDF, "is not really a .jpeg file"),
    ("binary.txt", b"ab\x00cd", "is not a text file"),
    ("huge.pdf", PDF + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
])
def test_attachments_are_checked_for_type_size_and_content(won_split, partner_b, admin_b, name, content,
                                                           message, tmp_path):
    with pytest.raises(ValidationError) as error:
        _open(partner_b, admin_b, files=[_file("ok.txt", b"fine"), _file(name, content)])

    assert message in " ".join(error.value.message_dict["attachments"])
    assert not Dispute.objects.exists() and not DisputeAttachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert _line(partner_b).status == AttributionStatus.APPROVED


def test_a_file_of_exactly_5_mb_is_accepted_and_six_files_are_not(won_split, partner_b, admin_b):
    with pytest.raises(ValidationError) as error:
        _open(partner_b, admin_b, files=[_file(f"{i}.txt", b"x") for i in range(6)])
    assert "attachments" in error.value.message_dict

    _open(partner_b, admin_b, files=[_file("max.pdf", PDF + b"0" * (5 * 1024 * 1024 - len(PDF)))])

    assert DisputeAttachment.objects.get().size == 5 * 1024 * 1024


def test_the_text_is_required(won_split, partner_b, admin_b):
    with pytest.raises(ValidationError) as error:
        _open(partner_b, admin_b, text="   ")
    assert "text" in error.value.message_dict


def test_the_dispute_window_closes_at_its_end(won_split, partner_b, admin_b):
    line = _line(partner_b)
    with freeze_time(line.dispute_until + timedelta(seconds=1)), pytest.raises(InvalidTransition):
        _open(partner_b, admin_b)
    with freeze_time(line.dispute_until):
        assert _open(partner_b, admin_b).status == DisputeStatus.OPEN


def test_only_an_approved_line_of_ones_own_can_be_disputed(won_split, conflict_pair, partner_a, partner_b,
                                                          admin_a, admin_b):
    with pytest.raises(NotAllowed):
        dispute_open(partner=partner_b, actor=admin_a, attribution=_line(partner_b), text="Not mine")
    with pytest.raises(InvalidTransition):
        dispute_open(partner=partner_a, actor=admin_a, attribution=_line(partner_b), text="Theirs")
    _open(partner_b, admin_b)
    with pytest.raises(InvalidTransition):
        _open(partner_b, admin_b, text="Twice")
    # The case's proposed default (100% to A) was superseded by the resolution.
    superseded = Attribution.objects.get(partner=partner_a, status=AttributionStatus.SUPERSEDED)
    with pytest.raises(InvalidTransition):
        dispute_open(partner=partner_a, actor=admin_a, attribution=superseded, text="Old line")
    assert Dispute.objects.count() == 1


def test_upholding_with_new_shares_replaces_the_lines_and_corrects_commissions(
        won_split, partner_a, partner_b, admin_b, people):
    first, _second = won_split
    dispute = _open(partner_b, admin_b)
    old_a, old_b = _line(partner_a), Attribution.objects.get(pk=dispute.attribution_id)
    paid_before = {c.partner_id: c.amount for c in Commission.objects.filter(deal=first)}
    assert paid_before == {partner_a.pk: Decimal("6000.00"), partner_b.pk: Decimal("4000.00")}

    dispute_resolve(actor=people.owner, dispute=dispute, uphold=True, note="Workshop confirmed.",
                    shares=[{"deal": old_a.source_deal_id, "role": "sourced", "share": "50.00"},
                            {"deal": old_b.source_deal_id, "role": "influenced", "share": "50.00"}])

    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD and dispute.resolved_by == people.owner
    current = {line.partner_id: line for line in Attribution.objects.filter(deal=first).current()}
    assert {p: (line.share, line.status) for p, line in current.items()} == {
        partner_a.pk: (Decimal("50.00"), AttributionStatus.FINAL),
        partner_b.pk: (Decimal("50.00"), AttributionStatus.FINAL)}
    assert all(line.replaces_id == old_b.pk for line in current.values())
    old_a.refresh_from_db()
    assert old_a.status == AttributionStatus.SUPERSEDED
    # The approved commissions are untouched; a correcting line carries each difference.
    corrections = {c.partner_id: c for c in Commission.objects.filter(deal=first, correction_of__isnull=False)}
    assert {p: c.amount for p, c in corrections.items()} == {partner_a.pk: Decimal("-1000.00"),
                                                             partner_b.pk: Decimal("1000.00")}
    assert all(c.status == CommissionStatus.PROPOSED for c in corrections.values())
    originals = Commission.objects.filter(deal=first, correction_of__isnull=True)
    assert {c.amount for c in originals} == {Decimal("6000.00"), Decimal("4000.00")}
    assert all(c.status == CommissionStatus.APPROVED for c in originals)
    assert ReviewTask.objects.filter(kind=TaskKind.COMPENSATION_APPROVAL, status=TaskStatus.OPEN,
                                     commission__in=corrections.values()).count() == 2
    # A negative correction may be approved as it is.
    commission_approve(actor=people.owner, commission=corrections[partner_a.pk])
    assert Commission.objects.get(pk=corrections[partner_a.pk].pk).status == CommissionStatus.APPROVED


def test_each_partner_hears_only_about_its_own_registration(won_split, partner_a, partner_b, admin_a,
                                                           admin_b, people):
    first, second = won_split
    dispute = _open(partner_b, admin_b, text="Private argument")
    Notification.objects.all().delete()

    dispute_resolve(actor=people.owner, dispute=dispute, uphold=True, note="Secret reasoning",
                    shares=[{"deal": first.pk, "role": "sourced", "share": "55.00"},
                            {"deal": second.pk, "role": "influenced", "share": "45.00"}])

    to_a = list(Notification.objects.filter(user=admin_a))
    to_b = list(Notification.objects.filter(user=admin_b))
    assert to_b and all(n.deal_id == second.pk for n in to_b)
    assert any("Secret reasoning" in n.body for n in to_b)
    assert to_a and all(n.deal_id == first.pk for n in to_a)
    text_a = " ".join(f"{n.title} {n.body}" for n in to_a)
    assert "55.00%" in text_a
    for secret in ("Secret reasoning", "Private argument", "45", second.reference, "Bravo"):
        assert secret not in text_a


def test_dismissing_makes_the_line_final_and_changes_no_commission(won_split, partner_b, admin_b, people):
    dispute = _open(partner_b, admin_b)
    commissions = list(Commission.objects.values_list("pk", "amount", "status"))

    dispute_resolve(actor=people.owner, dispute=dispute, uphold=False, note="The first registration holds.")

    line = Attribution.objects.get(pk=dispute.attribution_id)
    assert line.status == AttributionStatus.FINAL and line.finalized_at is not None
    assert list(Commission.objects.values_list("pk", "amount", "status")) == commissions
    with pytest.raises(InvalidTransition):
        dispute_resolve(actor=people.owner, dispute=dispute, uphold=False, note="Again")


def test_resolving_needs_a_note_a_reviewer_and_shares_summing_to_100(won_split, partner_b, admin_b, people):
    first, second = won_split
    dispute = _open(partner_b, admin_b)
    with pytest.raises(ValidationError) as error:
        dispute_resolve(actor=people.owner, dispute=dispute, uphold=False, note="")
    assert "note" in error.value.message_dict
    with pytest.raises(NotAllowed):
        dispute_resolve(actor=people.sales, dispute=dispute, uphold=False, note="Sales may not")
    with pytest.raises(ValidationError) as error:
        dispute_resolve(actor=people.owner, dispute=dispute, uphold=True, note="Split",
                        shares=[{"deal": first.pk, "share": "50.00"}, {"deal": second.pk, "share": "49.99"}])
    assert "exactly 100.00" in " ".join(error.value.message_dict["shares"])
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_the_beat_finalizes_undisputed_lines_once_their_window_closed(won_split, partner_a, partner_b,
                                                                      admin_b):
    _open(partner_b, admin_b)
    line_a = _line(partner_a)

    with freeze_time(line_a.dispute_until - timedelta(minutes=1)):
        assert attributions_finalize() == 0
    with freeze_time(line_a.dispute_until + timedelta(minutes=1)):
        assert attributions_finalize() == 1
        assert attributions_finalize() == 0

    line_a.refresh_from_db()
    assert line_a.status == AttributionStatus.FINAL and line_a.finalized_at is not None
    # The disputed line waits for its dispute, whatever the clock says.
    assert _line(partner_b).status == AttributionStatus.DISPUTED
    assert AuditEvent.objects.filter(action="attribution.finalize").count() == 1


def test_the_beat_takes_an_explicit_clock(won_split, partner_a):
    line = _line(partner_a)
    assert attributions_finalize(now=timezone.now()) == 0
    assert attributions_finalize(now=line.dispute_until + timedelta(days=1)) == 2
