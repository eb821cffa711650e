"""Every URL that reads or changes data × every role × own and other objects × GET/POST.

Each cell runs in a savepoint that is rolled back, so every cell starts from the same
data. A cell is an *unauthorized success* when a request the rules deny gets a 2xx/3xx
answer or changes the data. The test fails when a URL of the app is missing here.
"""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from projects.briefing import pdf as briefing_pdf
from projects.models import Milestone, ProgressReport, Project, ReportPhoto, ResponsibleUnit
from projects.rules import Role
from tests.conftest import with_role
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


ROLES = ["anonymous", "staff_a", "staff_b", "reviewer", "leader", "administrator"]
READERS = {"staff_a", "staff_b", "reviewer", "leader", "administrator"}
#: URLs anyone may use: log-in, log-out, language switch, the health check, and the
#: calendar feed (its secret key is the credential: tests/projects/test_alert_pages.py).
#: (Uploaded photos, "media", are in the matrix: only readers of the portfolio get them.)
PUBLIC = {"login", "logout", "set_language", "healthz", "projects:calendar_feed"}
#: A user's own notifications and settings: every logged-in user, only their own rows
#: (tested in tests/projects/test_alert_pages.py).
PERSONAL = {
    "projects:notifications",
    "projects:notifications_read",
    "projects:notification_settings",
}


@dataclass
class World:
    users: dict
    projects: dict  # "own" → unit A's project, "other" → unit B's
    villages: dict


def build_world() -> World:
    users = {role: UserFactory(username=role) for role in ROLES if role != "anonymous"}
    with_role(users["staff_a"], Role.STAFF)
    with_role(users["staff_b"], Role.STAFF)
    with_role(users["reviewer"], Role.REVIEWER)
    with_role(users["leader"], Role.LEADER)
    with_role(users["administrator"], Role.ADMINISTRATOR)
    projects = {}
    villages = {}
    for side, staff in (("own", users["staff_a"]), ("other", users["staff_b"])):
        unit = ResponsibleUnit.objects.create(name=f"单位{side}", kind="department")
        unit.members.add(staff)
        project = ProjectFactory(
            name=f"项目{side}", stage=Project.Stage.PLANNING, responsible_unit=unit
        )
        village = VillageFactory(name=f"村{side}")
        project.villages.add(village)
        MilestoneFactory(project=project, title="未完成节点")
        ProgressReportFactory(
            project=project,
            month=datetime.date(2024, 1, 1),
            status=ProgressReport.Status.DRAFT,
        )
        submitted = ProgressReportFactory(
            project=project,
            month=datetime.date(2024, 2, 1),
            status=ProgressReport.Status.SUBMITTED,
            submitted_by=staff,
        )
        ReportPhoto.objects.create(
            report=submitted,
            image=SimpleUploadedFile(f"{side}.jpg", tiny_jpeg(), "image/jpeg"),
            uploaded_by=staff,
        )
        projects[side] = project
        villages[side] = village
    return World(users=users, projects=projects, villages=villages)


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    return buffer.getvalue()


def draft(project):
    return project.progress_reports.get(status=ProgressReport.Status.DRAFT)


def submitted(project):
    return project.progress_reports.get(status=ProgressReport.Status.SUBMITTED)


def state_of(project) -> tuple:
    """Everything a POST in the matrix could change about a project."""
    project.refresh_from_db()
    return (
        project.stage,
        project.location,
        tuple(project.milestones.order_by("pk").values_list("title", "completed_on")),
        tuple(
            project.progress_reports.order_by("pk").values_list(
                "status", "narrative", "physical_progress"
            )
        ),
    )


@dataclass
class Route:
    """How to reach one URL name, and who may use it."""

    url: object  # callable(project) -> URL
    get: set = field(default_factory=set)  # roles allowed to GET (own project)
    post: set = field(default_factory=set)  # roles allowed to POST (own project)
    data: dict = field(default_factory=dict)
    # Staff may act only on their own unit's project: for "other" they are denied.
    staff_own_only: bool = True


EDITORS = {"staff_a", "reviewer", "administrator"}
#: The monthly briefing: leaders, reviewers and administrators; its PDF only where
#: Chromium is installed to print it (elsewhere it answers 503 to everyone).
BRIEFING_READERS = {"leader", "reviewer", "administrator"}
PDF_READERS = BRIEFING_READERS if briefing_pdf.chromium_path() else set()
REPORTERS = {"staff_a", "administrator"}
REVIEWERS = {"reviewer", "administrator"}

MATRIX = {
    "projects:dashboard": Route(
        lambda p: reverse("projects:dashboard"), get=READERS, staff_own_only=False
    ),
    "projects:list": Route(lambda p: reverse("projects:list"), get=READERS, staff_own_only=False),
    "projects:detail": Route(lambda p: p.get_absolute_url(), get=READERS, staff_own_only=False),
    "projects:record_xlsx": Route(
        lambda p: reverse("projects:record_xlsx", args=[p.pk]), get=READERS, staff_own_only=False
    ),
    "villages:list": Route(lambda p: reverse("villages:list"), get=READERS, staff_own_only=False),
    "villages:income_xlsx": Route(
        lambda p: reverse("villages:income_xlsx"), get=READERS, staff_own_only=False
    ),
    "villages:income_csv": Route(
        lambda p: reverse("villages:income_csv"), get=READERS, staff_own_only=False
    ),
    "villages:detail": Route(
        lambda p: p.villages.get().get_absolute_url(), get=READERS, staff_own_only=False
    ),
    "media": Route(
        lambda p: reverse("media", args=[submitted(p).photos.get().image.name]),
        get=READERS,
        staff_own_only=False,
    ),
    "projects:briefing": Route(
        lambda p: reverse("projects:briefing"), get=BRIEFING_READERS, staff_own_only=False
    ),
    "projects:briefing_xlsx": Route(
        lambda p: reverse("projects:briefing_xlsx"), get=BRIEFING_READERS, staff_own_only=False
    ),
    "projects:briefing_pdf": Route(
        lambda p: reverse("projects:briefing_pdf"), get=PDF_READERS, staff_own_only=False
    ),
    "projects:report": Route(
        lambda p: reverse("projects:report", args=[draft(p).pk]),
        get=READERS,
        staff_own_only=False,
    ),
    "projects:edit": Route(
        lambda p: reverse("projects:edit", args=[p.pk]),
        get=EDITORS,
        post=EDITORS,
        data={"location": "新地点", "villages": []},
    ),
    "projects:stage": Route(
        lambda p: reverse("projects:stage", args=[p.pk]),
        post=EDITORS,
        data={"transition": "begin_preliminary", "comment": ""},
    ),
    "projects:milestone_add": Route(
        lambda p: reverse("projects:milestone_add", args=[p.pk]),
        post=EDITORS,
        data={"title": "新节点", "due_date": "2024-08-01", "note": ""},
    ),
    "projects:milestone_complete": Route(
        lambda p: reverse("projects:milestone_complete", args=[p.milestones.get().pk]),
        post=EDITORS,
    ),
    "projects:report_add": Route(
        lambda p: reverse("projects:report_add", args=[p.pk]),
        get=REPORTERS,
        post=REPORTERS,
        data={
            "month": "2024-03",
            "physical_progress": "20",
            "investment_completed": "10",
            "narrative": "新月报",
            "problems": "",
        },
    ),
    "projects:report_edit": Route(
        lambda p: reverse("projects:report_edit", args=[draft(p).pk]),
        get=REPORTERS,
        post=REPORTERS,
        data={
            "physical_progress": "30",
            "investment_completed": "10",
            "narrative": "改过的月报",
            "problems": "",
        },
    ),
    "projects:report_transition:submit": Route(
        lambda p: reverse("projects:report_transition", args=[draft(p).pk, "submit"]),
        post=REPORTERS,
    ),
    "projects:report_transition:approve": Route(
        lambda p: reverse("projects:report_transition", args=[submitted(p).pk, "approve"]),
        post=REVIEWERS,
    ),
    "projects:report_transition:return": Route(
        lambda p: reverse("projects:report_transition", args=[submitted(p).pk, "return"]),
        post=REVIEWERS,
        data={"comment": "请补充照片"},
    ),
}
#: URL names whose cells are split by an argument (the report's review steps).
SPLIT = {"projects:report_transition": {"submit", "approve", "return"}}


def app_url_names() -> set[str]:
    """Every named URL of the app, outside the Django admin."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_is_in_the_matrix():
    covered = {name.rsplit(":", 1)[0] if name.count(":") > 1 else name for name in MATRIX}
    assert app_url_names() - PUBLIC - PERSONAL == covered
    for name, steps in SPLIT.items():
        assert {key.rsplit(":", 1)[1] for key in MATRIX if key.startswith(name + ":")} == steps


def allowed(route: Route, method: str, role: str, side: str) -> bool:
    roles = route.get if method == "GET" else route.post
    if role not in roles:
        return False
    return not (side == "other" and role.startswith("staff") and route.staff_own_only)


def test_permission_matrix(client, capsys):
    world = build_world()
    cells = unauthorized = 0
    failures = []
    for name, route in MATRIX.items():
        for role in ROLES:
            for side in ("own", "other"):
                # staff_b's own project is unit B's ("other" seen from unit A).
                project = world.projects[side]
                if role == "staff_b":
                    project = world.projects["other" if side == "own" else "own"]
                for method in ("GET", "POST"):
                    cells += 1
                    # staff_b on unit B's project has staff_a's rights on unit A's.
                    rights = "staff_a" if role == "staff_b" else role
                    expected = allowed(route, method, rights, side)
                    outcome = run_cell(client, world, role, project, route, method)
                    if outcome["succeeded"] and not expected:
                        unauthorized += 1
                    if outcome["succeeded"] != expected:
                        failures.append((name, role, side, method, expected, outcome))
    with capsys.disabled():
        print(
            f"\npermission matrix: {cells} cells tried, {unauthorized} unauthorized successes,"
            f" {len(failures)} cells different from the rules"
        )
    assert unauthorized == 0, failures
    assert failures == []


def run_cell(client, world, role, project, route, method) -> dict:
    """Make one request in a savepoint; report whether it succeeded, then roll back."""
    with transaction.atomic():
        client.logout()
        if role != "anonymous":
            client.force_login(world.users[role])
        url = route.url(project)
        before = state_of(project)
        response = client.get(url) if method == "GET" else client.post(url, route.data)
        changed = state_of(project) != before
        sent_to_log_in = "/accounts/login/" in response.get("Location", "")
        answered = response.status_code < 400 and not sent_to_log_in
        # A GET succeeds when it is answered; a POST when it changes the data, or, on a
        # read-only URL, when it is answered at all.
        succeeded = changed or (answered and (method == "GET" or not route.post))
        transaction.set_rollback(True)
    return {"succeeded": succeeded, "status": response.status_code, "changed": changed}


def test_allowed_posts_really_change_the_data(client):
    """The matrix's POSTs are meaningful: made by an administrator, each one changes data."""
    world = build_world()
    for name, route in MATRIX.items():
        if not route.post:
            continue
        with transaction.atomic():
            client.force_login(world.users["administrator"])
            project = world.projects["own"]
            before = state_of(project)
            response = client.post(route.url(project), route.data)
            assert response.status_code == 302, (name, response.status_code)
            assert state_of(project) != before, name
            transaction.set_rollback(True)


def test_staff_cannot_reach_another_units_project_through_the_admin(client):
    world = build_world()
    staff_b = world.users["staff_b"]
    staff_b.is_staff = True
    staff_b.save()
    client.force_login(staff_b)
    other = world.projects["own"]
    url = reverse("admin:projects_project_change", args=[other.pk])
    response = client.post(url, {"name": "改名", "category": other.category, "stage": other.stage})
    assert response.status_code == 403
    assert Project.objects.get(pk=other.pk).name == other.name
    milestone = Milestone.objects.get(project=other)
    response = client.post(
        reverse("admin:projects_milestone_changelist"),
        {"action": "mark_completed", "_selected_action": [milestone.pk]},
    )
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_readers_of_the_admin_are_reviewers_and_administrators(client):
    world = build_world()
    for role, expected in [
        ("staff_a", 302),
        ("leader", 302),
        ("reviewer", 200),
        ("administrator", 200),
    ]:
        client.force_login(world.users[role])
        assert client.get(reverse("admin:index")).status_code == expected, role


def test_querysets_agree_with_the_rules():
    """Project.objects.editable_by(user) lists exactly the projects the rules let them change."""
    world = build_world()
    ProjectFactory(name="无人负责的项目", total_investment=Decimal(1))
    for user in world.users.values():
        by_rules = {
            p.pk for p in Project.objects.all() if user.has_perm("projects.change_project", p)
        }
        by_sql = set(Project.objects.editable_by(user).values_list("pk", flat=True))
        assert by_rules == by_sql, user.username
