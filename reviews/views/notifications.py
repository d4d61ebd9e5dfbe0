"""Notification pages for every signed-in user (partners and staff alike).

A notification belongs to one user: every lookup is scoped to `request.user`, so another
user's id answers 404. The unsubscribe page needs no sign-in: its token is signed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviews import notifications
from reviews.forms import NotificationPreferencesForm

PAGE_SIZE = 25


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = notifications.notification_list(user=request.user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/notification_list.html", {"page": page})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    item = notifications.notification_get(user=request.user, pk=pk)
    notifications.notification_mark_read(user=request.user, notification=item)
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts=None):
        return redirect(item.url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.notification_mark_read(user=request.user)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    current = notifications.notification_preferences(user=request.user)
    form = NotificationPreferencesForm(request.POST or None, initial_preferences=current)
    if request.method == "POST" and form.is_valid():
        try:
            notifications.notification_preferences_set(
                actor=request.user, user=request.user, preferences=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications:preferences")
    return render(request, "reviews/notification_preferences.html", {"form": form},
                  status=400 if form.errors else 200)


# The signed token is the authority here (no session): mail clients' one-click unsubscribe
# (RFC 8058) posts without a CSRF token, and a forged request needs the token anyway.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = notifications.unsubscribe_read(token)
    if found is None:
        return render(request, "reviews/notification_unsubscribe.html", {"invalid": True}, status=404)
    user, kind = found
    if request.method == "POST":
        notifications.notification_unsubscribe(token=token)
        return render(request, "reviews/notification_unsubscribe.html", {"done": True, "kind": kind,
                                                                   "email": user.email})
    return render(request, "reviews/notification_unsubscribe.html", {"kind": kind, "email": user.email,
                                                               "all_kinds": notifications.ALL_KINDS})
