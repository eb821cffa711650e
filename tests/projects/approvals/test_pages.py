"""The approvals' pages: the project page's checklist (badges, overdue marks, what blocks
the start, the attachment's link), the apply button, the edit page (a PDF attached; a
bad file and an obtained approval without its date come back with their errors, nothing
saved), the town-wide list and the dashboard's card, each at a constant query count as
the portfolio grows; and the briefing's section as of a past day."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects.approvals import briefing, selectors, services
from projects.briefing.figures import monthly_briefing
from projects.briefing.xlsx import briefing_workbook
from projects.models import ApprovalItem, Document, Project
from tests.factories import ProjectFactory, bulk_portfolio

from .conftest import TINY_PDF, TODAY

pytestmark = pytest.mark.django_db
Status = ApprovalItem.Status
LAST_WEEK = TODAY - datetime.timedelta(days=7)


def grow(count: int) -> None:
    """Add ``count`` projects, each with two approvals overdue (bulk, no history)."""
    bulk_portfolio(count)
    projects = Project.objects.filter(approvals__isnull=True, name__startswith="批量")
    ApprovalItem.objects.bulk_create(
        ApprovalItem(project=project, name=name, planned_date=LAST_WEEK, position=position)
        for project in projects
        for position, name in enumerate(["招标", "施工许可"], start=1)
    )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(captured)


def test_the_project_page_shows_the_checklist(cast, client, media):
    services.approval_update(
        cast.item("施工许可"),
        user=cast.staff_a,
        planned_date=LAST_WEEK,
        responsible_person=cast.staff_a,
        status=Status.IN_PROGRESS,
    )
    services.approval_update(
        cast.item("立项/可研批复"),
        user=cast.staff_a,
        status=Status.OBTAINED,
        actual_date=LAST_WEEK,
        document_number="发改〔2024〕7号",
        attachment=SimpleUploadedFile("a.pdf", TINY_PDF),
    )
    client.force_login(cast.staff_a)
    page = client.get(cast.project.get_absolute_url()).content.decode()
    section = page[page.index('data-testid="project-approvals"') :]
    assert section.count('data-testid="approval-row"') == 8
    assert 'data-testid="approval-overdue"' in section
    assert "发改〔2024〕7号" in section and "甲员" in section
    document = Document.objects.get()
    assert document.get_absolute_url() in section
    blocking = section[section.index("approvals-blocking") : section.index("approvals-table")]
    assert "施工许可" in blocking and "招标" in blocking and "立项/可研批复" not in blocking
    assert reverse("projects:approval_edit", args=[cast.item("招标").pk]) in section
    assert 'data-testid="approvals-apply"' not in section  # staff do not apply templates


def test_the_project_page_reads_a_constant_number_of_queries(cast, client):
    client.force_login(cast.reviewer)
    url = cast.project.get_absolute_url()
    client.get(url)  # warm caches (the site's settings, the content types)
    small = queries(client, url)
    grow(60)
    for index in range(20):
        services.approval_add(cast.project, user=cast.reviewer, name=f"自定义{index}")
    assert queries(client, url) == small


def test_the_apply_button_adds_the_missing_approvals(cast, client):
    project = ProjectFactory(category=Project.Category.FACTORY_BUILDING)
    client.force_login(cast.reviewer)
    page = client.get(project.get_absolute_url()).content.decode()
    assert 'data-testid="approvals-apply"' in page
    url = reverse("projects:approvals_apply", args=[project.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert project.approvals.count() == 8
    client.force_login(cast.staff_a)
    assert client.post(url).status_code == 403


def test_the_edit_page_attaches_a_pdf(cast, client, media):
    item = cast.item("施工许可")
    url = reverse("projects:approval_edit", args=[item.pk])
    client.force_login(cast.staff_a)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "status": Status.OBTAINED,
            "actual_date": TODAY.isoformat(),
            "document_number": "建施〔2024〕12号",
            "responsible_person": cast.staff_a.pk,
            "attachment": SimpleUploadedFile("permit.pdf", TINY_PDF),
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.document_number) == (Status.OBTAINED, "建施〔2024〕12号")
    assert item.document.kind == Document.Kind.APPROVAL


def test_the_edit_page_refuses_bad_input_and_saves_nothing(cast, client, media):
    item = cast.item("施工许可")
    url = reverse("projects:approval_edit", args=[item.pk])
    client.force_login(cast.staff_a)
    response = client.post(url, {"status": Status.OBTAINED})
    assert response.status_code == 400
    assert "actual_date" in response.context["form"].errors
    response = client.post(
        url,
        {
            "status": Status.IN_PROGRESS,
            "attachment": SimpleUploadedFile("permit.pdf", b"MZ not a document"),
        },
    )
    assert response.status_code == 400
    assert "attachment" in response.context["form"].errors
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED and not Document.objects.exists()


def test_another_units_staff_may_not_edit(cast, client):
    client.force_login(cast.staff_b)
    url = reverse("projects:approval_edit", args=[cast.item("招标").pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"status": Status.IN_PROGRESS}).status_code == 403


def test_the_list_and_the_dashboard_read_a_constant_number_of_queries(cast, client):
    """The list shows the approvals overdue by default, filtered by status and unit."""
    client.force_login(cast.leader)
    grow(10)
    list_url = reverse("projects:approval_list")
    dashboard = reverse("projects:dashboard")
    client.get(list_url)
    small = (queries(client, list_url), queries(client, dashboard))
    response = client.get(list_url)
    assert response.context["paginator"].count == 20
    grow(300)
    assert (queries(client, list_url), queries(client, dashboard)) == small
    assert client.get(list_url).context["paginator"].count == 620
    assert client.get(list_url, {"overdue": "all"}).context["paginator"].count == 628
    by_unit = client.get(list_url, {"overdue": "all", "unit": cast.unit_a.pk})
    assert by_unit.context["paginator"].count == 8
    in_progress = client.get(list_url, {"status": Status.IN_PROGRESS})
    assert in_progress.context["paginator"].count == 0
    card = client.get(dashboard).content.decode()
    card = card[card.index('data-testid="approvals-overdue"') :]
    assert 'data-testid="approvals-overdue-count">620<' in card
    assert selectors.dashboard_overdue(user=cast.leader, on=TODAY).count == 620


def test_anonymous_and_role_less_users_read_no_list(client, cast):
    url = reverse("projects:approval_list")
    assert client.get(url).status_code == 302
    client.force_login(cast.superuser)  # an administrator: reads it
    assert client.get(url).status_code == 200


def test_the_briefing_section_reads_the_items_as_they_stood(cast, client):
    """Counts by status of the projects in preliminary work and the approvals overdue,
    as of the day; a later change does not move a past briefing."""
    yesterday = TODAY - datetime.timedelta(days=1)
    item = services.approval_update(
        cast.item("施工许可"), user=cast.staff_a, planned_date=yesterday - datetime.timedelta(3)
    )
    services.approval_update(
        cast.item("招标"), user=cast.staff_a, status=Status.IN_PROGRESS, planned_date=yesterday
    )
    ApprovalItem.history.filter(id__in=cast.project.approvals.values("pk")).update(
        history_date=datetime.datetime.combine(yesterday, datetime.time(9), tzinfo=datetime.UTC)
    )
    ApprovalItem.objects.filter(project=cast.project).update(
        created_at=datetime.datetime.combine(yesterday, datetime.time(8), tzinfo=datetime.UTC)
    )
    Project.objects.filter(pk=cast.project.pk).update(
        created_at=datetime.datetime.combine(yesterday, datetime.time(7), tzinfo=datetime.UTC)
    )
    # Today: obtained. The briefing as of yesterday still sees it overdue.
    services.approval_update(item, user=cast.staff_a, status=Status.OBTAINED, actual_date=TODAY)
    section = briefing.section(month=yesterday.replace(day=1), as_of=yesterday)
    counts = {row.status: row.count for row in section.by_status}
    assert section.preliminary_projects == 1
    assert counts == {
        Status.NOT_STARTED: 7,
        Status.IN_PROGRESS: 1,
        Status.OBTAINED: 0,
        Status.NOT_APPLICABLE: 0,
    }
    assert [(row.name, row.days_overdue, row.person) for row in section.overdue] == [
        ("施工许可", 3, "联络")
    ]
    today = briefing.section(month=TODAY.replace(day=1), as_of=TODAY)
    assert [row.name for row in today.overdue] == ["招标"]
    assert {row.status: row.count for row in today.by_status}[Status.OBTAINED] == 1


def test_the_briefing_page_and_workbook_carry_the_section(cast, client):
    services.approval_update(
        cast.item("招标"), user=cast.staff_a, planned_date=TODAY - datetime.timedelta(days=5)
    )
    month = TODAY.replace(day=1)
    with translation.override("en"):
        figures = monthly_briefing(month=month)
        assert [row.name for row in figures.approvals.overdue] == ["招标"]
        workbook = briefing_workbook(figures)
    assert workbook[:2] == b"PK"
    client.force_login(cast.leader)
    page = client.get(reverse("projects:briefing"), {"month": f"{month:%Y-%m}"})
    assert page.status_code == 200
    section = page.content.decode()
    section = section[section.index('data-testid="briefing-approvals"') :]
    assert "招标" in section[: section.index("</section>")]
