"""The monthly briefing (项目调度月报): the portfolio's figures for one month, read from the
database, and the summary sentences that open it.

Every figure is an SQL aggregate or annotation from querysets.py and selectors.py, so the
briefing costs the same number of queries at 10 projects as at 10,000. The month is
measured as of its last day (or today, for the month under way), as the portfolio stood
then (ProjectQuerySet.as_of): projects created later are left out; stages, lights and the
pace ranking use each project's stage on that day, from its stage history; a milestone is
overdue when it was not completed by then; the missing reports are those of the month due
on that day (selectors.report_month_due) not filed by then. Only reports of months up to
then count, so a past month's briefing reads the same on any later day; the one thing a
later day adds is the approval of a report of the month, whose investment then counts.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shanwang import formatting
from shanwang.formatting import amount_in_sentence
from shanwang.models import FIRST_YEAR
from villages import selectors as village_selectors
from villages.models import CollectiveIncome

from .. import selectors
from ..approvals import briefing as approvals_briefing
from ..baselines import briefing as baselines_briefing
from ..funds import briefing as funds_briefing
from ..models import Milestone, ProgressReport, Project, TrafficLightThresholds
from ..querysets import Light
from ..selectors import ZERO, cents
from ..supervision import ranking as assessment

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def first_of_next_month(day: datetime.date) -> datetime.date:
    """Return the first day of the month after ``day``'s."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def previous_month(on: datetime.date) -> datetime.date:
    """Return the first day of the month before ``on``'s."""
    return (on.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def parse_month(text: str | None, *, today: datetime.date) -> datetime.date:
    """Return the first day of the month ``text`` names (YYYY-MM); the previous month when
    it is empty. Raise ValidationError with a message for the user otherwise."""
    if not text:
        return previous_month(today)
    match = MONTH_PATTERN.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < FIRST_YEAR:
        raise ValidationError(
            _(
                # Translators: 请按“年-月”填写月份，例如%(example)s。
                "Give the month as year and month, for example %(example)s."
            )
            % {"example": f"{previous_month(today):%Y-%m}"},
            code="invalid",
        )
    month = datetime.date(int(match[1]), int(match[2]), 1)
    if month > today:
        raise ValidationError(
            _(
                # Translators: %(month)s尚未开始，还没有该月的月报。
                "There is no briefing yet for %(month)s: the month has not begun."
            )
            % {"month": text.strip()},
            code="future",
        )
    return month


def briefing_url(month: datetime.date) -> str:
    """Return the path of the briefing page of ``month``."""
    return f"{reverse('projects:briefing')}?month={month:%Y-%m}"


@dataclass(frozen=True)
class StageTotals:
    """The number of projects of a stage (or of all) and their investment, in 万元.
    ``total_investment`` sums the ``with_total_investment`` projects that record one:
    fewer than ``count``, it is a partial sum, and the briefing says so."""

    label: str
    count: int
    total_investment: Decimal | None
    year_planned: Decimal | None
    year_completed: Decimal
    cumulative: Decimal
    stage: str | None = None
    with_total_investment: int = 0

    @property
    def total_investment_is_partial(self) -> bool:
        return 0 < self.with_total_investment < self.count


@dataclass
class Briefing:
    """The monthly briefing of ``month`` (its first day), as of ``as_of``."""

    month: datetime.date
    as_of: datetime.date
    stages: list[StageTotals]
    totals: StageTotals
    month_completed: Decimal
    pace: dict
    registered: dict
    registered_projects: list[Project]
    light_counts: dict
    pace_ranking: list[Project]
    red_and_yellow: list[Project]
    milestones_next_month: list[Milestone]
    missing_reports: list[Project]
    #: The month whose missing reports are listed: the month due on ``as_of``.
    reports_month: datetime.date
    town_income: list[dict]
    village_incomes: list[CollectiveIncome]
    income_year: int | None
    #: The units' ranking of the month (考核), once the month is over; None before.
    ranking: assessment.Ranking | None = None
    #: 前期手续: the approvals section (projects/approvals/briefing.py).
    approvals: object = None
    #: 资金: the money section (projects/funds/briefing.py).
    funds: object = None
    #: The annual plan: original, adjusted and actual (projects/baselines/briefing.py).
    baselines: object = None

    @property
    def year(self) -> int:
        return self.month.year

    @property
    def next_month(self) -> datetime.date:
        return first_of_next_month(self.month)

    def stage_count(self, *stages) -> int:
        return sum(row.count for row in self.stages if row.stage in stages)

    def summary(self) -> list[str]:
        """Return the sentences that open the briefing, in the active language."""
        sentences = [
            self._headline(),
            self._pace_sentence(),
            self._portfolio_sentence(),
            self._registered_sentence(),
            self._lights_sentence(),
            self._milestones_sentence(),
            self._reports_sentence(),
        ]
        income = self._income_sentence()
        if income:
            sentences.append(income)
        return sentences

    # The Chinese the sentences are written for sits next to each one ("Translators:"),
    # in the style of the town's work report.

    def _headline(self) -> str:
        return _(
            # Translators: 本月在建项目%(under_construction)d个，本年累计完成投资%(year_to_date)s，
            # 其中本月完成%(this_month)s。
            "This month %(under_construction)d projects are under construction; investment "
            "completed this year comes to %(year_to_date)s, %(this_month)s of it this month."
        ) % {
            "under_construction": self.stage_count(Project.Stage.UNDER_CONSTRUCTION),
            "year_to_date": amount_in_sentence(self.totals.year_completed),
            "this_month": amount_in_sentence(self.month_completed),
        }

    def _pace_sentence(self) -> str:
        pace = self.pace
        if pace["completed_share"] is None:
            return _(
                # Translators: %(year)d年尚未录入年度计划投资，暂无法计算序时进度。
                "No annual plan with a planned investment is recorded for %(year)d, so the "
                "schedule pace cannot be measured."
            ) % {"year": self.year}
        figures = {
            "planned": amount_in_sentence(pace["planned"]),
            "completed": amount_in_sentence(pace["completed"]),
            # The sentences write the percent sign themselves.
            "completed_share": formatting.points(pace["completed_share"] * 100),
            "elapsed_share": formatting.points(pace["elapsed_share"] * 100),
            "points": formatting.points(abs(pace["gap_points"])),
        }
        if pace["gap_points"] >= 0:
            sentence = _(
                # Translators: 年度计划投资%(planned)s，已完成%(completed)s，
                # 完成率%(completed_share)s%%，序时进度%(elapsed_share)s%%，
                # 超序时进度%(points)s个百分点。
                "Of the year's planned investment of %(planned)s, %(completed)s is done: "
                "%(completed_share)s%% of the plan against a schedule pace of "
                "%(elapsed_share)s%%, %(points)s points ahead."
            )
        else:
            sentence = _(
                # Translators: 年度计划投资%(planned)s，已完成%(completed)s，
                # 完成率%(completed_share)s%%，序时进度%(elapsed_share)s%%，
                # 落后序时进度%(points)s个百分点。
                "Of the year's planned investment of %(planned)s, %(completed)s is done: "
                "%(completed_share)s%% of the plan against a schedule pace of "
                "%(elapsed_share)s%%, %(points)s points behind."
            )
        return sentence % figures

    def _portfolio_sentence(self) -> str:
        Stage = Project.Stage
        return _(
            # Translators: 截至%(date)s，全镇调度项目%(total)d个，其中在建%(under_construction)d个、
            # 前期%(preliminary)d个、谋划储备%(planning)d个、竣工投用%(finished)d个。
            "By %(date)s the town follows %(total)d projects: %(under_construction)d under "
            "construction, %(preliminary)d in preliminary work, %(planning)d in the planning "
            "reserve and %(finished)d completed or in operation."
        ) % {
            "date": date_format(self.as_of, "DATE_FORMAT"),
            "total": self.totals.count,
            "under_construction": self.stage_count(Stage.UNDER_CONSTRUCTION),
            "preliminary": self.stage_count(Stage.PRELIMINARY),
            "planning": self.stage_count(Stage.PLANNING),
            "finished": self.stage_count(Stage.COMPLETED, Stage.IN_OPERATION),
        }

    def _registered_sentence(self) -> str:
        if self.registered["reported"] is not None:
            return reported_registration_sentence(self.registered["reported"])
        count = self.registered["count"]
        if not count:
            return _(
                # Translators: 暂无入库纳统项目。
                "No project is recorded as statistics-registered."
            )
        figures = {
            "count": count,
            "investment": amount_in_sentence(self.registered["total_investment"]),
            "completed": amount_in_sentence(self.registered["year_completed"]),
            "known": self.registered["with_total_investment"],
        }
        if 0 < figures["known"] < count:
            return (
                ngettext(
                    # Translators: 入库纳统项目%(count)d个，其中已填报总投资的%(known)d个项目
                    # 合计%(investment)s，本年完成投资%(completed)s。
                    "%(count)d project is statistics-registered; the %(known)d of them that "
                    "record their total investment come to %(investment)s; %(completed)s of "
                    "their investment was completed this year.",
                    "%(count)d projects are statistics-registered; the %(known)d of them that "
                    "record their total investment come to %(investment)s; %(completed)s of "
                    "their investment was completed this year.",
                    count,
                )
                % figures
            )
        if self.registered["total_investment"] is None:
            return ngettext(
                # Translators: 入库纳统项目%(count)d个，本年完成投资%(completed)s。
                "%(count)d project is statistics-registered; %(completed)s of its investment "
                "was completed this year.",
                "%(count)d projects are statistics-registered; %(completed)s of their "
                "investment was completed this year.",
                count,
            ) % {key: figures[key] for key in ("count", "completed")}
        return (
            ngettext(
                # Translators: 入库纳统项目%(count)d个，项目总投资%(investment)s，
                # 本年完成投资%(completed)s。
                "%(count)d project is statistics-registered, with a total investment of "
                "%(investment)s; %(completed)s of it was completed this year.",
                "%(count)d projects are statistics-registered, with a total investment of "
                "%(investment)s; %(completed)s of it was completed this year.",
                count,
            )
            % figures
        )

    def _lights_sentence(self) -> str:
        counts = {light: self.light_counts.get(light, 0) for light in Light.values}
        if counts[Light.RED] + counts[Light.YELLOW] == 0:
            return _(
                # Translators: 无红灯、黄灯项目，绿灯项目%(green)d个。
                "No project has a red or yellow light; green lights: %(green)d."
            ) % {"green": counts[Light.GREEN]}
        return _(
            # Translators: 红灯项目%(red)d个、黄灯项目%(yellow)d个，需重点调度；
            # 绿灯项目%(green)d个。
            "%(red)d red-light and %(yellow)d yellow-light projects need close follow-up; "
            "green lights: %(green)d."
        ) % {light: counts[light] for light in (Light.RED, Light.YELLOW, Light.GREEN)}

    def _milestones_sentence(self) -> str:
        count = len(self.milestones_next_month)
        month = date_format(self.next_month, "YEAR_MONTH_FORMAT")
        if not count:
            return _(
                # Translators: %(month)s无到期节点。
                "No milestone is due in %(month)s."
            ) % {"month": month}
        return ngettext(
            # Translators: %(month)s到期节点%(count)d个，请责任单位提前谋划、按期完成。
            "%(count)d milestone is due in %(month)s; the responsible units should prepare "
            "to meet it on time.",
            "%(count)d milestones are due in %(month)s; the responsible units should prepare "
            "to meet them on time.",
            count,
        ) % {"count": count, "month": month}

    def _reports_sentence(self) -> str:
        count = len(self.missing_reports)
        month = date_format(self.reports_month, "YEAR_MONTH_FORMAT")
        if not count:
            return _(
                # Translators: 在建项目%(month)s月报已全部报送。
                "Every project under construction has filed its report for %(month)s."
            ) % {"month": month}
        return ngettext(
            # Translators: %(count)d个在建项目未报送%(month)s月报。
            "%(count)d project under construction has not filed its report for %(month)s.",
            "%(count)d projects under construction have not filed their reports for %(month)s.",
            count,
        ) % {"count": count, "month": month}

    def _income_sentence(self) -> str | None:
        if not self.town_income:
            return None
        latest = self.town_income[-1]
        growth = latest["growth"]
        figures = {"year": latest["year"], "amount": amount_in_sentence(latest["amount"])}
        if growth is None:
            return (
                _(
                    # Translators: %(year)d年全镇村级集体经济收入%(amount)s。
                    "In %(year)d the villages' collective income came to %(amount)s."
                )
                % figures
            )
        figures["growth"] = formatting.points(abs(growth))
        if growth >= 0:
            sentence = _(
                # Translators: %(year)d年全镇村级集体经济收入%(amount)s，同比增长%(growth)s%%。
                "In %(year)d the villages' collective income came to %(amount)s, up "
                "%(growth)s%% on the year before."
            )
        else:
            sentence = _(
                # Translators: %(year)d年全镇村级集体经济收入%(amount)s，同比下降%(growth)s%%。
                "In %(year)d the villages' collective income came to %(amount)s, down "
                "%(growth)s%% on the year before."
            )
        return sentence % figures


def reported_registration_sentence(reported: dict) -> str:
    """Return the work report's statistics registration as a sentence, with the
    document it comes from and how many projects are marked registered one by one
    (``reported`` as selectors.reported_statistics_registration gives it)."""
    figures = {
        "year": reported["year"],
        "count": reported["count"],
        "investment": amount_in_sentence(reported["total_investment"]),
        "recorded": reported["recorded"],
        "source": reported["document"]
        or _(
            # Translators: 镇政府工作报告
            "the town's work report"
        ),
    }
    if reported["total_investment"] is None:
        if reported["recorded"]:
            sentence = _(
                # Translators: 据%(source)s，%(year)d年全镇入库纳统项目%(count)d个；
                # 已逐项登记%(recorded)d个。
                "Statistics-registered projects in %(year)d: %(count)d, according to "
                "%(source)s; %(recorded)d of them are marked one by one so far."
            )
        else:
            sentence = _(
                # Translators: 据%(source)s，%(year)d年全镇入库纳统项目%(count)d个；
                # 尚未逐项登记到项目。
                "Statistics-registered projects in %(year)d: %(count)d, according to "
                "%(source)s; the projects are not yet marked one by one."
            )
    elif reported["recorded"]:
        sentence = _(
            # Translators: 据%(source)s，%(year)d年全镇入库纳统项目%(count)d个，
            # 项目总投资%(investment)s；已逐项登记%(recorded)d个。
            "Statistics-registered projects in %(year)d: %(count)d, with a total "
            "investment of %(investment)s, according to %(source)s; %(recorded)d of them "
            "are marked one by one so far."
        )
    else:
        sentence = _(
            # Translators: 据%(source)s，%(year)d年全镇入库纳统项目%(count)d个，
            # 项目总投资%(investment)s；尚未逐项登记到项目。
            "Statistics-registered projects in %(year)d: %(count)d, with a total "
            "investment of %(investment)s, according to %(source)s; the projects are not "
            "yet marked one by one."
        )
    return sentence % figures


def monthly_briefing(*, month: datetime.date, today: datetime.date | None = None) -> Briefing:
    """Return the briefing of ``month`` (any day of it) from the database.

    ``as_of`` is the month's last day, or ``today`` while the month is under way; the
    portfolio is taken as it stood at its end (see the module's docstring). The investment
    sums count approved reports of months up to ``as_of``; the pace is the portfolio's:
    Σ completed this year / Σ planned this year over the projects with a plan above zero,
    against the share of the year elapsed by ``as_of``.
    """
    today = today or selectors.today()
    month = month.replace(day=1)
    next_month = first_of_next_month(month)
    as_of = min(next_month - datetime.timedelta(days=1), today)
    year = month.year
    thresholds = TrafficLightThresholds.current()
    reports_month = selectors.report_month_due(as_of)

    portfolio = Project.objects.as_of(as_of)
    invested = portfolio.with_investment(year=year, through=as_of)
    stages, totals = _stage_totals(invested)
    registered = invested.filter(statistics_registered=True)
    registered_summary = selectors.statistics_registered_summary(on=as_of) | registered.aggregate(
        year_completed=Sum("year_completed_investment"), cumulative=Sum("cumulative_investment")
    )

    lit = portfolio.with_traffic_light(on=as_of, thresholds=thresholds).select_related(
        "contact_person", "supervising_leader", "responsible_unit"
    )
    latest_problems = (
        ProgressReport.objects.filed(on=as_of)
        .filter(project=OuterRef("pk"), month__lte=month)
        .exclude(problems="")
        .order_by("-month")
    )
    town_income = [row for row in selectors.town_collective_income() if row["year"] <= year]
    village_incomes = [row for row in village_selectors.incomes_with_growth() if row.year <= year]
    income_year = max((row.year for row in village_incomes), default=None)
    briefing = Briefing(
        month=month,
        as_of=as_of,
        stages=stages,
        totals=totals,
        month_completed=cents(
            ProgressReport.objects.filter(
                month=month,
                status=ProgressReport.Status.APPROVED,
                project__in=Project.objects.existing_on(as_of),
            ).aggregate(total=Sum("investment_completed"))["total"]
            or ZERO
        ),
        pace=selectors.portfolio_pace(on=as_of),
        registered={
            "count": registered_summary["count"],
            "with_total_investment": registered_summary["with_total_investment"],
            "reported": registered_summary["reported"],
            "total_investment": registered_summary["total_investment"],
            "year_completed": cents(registered_summary["year_completed"] or ZERO),
            "cumulative": cents(registered_summary["cumulative"] or ZERO),
        },
        registered_projects=_stages_then(registered.order_by("-total_investment", "name")),
        light_counts={
            row["light"].value: row["count"]
            for row in selectors.light_counts(on=as_of, projects=portfolio)
        },
        pace_ranking=_stages_then(
            lit.filter(
                stage_as_of__in=Project.ACTIVE_STAGES, pace_gap_points__isnull=False
            ).order_by("-pace_gap_points", "name")
        ),
        red_and_yellow=_stages_then(
            lit.filter(light__in=[Light.RED, Light.YELLOW])
            .annotate(
                # Not "problems": the name of the project's problem ledger (Problem.project).
                report_problems=Subquery(latest_problems.values("problems")[:1]),
                report_problems_month=Subquery(latest_problems.values("month")[:1]),
            )
            # "red" sorts before "yellow"; the furthest behind first within each.
            .order_by("light", "pace_gap_points", "name")
        ),
        milestones_next_month=list(
            Milestone.objects.filter(
                due_date__gte=next_month,
                due_date__lt=first_of_next_month(next_month),
                project__in=Project.objects.existing_on(as_of),
            )
            .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=as_of))
            .select_related("project__contact_person", "project__responsible_unit", "owner")
            .order_by("due_date", "project__name", "pk")
        ),
        missing_reports=_stages_then(
            selectors.projects_missing_report(reports_month, on=as_of)
            .select_related("contact_person", "responsible_unit")
            .order_by("name")
        ),
        reports_month=reports_month,
        town_income=[_town_income_row(row) for row in town_income],
        village_incomes=[row for row in village_incomes if row.year == income_year],
        income_year=income_year,
        ranking=(
            assessment.unit_ranking(month=month) if assessment.is_over(month, today=today) else None
        ),
        approvals=approvals_briefing.section(month=month, as_of=as_of),
        funds=funds_briefing.section(month=month, as_of=as_of),
        baselines=baselines_briefing.section(month=month, as_of=as_of),
    )
    for rank, project in enumerate(briefing.pace_ranking, start=1):
        project.pace_rank = rank
    return briefing


def _stages_then(projects) -> list[Project]:
    """Return the rows of an as_of() queryset, each showing its stage as of then: the page,
    the PDF and the workbook all read ``stage`` (get_stage_display)."""
    rows = list(projects)
    for project in rows:
        project.stage = project.stage_as_of
    return rows


def _stage_totals(invested) -> tuple[list[StageTotals], StageTotals]:
    rows = {
        row["stage_as_of"]: row
        for row in invested.order_by()
        .values("stage_as_of")
        .annotate(
            count=Count("pk"),
            with_total_investment=Count("total_investment"),
            total_investment=Sum("total_investment"),
            year_planned=Sum("year_planned_investment"),
            year_completed=Sum("year_completed_investment"),
            cumulative=Sum("cumulative_investment"),
        )
    }
    stages = []
    for stage in Project.Stage:
        row = rows.get(stage.value, {})
        stages.append(
            StageTotals(
                stage=stage.value,
                label=stage.label,
                count=row.get("count", 0),
                with_total_investment=row.get("with_total_investment", 0),
                # Unknown when no project of the stage records it; the sums of reports
                # are zero when there is none.
                total_investment=cents(row.get("total_investment")),
                year_planned=cents(row.get("year_planned")),
                year_completed=cents(row.get("year_completed") or ZERO),
                cumulative=cents(row.get("cumulative") or ZERO),
            )
        )
    # Seven rows, one per stage: their sum is the town's total.
    totals = StageTotals(
        label=_("Total"),
        count=sum(row.count for row in stages),
        with_total_investment=sum(row.with_total_investment for row in stages),
        **{
            name: _sum_of_known(getattr(row, name) for row in stages)
            for name in ("total_investment", "year_planned", "year_completed", "cumulative")
        },
    )
    return stages, totals


def _sum_of_known(amounts) -> Decimal | None:
    known = [amount for amount in amounts if amount is not None]
    return sum(known, ZERO) if known else None


def _town_income_row(row: dict) -> dict:
    return {
        "year": row["year"],
        "amount": row["amount"].value,
        "growth": row["growth"].value if row["growth"] else None,
    }
