"""我的待办: a staff member's returned reports, missing reports, drafts and coming
milestones, a reviewer's waiting reports; only their own, at a constant query cost."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from projects import selectors, services
from projects.models import Milestone, ProgressReport, Project, ResponsibleUnit
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import MilestoneFactory, ProjectFactory, UserFactory, bulk_portfolio

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 6, 16)  # before the 20th: the report of May is due
DUE_MONTH = datetime.date(2025, 5, 1)
FIGURES = {"physical_progress": Decimal("40"), "investment_completed": Decimal("50")}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: ON)


@pytest.fixture
def unit(user):
    """The staff member's unit, with one project under construction."""
    unit = ResponsibleUnit.objects.create(name="测试镇建设办", kind=ResponsibleUnit.Kind.DEPARTMENT)
    unit.members.add(user)
    return unit


@pytest.fixture
def project(unit):
    return ProjectFactory(name="我的道路项目", responsible_unit=unit)


@pytest.fixture
def reviewer():
    return with_role(
        UserFactory(username="li.shen", last_name="李", first_name="审"), Role.REVIEWER
    )


@pytest.fixture
def other_unit_work(reviewer):
    """Another unit's project with a returned report, a draft, a milestone due soon and
    its missing report: none of it is the staff member's."""
    colleague = with_role(UserFactory(username="zhao.qi"), Role.STAFF)
    unit = ResponsibleUnit.objects.create(name="别的单位", kind=ResponsibleUnit.Kind.DEPARTMENT)
    unit.members.add(colleague)
    project = ProjectFactory(name="别人的项目", responsible_unit=unit)
    returned = write_report(colleague, project, DUE_MONTH, submit=True)
    services.progress_report_transition(
        report=returned, transition="return", acting_user=reviewer, comment="别人的意见"
    )
    write_report(colleague, project, datetime.date(2025, 4, 1))
    MilestoneFactory(project=project, title="别人的节点", due_date=ON + datetime.timedelta(days=3))
    return project


def write_report(user, project, month, *, submit=False) -> ProgressReport:
    return services.progress_report_save(
        acting_user=user,
        project=project,
        fields={"month": month, **FIGURES},
        submit=submit,
    )


def work_of(user) -> selectors.MyWork:
    return selectors.my_work(user=user, on=ON)


def test_a_returned_report_stays_on_its_authors_list_until_resubmitted(
    user, project, reviewer, user_client
):
    """The reviewer's comment comes with it; the link opens the report's form."""
    report = write_report(user, project, DUE_MONTH, submit=True)
    assert work_of(user).returned["count"] == 0
    services.progress_report_transition(
        report=report, transition="return", acting_user=reviewer, comment="请补充现场照片"
    )

    returned = work_of(user).returned
    assert returned["items"] == [report]
    assert returned["items"][0].review_comment == "请补充现场照片"
    page = user_client.get(reverse("projects:dashboard")).content.decode()
    assert "请补充现场照片" in page
    assert f'href="{reverse("projects:report_edit", args=[report.pk])}"' in page

    services.progress_report_transition(report=report, transition="submit", acting_user=user)
    assert work_of(user).returned["count"] == 0
    assert "请补充现场照片" not in user_client.get(reverse("projects:dashboard")).content.decode()


def test_a_report_returned_to_its_submitter_shows_although_the_project_moved_on(
    user, project, reviewer, unit
):
    """Reports they submitted count too, even for a project no longer theirs."""
    report = write_report(user, project, DUE_MONTH, submit=True)
    services.progress_report_transition(
        report=report, transition="return", acting_user=reviewer, comment="改一下"
    )
    unit.members.remove(user)
    del user._responsible_unit_ids
    assert work_of(user).returned["items"] == [report]


def test_the_missing_report_of_the_due_month_links_to_its_form(user, project, user_client):
    """A project without its report for the due month is listed, linked to the new-report
    form for that month; once submitted it leaves the list."""
    missing = work_of(user).missing_reports
    assert (missing["items"], missing["count"], work_of(user).month) == ([project], 1, DUE_MONTH)
    page = user_client.get(reverse("projects:dashboard")).content.decode()
    assert f'href="{reverse("projects:report_add", args=[project.pk])}?month=2025-05"' in page

    write_report(user, project, DUE_MONTH, submit=True)
    assert work_of(user).missing_reports["count"] == 0


def test_a_started_draft_of_the_due_month_is_listed_once_and_opens_the_draft(user, project):
    """The missing report links to its draft; the drafts list holds the other drafts."""
    due = write_report(user, project, DUE_MONTH)
    older = write_report(user, project, datetime.date(2025, 4, 1))
    work = work_of(user)
    listed = work.missing_reports["items"]
    assert [(found.open_report_pk, found.open_report_status) for found in listed] == [
        (due.pk, ProgressReport.Status.DRAFT)
    ]
    assert work.drafts["items"] == [older]


def test_drafts_are_those_the_user_started(user, project, unit):
    """A colleague's draft of the same unit is not on the user's list of drafts."""
    colleague = with_role(UserFactory(username="sun.li"), Role.STAFF)
    unit.members.add(colleague)
    write_report(colleague, project, datetime.date(2025, 3, 1))
    assert work_of(user).drafts["count"] == 0
    assert work_of(colleague).drafts["count"] == 1


def test_milestones_due_within_14_days_and_overdue_but_not_in_20(user, project):
    soon = MilestoneFactory(project=project, title="两周内", due_date=ON + datetime.timedelta(14))
    overdue = MilestoneFactory(project=project, title="已逾期", due_date=ON - datetime.timedelta(3))
    MilestoneFactory(project=project, title="二十天后", due_date=ON + datetime.timedelta(20))
    MilestoneFactory(
        project=project,
        title="已完成",
        due_date=ON - datetime.timedelta(5),
        completed_on=ON - datetime.timedelta(6),
    )
    assert work_of(user).milestones["items"] == [overdue, soon]


def test_reviewers_see_the_reports_waiting_for_them(user, project, reviewer, client):
    """Every submitted report but their own; a staff member has no such list."""
    report = write_report(user, project, DUE_MONTH, submit=True)
    assert work_of(reviewer).reports_to_review["items"] == [report]
    assert work_of(user).reports_to_review is None
    client.force_login(reviewer)
    page = client.get(reverse("projects:dashboard")).content.decode()
    assert 'data-testid="reports-to-review"' in page
    assert f'href="{reverse("projects:report", args=[report.pk])}"' in page


def test_another_units_items_never_appear(user, project, other_unit_work, user_client):
    work = work_of(user)
    assert work.returned["count"] == work.drafts["count"] == work.milestones["count"] == 0
    assert work.missing_reports["items"] == [project]
    page = user_client.get(reverse("projects:dashboard")).content.decode()
    my_work = page[page.index('data-testid="my-work"') : page.index('id="portfolio-heading"')]
    for theirs in ("别人的项目", "别人的意见", "别人的节点"):
        assert theirs not in my_work


def test_nothing_to_do_says_so(user, user_client):
    page = user_client.get(reverse("projects:dashboard")).content.decode()
    assert 'data-testid="my-work-empty"' in page
    assert work_of(user).count == 0


def test_a_leader_sees_no_to_do_list(client):
    leader = with_role(UserFactory(username="wu.ling"), Role.LEADER)
    assert not work_of(leader).applies
    client.force_login(leader)
    assert 'data-testid="my-work"' not in client.get(reverse("projects:dashboard")).content.decode()


def my_portfolio(user, reviewer, count: int) -> None:
    """Add ``count`` projects of ``user``, each with a milestone due, its missing report,
    a draft the user started, a returned and a submitted report (in bulk)."""
    bulk_portfolio(count, contact=user)
    new = list(
        Project.objects.filter(contact_person=user).exclude(
            progress_reports__month=datetime.date(2025, 2, 1)
        )
    )
    drafts = [
        ProgressReport(project=project, month=datetime.date(2025, 2, 1), **FIGURES)
        for project in new
    ]
    bulk_create_with_history(drafts, ProgressReport, default_user=user)
    ProgressReport.objects.bulk_create(
        ProgressReport(
            project=project,
            month=month,
            status=status,
            submitted_by=user,
            reviewed_by=reviewer if status == ProgressReport.Status.RETURNED else None,
            review_comment="请修改" if status == ProgressReport.Status.RETURNED else "",
            **FIGURES,
        )
        for project in new
        for status, month in (
            (ProgressReport.Status.RETURNED, datetime.date(2025, 3, 1)),
            (ProgressReport.Status.SUBMITTED, datetime.date(2025, 4, 1)),
        )
    )
    Milestone.objects.filter(project__in=new).update(due_date=ON)


def test_the_query_count_is_the_same_at_10_and_200_projects(user, reviewer, client):
    """The selector and the dashboard of a staff member, a reviewer and an administrator
    run as many queries for 200 projects as for 10."""
    admin = with_role(UserFactory(username="admin.qian"), Role.ADMINISTRATOR)
    counted = {"staff": user, "reviewer": reviewer, "administrator": admin}

    def count_all() -> dict[str, tuple[int, int]]:
        counts = {}
        for name, person in counted.items():
            fresh = type(person).objects.get(pk=person.pk)  # no caches of the last round
            with CaptureQueriesContext(connection) as selector:
                work_of(fresh)
            client.force_login(person)
            with CaptureQueriesContext(connection) as page:
                assert client.get(reverse("projects:dashboard")).status_code == 200
            counts[name] = (len(selector), len(page))
        return counts

    empty = count_all()
    my_portfolio(user, reviewer, 10)
    work = work_of(user)
    assert [len(found["items"]) for found in work.lists] == [10, 10, 10, 10]
    small = count_all()
    my_portfolio(user, reviewer, 190)
    work = work_of(user)
    assert [found["count"] for found in work.lists] == [200, 200, 200, 200]
    assert work_of(reviewer).reports_to_review["count"] == 200
    assert count_all() == small
    # Empty lists cost what full ones do (no query depends on what was found).
    assert {name: counts[0] for name, counts in empty.items()} == {
        name: counts[0] for name, counts in small.items()
    }
