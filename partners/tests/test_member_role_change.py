"""A partner admin changes a member's role; the organization always keeps an admin."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from partnerportal.exceptions import ApplicationError, NotAllowed
from partners.choices import MemberRole
from partners.services import member_role_change
from partners.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_an_admin_makes_a_rep_an_admin_and_back_audited(admin_a, rep_a, partner_a):
    member_role_change(partner=partner_a, actor=admin_a, membership=rep_a.membership,
                       role=MemberRole.ADMIN)
    member_role_change(partner=partner_a, actor=admin_a, membership=rep_a.membership,
                       role=MemberRole.REP)

    rep_a.membership.refresh_from_db()
    assert rep_a.membership.role == MemberRole.REP
    events = AuditEvent.objects.filter(action="membership.role_change").order_by("id")
    assert [(e.before, e.after) for e in events] == [
        ({"role": "rep"}, {"role": "admin"}), ({"role": "admin"}, {"role": "rep"})]


def test_the_last_active_admin_cannot_be_demoted(admin_a, partner_a):
    with pytest.raises(ApplicationError, match="needs an admin") as error:
        member_role_change(partner=partner_a, actor=admin_a, membership=admin_a.membership,
                           role=MemberRole.REP)
    assert error.value.field == "role"

    # A deactivated admin does not count as the admin the organization keeps.
    inactive = MembershipFactory(partner=partner_a, role=MemberRole.ADMIN, user__is_active=False)
    with pytest.raises(ApplicationError, match="needs an admin"):
        member_role_change(partner=partner_a, actor=admin_a, membership=admin_a.membership,
                           role=MemberRole.REP)
    assert inactive.role == MemberRole.ADMIN

    MembershipFactory(partner=partner_a, role=MemberRole.ADMIN)
    member_role_change(partner=partner_a, actor=admin_a, membership=admin_a.membership,
                       role=MemberRole.REP)
    admin_a.membership.refresh_from_db()
    assert admin_a.membership.role == MemberRole.REP


def test_a_rep_or_another_organization_cannot_change_roles(admin_a, rep_a, admin_b, partner_a):
    with pytest.raises(NotAllowed):
        member_role_change(partner=partner_a, actor=rep_a, membership=rep_a.membership,
                           role=MemberRole.ADMIN)
    with pytest.raises(NotAllowed):
        member_role_change(partner=admin_b.membership.partner, actor=admin_b,
                           membership=rep_a.membership, role=MemberRole.ADMIN)
    rep_a.membership.refresh_from_db()
    assert rep_a.membership.role == MemberRole.REP


def test_the_member_list_changes_a_role(client_a, rep_a):
    url = reverse("partners:member-role", args=[rep_a.membership.pk])
    assert url in client_a.get(reverse("partners:member-list")).content.decode()

    response = client_a.post(url, {"role": MemberRole.ADMIN}, follow=True)

    assert "rep@alpha.test is now a Partner admin." in response.content.decode()
    rep_a.membership.refresh_from_db()
    assert rep_a.membership.role == MemberRole.ADMIN


def test_a_bad_role_is_refused_with_a_message_and_nothing_changes(client_a, rep_a):
    url = reverse("partners:member-role", args=[rep_a.membership.pk])

    response = client_a.post(url, {"role": "owner"}, follow=True)

    assert "Choose a role." in response.content.decode()
    rep_a.membership.refresh_from_db()
    assert rep_a.membership.role == MemberRole.REP
    assert not AuditEvent.objects.filter(action="membership.role_change").exists()


def test_a_rep_gets_403_and_another_organization_404(client_rep_a, client_b, rep_a):
    url = reverse("partners:member-role", args=[rep_a.membership.pk])
    assert client_rep_a.post(url, {"role": MemberRole.ADMIN}).status_code == 403
    assert client_b.post(url, {"role": MemberRole.ADMIN}).status_code == 404
    rep_a.membership.refresh_from_db()
    assert rep_a.membership.role == MemberRole.REP
