"""Shared API pieces: the tenant permission and the JSON error handler."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from partnerportal.exceptions import ApplicationError, InvalidTransition, NotAllowed
from partners.selectors import membership_for_user


class IsPartnerMember(permissions.BasePermission):
    """The caller is a member of a partner organization; sets request.partner/membership.

    DRF authenticates tokens inside the view, after TenancyMiddleware ran, so the tenant is
    resolved again here through the same selector.
    """

    message = "You must belong to a partner organization to use this endpoint."

    def has_permission(self, request, view) -> bool:
        membership = membership_for_user(user=request.user)
        request.membership = membership
        request.partner = membership.partner if membership else None
        request._request.membership = membership
        request._request.partner = request.partner
        if membership is not None:
            request.user.membership = membership
        return membership is not None


def exception_handler(exc, context):
    """Every API error is JSON: field errors keyed by field name, others under `detail`."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, InvalidTransition):
        body = {"detail": exc.message, "code": "invalid_state"}
        if exc.current_status:
            body["status"] = exc.current_status
        return Response(body, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, ApplicationError):
        key = exc.field or "detail"
        body = {key: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
