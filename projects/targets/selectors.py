"""What the pages read of physical targets (实物工作量): a project's targets with what
the approved reports say was achieved, month by month and to date, beside the share of
the year elapsed; the targets a monthly report's form asks about; and the quantities a
report gives. Each reads a constant number of queries, whatever the number of
projects, targets or reports."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from ..choices import ReportStatus
from ..models import PhysicalTarget, ProgressReport, Project, ReportedQuantity
from ..querysets import elapsed_share_of_year
from ..rules import may
from ..selectors import cents

MONTHS = range(1, 13)


@dataclass(frozen=True)
class TargetFigures:
    """One target: planned for its year, achieved by month (None where no approved
    report gives a quantity), achieved to date and its share of the planned quantity."""

    target: PhysicalTarget
    by_month: tuple[Decimal | None, ...]
    achieved: Decimal
    share: Decimal | None

    @property
    def has_reports(self) -> bool:
        return any(value is not None for value in self.by_month)


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date
    quantities: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class YearTargets:
    """A year's targets of a project, with the share of that year elapsed on the day
    (the schedule pace's share of the year: 0 before it, 1 after it)."""

    year: int
    elapsed_share: float
    targets: tuple[TargetFigures, ...]

    @property
    def months(self) -> list[MonthRow]:
        """The months for which an approved report gives a quantity, one row each."""
        rows = []
        for month in MONTHS:
            quantities = tuple(figures.by_month[month - 1] for figures in self.targets)
            if any(value is not None for value in quantities):
                rows.append(MonthRow(datetime.date(self.year, month, 1), quantities))
        return rows


@dataclass(frozen=True)
class ProjectTargets:
    """The project page's section: each year's targets, newest year first, and whether
    the user may add, change and delete them."""

    years: tuple[YearTargets, ...]
    may_edit: bool


def elapsed_share(year: int, *, on: datetime.date) -> float:
    """Return the share of ``year`` elapsed by the end of day ``on``."""
    if on.year > year:
        return 1.0
    if on.year < year:
        return 0.0
    return elapsed_share_of_year(on)


def achieved_by_month(targets: QuerySet[PhysicalTarget], *, on: datetime.date) -> dict:
    """Return {(target pk, month number): quantity} of the approved reports of the
    months up to ``on`` for ``targets``: only approved reports count, as for the
    investment. One query."""
    rows = (
        ReportedQuantity.objects.filter(
            target__in=targets,
            report__status=ReportStatus.APPROVED,
            report__month__lte=on,
        )
        .values("target_id", "report__month")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return {(row["target_id"], row["report__month"].month): cents(row["total"]) for row in rows}


def target_figures(targets: QuerySet[PhysicalTarget], *, on: datetime.date) -> list:
    """Return the TargetFigures of ``targets`` on ``on``: two queries."""
    sums = achieved_by_month(targets, on=on)
    figures = []
    for target in targets:
        by_month = tuple(sums.get((target.pk, month)) for month in MONTHS)
        achieved = sum((value for value in by_month if value is not None), Decimal(0))
        figures.append(
            TargetFigures(
                target=target,
                by_month=by_month,
                achieved=achieved,
                share=target.share_achieved(achieved),
            )
        )
    return figures


def project_targets(project: Project, *, user, on: datetime.date) -> ProjectTargets:
    """Return the project page's physical targets on ``on``: every year's, newest
    first, with what the approved reports achieved."""
    figures = target_figures(
        PhysicalTarget.objects.filter(project=project).order_by("-year", "position", "pk"), on=on
    )
    years: dict[int, list[TargetFigures]] = {}
    for item in figures:
        years.setdefault(item.target.year, []).append(item)
    return ProjectTargets(
        years=tuple(
            YearTargets(year=year, elapsed_share=elapsed_share(year, on=on), targets=tuple(items))
            for year, items in years.items()
        ),
        may_edit=may(user, "projects.change_project", project),
    )


def report_form_targets(project: Project, *, years) -> list[PhysicalTarget]:
    """Return the targets of ``project`` for ``years`` that a monthly report's form
    asks about, in their order."""
    return list(
        PhysicalTarget.objects.filter(project=project, year__in=set(years)).order_by(
            "year", "position", "pk"
        )
    )


def report_quantities(report: ProgressReport) -> list[ReportedQuantity]:
    """Return the quantities a report gives, with their targets, in the targets' order."""
    return list(
        ReportedQuantity.objects.filter(report=report)
        .select_related("target")
        .order_by("target__position", "target_id")
    )
