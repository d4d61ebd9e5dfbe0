"""The sign-in page: allauth's view, except that a throttled sign-in answers HTTP 429."""

from http import HTTPStatus

from allauth.account.views import LoginView
from django.forms import Form
from django.http import HttpResponse

THROTTLED = "too_many_login_attempts"


class PortalLoginView(LoginView):
    """allauth's LoginView; a form refused by the failed-sign-in limits answers 429
    (with the form and its message, so a person still reads why)."""

    def form_invalid(self, form: Form) -> HttpResponse:
        response = super().form_invalid(form)
        if any(error.code == THROTTLED for error in form.non_field_errors().as_data()):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


login = PortalLoginView.as_view()
