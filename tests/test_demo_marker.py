"""Demo data never passes for the town's: while a demo record exists, every page, the
briefing (page, workbook, PDF), every export and every email says the figures include
demo records; ``seed_demo --remove`` brings back figures made of real records only, and
the marker goes with them. (tests/test_figures_on_every_page.py checks the marker on
every page of every role; this module checks it appears and disappears.)"""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import unquote

import openpyxl
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from projects import selectors
from projects.alerts.channels.email import EmailChannel
from projects.briefing import figures as briefing_figures
from projects.models import Milestone, Project, Reminder
from projects.rules import Role
from projects.seeding import demo
from projects.workbooks.sheets import export_workbook, import_projects_file
from tests.conftest import rows_for_the_module, with_role
from tests.factories import ProgressReportFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKER = "演示数据"


@pytest.fixture(scope="module")
def town(django_db_setup, django_db_blocker, tmp_path_factory):
    """The work report's records, real users of each role and one real approved report,
    made once for the module (each test starts from them and what it changes, demo
    records included, is rolled back after it)."""
    with (
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ),
        rows_for_the_module(django_db_blocker),
    ):
        with django_db_blocker.unblock():
            call_command("load_report_data", stdout=io.StringIO())
            staff = with_role(
                UserFactory(username="wang.fang", last_name="王", first_name="芳"), Role.STAFF
            )
            leader = with_role(
                UserFactory(
                    username="li.ming", last_name="李", first_name="明", email="li@shanwang.local"
                ),
                Role.LEADER,
            )
            admin = UserFactory(username="office", is_staff=True, is_superuser=True)
            building = Project.objects.filter(stage=Project.Stage.UNDER_CONSTRUCTION)
            project = building.order_by("pk")[0]
            Project.objects.filter(pk=project.pk).update(contact_person=staff)
            last_month = briefing_figures.previous_month(selectors.today())
            ProgressReportFactory(
                project=project,
                month=last_month,
                investment_completed=Decimal("123.45"),
                physical_progress=Decimal("20"),
                submitted_by=staff,
            )
        yield SimpleNamespace(
            staff=staff, leader=leader, admin=admin, project=project, month=last_month
        )


@pytest.fixture(autouse=True)
def default_language():
    """Render in the site's language whatever ran before: a request with another
    Accept-Language (tests/projects/test_statistics_registration.py asks in English)
    leaves its language active in the thread, and the emails and the briefing's PDF page
    rendered here outside a request would speak it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response) -> str:
    """What the reader sees of a response: a page's HTML, a workbook's cells, a CSV's
    text, and the file name of a download."""
    content = b"".join(response) if response.streaming else response.content
    shown = [unquote(response.get("Content-Disposition", ""))]
    if "spreadsheetml" in response["Content-Type"]:
        book = openpyxl.load_workbook(io.BytesIO(content))
        shown += [str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row]
    else:
        shown.append(content.decode("utf-8-sig"))
    return "\n".join(shown)


def _emails(town) -> dict[str, str]:
    """The briefing and a digest as the email channel sends them to the leader."""
    mail.outbox = []
    channel = EmailChannel()
    channel.open()
    for kind, period in ((Reminder.Kind.BRIEFING, town.month), (Reminder.Kind.DIGEST, None)):
        channel.send(
            Reminder(
                channel=Reminder.Channel.EMAIL,
                recipient=town.leader,
                address=f"user:{town.leader.pk}",
                kind=kind,
                subject=kind,
                period=period or selectors.today(),
                owed_on=selectors.today(),
            )
        )
    channel.close()
    found = {}
    for message in mail.outbox:
        kind = "briefing email" if message.attachments else "digest email"
        found[f"{kind} (text)"] = message.body
        found[f"{kind} (HTML)"] = message.alternatives[0][0]
        for filename, content, _type in message.attachments:
            book = openpyxl.load_workbook(io.BytesIO(content))
            found[f"{kind} attachment"] = filename + "".join(
                str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
            )
    return found


def documents(town) -> dict[str, str]:
    """Every kind of thing that shows a figure, by name: its text as the reader sees it."""
    staff, leader, admin = _client(town.staff), _client(town.leader), _client(town.admin)
    project = town.project
    found = {
        "dashboard": staff.get(reverse("projects:dashboard")),
        "project list": staff.get(reverse("projects:list")),
        "project page": staff.get(project.get_absolute_url()),
        "project list (XLSX)": staff.get(reverse("projects:list") + "?_export=xlsx"),
        "project list (CSV)": staff.get(reverse("projects:list") + "?_export=csv"),
        "project record (XLSX)": staff.get(reverse("projects:record_xlsx", args=[project.pk])),
        "village page": staff.get(reverse("villages:list")),
        "briefing": leader.get(reverse("projects:briefing")),
        "briefing workbook": leader.get(reverse("projects:briefing_xlsx")),
        "admin index": admin.get(reverse("admin:index")),
        "admin export": admin.post(
            reverse("admin:projects_project_changelist"),
            {"action": "export_workbook", "_selected_action": [project.pk]},
        ),
    }
    texts = {}
    for name, response in found.items():
        assert response.status_code == 200, name
        texts[name] = _text(response)
    monthly = briefing_figures.monthly_briefing(month=town.month)
    texts["briefing PDF page"] = render_to_string(
        "projects/briefing_pdf.html", {"briefing": monthly, "stylesheets": []}
    )
    texts |= _emails(town)
    return texts


def figures(town) -> dict:
    """The figures a leader reads: the briefing's sentences and the dashboard's pace."""
    monthly = briefing_figures.monthly_briefing(month=town.month)
    return {
        "summary": monthly.summary(),
        "lights": dict(monthly.light_counts),
        "pace": selectors.portfolio_pace(on=selectors.today()),
    }


def test_the_marker_comes_with_demo_data_and_goes_with_seed_demo_remove(town):
    """Without demo records nothing is marked; seed_demo marks every page, the three
    forms of the briefing, every export and every email, and changes the figures;
    seed_demo --remove takes the marker away and gives back the real figures."""
    real = figures(town)
    before = documents(town)
    assert not [name for name, text in before.items() if MARKER in text]

    call_command("seed_demo", force=True, stdout=io.StringIO())
    during = documents(town)
    assert set(during) == set(before)
    assert not [name for name, text in during.items() if MARKER not in text]
    assert figures(town) != real

    call_command("seed_demo", remove=True, stdout=io.StringIO())
    after = documents(town)
    assert not [name for name, text in after.items() if MARKER in text]
    assert figures(town) == real


def test_whether_demo_data_exists_is_one_query(town):
    """present() is one query, with or without demo records."""
    with CaptureQueriesContext(connection) as queries:
        assert demo.present() is False
    assert len(queries) == 1
    call_command("seed_demo", force=True, stdout=io.StringIO())
    with CaptureQueriesContext(connection) as queries:
        assert demo.present() is True
    assert len(queries) == 1


def test_a_page_asks_once_however_many_times_it_shows_the_marker(town):
    """The context processor asks once per request, however many templates the page
    renders."""
    client = _client(town.staff)
    url = reverse("projects:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    call_command("seed_demo", force=True, stdout=io.StringIO())
    client.get(url)
    with CaptureQueriesContext(connection) as marked:
        response = client.get(url)
    assert response.content.decode().count('data-testid="demo-marker"') == 1

    def demo_queries(captured):
        # demo.present(): one UNION ALL over the models' is_demo flags (the ranking's
        # query is a UNION ALL too, of its indicators).
        return [q for q in captured if "UNION ALL" in q["sql"] and "is_demo" in q["sql"]]

    assert len(demo_queries(marked.captured_queries)) == 1
    assert len(demo_queries(without.captured_queries)) == 1


def test_the_marker_sheet_opens_the_workbook_and_an_import_skips_it(town):
    """The demo notice is the first, active sheet of an export, and the export imports
    back unchanged: the importer skips the notice."""
    call_command("seed_demo", force=True, stdout=io.StringIO())
    content = export_workbook(Project.objects.filter(pk=town.project.pk))
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames[0] == MARKER
    assert book.active.title == MARKER
    assert "演示记录" in book[MARKER]["A1"].value
    report = import_projects_file(io.BytesIO(content), "项目台账.xlsx", user=town.admin)
    assert report.accepted, report.errors
    assert report.rows_written == 0


def test_demo_projects_are_dated_back_so_past_briefings_count_them(town):
    """A project recorded after the demo period began, to which seed_demo adds demo
    reports from January, is dated back to 1 January, so the briefing of a past month
    counts it with its demo reports."""
    late = Project.objects.create(
        name="测试后建项目", category=Project.Category.ROAD_INFRASTRUCTURE, stage="preliminary"
    )
    today = selectors.today()
    call_command("seed_demo", force=True, stdout=io.StringIO())
    late.refresh_from_db()
    assert timezone.localtime(late.created_at) == timezone.make_aware(
        datetime.datetime(today.year, 1, 1)
    )
    if today.month > 1:  # the demo reports run from January to last month
        january = briefing_figures.monthly_briefing(month=datetime.date(today.year, 1, 1))
        assert late.pk in {project.pk for project in january.pace_ranking}
    # Its demo milestones say they are demo records.
    assert Milestone.objects.filter(project=late, is_demo=True, title__startswith="【演示】")
