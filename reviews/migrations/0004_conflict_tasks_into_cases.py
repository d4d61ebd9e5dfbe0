"""Data: today's per-deal attribution-conflict tasks become one task per conflict case.

Registrations linked by a cross-partner or direct-sales match (in either direction) form
one case; its members' routing is paused; the open conflict task of the earliest member
is kept and linked to the case, the others are cancelled.
"""

from django.db import migrations
from django.utils import timezone

CONFLICT_KINDS = ("cross_partner", "direct_sales")
OPEN_STATUSES = ("submitted", "screening", "in_review", "needs_info", "accepted", "converted")


def into_cases(apps, schema_editor):
    Deal = apps.get_model("leads", "Deal")
    DuplicateMatch = apps.get_model("leads", "DuplicateMatch")
    ConflictCase = apps.get_model("attribution", "ConflictCase")
    ReviewTask = apps.get_model("reviews", "ReviewTask")

    open_ids = set(Deal.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    direct = set()
    for deal_id, target_id, kind in DuplicateMatch.objects.filter(kind__in=CONFLICT_KINDS).values_list(
            "deal_id", "target_deal_id", "kind"):
        if deal_id not in open_ids:
            continue
        find(deal_id)
        if kind == "direct_sales":
            direct.add(deal_id)
        if target_id in open_ids:
            parent[find(deal_id)] = find(target_id)
    groups: dict[int, list[int]] = {}
    for deal_id in list(parent):
        groups.setdefault(find(deal_id), []).append(deal_id)
    now = timezone.now()
    for members in groups.values():
        deals = list(Deal.objects.filter(pk__in=members).order_by("submitted_at", "id"))
        case = ConflictCase.objects.create(involves_direct_sales=bool(direct & set(members)))
        Deal.objects.filter(pk__in=members).update(conflict_case=case, routing_paused=True)
        tasks = list(ReviewTask.objects.filter(deal_id__in=members, kind="attribution_conflict",
                                               status="open").order_by("created_at", "id"))
        keep = next((t for t in tasks if t.deal_id == deals[0].pk), tasks[0] if tasks else None)
        for task in tasks:
            if task is keep:
                task.conflict_case = case
                task.deal_id, task.partner_id = deals[0].pk, deals[0].partner_id
                task.save(update_fields=["conflict_case", "deal", "partner"])
            else:
                task.status, task.closed_at = "cancelled", now
                task.save(update_fields=["status", "closed_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("reviews", "0003_task_case_and_commission"),
        ("leads", "0008_deal_conflict_case"),
        ("attribution", "0001_conflict_cases_attribution_commissions"),
    ]

    operations = [migrations.RunPython(into_cases, migrations.RunPython.noop)]
