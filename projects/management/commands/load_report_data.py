from django.core.management.base import BaseCommand

from projects.seeding import report_data
from projects.seeding.loader import load_report_data


class Command(BaseCommand):
    help = "Load the projects, villages and figures of the town's 2024 work report (idempotent)."

    def handle(self, *args, **options):
        created = load_report_data()
        total = sum(created.values())
        if total:
            details = ", ".join(
                f"{name} {count}" for name, count in sorted(created.items()) if count
            )
            self.stdout.write(self.style.SUCCESS(f"Loaded {total} records ({details})."))
        else:
            self.stdout.write(f"Nothing to load: every record of {report_data.SOURCE} is present.")
