"""Check the audit log: hash chain, last checkpoint, personal-value digests."""

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import checkpoint_path
from audit.verification import audit_verify


class Command(BaseCommand):
    help = ("Verify the audit log: its hash chain, its head against the last checkpoint "
            "(AUDIT_CHECKPOINT_DIR), and the digests of personal values; exits non-zero "
            "on any problem.")

    def handle(self, *args, **options) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError("Audit log broken: " + "; ".join(result.problems) + ".")
        if result.checkpoint:
            against = (f"matches the checkpoint of {result.checkpoint['at']} "
                       f"(head #{result.checkpoint['head_id']})")
        else:
            against = f"no checkpoint yet in {checkpoint_path()}"
        self.stdout.write(self.style.SUCCESS(
            f"Audit chain intact: {result.checked} events verified; {against}."))
