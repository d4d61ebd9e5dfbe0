"""Erase a deal's contact (and the audit log's copies of it): erase_contact --deal ID --reason TEXT."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audit.erasure import personal_data_erase
from leads.models import Deal


class Command(BaseCommand):
    help = ("Erase the end customer's contact from a deal and the personal values the audit "
            "log holds about it; the erasure is audited (actor: system) with the reason.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--deal", type=int, required=True, help="the deal's id")
        parser.add_argument("--reason", required=True, help="why (e.g. the request's ticket)")

    def handle(self, *args, deal: int, reason: str, **options) -> None:
        found = Deal.objects.filter(pk=deal).first()
        if found is None:
            raise CommandError(f"No deal with id {deal}.")
        try:
            summary = personal_data_erase(actor=None, deal=found, reason=reason)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Erased {found.reference}: fields {', '.join(summary['fields']) or 'none'}; "
            f"raw input {', '.join(summary['raw_input']) or 'none'}; "
            f"{summary['audit_values']} audit values."))
