"""The charts in a real browser under the Content-Security-Policy: Chart.js (vendored) draws
every measure's canvas from the json_script data, and the browser reports no violation."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import login_with_mfa
from measurements.tests import factories as f
from tests.test_csp_browser import _page_as, browser  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEYS = ["decisions", "duplicates", "disputes", "conversion", "decision_time", "funnel"]


def _drawn(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('canvas[data-measure-chart]')]"
        ".map(c => [c.dataset.measureChart, window.Chart.getChart(c)"
        " ? window.Chart.getChart(c).data.datasets[0].data : null]))")


def test_staff_dashboard_and_partner_scorecard_draw_their_charts(
        browser, live_server, staff, partner_a, admin_a):  # noqa: F811
    for n, kind in enumerate(["accept", "accept", "reject"]):
        f.decide(f.submitted(partner_a, f.at(11, 1 + n)), kind, f.at(11, 5), staff)
    months = "?month_from=2026-10&month_to=2026-11"
    staff_page = _page_as(browser, live_server, login_with_mfa(Client(), staff))
    staff_page.goto(live_server.url + reverse("reviews:measurements") + months)
    partner_client = Client()
    partner_client.force_login(admin_a)
    partner_page = _page_as(browser, live_server, partner_client)
    partner_page.goto(live_server.url + reverse("measurements:scorecard") + months)

    for page in (staff_page, partner_page):
        drawn = _drawn(page)
        assert sorted(drawn) == sorted(KEYS)
        assert drawn["decisions"] == [0, 2]  # October none, November two accepted
        assert page.violations == []
