"""Check the audit log's hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from audit.selectors import audit_chain_first_break


class Command(BaseCommand):
    help = "Verify the audit log hash chain; exits non-zero at the first broken link."

    def handle(self, *args, **options) -> None:
        broken, checked = audit_chain_first_break()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event #{broken.pk} "
                f"({broken.created_at:%Y-%m-%d %H:%M:%S} {broken.action} "
                f"{broken.target_type}:{broken.target_id}) after {checked - 1} good events."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
