"""Capability profiles, case studies, their verification, and program agreements."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from partners import services
from partners.models import (
    AgreementAcceptance,
    AgreementVersion,
    CapabilityClaim,
    CapabilityProfile,
    ProofPoint,
    Vocabulary,
)
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def term(kind, name):
    return Vocabulary.objects.get(kind=kind, name=name)


def profile_post(**terms) -> dict:
    data = {"capacity": "4", "summary": "Healthcare specialists"}
    for kind, names in terms.items():
        data[f"terms_{kind}"] = [str(term(kind, n).pk) for n in names]
    return data


def test_a_partner_admin_saves_the_profile_and_new_claims_start_unverified(client_a, partner_a):
    url = reverse("partners:capabilities")
    response = client_a.post(url, profile_post(vertical=["Healthcare"], language=["German"]))
    assert response.status_code == 302
    profile = CapabilityProfile.objects.get(partner=partner_a)
    assert profile.capacity == 4
    claims = CapabilityClaim.objects.for_partner(partner_a)
    assert {c.term.name for c in claims} == {"Healthcare", "German"}
    assert not any(c.is_verified for c in claims)
    assert AuditEvent.objects.filter(action="capability_profile.save").exists()
    page = client_a.get(url)
    assert b"Healthcare" in page.content and b"How your profile scores in matching" in page.content


def test_claims_that_stay_keep_their_verification(client_a, partner_a):
    client_a.post(reverse("partners:capabilities"), profile_post(vertical=["Healthcare"]))
    CapabilityClaim.objects.for_partner(partner_a).update(verified_at=timezone.now())
    client_a.post(reverse("partners:capabilities"),
                  profile_post(vertical=["Healthcare", "Insurance"]))
    verified = {c.term.name: c.is_verified for c in CapabilityClaim.objects.for_partner(partner_a)}
    assert verified == {"Healthcare": True, "Insurance": False}


def test_a_rep_reads_the_profile_but_cannot_change_it(client_rep_a, partner_a):
    url = reverse("partners:capabilities")
    assert client_rep_a.get(url).status_code == 200
    assert client_rep_a.post(url, profile_post(vertical=["Healthcare"])).status_code == 403
    assert not CapabilityProfile.objects.filter(partner=partner_a).exists()


def test_a_bad_capacity_is_reported_beside_the_field(client_a):
    data = profile_post(vertical=["Healthcare"]) | {"capacity": "-2"}
    response = client_a.post(reverse("partners:capabilities"), data)
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors


def test_editing_a_case_study_clears_its_verification(client_a, partner_a):
    create = client_a.post(reverse("partners:proof-point-create"), {
        "title": "Claims automation", "vertical": term("vertical", "Healthcare").pk,
        "outcome": "Cut processing time by half", "completed_on": "2025-06-01",
        "referenceable": "on"})
    assert create.status_code == 302
    point = ProofPoint.objects.get(partner=partner_a)
    assert point.referenceable and not point.is_verified
    ProofPoint.objects.filter(pk=point.pk).update(verified_at=timezone.now())
    client_a.post(reverse("partners:proof-point-edit", args=[point.pk]), {
        "title": "Claims automation v2", "vertical": term("vertical", "Healthcare").pk,
        "outcome": "Cut processing time by half", "completed_on": "2025-06-01"})
    point.refresh_from_db()
    assert point.title == "Claims automation v2" and not point.is_verified


def test_a_future_date_or_a_wrong_list_is_refused_beside_the_field(client_a):
    response = client_a.post(reverse("partners:proof-point-create"), {
        "title": "X", "vertical": term("region", "DACH").pk, "outcome": "Y",
        "completed_on": "2999-01-01"})
    assert response.status_code == 200
    assert "vertical" in response.context["form"].errors


def test_another_organizations_case_study_answers_404(client_a, partner_b):
    point = ProofPoint.objects.create(partner=partner_b, title="B", outcome="B",
                                      completed_on="2025-01-01",
                                      vertical=term("vertical", "Healthcare"))
    assert client_a.get(reverse("partners:proof-point-edit", args=[point.pk])).status_code == 404
    assert client_a.post(reverse("partners:proof-point-delete", args=[point.pk])).status_code == 404
    assert ProofPoint.objects.filter(pk=point.pk).exists()


def test_a_partner_owner_verifies_the_ticked_claims(staff_client, staff, client_a, partner_a):
    client_a.post(reverse("partners:capabilities"),
                  profile_post(vertical=["Healthcare", "Insurance"]))
    healthcare = CapabilityClaim.objects.get(partner=partner_a, term__name="Healthcare")
    url = reverse("reviews:partner-profile", args=[partner_a.pk])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"claim": [healthcare.pk]}).status_code == 302
    verified = {c.term.name: c.is_verified for c in CapabilityClaim.objects.for_partner(partner_a)}
    assert verified == {"Healthcare": True, "Insurance": False}
    profile = CapabilityProfile.objects.get(partner=partner_a)
    assert profile.verified_by == staff
    assert AuditEvent.objects.filter(action="capability_profile.verify").exists()


def test_partners_cannot_reach_the_staff_verification(client_a, partner_a):
    url = reverse("reviews:partner-profile", args=[partner_a.pk])
    assert client_a.post(url, {"all": "1"}).status_code in (302, 403)
    assert not CapabilityClaim.objects.verified().exists()


def test_only_partner_owners_may_verify(partner_a, admin_a):
    CapabilityProfile.objects.create(partner=partner_a)
    with pytest.raises(services.NotAllowed):
        services.profile_verify(actor=StaffFactory(), partner=partner_a)
    with pytest.raises(services.NotAllowed):
        services.profile_verify(actor=admin_a, partner=partner_a)


def publish(version: int) -> AgreementVersion:
    row = AgreementVersion.objects.create(version=version, title="Program agreement",
                                          body=f"Terms v{version}")
    return services.agreement_publish(actor=StaffFactory(), version=row)


def test_an_admin_accepts_the_current_agreement_and_the_banner_goes(client_a, partner_a, admin_a):
    v1 = publish(1)
    page = client_a.get(reverse("partners:capabilities"))
    assert b"waiting for your organization" in page.content
    response = client_a.post(reverse("partners:agreement"), {"version": v1.pk})
    assert response.status_code == 302
    acceptance = AgreementAcceptance.objects.get(partner=partner_a)
    assert acceptance.version == v1 and acceptance.accepted_by == admin_a
    assert b"waiting for your organization" not in client_a.get(reverse("leads:deal-list")).content
    # A new version asks again.
    publish(2)
    assert b"waiting for your organization" in client_a.get(reverse("leads:deal-list")).content
    assert AgreementVersion.objects.get(version=1).is_current is False


def test_a_rep_cannot_accept_and_sees_no_banner(client_rep_a, partner_a):
    v1 = publish(1)
    assert b"waiting for your organization" not in client_rep_a.get(
        reverse("partners:agreement")).content
    assert client_rep_a.post(reverse("partners:agreement"), {"version": v1.pk}).status_code == 403
    assert not AgreementAcceptance.objects.exists()


def test_accepting_a_version_that_is_no_longer_current_asks_to_read_again(client_a):
    v1 = publish(1)
    publish(2)
    response = client_a.post(reverse("partners:agreement"), {"version": v1.pk}, follow=True)
    assert b"The agreement changed while you were reading it" in response.content
    assert not AgreementAcceptance.objects.exists()


def test_the_rules_page_states_the_distribution_criteria(client_a):
    page = client_a.get(reverse("partners:rules")).content.decode()
    assert "How vendor leads are distributed" in page
    assert "24 hours to accept or decline" in page
    assert "Relevant proof points" in page and "overdue on outcome reports" in page
