"""Helpers to carry service errors onto forms, beside the field they concern."""

from django import forms
from django.core.exceptions import ValidationError

from partnerportal.exceptions import ApplicationError


def add_service_error(form: forms.Form, error: ValidationError | ApplicationError) -> None:
    """Attach a service's ValidationError (per field) or ApplicationError to `form`."""
    if isinstance(error, ApplicationError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
