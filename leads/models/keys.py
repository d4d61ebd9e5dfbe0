"""Frequencies of matching keys in the existing records, which duplicate scoring weighs by."""

from django.db import models


class KeyCount(models.Model):
    """How many existing records (registrations, accounts) carry a matching key's value:
    a name, a distinctive name word, a phone, a city. Scoring reads it so that agreement on
    a frequent value (a chain's name, a switchboard, a big city) weighs less than on a rare
    one. Kept by `leads.evidence` (counts added as records are screened or imported, and
    rebuilt by the beat task `key_counts_refresh_task`)."""

    field = models.CharField(max_length=10)
    value = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "value"], name="key_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.field}:{self.value}={self.count}"
