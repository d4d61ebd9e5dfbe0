"""Program admins publish matching weights in the Django admin; versions are never edited."""

import json

import pytest

from audit.models import AuditEvent
from distribution.models import MatchingWeights
from partners.models import AgreementVersion, Vocabulary

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_client, staff):
    staff.is_superuser = True
    staff.save()
    return staff_client


def test_adding_weights_in_the_admin_publishes_the_next_version(admin_client):
    form = admin_client.get("/admin/distribution/matchingweights/add/")
    assert form.status_code == 200 and b"vertical" in form.content
    response = admin_client.post("/admin/distribution/matchingweights/add/", {
        "weights": json.dumps({"vertical": 30, "region": 10}), "near_tie_margin": "3",
        "offer_sla_hours": "12", "report_cadence_days": "7", "note": "Faster answers"})
    assert response.status_code == 302, response.content[:2000]
    v2 = MatchingWeights.objects.get(version=2)
    assert v2.offer_sla_hours == 12 and v2.weights == {"vertical": 30, "region": 10}
    assert AuditEvent.objects.filter(action="matching_weights.publish").exists()


def test_bad_weights_are_shown_beside_the_field_and_nothing_is_published(admin_client):
    response = admin_client.post("/admin/distribution/matchingweights/add/", {
        "weights": json.dumps({"charm": 3}), "near_tie_margin": "3", "offer_sla_hours": "12",
        "report_cadence_days": "7"})
    assert response.status_code == 200
    assert b"Unknown factors: charm" in response.content
    assert MatchingWeights.objects.count() == 1


def test_a_published_version_cannot_be_changed(admin_client):
    v1 = MatchingWeights.objects.get(version=1)
    admin_client.post(f"/admin/distribution/matchingweights/{v1.pk}/change/", {
        "weights": json.dumps({"vertical": 1}), "near_tie_margin": "3", "offer_sla_hours": "1",
        "report_cadence_days": "7"})
    v1.refresh_from_db()
    assert v1.offer_sla_hours == 24


def test_vocabulary_terms_are_edited_in_the_admin(admin_client):
    response = admin_client.post("/admin/partners/vocabulary/add/", {
        "kind": "vertical", "name": "Aerospace", "slug": "aerospace", "active": "on",
        "position": "5"})
    assert response.status_code == 302
    assert Vocabulary.objects.filter(kind="vertical", name="Aerospace").exists()


def test_the_publish_action_makes_an_agreement_current(admin_client):
    version = AgreementVersion.objects.create(version=1, title="Agreement", body="Terms")
    admin_client.post("/admin/partners/agreementversion/", {
        "action": "publish", "_selected_action": [version.pk]})
    version.refresh_from_db()
    assert version.is_current and version.published_at is not None
