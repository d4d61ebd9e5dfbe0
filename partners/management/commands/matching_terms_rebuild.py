"""Recompute every capability profile's derived term lists from its claims."""

from django.core.management.base import BaseCommand
from django.db import transaction

from partners.services import profile_terms_refresh


class Command(BaseCommand):
    help = ("Recompute every capability profile's matching term lists from its claims (a "
            "backfill after bulk loads; the services keep them current otherwise).")

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            changed = profile_terms_refresh()
        self.stdout.write(f"{changed} profiles updated.")
