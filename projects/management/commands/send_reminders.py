import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects import selectors
from projects.alerts import delivery, ledger
from projects.alerts.messages import alert_title
from projects.models import Reminder


class Command(BaseCommand):
    help = (
        "Show the deadline alerts owed on a day (default today) and send them now; "
        "with --dry-run only show them. Safe to run twice: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to scan, YYYY-MM-DD (default: today).")
        parser.add_argument("--dry-run", action="store_true", help="Show, do not record or send.")

    def handle(self, *args, date, dry_run, **options):
        try:
            on = datetime.date.fromisoformat(date) if date else selectors.today()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {error}") from error
        if dry_run:
            with transaction.atomic():
                result = ledger.scan(on=on)
                self._show(on, result)
                transaction.set_rollback(True)
            self.stdout.write("Dry run: nothing recorded or sent.")
            return
        result = ledger.scan(on=on)
        self._show(on, result)
        sent = delivery.deliver(result["owed"])
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} of {len(result['owed'])} owed."))

    def _show(self, on, result):
        if not result["working_day"]:
            self.stdout.write(f"{on} is not a working day: no alerts go out.")
            return
        for year in result["unknown_years"]:
            self.stdout.write(
                self.style.WARNING(
                    f"No official holidays known for {year}: Monday to Friday are counted as "
                    "working days. Add the year's holidays in the admin (节假日与调休)."
                )
            )
        owed = Reminder.objects.filter(pk__in=result["owed"]).select_related(
            "recipient", "webhook", "milestone", "project"
        )
        self.stdout.write(
            f"{on}: {result['created']} new, {result['cancelled']} cancelled, "
            f"{len(result['owed'])} owed:"
        )
        for reminder in owed:
            self.stdout.write(
                f"  {reminder.get_kind_display():<8} {reminder.address:<12} {alert_title(reminder)}"
            )
