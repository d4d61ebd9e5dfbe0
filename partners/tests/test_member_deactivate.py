"""A member who leaves: deactivated by a partner admin, signed out of everything, deals moved."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from leads.choices import DealStatus
from leads.tests.factories import DealFactory
from partnerportal.exceptions import ApplicationError, NotAllowed
from partners.choices import MemberRole
from partners.services import member_deactivate, member_reactivate
from partners.tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep2_a(partner_a):
    return MembershipFactory(partner=partner_a, role=MemberRole.REP,
                             user__email="rep2@alpha.test").user


def deal_of(user, status, **kwargs):
    return DealFactory(partner=user.membership.partner, created_by=user, owner=user,
                       status=status, **kwargs)


def test_a_deactivated_member_cannot_sign_in_and_their_session_and_token_stop_working(
    admin_a, rep_a
):
    token = Token.objects.create(user=rep_a)
    session = Client()
    session.force_login(rep_a)
    assert session.get(reverse("leads:deal-list")).status_code == 200

    member_deactivate(partner=rep_a.membership.partner, actor=admin_a,
                      membership=rep_a.membership)

    rep_a.refresh_from_db()
    assert rep_a.is_active is False
    assert not Token.objects.filter(user=rep_a).exists()
    api = Client().get(reverse("deal-list"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 401
    assert session.get(reverse("leads:deal-list")).status_code == 302
    sign_in = Client()
    sign_in.post(reverse("account_login"), {"login": rep_a.email, "password": PASSWORD})
    assert "_auth_user_id" not in sign_in.session
    assert sign_in.get(reverse("leads:deal-list")).status_code == 302


def test_open_deals_go_to_the_chosen_member_each_audited_and_closed_ones_stay(
    admin_a, rep_a, rep2_a
):
    open_deals = [deal_of(rep_a, status) for status in
                  (DealStatus.DRAFT, DealStatus.IN_REVIEW, DealStatus.ACCEPTED)]
    closed = deal_of(rep_a, DealStatus.WON)
    someone_elses = deal_of(admin_a, DealStatus.IN_REVIEW)

    moved = member_deactivate(partner=rep_a.membership.partner, actor=admin_a,
                              membership=rep_a.membership, reassign_to=rep2_a)

    assert moved == 3
    for deal in open_deals:
        deal.refresh_from_db()
        assert deal.owner == rep2_a
        assert deal.created_by == rep_a
    closed.refresh_from_db()
    someone_elses.refresh_from_db()
    assert closed.owner == rep_a and someone_elses.owner == admin_a
    events = AuditEvent.objects.filter(action="deal.reassign_owner").order_by("id")
    assert [e.target_id for e in events] == [str(d.pk) for d in open_deals]
    assert all(e.before == {"owner_id": rep_a.pk} and e.after == {"owner_id": rep2_a.pk}
               and e.actor == admin_a for e in events)
    [event] = AuditEvent.objects.filter(action="membership.deactivate")
    assert event.after["deals_reassigned"] == 3 and event.actor == admin_a


def test_open_deals_need_someone_to_take_them_over(admin_a, rep_a, admin_b):
    deal = deal_of(rep_a, DealStatus.IN_REVIEW)
    partner = rep_a.membership.partner

    for reassign_to in (None, rep_a, admin_b):
        with pytest.raises(ApplicationError) as error:
            member_deactivate(partner=partner, actor=admin_a, membership=rep_a.membership,
                              reassign_to=reassign_to)
        assert error.value.field == "reassign_to"

    rep_a.refresh_from_db()
    deal.refresh_from_db()
    assert rep_a.is_active and deal.owner == rep_a
    assert not AuditEvent.objects.filter(action__startswith="membership.").exists()


def test_an_admin_cannot_deactivate_themselves_or_the_last_admin(admin_a, partner_a):
    with pytest.raises(ApplicationError, match="yourself"):
        member_deactivate(partner=partner_a, actor=admin_a, membership=admin_a.membership)

    # An admin deactivated while their own request was still in flight cannot take the last
    # active admin with them: the rule counts active admins under lock.
    other = MembershipFactory(partner=partner_a, role=MemberRole.ADMIN).user
    member_deactivate(partner=partner_a, actor=other, membership=admin_a.membership)
    with pytest.raises(ApplicationError, match="last admin"):
        member_deactivate(partner=partner_a, actor=admin_a, membership=other.membership)


def test_a_rep_or_another_organization_cannot_deactivate(admin_a, rep_a, rep2_a, admin_b):
    with pytest.raises(NotAllowed):
        member_deactivate(partner=rep_a.membership.partner, actor=rep2_a,
                          membership=rep_a.membership)
    with pytest.raises(NotAllowed):
        member_deactivate(partner=admin_b.membership.partner, actor=admin_b,
                          membership=rep_a.membership)
    rep_a.refresh_from_db()
    assert rep_a.is_active


def test_a_reactivated_member_signs_in_again_and_keeps_no_old_token(admin_a, rep_a):
    partner = rep_a.membership.partner
    Token.objects.create(user=rep_a)
    member_deactivate(partner=partner, actor=admin_a, membership=rep_a.membership)

    member_reactivate(partner=partner, actor=admin_a, membership=rep_a.membership)

    client = Client()
    client.post(reverse("account_login"), {"login": rep_a.email, "password": PASSWORD})
    assert client.get(reverse("leads:deal-list")).status_code == 200
    assert not Token.objects.filter(user=rep_a).exists()
    assert AuditEvent.objects.filter(action="membership.reactivate").count() == 1


# --- The pages ------------------------------------------------------------------------------


def test_the_deactivate_page_asks_who_takes_over_and_lists_only_active_colleagues(
    client_a, admin_a, rep_a, rep2_a, admin_b
):
    deal_of(rep_a, DealStatus.IN_REVIEW)
    url = reverse("partners:member-deactivate", args=[rep_a.membership.pk])

    page = client_a.get(url).content.decode()
    assert "1 open deal" in page
    assert rep2_a.email in page and admin_a.email in page and admin_b.email not in page

    missing = client_a.post(url, {})
    assert missing.status_code == 200
    assert "This field is required" in missing.content.decode()
    rep_a.refresh_from_db()
    assert rep_a.is_active

    done = client_a.post(url, {"reassign_to": rep2_a.pk})
    assert done.status_code == 302
    rep_a.refresh_from_db()
    assert not rep_a.is_active
    listing = client_a.get(reverse("partners:member-list")).content.decode()
    assert "deactivated" in listing
    assert reverse("partners:member-reactivate", args=[rep_a.membership.pk]) in listing


def test_a_member_without_open_deals_is_deactivated_without_a_choice(client_a, rep_a):
    url = reverse("partners:member-deactivate", args=[rep_a.membership.pk])
    assert "reassign_to" not in client_a.get(url).content.decode()

    assert client_a.post(url, {}).status_code == 302
    rep_a.refresh_from_db()
    assert not rep_a.is_active


def test_a_rep_gets_403_and_another_organization_404(client_rep_a, client_b, admin_a, rep_a):
    url = reverse("partners:member-deactivate", args=[admin_a.membership.pk])
    assert client_rep_a.post(url, {}).status_code == 403
    assert client_b.post(url, {}).status_code == 404
    reactivate = reverse("partners:member-reactivate", args=[admin_a.membership.pk])
    assert client_b.post(reactivate).status_code == 404
    admin_a.refresh_from_db()
    assert admin_a.is_active


def test_the_member_list_counts_open_deals_in_a_fixed_number_of_queries(
    client_a, admin_a, rep_a, rep2_a, django_assert_max_num_queries
):
    for _n in range(3):
        deal_of(rep_a, DealStatus.IN_REVIEW)
    deal_of(rep_a, DealStatus.LOST)
    MembershipFactory.create_batch(5, partner=admin_a.membership.partner)

    with django_assert_max_num_queries(12):
        response = client_a.get(reverse("partners:member-list"))

    rows = [line for line in response.content.decode().splitlines() if "text-end\">" in line]
    assert any(">3<" in row for row in rows)
