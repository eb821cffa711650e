import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects import selectors
from projects.seeding import scale


class Command(BaseCommand):
    help = (
        "Add (or with --remove, take away) a made-up portfolio at district scale for "
        "benchmarks: projects with milestones, reports, plans and funding; villages; users. "
        "Every record is marked 【规模测试】 or scale-."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=10_000, help="Default 10000.")
        parser.add_argument("--villages", type=int, default=50, help="Default 50.")
        parser.add_argument("--remove", action="store_true", help="Delete every scale record.")
        parser.add_argument(
            "--force", action="store_true", help="Allow scale data with DJANGO_DEBUG off."
        )

    def handle(self, *args, projects, villages, remove, force, **options):
        started = time.perf_counter()
        if remove:
            removed = scale.remove()
            details = ", ".join(f"{label} {count}" for label, count in sorted(removed.items()))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Removed {sum(removed.values())} scale records in "
                    f"{time.perf_counter() - started:.1f} s ({details or 'none present'})."
                )
            )
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to add made-up projects with DJANGO_DEBUG off; "
                "pass --force if this database is a benchmark copy."
            )
        if projects < 1 or villages < 1:
            raise CommandError("--projects and --villages must be at least 1.")

        def progress(label, seconds):
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {label}: {seconds:.1f} s")

        try:
            created = scale.seed(
                projects=projects, villages=villages, today=selectors.today(), progress=progress
            )
        except scale.AlreadySeeded as error:
            raise CommandError(
                "Scale data is already present; run `manage.py seed_scale --remove` first."
            ) from error
        details = ", ".join(f"{label} {count}" for label, count in sorted(created.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {sum(created.values())} scale records in "
                f"{time.perf_counter() - started:.1f} s ({details})."
            )
        )
