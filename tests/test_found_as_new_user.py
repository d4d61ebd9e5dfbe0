"""Issue 10, item 9: what a new user ran into. The Admin link only for those who may use
the admin; sign-in and closed sign-up say how to get an invitation; a draft lists both the
fields needed to submit and those the program needs before it can accept."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from conftest import login_with_mfa
from leads.tests.factories import DealFactory
from partners.choices import StaffRole
from partners.selectors import program_rules_get
from partners.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ADMIN_LINK = f'href="{reverse("admin:index")}"'


def _nav_of(user) -> str:
    return login_with_mfa(Client(), user).get(reverse("reviews:queue")).content.decode()


def test_a_partner_owner_without_admin_permissions_sees_no_admin_link(staff):
    page = _nav_of(staff)
    assert "Review queue" in page and ADMIN_LINK not in page


@pytest.mark.parametrize("who", ["superuser", "program_admin", "has_a_permission"])
def test_those_who_may_use_the_admin_see_its_link(who):
    user = {
        "superuser": lambda: StaffFactory(is_superuser=True),
        "program_admin": lambda: StaffFactory(roles=[StaffRole.PROGRAM_ADMIN]),
        "has_a_permission": lambda: StaffFactory(roles=[StaffRole.PARTNER_OWNER]),
    }[who]()
    if who == "has_a_permission":
        user.user_permissions.add(Permission.objects.get(codename="view_rejectionreason"))
    assert ADMIN_LINK in _nav_of(user)


def test_a_partner_member_sees_no_admin_link(client_a):
    assert ADMIN_LINK not in client_a.get(reverse("leads:deal-list")).content.decode()


def test_the_sign_in_page_explains_invitations_instead_of_offering_a_closed_sign_up(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "sign up" not in page.lower()
    assert reverse("account_signup") not in page
    assert "Accounts are by invitation" in page and "partner admin" in page


def test_sign_up_without_an_invitation_says_how_to_get_one(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert "Sign Up Closed" not in page and "Sign-up is by invitation" in page
    assert "ask its partner admin to invite you" in page
    assert "contact your channel manager" in page
    assert f'href="{reverse("account_login")}"' in page


def test_a_draft_lists_fields_to_submit_and_fields_the_program_needs_for_acceptance(
        client_a, partner_a, admin_a):
    rules = program_rules_get()
    rules.required_fields_for_acceptance = ["company_name", "contact_email", "contact_phone",
                                            "customer_consent", "products"]
    rules.save()
    draft = DealFactory(partner=partner_a, created_by=admin_a, contact_email="",
                        contact_phone="", customer_consent=False)
    page = client_a.get(draft.get_absolute_url()).content.decode()
    submit = page.split('id="deal-missing-submit"')[1].split("</ul>")[0]
    acceptance = page.split('id="deal-missing-acceptance"')[1].split("</ul>")[0]
    assert "Contact e-mail" in submit
    assert "Contact phone" in acceptance and "Products" in acceptance
    assert "Customer consents" in acceptance
    assert "Contact e-mail" not in acceptance  # listed once, where it matters first


def test_a_complete_draft_still_names_what_the_program_needs_for_acceptance(
        client_a, partner_a, admin_a):
    rules = program_rules_get()
    rules.required_fields_for_acceptance = ["company_name", "timeline"]
    rules.save()
    draft = DealFactory(partner=partner_a, created_by=admin_a, timeline="")
    page = client_a.get(draft.get_absolute_url()).content.decode()
    assert 'id="deal-missing-submit"' not in page
    assert "Timeline" in page.split('id="deal-missing-acceptance"')[1].split("</ul>")[0]


def test_a_draft_with_everything_shows_no_missing_lists(client_a, partner_a, admin_a):
    draft = DealFactory(partner=partner_a, created_by=admin_a)
    page = client_a.get(draft.get_absolute_url()).content.decode()
    assert 'id="deal-missing"' not in page


def test_the_registration_form_lists_what_submitting_and_acceptance_need(client_a):
    rules = program_rules_get()
    rules.required_fields_for_acceptance = ["company_name", "contact_phone", "products"]
    rules.save()
    page = client_a.get(reverse("leads:deal-create")).content.decode()
    submit = page.split('id="required-to-submit"')[1].split("</ul>")[0]
    acceptance = page.split('id="required-for-acceptance"')[1].split("</ul>")[0]
    assert "Contact e-mail" in submit and "Need and use case" in submit and "◆" not in submit
    assert "Contact phone" in acceptance and "Products" in acceptance
