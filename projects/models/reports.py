"""Monthly progress reports (月报) and their site photos."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shanwang.formatting import amount, percent_of_hundred
from shanwang.models import BoundedTextField, TimeStampedModel
from shanwang.photos import process_photo
from shanwang.validators import PhotoValidator

from ..choices import ReportStatus
from ..querysets import ReportQuerySet
from .portfolio import ZERO, AnnualPlan, Project


class ProgressReport(TimeStampedModel):
    """A monthly progress report (月报) submitted by a project's contact person."""

    Status = ReportStatus

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("project"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the reported month."))
    physical_progress = models.DecimalField(
        _("physical progress (%)"), max_digits=5, decimal_places=2
    )
    investment_completed = models.DecimalField(
        _("investment completed this month (10k yuan)"), max_digits=14, decimal_places=2
    )
    narrative = BoundedTextField(_("progress narrative"), max_length=5000, blank=True)
    problems = BoundedTextField(_("problems"), max_length=5000, blank=True)
    deviation_explanation = BoundedTextField(
        _("explanation of the figures"),
        max_length=2000,
        blank=True,
        help_text=_(
            "Needed before submitting when the physical progress falls below the last "
            "approved report or the month's investment exceeds what remains of the "
            "annual plan."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submitted_reports",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_reports",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = BoundedTextField(_("review comment"), max_length=2000, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    # The idempotency key of the form (or the phone's offline outbox) that created the
    # report: sending the same report twice finds it instead of making a second one.
    client_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    history = HistoricalRecords(verbose_name=_("historical progress report"))

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-month", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"],
                name="progress_report_unique_month",
                violation_error_message=_("This project already has a report for that month."),
            ),
            models.CheckConstraint(
                condition=Q(physical_progress__gte=ZERO) & Q(physical_progress__lte=Decimal(100)),
                name="progress_report_progress_0_100",
                violation_error_message=_("Physical progress must be between 0 and 100%%."),
            ),
            models.CheckConstraint(
                condition=Q(investment_completed__gte=ZERO),
                name="progress_report_investment_not_negative",
                violation_error_message=_("The investment completed cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="progress_report_month_first_day",
                violation_error_message=_("The month must be given as its first day."),
            ),
        ]
        indexes = [
            # Each project's approved investment, summed from the index alone.
            models.Index(
                fields=["project", "status", "month"],
                include=["investment_completed"],
                name="report_project_status_idx",
            ),
            # The town's approved investment of a year; reports waiting for review.
            models.Index(
                fields=["status", "month"],
                include=["investment_completed", "project"],
                name="report_status_month_idx",
            ),
            models.Index(
                fields=["status", "submitted_at", "id"], name="report_status_submitted_idx"
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.month:%Y-%m}"

    def problem_lines(self) -> list[str]:
        """Return the problems the report names, one per non-empty line (list marks such as
        "1." or "、" kept as written): each can become an item of the problem ledger."""
        return [line.strip() for line in self.problems.splitlines() if line.strip()]

    def deviations(self) -> list[str]:
        """What in the report's figures needs explaining before it is submitted (and what
        the reviewer is warned of): physical progress below the last approved report, or
        the month's investment beyond what remains of the year's plan. Two queries."""
        if self.project_id is None or self.month is None:
            return []
        found = []
        approved = ProgressReport.objects.filter(
            project_id=self.project_id, status=ReportStatus.APPROVED
        ).exclude(pk=self.pk)
        last = approved.filter(month__lt=self.month).order_by("-month").first()
        if (
            last is not None
            and self.physical_progress is not None
            and self.physical_progress < last.physical_progress
        ):
            found.append(
                _(
                    "The physical progress %(now)s is below the %(before)s of the last "
                    "approved report (%(month)s)."
                )
                % {
                    "now": percent_of_hundred(self.physical_progress),
                    "before": percent_of_hundred(last.physical_progress),
                    "month": date_format(last.month, "YEAR_MONTH_FORMAT"),
                }
            )
        plan = (
            AnnualPlan.objects.filter(project_id=self.project_id, year=self.month.year)
            .annotate(
                approved=Sum(
                    "project__progress_reports__investment_completed",
                    filter=Q(
                        project__progress_reports__status=ReportStatus.APPROVED,
                        project__progress_reports__month__year=self.month.year,
                    )
                    & ~Q(project__progress_reports__pk=self.pk),
                )
            )
            .first()
        )
        if plan is not None and plan.planned_investment is not None and self.investment_completed:
            # str(): SQLite sums decimals as floats.
            remaining = max(plan.planned_investment - Decimal(str(plan.approved or 0)), ZERO)
            if self.investment_completed > remaining:
                found.append(
                    _(
                        "The month's investment of %(amount)s exceeds what remains of the "
                        "%(year)s annual plan (%(remaining)s)."
                    )
                    % {
                        "amount": amount(self.investment_completed),
                        "year": self.month.year,
                        "remaining": amount(remaining),
                    }
                )
        return found


class ReportPhoto(TimeStampedModel):
    """A site photo attached to a progress report."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("progress report"),
    )
    # What is served: a copy without metadata, with a strip naming the project, the month
    # and the capture time. The file as uploaded (with its EXIF) is kept for
    # administrators only.
    image = models.ImageField(_("image"), upload_to="reports/%Y/%m/", validators=[PhotoValidator()])
    original = models.FileField(
        _("original file"), upload_to="originals/%Y/%m/", blank=True, editable=False
    )
    # What lists of photos show (a report's page, a draft on the form): a small copy, so
    # that a page of ten photos costs a phone hundreds of KB, not megabytes.
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="reports/thumbnails/%Y/%m/", blank=True, editable=False
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    # Read from the photo's EXIF by the server, never typed in: the photo as evidence.
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # A 64-bit perceptual hash (hex) of the picture: the same picture used again, even
    # re-encoded or resized, has the same hash.
    perceptual_hash = models.CharField(
        _("perceptual hash"), max_length=16, blank=True, db_index=True, editable=False
    )
    client_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_photos",
        verbose_name=_("uploaded by"),
    )
    history = HistoricalRecords(verbose_name=_("historical report photo"))

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["report", "pk"]

    def __str__(self):
        return self.caption or self.image.name

    def save(self, *args, **kwargs):
        # Every path that stores a new photo (the report form, the admin and its inline,
        # imports) keeps the file as uploaded in ``original`` and serves a copy of the
        # picture alone with its caption strip, named by its format: no GPS position or
        # other EXIF, no bytes after the image, no extension the user chose; the capture
        # time, position and hash are read from the upload (shanwang/photos.py).
        if self.image and not self.image._committed:
            report = self.report
            processed = process_photo(
                self.image, project_name=report.project.name, month=report.month
            )
            self.original = processed.original
            self.image = processed.served
            self.thumbnail = processed.thumbnail
            self.taken_at = processed.taken_at
            self.latitude = processed.latitude
            self.longitude = processed.longitude
            self.perceptual_hash = processed.perceptual_hash
        super().save(*args, **kwargs)

    @property
    def thumbnail_url(self) -> str:
        """Return the address of the small copy (the served copy for photos stored before
        thumbnails were made)."""
        return (self.thumbnail or self.image).url

    @property
    def located(self) -> bool:
        """Whether the photo says where it was taken."""
        return self.latitude is not None and self.longitude is not None


class StagedUpload(models.Model):
    """A file chosen on a report form whose submission did not validate: kept on the
    server under the form's key, so that nothing the user chose is lost, until the form
    is saved (it then becomes a photo or a document of the report) or it expires."""

    key = models.UUIDField(_("form key"), db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staged_uploads",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), upload_to="staged/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staged upload")
        verbose_name_plural = _("staged uploads")
        ordering = ["key", "pk"]

    def __str__(self):
        return self.name or self.file.name
