"""Lists reminder deliveries that wait or could not be sent, for whoever runs the portal."""

from __future__ import annotations

from datetime import UTC

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.models import Delivery

STATUSES = {
    "pending": [Delivery.Status.PENDING],
    "failed": [Delivery.Status.FAILED],
    "both": [Delivery.Status.PENDING, Delivery.Status.FAILED],
}


class Command(BaseCommand):
    help = "Lists pending and failed reminder deliveries (oldest due first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--status", choices=sorted(STATUSES), default="both", help="Which deliveries to list."
        )
        parser.add_argument("--alliance", type=int, help="Only this alliance (its id).")
        parser.add_argument(
            "--due", action="store_true", help="Only those already due (leave out scheduled ones)."
        )
        parser.add_argument("--limit", type=int, default=200, help="At most this many rows.")

    def handle(self, *args, status, alliance, due, limit, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        deliveries = (
            Delivery.objects.filter(status__in=STATUSES[status])
            .select_related("recipient", "alliance")
            .order_by("due_at", "pk")
        )
        if alliance is not None:
            deliveries = deliveries.filter(alliance_id=alliance)
        if due:
            deliveries = deliveries.filter(due_at__lte=timezone.now())
        total = deliveries.count()
        header = ("id", "status", "kind", "alliance", "recipient", "due (UTC)", "tries", "error")
        rows = [header] + [self._row(delivery) for delivery in deliveries[:limit]]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())
        shown = min(total, limit)
        self.stdout.write(f"{shown} of {total} deliveries shown.")

    @staticmethod
    def _row(delivery: Delivery) -> tuple[str, ...]:
        due_at = delivery.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        return (
            str(delivery.pk),
            delivery.status,
            delivery.kind,
            str(delivery.alliance_id),
            delivery.recipient.email,
            due_at,
            str(delivery.attempts),
            delivery.last_error.replace("\n", " ")[:120],
        )
