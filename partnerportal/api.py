"""Shared API pieces: the tenant permission, the JSON error handler and read-only fields
that publish blank values."""

from django.core.exceptions import FieldDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_countries.fields import CountryField
from rest_framework import exceptions, permissions, serializers, status
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


class BlankReadOnlyFieldsMixin:
    """For a ModelSerializer whose fields are read-only: publish blank values as they are.

    DRF drops `allow_blank` from read-only fields, so a blank choice ("") would fall outside
    the published enum and a blank e-mail outside `format: email`; a blank country is even
    returned as a `Country` object (not JSON). Generated (not declared) fields over a blank
    model field get `allow_blank` back (the enum lists ""); e-mails and countries become
    plain strings ("" or the ISO code).
    """

    def get_fields(self) -> dict:
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            if name in self._declared_fields or not field.read_only:
                continue
            try:
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if not model_field.blank or not isinstance(
                    field, serializers.CharField | serializers.ChoiceField):
                continue
            if isinstance(field, serializers.EmailField) or isinstance(model_field, CountryField):
                fields[name] = serializers.CharField(
                    read_only=True, allow_null=field.allow_null, label=field.label,
                    help_text=field.help_text)
            else:
                field.allow_blank = True
        return fields


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
