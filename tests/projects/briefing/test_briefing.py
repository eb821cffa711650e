"""The monthly briefing (月报): its figures against direct queries, its sentences, its
workbook, its page and who may read it, and its email on the 2nd working day (the PDF is
in test_pdf.py)."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects import selectors, tasks
from projects.alerts import delivery, ledger
from projects.briefing import figures as briefing
from projects.briefing.xlsx import XLSX_TYPE, briefing_workbook
from projects.models import (
    AnnualPlan,
    Indicator,
    IndicatorValue,
    Notification,
    NotificationSettings,
    ProgressReport,
    Project,
    Reminder,
)
from projects.querysets import Light, elapsed_share_of_year
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import (
    AnnualPlanFactory,
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    UserFactory,
    VillageFactory,
    bulk_portfolio,
    created_on,
)
from villages.models import CollectiveIncome

pytestmark = pytest.mark.django_db
D = datetime.date
MAY = D(2024, 5, 1)
MAY_END = D(2024, 5, 31)
APPROVED = ProgressReport.Status.APPROVED
Stage = Project.Stage


def report(project, month, amount, status=APPROVED, problems=""):
    return ProgressReportFactory(
        project=project,
        month=month,
        investment_completed=Decimal(amount),
        status=status,
        problems=problems,
    )


@pytest.fixture
def town():
    """A small portfolio around May 2024, with reports before, in and after the month."""
    red = ProjectFactory(name="红灯项目")
    AnnualPlanFactory(project=red, year=2024, planned_investment=Decimal("1000"))
    report(red, D(2024, 1, 1), "50")
    report(red, D(2024, 3, 1), "50")
    # Submitted, not yet approved: its problems count, its money not yet.
    report(red, MAY, "200", ProgressReport.Status.SUBMITTED, problems="征地拆迁未完成")
    report(red, D(2024, 6, 1), "500")  # after the briefed month: not counted
    MilestoneFactory(project=red, title="六月节点", due_date=D(2024, 6, 10))
    MilestoneFactory(project=red, title="七月节点", due_date=D(2024, 7, 1))

    yellow = ProjectFactory(name="黄灯项目")
    AnnualPlanFactory(project=yellow, year=2024, planned_investment=Decimal("1000"))
    report(yellow, D(2024, 2, 1), "300")
    report(yellow, D(2024, 4, 1), "0", problems="资金未到位")  # no report for May
    MilestoneFactory(
        project=yellow, title="六月已完成节点", due_date=D(2024, 6, 20), completed_on=D(2024, 6, 2)
    )
    MilestoneFactory(
        project=yellow, title="提前完成节点", due_date=D(2024, 6, 15), completed_on=D(2024, 5, 25)
    )

    green = ProjectFactory(
        name="绿灯项目",
        stage=Stage.PRELIMINARY,
        statistics_registered=True,
        statistics_registered_year=2023,
        total_investment=Decimal("12000"),
    )
    AnnualPlanFactory(project=green, year=2024, planned_investment=Decimal("500"))
    report(green, D(2023, 11, 1), "1000")
    report(green, MAY, "250")

    overdue = ProjectFactory(name="节点逾期项目")
    MilestoneFactory(project=overdue, title="五月节点", due_date=D(2024, 5, 20))
    report(overdue, MAY, "30")

    draft_only = ProjectFactory(name="草稿项目")
    report(draft_only, MAY, "999", ProgressReport.Status.DRAFT)

    ProjectFactory(
        name="谋划入库项目",
        stage=Stage.PLANNING,
        statistics_registered=True,
        statistics_registered_year=2024,
        total_investment=Decimal("3000"),
    )
    completed = ProjectFactory(
        name="竣工项目", stage=Stage.COMPLETED, total_investment=Decimal("800")
    )
    report(completed, D(2024, 1, 1), "120")
    report(completed, D(2024, 2, 1), "77", ProgressReport.Status.RETURNED)

    income = Indicator.objects.create(
        code="village_collective_income", name="村级集体经济收入", unit="万元", kind="absolute"
    )
    growth = Indicator.objects.create(
        code="village_collective_income_growth", name="增速", unit="%", kind="growth"
    )
    IndicatorValue.objects.create(
        indicator=income, year=2023, value_kind="actual", value=Decimal("557.07")
    )
    IndicatorValue.objects.create(
        indicator=growth, year=2023, value_kind="actual", value=Decimal("26.3")
    )
    IndicatorValue.objects.create(
        indicator=income, year=2025, value_kind="actual", value=Decimal("700")
    )
    village = VillageFactory(name="测试村甲")
    for year, amount in ((2022, "100"), (2023, "120"), (2025, "130")):
        CollectiveIncome.objects.create(village=village, year=year, amount=Decimal(amount))
    created_on(D(2023, 1, 1))  # a briefing leaves out the projects created after its month
    for project in (red, yellow, green, overdue):
        project.refresh_from_db()  # a later save() writes the date back
    return {"red": red, "yellow": yellow, "green": green, "overdue": overdue}


def may_briefing():
    return briefing.monthly_briefing(month=MAY, today=D(2024, 11, 29))


def approved_sum(**filters) -> Decimal:
    return ProgressReport.objects.filter(status=APPROVED, **filters).aggregate(
        total=Sum("investment_completed")
    )["total"] or Decimal(0)


class TestFigures:
    def test_stage_totals_match_direct_queries(self, town):
        monthly = may_briefing()
        assert monthly.as_of == MAY_END
        in_year = {"month__gte": D(2024, 1, 1), "month__lte": MAY}
        for row in monthly.stages:
            projects = Project.objects.filter(stage=row.stage)
            assert row.count == projects.count(), row.stage
            # A figure no project records stays unknown (None), as in the database.
            assert (
                row.total_investment == projects.aggregate(total=Sum("total_investment"))["total"]
            )
            assert (
                row.year_planned
                == AnnualPlan.objects.filter(year=2024, project__stage=row.stage).aggregate(
                    total=Sum("planned_investment")
                )["total"]
            )
            assert row.year_completed == approved_sum(project__stage=row.stage, **in_year)
            assert row.cumulative == approved_sum(project__stage=row.stage, month__lte=MAY)
        assert monthly.totals.count == Project.objects.count() == 7
        assert monthly.totals.year_completed == approved_sum(**in_year) == Decimal("800.00")
        assert monthly.totals.cumulative == approved_sum(month__lte=MAY) == Decimal("1800.00")
        assert monthly.month_completed == approved_sum(month=MAY) == Decimal("280.00")

    def test_headline_sum_agrees_with_plain_sql(self, town):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT SUM(investment_completed) FROM projects_progressreport "
                "WHERE status = %s AND month >= %s AND month <= %s",
                ["approved", D(2024, 1, 1), MAY],
            )
            (total,) = cursor.fetchone()
        assert may_briefing().totals.year_completed == Decimal(str(total)).quantize(Decimal("0.01"))

    def test_portfolio_pace_counts_only_projects_with_a_plan_up_to_the_month(self, town):
        pace = may_briefing().pace
        planned_projects = AnnualPlan.objects.filter(year=2024, planned_investment__gt=0)
        planned = planned_projects.aggregate(total=Sum("planned_investment"))["total"]
        completed = approved_sum(
            project__in=planned_projects.values("project"),
            month__gte=D(2024, 1, 1),
            month__lte=MAY,
        )
        assert (pace["planned"], pace["completed"]) == (planned, completed)
        assert (planned, completed) == (Decimal("2500.00"), Decimal("650.00"))
        assert pace["elapsed_share"] == 152 / 366
        assert pace["completed_share"] == pytest.approx(0.26)
        assert pace["gap_points"] == pytest.approx((0.26 - 152 / 366) * 100)

    def test_pace_equals_the_dashboards_when_no_later_report_exists(self, town):
        ProgressReport.objects.filter(month__gt=MAY).delete()
        dashboard = selectors.portfolio_pace(on=MAY_END)
        pace = may_briefing().pace
        assert (pace["planned"], pace["completed"]) == (
            dashboard["planned"],
            dashboard["completed"],
        )

    def test_statistics_registered_projects_and_their_investment(self, town):
        monthly = may_briefing()
        registered = Project.objects.filter(statistics_registered=True)
        assert monthly.registered == {
            "count": registered.count(),
            "total_investment": registered.aggregate(total=Sum("total_investment"))["total"],
            "year_completed": approved_sum(
                project__statistics_registered=True, month__gte=D(2024, 1, 1), month__lte=MAY
            ),
            "cumulative": approved_sum(project__statistics_registered=True, month__lte=MAY),
            "with_total_investment": registered.exclude(total_investment=None).count(),
            "reported": None,  # no figure of the work report loaded
        }
        assert monthly.registered["total_investment"] == Decimal("15000.00")
        assert [project.name for project in monthly.registered_projects] == [
            "绿灯项目",
            "谋划入库项目",
        ]

    def test_lights_ranking_and_the_problems_reports_name(self, town):
        monthly = may_briefing()
        assert monthly.light_counts == {"red": 1, "yellow": 2, "green": 1, "none": 3}
        elapsed = elapsed_share_of_year(MAY_END)
        expected_gaps = {"绿灯项目": 0.5, "黄灯项目": 0.3, "红灯项目": 0.1}
        assert [(p.pace_rank, p.name) for p in monthly.pace_ranking] == [
            (1, "绿灯项目"),
            (2, "黄灯项目"),
            (3, "红灯项目"),
        ]
        for project in monthly.pace_ranking:
            assert project.pace_gap_points == pytest.approx(
                (expected_gaps[project.name] - elapsed) * 100
            )
        attention = {
            p.name: (p.light, p.report_problems, p.report_problems_month)
            for p in monthly.red_and_yellow
        }
        assert attention == {
            "红灯项目": (Light.RED, "征地拆迁未完成", MAY),
            "黄灯项目": (Light.YELLOW, "资金未到位", D(2024, 4, 1)),
            "节点逾期项目": (Light.YELLOW, None, None),
        }
        assert monthly.red_and_yellow[0].name == "红灯项目"  # red first

    def test_milestones_due_next_month_as_they_stood_at_the_months_end(self, town):
        monthly = may_briefing()
        assert [m.title for m in monthly.milestones_next_month] == ["六月节点", "六月已完成节点"]

    def test_missing_reports_are_those_not_submitted(self, town):
        names = {project.name for project in may_briefing().missing_reports}
        assert names == {"黄灯项目", "草稿项目"}

    def test_collective_income_up_to_the_briefed_year(self, town):
        monthly = may_briefing()
        assert monthly.town_income == [
            {"year": 2023, "amount": Decimal("557.07"), "growth": Decimal("26.30")}
        ]
        assert monthly.income_year == 2023
        [income] = monthly.village_incomes
        assert (income.village.name, income.amount) == ("测试村甲", Decimal("120.00"))
        assert income.growth == pytest.approx(0.2)

    def test_the_month_under_way_is_measured_up_to_today(self, town):
        monthly = briefing.monthly_briefing(month=D(2024, 6, 1), today=D(2024, 6, 12))
        assert monthly.as_of == D(2024, 6, 12)
        assert monthly.pace["elapsed_share"] == elapsed_share_of_year(D(2024, 6, 12))
        assert monthly.month_completed == Decimal("500.00")


class TestSentences:
    def test_sentences_in_the_reports_style(self, town):
        with translation.override("en"):
            sentences = may_briefing().summary()
        assert sentences[0] == (
            "This month 4 projects are under construction; investment completed this year "
            "comes to 800.00 ten thousand yuan, 280.00 ten thousand yuan of it this month."
        )
        assert sentences[1] == (
            "Of the year's planned investment of 2,500.00 ten thousand yuan, 650.00 ten "
            "thousand yuan is done: 26.0% of the plan against a schedule pace of 41.5%, "
            "15.5 points behind."
        )
        assert sentences[2] == (
            "By May 31, 2024 the town follows 7 projects: 4 under construction, 1 in "
            "preliminary work, 1 in the planning reserve and 1 completed or in operation."
        )
        assert sentences[3] == (
            "2 projects are statistics-registered, with a total investment of 1.50 hundred "
            "million yuan; 250.00 ten thousand yuan of it was completed this year."
        )
        assert sentences[4] == (
            "1 red-light and 2 yellow-light projects need close follow-up; green lights: 1."
        )
        assert sentences[5].startswith("2 milestones are due in June 2024;")
        assert sentences[6] == (
            "2 projects under construction have not filed their reports for May 2024."
        )
        assert sentences[7] == (
            "In 2023 the villages' collective income came to 557.07 ten thousand yuan, up "
            "26.3% on the year before."
        )

    def test_the_other_wordings(self):
        """Ahead of pace, nothing red or yellow, nothing due, every report filed, income
        down, and a year without a plan."""
        project = ProjectFactory(stage=Stage.PRELIMINARY)
        AnnualPlanFactory(project=project, year=2024, planned_investment=Decimal("100"))
        report(project, MAY, "90")
        income = Indicator.objects.create(
            code="village_collective_income", name="收入", unit="万元", kind="absolute"
        )
        growth = Indicator.objects.create(
            code="village_collective_income_growth", name="增速", unit="%", kind="growth"
        )
        IndicatorValue.objects.create(indicator=income, year=2024, value_kind="actual", value=50)
        IndicatorValue.objects.create(indicator=growth, year=2024, value_kind="actual", value=-4)
        created_on(D(2023, 1, 1))
        with translation.override("en"):
            sentences = may_briefing().summary()
            no_plan = briefing.monthly_briefing(month=D(2023, 5, 1), today=MAY).summary()
        assert sentences[1].endswith(
            "90.0% of the plan against a schedule pace of 41.5%, 48.5 points ahead."
        )
        assert sentences[3] == "No project is recorded as statistics-registered."
        assert sentences[4] == "No project has a red or yellow light; green lights: 1."
        assert sentences[5] == "No milestone is due in June 2024."
        assert sentences[6] == (
            "Every project under construction has filed its report for May 2024."
        )
        assert sentences[7] == (
            "In 2024 the villages' collective income came to 50.00 ten thousand yuan, down "
            "4.0% on the year before."
        )
        ProjectFactory(statistics_registered=True, stage=Stage.PLANNING)
        created_on(D(2023, 1, 1))
        with translation.override("en"):
            registered = may_briefing().summary()[3]
        assert registered == (
            "1 project is statistics-registered; 0.00 ten thousand yuan of its investment "
            "was completed this year."
        )
        assert no_plan[1] == (
            "No annual plan with a planned investment is recorded for 2023, so the schedule "
            "pace cannot be measured."
        )


class TestMonth:
    TODAY = D(2024, 1, 15)

    def test_empty_means_last_month(self):
        assert briefing.parse_month("", today=self.TODAY) == D(2023, 12, 1)
        assert briefing.parse_month(None, today=self.TODAY) == D(2023, 12, 1)
        assert briefing.parse_month(" 2023-07 ", today=self.TODAY) == D(2023, 7, 1)
        assert briefing.parse_month("2024-01", today=self.TODAY) == D(2024, 1, 1)

    @pytest.mark.parametrize("text", ["2024-13", "2024-00", "2024-1", "24-01", "一月", "1900-05"])
    def test_bad_months_are_refused_with_an_example(self, text):
        with pytest.raises(briefing.ValidationError) as refused:
            briefing.parse_month(text, today=self.TODAY)
        assert "2023-12" in refused.value.messages[0]

    def test_a_month_not_begun_is_refused(self):
        with pytest.raises(briefing.ValidationError) as refused:
            briefing.parse_month("2024-02", today=self.TODAY)
        assert refused.value.code == "future"


def cells(sheet):
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


class TestWorkbook:
    def test_numbers_dates_and_inert_text(self, town):
        town["red"].name = '=HYPERLINK("http://x","点我")'
        town["red"].save()
        report(town["overdue"], D(2024, 4, 1), "0", problems="+cmd|' /C calc'!A0")
        workbook = openpyxl.load_workbook(io.BytesIO(briefing_workbook(may_briefing())))
        assert len(workbook.worksheets) == 13  # twelve parts and the terms explained
        (
            summary,
            stages,
            registered,
            ranking,
            _units,
            _baselines,
            _approvals,
            _money,
            attention,
            milestones,
            missing,
            income,
            _terms,
        ) = workbook.worksheets
        # No formula anywhere; the formula-like texts are kept as inert text.
        texts = [cell.value for sheet in workbook.worksheets for cell in cells(sheet)]
        assert all(cell.data_type != "f" for sheet in workbook for cell in cells(sheet))
        assert '\'=HYPERLINK("http://x","点我")' in texts
        assert "'+cmd|' /C calc'!A0" in texts
        assert not any(isinstance(t, str) and t.startswith(("=", "+", "@")) for t in texts)
        # By stage: the under-construction row, amounts as numbers with two decimals.
        rows = {row[0].value: row for row in stages.iter_rows(min_row=2)}
        under_construction = rows[str(Stage.UNDER_CONSTRUCTION.label)]
        assert under_construction[1].value == 4
        assert under_construction[4].value == pytest.approx(430.0)  # 100 + 300 + 30
        assert all(cell.number_format == "#,##0.00" for cell in under_construction[3:6])
        assert under_construction[2].value is None  # no total investment recorded: empty
        total = next(stages.iter_rows(min_row=stages.max_row))
        assert total[4].value == pytest.approx(800.0)
        assert registered.cell(row=2, column=4).value == pytest.approx(12000.0)
        assert registered.cell(row=2, column=4).number_format == "#,##0.00"
        # Shares as numbers in percent format.
        assert ranking.cell(row=2, column=7).value == pytest.approx(0.5)
        assert ranking.cell(row=2, column=7).number_format == "0.0%"
        # Dates are dates.
        due = milestones.cell(row=2, column=1)
        assert due.is_date and due.value.date() == D(2024, 6, 10)
        assert milestones.cell(row=3, column=6).value.date() == D(2024, 6, 2)
        assert attention.cell(row=2, column=5).is_date
        assert summary.cell(row=2, column=2).value.date() == MAY_END
        assert {missing.cell(row=r, column=1).value for r in (2, 3)} == {"黄灯项目", "草稿项目"}
        assert income.cell(row=2, column=3).value == pytest.approx(557.07)
        assert income.cell(row=2, column=4).value == pytest.approx(0.263)


@pytest.fixture
def leader_client(client):
    client.force_login(with_role(UserFactory(username="leader"), Role.LEADER))
    return client


class TestPage:
    def test_leaders_read_it_with_every_part(self, leader_client, town):
        response = leader_client.get(reverse("projects:briefing"), {"month": "2024-05"})
        assert response.status_code == 200
        content = response.content.decode()
        for part in (
            "briefing-summary",
            "briefing-stages",
            "briefing-registered",
            "briefing-ranking",
            "briefing-attention",
            "briefing-milestones",
            "briefing-missing",
            "briefing-income",
        ):
            assert f'data-testid="{part}"' in content, part
        for text in ("征地拆迁未完成", "资金未到位", "六月节点", "草稿项目", "557.07", "12,000.00"):
            assert text in content
        assert "css/briefing-print.css" in content
        assert 'href="/briefing/xlsx/?month=2024-05"' in content

    def test_the_page_obeys_the_content_security_policy(self, leader_client, town):
        content = leader_client.get("/briefing/?month=2024-05").content.decode()
        for tag in re.findall(r"<script\b[^>]*>", content):
            assert "src=" in tag, tag
        assert not re.search(r"\sstyle=", content)
        assert not re.search(r"\son[a-z]+=", content)

    def test_default_is_last_month(self, leader_client):
        response = leader_client.get(reverse("projects:briefing"))
        assert response.context["briefing"].month == briefing.previous_month(selectors.today())

    @pytest.mark.parametrize("month", ["2024-13", "abc", "2999-01"])
    def test_a_bad_month_gets_400_and_a_message(self, leader_client, month):
        response = leader_client.get(reverse("projects:briefing"), {"month": month})
        assert response.status_code == 400
        assert 'data-testid="month-error"' in response.content.decode()
        assert "briefing" not in response.context
        assert leader_client.get("/briefing/xlsx/", {"month": month}).status_code == 400

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMINISTRATOR])
    def test_reviewers_and_administrators_read_it(self, client, role):
        client.force_login(with_role(UserFactory(username="reader"), role))
        assert client.get(reverse("projects:briefing")).status_code == 200
        assert client.get(reverse("projects:briefing_xlsx")).status_code == 200

    def test_staff_get_403_and_no_link(self, user_client):
        for name in ("projects:briefing", "projects:briefing_xlsx", "projects:briefing_pdf"):
            assert user_client.get(reverse(name)).status_code == 403
        assert (
            'href="/briefing/"'
            not in user_client.get(reverse("projects:dashboard")).content.decode()
        )

    def test_leaders_find_it_in_the_navigation(self, leader_client):
        content = leader_client.get(reverse("projects:dashboard")).content.decode()
        assert 'href="/briefing/"' in content

    def test_anonymous_users_are_sent_to_log_in(self, client):
        response = client.get(reverse("projects:briefing"))
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_workbook_download(self, leader_client, town):
        response = leader_client.get("/briefing/xlsx/?month=2024-05")
        assert response["Content-Type"] == XLSX_TYPE
        assert "2024-05.xlsx" in response["Content-Disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
        assert len(workbook.worksheets) == 13  # twelve parts and the terms explained


class TestQueryCount:
    def count(self, client, url):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            assert response.status_code == 200
        return len(captured)

    @pytest.mark.parametrize("url", ["/briefing/?month=2024-01", "/briefing/xlsx/?month=2024-01"])
    def test_constant_at_5_and_200_projects(
        self, client, admin_user, django_assert_max_num_queries, url
    ):
        client.force_login(admin_user)
        bulk_portfolio(5)
        created_on(D(2023, 1, 1))
        small = self.count(client, url)
        bulk_portfolio(195)
        created_on(D(2023, 1, 1))
        assert Project.objects.count() == 200
        with django_assert_max_num_queries(small):
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)

    def test_the_briefing_itself_costs_a_fixed_number_of_queries(self):
        bulk_portfolio(5)
        created_on(D(2023, 1, 1))
        with CaptureQueriesContext(connection) as small:
            briefing.monthly_briefing(month=D(2024, 1, 1), today=MAY)
        bulk_portfolio(195)
        created_on(D(2023, 1, 1))
        with CaptureQueriesContext(connection) as large:
            monthly = briefing.monthly_briefing(month=D(2024, 1, 1), today=MAY)
        # The units' ranking (考核) adds two: its weights and its figures.
        # The plan baselines, the approvals and the money add 10 (constant) queries.
        assert len(large) == len(small) <= 33
        assert len(monthly.missing_reports) == 0 and monthly.totals.count == 200


# The 2nd working day. November 2026: Monday the 2nd is the first working day, Tuesday
# the 3rd the second. October 2026: 1–7 October is the National Day holiday, so Thursday
# the 8th is the first working day and Friday the 9th the second.
NOVEMBER_SECOND = D(2026, 11, 3)


@pytest.fixture
def readers():
    """Two leaders and a reviewer (one leader also a reviewer), plus people who are not
    owed the briefing: an inactive leader and a staff member."""
    leader = with_role(UserFactory(username="leader", email="leader@example.com"), Role.LEADER)
    reviewer = with_role(
        UserFactory(username="reviewer", email="reviewer@example.com"), Role.REVIEWER
    )
    both = with_role(
        with_role(UserFactory(username="both", email="both@example.com"), Role.LEADER),
        Role.REVIEWER,
    )
    NotificationSettings.objects.create(user=both, digest="never")
    gone = with_role(UserFactory(username="gone", email="gone@example.com"), Role.LEADER)
    gone.is_active = False
    gone.save()
    with_role(UserFactory(username="staff", email="staff@example.com"), Role.STAFF)
    return [leader, reviewer, both]


def run_task_on(day, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(selectors, "today", lambda: day)
    with django_capture_on_commit_callbacks() as callbacks:
        result = tasks.send_monthly_briefing()
    return result, callbacks


class TestTask:
    def test_one_row_per_leader_and_reviewer_on_the_second_working_day_once(
        self, readers, monkeypatch, django_capture_on_commit_callbacks
    ):
        result, callbacks = run_task_on(
            NOVEMBER_SECOND, monkeypatch, django_capture_on_commit_callbacks
        )
        assert result["created"] == 3 and len(callbacks) == 1  # delivery queued on commit
        rows = Reminder.objects.filter(kind=Reminder.Kind.BRIEFING)
        assert sorted(rows.values_list("address", "subject", "period", "owed_on")) == sorted(
            (f"user:{user.pk}", "briefing", D(2026, 10, 1), NOVEMBER_SECOND) for user in readers
        )
        again, _ = run_task_on(NOVEMBER_SECOND, monkeypatch, django_capture_on_commit_callbacks)
        assert again["created"] == 0
        assert rows.count() == 3
        notice = Notification.objects.get(user=readers[0], kind=Reminder.Kind.BRIEFING)
        assert notice.url == "/briefing/?month=2026-10"

    @pytest.mark.parametrize(
        "day",
        [
            D(2026, 11, 1),  # Sunday
            D(2026, 11, 2),  # the first working day
            D(2026, 11, 4),  # the third
            D(2026, 11, 30),
            D(2026, 10, 2),  # National Day holiday
            D(2026, 10, 8),  # October's first working day
        ],
    )
    def test_nothing_on_other_days(
        self, readers, monkeypatch, django_capture_on_commit_callbacks, day
    ):
        run_task_on(day, monkeypatch, django_capture_on_commit_callbacks)
        assert not Reminder.objects.exists()

    def test_after_a_holiday_the_second_working_day_counts(
        self, readers, monkeypatch, django_capture_on_commit_callbacks
    ):
        result, _ = run_task_on(D(2026, 10, 9), monkeypatch, django_capture_on_commit_callbacks)
        assert result["created"] == 3
        assert set(Reminder.objects.values_list("period", flat=True)) == {D(2026, 9, 1)}

    def test_the_email_carries_the_workbook_and_the_link(self, readers, settings, town):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        result = ledger.scan(on=D(2024, 6, 4), scans=("briefing",))
        assert delivery.deliver(result["owed"]) == 3
        assert delivery.deliver(result["owed"]) == 0  # sent once
        message = next(m for m in mail.outbox if m.to == ["leader@example.com"])
        assert "2024" in message.subject and "5" in message.subject
        assert "/briefing/?month=2024-05" in message.body
        assert "800.00" in message.body  # this year's investment, from the summary
        html, kind = message.alternatives[0]
        assert kind == "text/html" and "/briefing/?month=2024-05" in html
        [(filename, content, mimetype)] = message.attachments
        assert filename.endswith("2024-05.xlsx") and mimetype == XLSX_TYPE
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        assert workbook.worksheets[1].max_row == 9  # header, seven stages, total
        assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}

    def test_send_reminders_covers_the_briefing(self, readers, settings, capsys):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        call_command("send_reminders", "--date", "2026-11-03")
        assert "Sent 3 of 3" in capsys.readouterr().out
        assert len(mail.outbox) == 3 and all(m.attachments for m in mail.outbox)
        call_command("send_reminders", "--date", "2026-11-03")
        assert len(mail.outbox) == 3
