from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects import selectors
from projects.seeding import demo


class Command(BaseCommand):
    help = "Add (or with --remove, take away) clearly marked demo accounts and progress data."

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="Delete every demo record.")
        parser.add_argument(
            "--force", action="store_true", help="Allow demo accounts with DJANGO_DEBUG off."
        )

    def handle(self, *args, remove, force, **options):
        if remove:
            removed = demo.remove()
            self.stdout.write(self.style.SUCCESS(f"Removed demo records: {dict(removed)}."))
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo accounts with a known password in production "
                "(DJANGO_DEBUG is off); pass --force if you really mean it."
            )
        created = demo.seed(today=selectors.today())
        self.stdout.write(f"Demo records created: {dict(created) or 'none (already present)'}.")
        self.stdout.write(f"Demo log-ins (password for all: {demo.DEMO_PASSWORD}):")
        for username, _name, role, _superuser in demo.DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role.value} ({role.label})")
