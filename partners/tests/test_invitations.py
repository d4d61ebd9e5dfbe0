"""Partner admins invite colleagues; sign-up is open only through an invitation."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from partners.choices import MemberRole
from partners.models import Invitation, Membership
from partners.services import invitation_create

pytestmark = pytest.mark.django_db


def _invite(client: Client, email: str = "new.colleague@alpha.test", role: str = "rep"):
    return client.post(reverse("partners:member-list"), {"email": email, "role": role})


def test_a_partner_admin_invites_a_colleague_by_email(client_a, partner_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_a)
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new.colleague@alpha.test")
    assert invitation.partner == partner_a and invitation.role == MemberRole.REP
    assert len(mail.outbox) == 1
    assert invitation.token in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="invitation.create").count() == 1


def test_a_rep_cannot_invite(client_rep_a):
    assert _invite(client_rep_a).status_code == 403
    assert not Invitation.objects.exists()


def test_an_invalid_email_is_shown_beside_the_field(client_a):
    response = _invite(client_a, email="not-an-email")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_sign_up_without_an_invitation_is_closed():
    response = Client().get(reverse("account_signup"))
    assert "closed" in response.content.decode().lower()


def test_following_the_link_and_signing_up_joins_the_organization(partner_a, admin_a):
    invitation = invitation_create(partner=partner_a, actor=admin_a,
                                   email="Joiner@Alpha.test", role=MemberRole.ADMIN,
                                   accept_base_url="http://testserver")
    client = Client()
    response = client.get(invitation.get_absolute_url())
    assert response.status_code == 302 and reverse("account_signup") in response.url
    response = client.post(reverse("account_signup"), {
        "email": "joiner@alpha.test", "password1": "A-long-pass-phrase-9", "password2": "A-long-pass-phrase-9",
    })
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="joiner@alpha.test")
    assert membership.partner == partner_a and membership.role == MemberRole.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # The invited address was proven by the link: the new member is signed in straight away.
    assert client.get(reverse("leads:deal-list")).status_code == 200


def test_an_invitation_link_works_once(partner_a, admin_a):
    invitation = invitation_create(partner=partner_a, actor=admin_a,
                                   email="once@alpha.test", role=MemberRole.REP,
                                   accept_base_url="http://testserver")
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at="2026-01-01T00:00:00Z")
    response = Client().get(invitation.get_absolute_url())
    assert response.status_code == 404


def test_an_admin_revokes_a_pending_invitation(client_a, partner_a, admin_a):
    invitation = invitation_create(partner=partner_a, actor=admin_a,
                                   email="revoke@alpha.test", role=MemberRole.REP,
                                   accept_base_url="http://testserver")
    response = client_a.post(reverse("partners:invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

