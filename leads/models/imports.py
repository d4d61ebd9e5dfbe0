"""CRM import jobs: a CSV of accounts or opportunities, imported by a worker."""

from django.conf import settings
from django.db import models

from leads.choices import ImportKind, ImportStatus


class CrmImport(models.Model):
    """One uploaded file and its progress; bad rows are kept with their line and reason."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file = models.FileField(upload_to="crm_imports/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_rows = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="crm_imports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
