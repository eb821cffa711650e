"""What the import commands share: read a file, print every problem, exit non-zero on a
rejected file."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class ImportCommand(BaseCommand):
    #: ``run(path, user=..., dry_run=...)`` returning an ImportReport.
    run = None

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx workbook or a CSV file (UTF-8 or GBK)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--user", help="account name recorded as the one who imported (history, audit)"
        )

    def handle(self, *args, file, dry_run, user, **options):
        acting_user = None
        if user:
            try:
                acting_user = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("Unknown user account “%(user)s”.") % {"user": user}) from None
        try:
            report = type(self).run(file, user=acting_user, dry_run=dry_run)
        except OSError as error:
            raise CommandError(str(error)) from None
        if not report.accepted:
            for message in report.errors:
                self.stderr.write(message)
            raise CommandError(
                _("%(file)s rejected: %(count)d problem(s); nothing was imported.")
                % {"file": report.file_name, "count": len(report.errors)}
            )
        self.stdout.write(report.summary())
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        else:
            self.stdout.write(
                _("Imported: %(rows)d row(s) added or changed.") % {"rows": report.rows_written}
            )
