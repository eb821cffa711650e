"""Every URL that reads or changes data × every role × own and other objects × GET/POST.

Each cell runs in a savepoint that is rolled back, so every cell starts from the same
data. A cell is an *unauthorized success* when a request the rules deny gets a 2xx/3xx
answer or changes the data. The test fails when a URL of the app is missing here.
"""

import datetime
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from projects.briefing import pdf as briefing_pdf
from projects.models import (
    AnnualPlan,
    ApprovalItem,
    Document,
    FundEntry,
    Funding,
    FundingSource,
    Milestone,
    PhysicalTarget,
    PlanBaseline,
    PlanBaselineEntry,
    Problem,
    ProblemTransition,
    ProgressReport,
    Project,
    Reminder,
    ReportedQuantity,
    ReportPhoto,
    ReportTransition,
    ResponsibleUnit,
    SchedulingMeeting,
    StagedUpload,
    StageTransition,
    SupervisionOrder,
    WebhookChannel,
)
from projects.rules import Role
from projects.supervision import pack_pdf
from tests.admin_forms import (
    admin_form_data,
    admin_url,
    inline_prefixes,
    revert_data,
    revert_url,
)
from tests.conftest import rows_for_the_module, with_role
from tests.factories import (
    MilestoneFactory,
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    SchedulingMeetingFactory,
    SupervisionOrderFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import (
    CollectiveEnterprise,
    CollectiveIncome,
    Honour,
    SpecialtyProduct,
    Village,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def media_root(tmp_path_factory):
    """One media folder for the module: the world's photos and documents live there."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="module")
def matrix_world(media_root, django_db_setup, django_db_blocker) -> "World":
    """The matrix's world, built once for the module's tests (each starts from its rows
    and what it changes is rolled back after it)."""
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = build_world()
        yield built


@pytest.fixture
def world(matrix_world) -> "World":
    """The module's world as its rows are: a test before may have left its objects with
    the values of a rolled-back cell."""
    for row in (
        *matrix_world.users.values(),
        *matrix_world.projects.values(),
        *matrix_world.villages.values(),
    ):
        row.refresh_from_db()
    return matrix_world


@pytest.fixture(autouse=True)
def printed_pack(monkeypatch):
    """The meeting pack's PDF without Chromium: the matrix asks who gets it, and
    tests/projects/supervision/test_pack.py prints it."""
    monkeypatch.setattr(pack_pdf, "pack_pdf", lambda pack: b"%PDF-1.4\n%%EOF\n")


ROLES = ["anonymous", "staff_a", "staff_b", "reviewer", "leader", "administrator"]
READERS = {"staff_a", "staff_b", "reviewer", "leader", "administrator"}
#: URLs anyone may use: log-in, log-out, language switch, the health check, and the
#: calendar feed (its secret key is the credential: tests/projects/test_alert_pages.py).
#: (Uploaded photos, "media", are in the matrix: only readers of the portfolio get them.)
#: The installable app's manifest, service worker and offline page carry no data
#: (tests/shanwang/test_pwa.py).
PUBLIC = {
    "login",
    "logout",
    "set_language",
    "healthz",
    "projects:calendar_feed",
    "pwa_manifest",
    "pwa_service_worker",
    "pwa_offline",
}
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
            problems="征地尚未完成",
        )
        ReportPhoto.objects.create(
            report=submitted,
            image=SimpleUploadedFile(f"{side}.jpg", tiny_jpeg(), "image/jpeg"),
            uploaded_by=staff,
        )
        Document.objects.create(
            project=project,
            kind=Document.Kind.APPROVAL,
            title=f"批复{side}",
            file=SimpleUploadedFile(f"{side}.pdf", TINY_PDF),
            content_type="application/pdf",
            uploaded_by=staff,
        )
        supervision_items(project, staff=staff, leader=users["leader"])
        paperwork_and_money(project)
        projects[side] = project
        villages[side] = village
    SchedulingMeetingFactory(title="调度会", held_on=datetime.date(2024, 5, 6))
    return World(users=users, projects=projects, villages=villages)


def paperwork_and_money(project):
    """A pre-construction approval, a funding source with an arrived instalment, a
    physical target and an annual plan of 2024 (for a baseline to freeze)."""
    ApprovalItem.objects.create(project=project, name="施工许可", position=1)
    AnnualPlan.objects.create(project=project, year=2024, planned_investment=Decimal("100"))
    source, _created = FundingSource.objects.get_or_create(name="上级补助")
    funding = Funding.objects.create(project=project, source=source, amount=Decimal("100"))
    FundEntry.objects.create(
        funding=funding, kind="arrived", date=datetime.date(2024, 2, 1), amount=Decimal("50")
    )
    PhysicalTarget.objects.create(
        project=project, year=2024, name="新增耕地", unit="亩", planned_quantity=Decimal("200")
    )


def started(project):
    """The project, started above the registration threshold and not registered."""
    Project.objects.filter(pk=project.pk).update(
        actual_start=datetime.date(2024, 1, 15), total_investment=Decimal("800")
    )
    return project


def registered(project):
    """The project, started and registered."""
    Project.objects.filter(pk=started(project).pk).update(
        statistics_registered=True,
        statistics_registered_on=datetime.date(2024, 2, 1),
        statistics_registered_year=2024,
    )
    return project


def fund_entry(project) -> FundEntry:
    return FundEntry.objects.get(funding__project=project)


def new_source() -> FundingSource:
    return FundingSource.objects.get_or_create(name="村集体")[0]


def supervision_items(project, *, staff, leader):
    """督办 on ``project``: a problem in each status before struck off, the unit's own
    (its staff member resolved the resolved one, and took a step with evidence), and a
    supervision order awaiting its reply and one replied."""
    unit = project.responsible_unit
    Status = Problem.Status
    ProblemFactory(project=project, description=f"待交办{project.name}")
    for status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED):
        resolved = status == Status.RESOLVED
        ProblemFactory(
            project=project,
            status=status,
            responsible_unit=unit,
            deadline=IN_A_MONTH,
            resolved_by=staff if resolved else None,
            resolved_on=datetime.date.today() if resolved else None,
        )
    ProblemTransition.objects.create(
        problem=problem_in(project, Status.IN_PROGRESS),
        acting_user=staff,
        from_status=Status.ASSIGNED,
        to_status=Status.IN_PROGRESS,
        evidence=SimpleUploadedFile("整改照片.pdf", TINY_PDF),
    )
    for status in (SupervisionOrder.Status.ISSUED, SupervisionOrder.Status.REPLIED):
        SupervisionOrderFactory(
            project=project,
            responsible_unit=unit,
            issued_by=leader,
            status=status,
            reply="已制定整改措施" if status == SupervisionOrder.Status.REPLIED else "",
        )


def problem_in(project, status) -> Problem:
    return project.problems.get(status=status)


def order_in(project, status) -> SupervisionOrder:
    return project.supervision_orders.get(status=status)


def problem_step(status, step):
    return lambda p: reverse("projects:problem_step", args=[problem_in(p, status).pk, step])


def order_step(status, step):
    return lambda p: reverse("projects:order_step", args=[order_in(p, status).pk, step])


def meeting():
    return SchedulingMeeting.objects.get(title="调度会")


#: The smallest PDF the document check (shanwang/documents.py) accepts.
TINY_PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


class FreshFile(io.BytesIO):
    """An upload the test client reads whole at every post (it never rewinds a file)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name

    def read(self, *args):
        self.seek(0)
        return super().read(*args)


def project_document(project):
    return project.documents.get(report=None)


def staged_upload(project):
    """A photo kept for a report form of the project's unit's staff member."""
    return StagedUpload.objects.create(
        key=uuid.uuid4(),
        uploaded_by=project.responsible_unit.members.get(),
        file=SimpleUploadedFile("kept.jpg", tiny_jpeg(), "image/jpeg"),
        name="kept.jpg",
    )


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
        tuple(project.documents.order_by("pk").values_list("pk", "title")),
        (project.site_latitude, project.site_longitude),
        tuple(
            project.problems.order_by("pk").values_list(
                "status", "description", "responsible_unit", "deadline", "level", "progress"
            )
        ),
        tuple(project.supervision_orders.order_by("pk").values_list("status", "reply")),
        tuple(SchedulingMeeting.objects.order_by("pk").values_list("title", "held_on")),
        (project.code, project.statistics_registered, project.statistics_registered_on),
        tuple(
            project.approvals.order_by("pk").values_list(
                "name", "status", "planned_date", "actual_date", "document_number", "note"
            )
        ),
        tuple(project.fundings.order_by("pk").values_list("source", "amount")),
        tuple(
            FundEntry.objects.filter(funding__project=project)
            .order_by("pk")
            .values_list("kind", "date", "amount", "document_number")
        ),
        tuple(
            project.physical_targets.order_by("pk").values_list(
                "year", "name", "unit", "planned_quantity"
            )
        ),
        tuple(PlanBaseline.objects.order_by("pk").values_list("year", "kind")),
    )


def located_photo(project):
    """The submitted report's photo, with the position a phone wrote into it."""
    photo = submitted(project).photos.get()
    ReportPhoto.objects.filter(pk=photo.pk).update(
        latitude=Decimal("30.250000"), longitude=Decimal("120.160000")
    )
    return photo


@dataclass
class Route:
    """How to reach one URL name, and who may use it."""

    url: object  # callable(project) -> URL
    get: set = field(default_factory=set)  # roles allowed to GET (own project)
    post: set = field(default_factory=set)  # roles allowed to POST (own project)
    data: object = field(default_factory=dict)  # a dict, or callable(project) -> dict
    # Staff may act only on their own unit's project: for "other" they are denied.
    staff_own_only: bool = True

    def payload(self, project) -> dict:
        """Return what a POST of the cell sends, for ``project``."""
        return self.data(project) if callable(self.data) else self.data


EDITORS = {"staff_a", "reviewer", "administrator"}
#: The monthly briefing: leaders, reviewers and administrators; its PDF only where
#: Chromium is installed to print it (elsewhere it answers 503 to everyone).
BRIEFING_READERS = {"leader", "reviewer", "administrator"}
PDF_READERS = BRIEFING_READERS if briefing_pdf.chromium_path() else set()
REPORTERS = {"staff_a", "administrator"}
REVIEWERS = {"reviewer", "administrator"}
#: 督办: who supervises (assigns, sends back, strikes off, issues, accepts, records
#: meetings), who acts for the responsible unit, who raises problems on a project.
SUPERVISORS = {"reviewer", "leader", "administrator"}
ACTORS = {"staff_a", "administrator"}
RAISERS = {"staff_a", *SUPERVISORS}

MATRIX = {
    "projects:dashboard": Route(
        lambda p: reverse("projects:dashboard"), get=READERS, staff_own_only=False
    ),
    "projects:list": Route(lambda p: reverse("projects:list"), get=READERS, staff_own_only=False),
    "projects:indicators": Route(
        lambda p: reverse("projects:indicators"), get=READERS, staff_own_only=False
    ),
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
        data={"confirmed": "1"},  # the step itself; the first POST only asks to confirm
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
    "projects:staged_upload": Route(
        lambda p: reverse("projects:staged_upload", args=[staged_upload(p).pk]),
        get={"staff_a"},  # only the user who chose the file, administrators neither
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
    "projects:photo_site": Route(
        lambda p: reverse("projects:photo_site", args=[located_photo(p).pk]), post=EDITORS
    ),
    "projects:photo_original": Route(
        lambda p: reverse("projects:photo_original", args=[submitted(p).photos.get().pk]),
        get={"administrator"},  # the file as uploaded keeps its GPS position
        staff_own_only=False,
    ),
    "projects:document_add": Route(
        lambda p: reverse("projects:document_add", args=[p.pk]),
        get=EDITORS,
        post=EDITORS,
        data={"kind": "contract", "title": "新合同", "file": FreshFile("合同.pdf", TINY_PDF)},
    ),
    "projects:document_download": Route(
        lambda p: project_document(p).get_absolute_url(), get=READERS, staff_own_only=False
    ),
    "projects:document_delete": Route(
        lambda p: reverse("projects:document_delete", args=[project_document(p).pk]),
        get=EDITORS,
        post=EDITORS,
    ),
    "projects:report_transition:submit": Route(
        lambda p: reverse("projects:report_transition", args=[draft(p).pk, "submit"]),
        post=REPORTERS,
    ),
    "projects:report_transition:approve": Route(
        lambda p: reverse("projects:report_transition", args=[submitted(p).pk, "approve"]),
        post=REVIEWERS,
        data={"confirmed": "1"},
    ),
    "projects:report_transition:return": Route(
        lambda p: reverse("projects:report_transition", args=[submitted(p).pk, "return"]),
        post=REVIEWERS,
        data={"comment": "请补充照片", "confirmed": "1"},
    ),
    # 督办: staff see and act on their unit's problems and orders only; reviewers,
    # leaders and administrators assign, send back, strike off, issue and accept.
    "projects:problems": Route(
        lambda p: reverse("projects:problems"), get=READERS, staff_own_only=False
    ),
    "projects:problem": Route(
        lambda p: problem_in(p, Problem.Status.PENDING).get_absolute_url(), get=READERS
    ),
    "projects:problem_step:assign": Route(
        problem_step(Problem.Status.PENDING, "assign"),
        post=SUPERVISORS,
        data=lambda p: {
            "responsible_unit": p.responsible_unit_id,
            "deadline": IN_A_MONTH.isoformat(),
            "level": "key",
            "kind": "land",
            "comment": "",
        },
    ),
    "projects:problem_step:start": Route(
        problem_step(Problem.Status.ASSIGNED, "start"),
        post=ACTORS,
        data={"rectification_plan": "倒排工期，专人负责", "comment": ""},
    ),
    "projects:problem_step:progress": Route(
        problem_step(Problem.Status.IN_PROGRESS, "progress"),
        post=ACTORS,
        data={"progress": "已完成一半", "comment": ""},
    ),
    "projects:problem_step:resolve": Route(
        problem_step(Problem.Status.IN_PROGRESS, "resolve"),
        post=ACTORS,
        data={"comment": "已整改到位"},
    ),
    "projects:problem_step:return": Route(
        problem_step(Problem.Status.RESOLVED, "return"),
        post=SUPERVISORS,
        data={"comment": "整改不到位", "confirmed": "1"},
    ),
    "projects:problem_step:strike_off": Route(
        problem_step(Problem.Status.RESOLVED, "strike_off"),
        post=SUPERVISORS,  # none of them resolved it: staff A (or B) did
        data={"comment": "", "confirmed": "1"},
    ),
    "projects:problem_evidence": Route(
        lambda p: reverse(
            "projects:problem_evidence",
            args=[ProblemTransition.objects.get(problem__project=p).pk],
        ),
        get=READERS,
    ),
    "projects:problem_add": Route(
        lambda p: reverse("projects:problem_add", args=[p.pk]),
        get=RAISERS,
        post=RAISERS,
        data={"description": "新发现的问题", "kind": "other", "level": "normal", "comment": ""},
    ),
    "projects:problem_from_report": Route(
        lambda p: reverse("projects:problem_from_report", args=[submitted(p).pk, 1]),
        post=RAISERS,
    ),
    "projects:orders": Route(
        lambda p: reverse("projects:orders"), get=READERS, staff_own_only=False
    ),
    "projects:order": Route(
        lambda p: order_in(p, SupervisionOrder.Status.ISSUED).get_absolute_url(), get=READERS
    ),
    "projects:order_step:reply": Route(
        order_step(SupervisionOrder.Status.ISSUED, "reply"),
        post=ACTORS,
        data={"reply": "本周内完成整改", "rectify_by": "", "comment": ""},
    ),
    "projects:order_step:accept": Route(
        order_step(SupervisionOrder.Status.REPLIED, "accept"),
        post=SUPERVISORS,  # and the order's issuer, here the leader
        data={"comment": ""},
    ),
    "projects:order_step:return": Route(
        order_step(SupervisionOrder.Status.REPLIED, "return"),
        post=SUPERVISORS,
        data={"comment": "请细化整改措施"},
    ),
    "projects:order_add": Route(
        lambda p: reverse("projects:order_add", args=[p.pk]),
        get=SUPERVISORS,
        post=SUPERVISORS,
        data=lambda p: {
            "content": "请限期报送整改措施",
            "level": "key",
            "responsible_unit": p.responsible_unit_id,
            "reply_by": "within",
            "reply_within_working_days": "3",
        },
    ),
    "projects:meetings": Route(
        lambda p: reverse("projects:meetings"), get=READERS, staff_own_only=False
    ),
    "projects:meeting_add": Route(
        lambda p: reverse("projects:meeting_add"),
        get=SUPERVISORS,
        post=SUPERVISORS,
        data={"held_on": "2024-06-03", "title": "六月调度会"},
        staff_own_only=False,
    ),
    "projects:meeting": Route(
        lambda p: meeting().get_absolute_url(), get=READERS, staff_own_only=False
    ),
    "projects:meeting_edit": Route(
        lambda p: reverse("projects:meeting_edit", args=[meeting().pk]),
        get=SUPERVISORS,
        post=SUPERVISORS,
        data={"held_on": "2024-05-07", "title": "改过的调度会"},
        staff_own_only=False,
    ),
    "projects:meeting_decision": Route(
        lambda p: reverse("projects:meeting_decision", args=[meeting().pk]),
        post=SUPERVISORS,
        data=lambda p: {
            "kind": "problem",
            "project": p.pk,
            "text": "会议决定：限期完成征地",
            "level": "listed",
            "responsible_unit": p.responsible_unit_id,
            "deadline": IN_A_MONTH.isoformat(),
        },
    ),
    "projects:meeting_pack": Route(
        lambda p: reverse("projects:meeting_pack"), get=READERS, staff_own_only=False
    ),
    "projects:meeting_pack_xlsx": Route(
        lambda p: reverse("projects:meeting_pack_xlsx"), get=READERS, staff_own_only=False
    ),
    "projects:meeting_pack_pdf": Route(
        lambda p: reverse("projects:meeting_pack_pdf"), get=READERS, staff_own_only=False
    ),
    "projects:ranking": Route(
        lambda p: reverse("projects:ranking"), get=READERS, staff_own_only=False
    ),
    "projects:ranking_unit": Route(
        lambda p: reverse("projects:ranking_unit", args=[p.responsible_unit_id]),
        get=READERS,
        staff_own_only=False,
    ),
    # 前期手续
    "projects:approval_list": Route(
        lambda p: reverse("projects:approval_list"), get=READERS, staff_own_only=False
    ),
    "projects:approval_edit": Route(
        lambda p: reverse("projects:approval_edit", args=[p.approvals.get().pk]),
        get=EDITORS,
        post=EDITORS,
        data={
            "status": "in_progress",
            "responsible_person": "",
            "planned_date": "2024-06-01",
            "actual_date": "",
            "document_number": "",
            "note": "正在办理",
        },
    ),
    "projects:approvals_apply": Route(
        lambda p: reverse("projects:approvals_apply", args=[p.pk]), post=REVIEWERS
    ),
    # 资金
    "projects:fund_overview": Route(
        lambda p: reverse("projects:fund_overview"), get=READERS, staff_own_only=False
    ),
    "projects:funds": Route(
        lambda p: reverse("projects:funds", args=[p.pk]), get=READERS, staff_own_only=False
    ),
    "projects:fund_entry_add": Route(
        lambda p: reverse("projects:fund_entry_add", args=[p.pk]),
        post=EDITORS,
        data=lambda p: {
            "funding": p.fundings.get().pk,
            "kind": "paid",
            "date": "2024-03-01",
            "amount": "10",
            "document_number": "",
            "note": "",
        },
    ),
    "projects:funding_add": Route(
        lambda p: reverse("projects:funding_add", args=[p.pk]),
        post=EDITORS,
        data=lambda p: {"source": new_source().pk, "amount": "20", "note": ""},
    ),
    "projects:fund_entry_edit": Route(
        lambda p: reverse("projects:fund_entry_edit", args=[fund_entry(p).pk]),
        get=EDITORS,
        post=EDITORS,
        data=lambda p: {
            "funding": p.fundings.get().pk,
            "kind": "arrived",
            "date": "2024-02-01",
            "amount": "60",
            "document_number": "",
            "note": "",
        },
    ),
    "projects:fund_entry_delete": Route(
        lambda p: reverse("projects:fund_entry_delete", args=[fund_entry(p).pk]),
        get=EDITORS,
        post=EDITORS,
    ),
    # 入库纳统
    "projects:unregistered": Route(
        lambda p: reverse("projects:unregistered"), get=READERS, staff_own_only=False
    ),
    "projects:registration_record": Route(
        lambda p: reverse("projects:registration_record", args=[started(p).pk]),
        get=EDITORS,
        post=EDITORS,
        data={"statistics_registered_on": "2024-02-01"},
    ),
    "projects:registration_clear": Route(
        lambda p: reverse("projects:registration_clear", args=[registered(p).pk]),
        post={"administrator"},
        data={"confirmed": "1"},
    ),
    # 实物工作量
    "projects:target_add": Route(
        lambda p: reverse("projects:target_add", args=[p.pk]),
        get=EDITORS,
        post=EDITORS,
        data={
            "year": "2024",
            "name": "改造户数",
            "unit": "户",
            "planned_quantity": "5",
            "position": "2",
            "source_note": "",
        },
    ),
    "projects:target_edit": Route(
        lambda p: reverse("projects:target_edit", args=[p.physical_targets.get().pk]),
        get=EDITORS,
        post=EDITORS,
        data={
            "year": "2024",
            "name": "新增耕地",
            "unit": "亩",
            "planned_quantity": "250",
            "position": "1",
            "source_note": "",
        },
    ),
    "projects:target_delete": Route(
        lambda p: reverse("projects:target_delete", args=[p.physical_targets.get().pk]),
        get=EDITORS,
        post=EDITORS,
        data={"confirmed": "1"},
    ),
    # 计划基线
    "projects:baselines": Route(
        lambda p: reverse("projects:baselines"), get=READERS, staff_own_only=False
    ),
    "projects:baseline_year": Route(
        lambda p: reverse("projects:baseline_year", args=[2024]),
        get=READERS,
        staff_own_only=False,
    ),
    "projects:baseline_freeze": Route(
        lambda p: reverse("projects:baseline_freeze"),
        post={"administrator"},
        data={"year": "2024", "kind": "original", "reason": "年初冻结", "confirmed": "1"},
        staff_own_only=False,
    ),
}
#: URL names whose cells are split by an argument (the review and 督办 steps).
SPLIT = {
    "projects:report_transition": {"submit", "approve", "return"},
    "projects:problem_step": {"assign", "start", "progress", "resolve", "return", "strike_off"},
    "projects:order_step": {"reply", "accept", "return"},
}


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


def test_permission_matrix(capsys, world):
    clients = logged_in(world)
    cells = unauthorized = 0
    failures = []
    answers = {}
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
                    outcome = run_cell(clients[role], project, route, method, answers)
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


def logged_in(world, roles=ROLES) -> dict[str, Client]:
    """Return a client for each role, logged in once (the session outlives the cells'
    savepoints, and no URL of the matrix logs anyone in or out)."""
    clients = {role: Client() for role in roles}
    for role, client in clients.items():
        if role != "anonymous":
            client.force_login(world.users[role])
    return clients


#: The statements that change no row: a query (FOR UPDATE only locks) and savepoints.
READING = re.compile(r"\s*\(*\s*(SELECT|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


#: The session's own row: renewed once a minute while in use (shanwang/sessions.py), and
#: each cell's renewal rolled back with its savepoint, so that after the first minute
#: every request renews it. No session is part of a project's state.
SESSION_TABLE = Session._meta.db_table


class Writes:
    """Notes every statement on the connection that is not a read (see READING) nor the
    session's renewal (see SESSION_TABLE)."""

    def __init__(self):
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        self.seen = self.seen or not (READING.match(sql) or SESSION_TABLE in sql)
        return execute(sql, params, many, context)


def send_and_compare(client, method, url, data, project) -> tuple:
    """Send a request in a savepoint of its own and roll it back; return the response,
    whether the request changed ``state_of(project)`` and whether it wrote at all.

    Data changes only by a statement that writes, on this connection (the one database):
    a request that ran none (every statement a SELECT or a savepoint) changed nothing,
    and no snapshot is read. Otherwise the state after the request is compared with the
    state once its savepoint is rolled back, which is the state before it."""
    writes = Writes()
    with connection.execute_wrapper(writes), transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, data)
        after = state_of(project) if writes.seen else None
        transaction.set_rollback(True)
    return response, writes.seen and state_of(project) != after, writes.seen


def run_cell(client, project, route, method, answers: dict) -> dict:
    """Make one request in a savepoint; report whether it succeeded, then roll back.

    A URL that names no project (the dashboard, the ledgers, the briefing) is the same
    request on both sides: when the client's first one wrote nothing, it changed neither
    project, and ``answers`` gives its outcome to the same request again."""
    with transaction.atomic():
        url = route.url(project)
        data = route.payload(project) if method == "POST" else None
        request = (id(route), id(client), method, url, repr(data))
        if request in answers:
            transaction.set_rollback(True)
            return answers[request]
        response, changed, wrote = send_and_compare(client, method, url, data, project)
        sent_to_log_in = "/accounts/login/" in response.get("Location", "")
        answered = response.status_code < 400 and not sent_to_log_in
        # A GET succeeds when it is answered; a POST when it changes the data, or, on a
        # read-only URL, when it is answered at all.
        succeeded = changed or (answered and (method == "GET" or not route.post))
        transaction.set_rollback(True)
    outcome = {"succeeded": succeeded, "status": response.status_code, "changed": changed}
    if not wrote:
        answers[request] = outcome
    return outcome


def test_allowed_posts_really_change_the_data(client, world):
    """The matrix's POSTs are meaningful: made by an administrator, each one changes data."""
    for name, route in MATRIX.items():
        if not route.post:
            continue
        with transaction.atomic():
            client.force_login(world.users["administrator"])
            project = world.projects["own"]
            url = route.url(project)
            # As the matrix sees a change (the snapshots, and their shortcut for a request
            # that writes nothing), so this also proves that it sees each POST's.
            data = route.payload(project)
            response, changed, _wrote = send_and_compare(client, "POST", url, data, project)
            assert response.status_code == 302, (name, response.status_code)
            assert changed, name
            transaction.set_rollback(True)


def test_staff_cannot_reach_another_units_project_through_the_admin(client, world):
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


def test_readers_of_the_admin_are_reviewers_and_administrators(client, world):
    for role, expected in [
        ("staff_a", 302),
        ("leader", 302),
        ("reviewer", 200),
        ("administrator", 200),
    ]:
        client.force_login(world.users[role])
        assert client.get(reverse("admin:index")).status_code == expected, role


def test_querysets_agree_with_the_rules(world):
    """Project.objects.editable_by(user) lists exactly the projects the rules let them change."""
    ProjectFactory(name="无人负责的项目", total_investment=Decimal(1))
    for user in world.users.values():
        by_rules = {
            p.pk for p in Project.objects.all() if user.has_perm("projects.change_project", p)
        }
        by_sql = set(Project.objects.editable_by(user).values_list("pk", flat=True))
        assert by_rules == by_sql, user.username


# The admin: every row with a parent, moved or added there, and reverted ----------------

#: Who may use the admin in these cells: staff and the leader are given is_staff.
ADMIN_ROLES = [
    "anonymous",
    "staff_a",
    "staff_b",
    "reviewer",
    "leader",
    "administrator",
    "superuser",
]
ANY = {"administrator", "superuser"}
IN_A_MONTH = datetime.date.today() + datetime.timedelta(days=30)


def unit_staff(side: str) -> set[str]:
    """The staff member who answers for the projects of ``side``."""
    return {"staff_b"} if side == "other" else {"staff_a"}


def build_admin_world(matrix_world: World) -> World:
    """The matrix's world with the admin open to staff and the leader (is_staff), a
    superuser, a second project of unit A ("own2") with a draft report, and funding
    sources. The rows added here are the test's own: the module's world does not list them."""
    world = World(
        users=dict(matrix_world.users),
        projects=dict(matrix_world.projects),
        villages=dict(matrix_world.villages),
    )
    for role in ("staff_a", "staff_b", "leader"):
        world.users[role].is_staff = True
        world.users[role].save()
    world.users["superuser"] = UserFactory(username="superuser", is_staff=True, is_superuser=True)
    own = world.projects["own"]
    world.projects["own2"] = ProjectFactory(
        name="项目own2", stage=Project.Stage.PLANNING, responsible_unit=own.responsible_unit
    )
    ProgressReportFactory(
        project=world.projects["own2"],
        month=datetime.date(2024, 1, 1),
        status=ProgressReport.Status.DRAFT,
    )
    FundingSource.objects.get_or_create(name="专项债")
    FundingSource.objects.get_or_create(name="村集体")
    return world


@dataclass
class Parented:
    """A model whose rows hang on a parent, and who may change or add rows on each side."""

    model: type
    parent_field: str
    parent: Callable  # (world, side) -> the parent of that side
    make: Callable  # (parent) -> a saved row on it
    add_data: Callable  # (parent) -> the add form's data
    added: dict  # how the added row is found
    editors: Callable  # (side) -> roles who may move rows there (and away)
    adders: Callable  # (side) -> roles who may add rows there
    moves: tuple = (("own", "other"), ("other", "own"), ("own", "own2"))
    #: A change of the row's own fields, its parent kept (for rows whose parent never
    #: changes in the admin), and (side) -> the roles who may make it there.
    changes: dict = field(default_factory=dict)
    changers: Callable | None = None
    #: (row) -> sets what moves with the parent, for the revert's row to be consistent.
    follow: Callable | None = None


def project_side(world, side):
    return world.projects[side]


def draft_side(world, side):
    return draft(world.projects[side])


def village_side(world, side):
    return world.villages[side]


def unit_side(world, side):
    return world.projects[side].responsible_unit


def funding_side(world, side):
    """The funding row of ``side``'s project the fund entries hang on (made for "own2")."""
    source = FundingSource.objects.get_or_create(name="上级补助")[0]
    return Funding.objects.get_or_create(project=world.projects[side], source=source)[0]


def target_of(report):
    """The physical target of ``report``'s project for the report month's year."""
    return PhysicalTarget.objects.get_or_create(
        project=report.project,
        year=report.month.year,
        name="新增耕地",
        defaults={"unit": "亩", "planned_quantity": Decimal("200")},
    )[0]


def site_photo(name="matrix.jpg"):
    return SimpleUploadedFile(name, tiny_jpeg(), "image/jpeg")


ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=matrix-robot-key"
ACROSS = (("own", "other"), ("other", "own"))
PROJECT_EDITORS = lambda side: ANY | {"reviewer"} | unit_staff(side)  # noqa: E731
REPORT_EDITORS = lambda side: ANY | unit_staff(side)  # noqa: E731
PLAN_EDITORS = lambda side: ANY | {"reviewer"}  # noqa: E731  (staff: no model permission)
ADMINISTRATORS = lambda side: ANY  # noqa: E731
NOBODY = lambda side: set()  # noqa: E731

PARENTED = [
    Parented(
        Project,
        "responsible_unit",
        unit_side,
        lambda u: ProjectFactory(
            name="移动的项目", stage=Project.Stage.PLANNING, responsible_unit=u
        ),
        lambda u: {
            "name": "新增的项目",
            "category": Project.Category.INDUSTRIAL,
            "stage": Project.Stage.PLANNING,
            "responsible_unit": u.pk,
            **{
                f"{prefix}-{count}": "0"
                for prefix in inline_prefixes(Project)
                for count in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
        {"name": "新增的项目"},
        PLAN_EDITORS,  # who answers for a project: reviewers and administrators
        ADMINISTRATORS,
        ACROSS,
    ),
    Parented(
        Milestone,
        "project",
        project_side,
        lambda p: MilestoneFactory(project=p, title="移动的节点", due_date=IN_A_MONTH),
        lambda p: {"project": p.pk, "title": "新增的节点", "due_date": IN_A_MONTH},
        {"title": "新增的节点"},
        PROJECT_EDITORS,
        PROJECT_EDITORS,
    ),
    Parented(
        ProgressReport,
        "project",
        project_side,
        lambda p: ProgressReportFactory(
            project=p, month=datetime.date(2024, 6, 1), status=ProgressReport.Status.DRAFT
        ),
        lambda p: {
            "project": p.pk,
            "month": "2024-07-01",
            "physical_progress": "5",
            "investment_completed": "1",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
        {"month": datetime.date(2024, 7, 1)},
        REPORT_EDITORS,
        REPORT_EDITORS,
    ),
    Parented(
        ReportPhoto,
        "report",
        draft_side,
        lambda r: ReportPhoto.objects.create(report=r, image=site_photo(), caption="移动的照片"),
        lambda r: {"report": r.pk, "image": site_photo(), "caption": "新增的照片"},
        {"caption": "新增的照片"},
        ADMINISTRATORS,  # staff add photos but do not change them (no model permission)
        REPORT_EDITORS,
    ),
    Parented(
        Document,
        "project",
        project_side,
        lambda p: Document.objects.create(
            project=p, title="移动的文件", file=SimpleUploadedFile("m.pdf", TINY_PDF)
        ),
        lambda p: {
            "project": p.pk,
            "kind": "contract",
            "title": "新增的文件",
            "file": SimpleUploadedFile("a.pdf", TINY_PDF),
        },
        {"title": "新增的文件"},
        PLAN_EDITORS,  # staff upload on the project page; no model permission in the admin
        PLAN_EDITORS,
    ),
    # 督办: raised and issued in the admin through the services, by those who supervise
    # (leaders do not use the admin); an item never moves to another project there.
    Parented(
        Problem,
        "project",
        project_side,
        lambda p: ProblemFactory(project=p, description="移动的问题"),
        lambda p: {
            "project": p.pk,
            "description": "新增的问题",
            "kind": "other",
            "level": "normal",
            **{
                f"{prefix}-{count}": "0"
                for prefix in inline_prefixes(Problem)
                for count in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
        {"description": "新增的问题"},
        NOBODY,
        PLAN_EDITORS,
    ),
    Parented(
        SupervisionOrder,
        "project",
        project_side,
        lambda p: SupervisionOrderFactory(
            project=p, responsible_unit=p.responsible_unit, content="移动的督办单"
        ),
        lambda p: {
            "project": p.pk,
            "content": "新增的督办单",
            "level": "normal",
            "responsible_unit": p.responsible_unit.pk,
            "reply_deadline": IN_A_MONTH.isoformat(),
            **{
                f"{prefix}-{count}": "0"
                for prefix in inline_prefixes(SupervisionOrder)
                for count in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
        {"content": "新增的督办单"},
        NOBODY,
        PLAN_EDITORS,
    ),
    Parented(
        Funding,
        "project",
        project_side,
        lambda p: Funding.objects.create(
            project=p, source=FundingSource.objects.get(name="专项债")
        ),
        lambda p: {
            "project": p.pk,
            "source": FundingSource.objects.get(name="村集体").pk,
            "amount": "3",
            # The page's read-only list of the row's entries posts its management form.
            **{
                f"{prefix}-{count}": "0"
                for prefix in inline_prefixes(Funding)
                for count in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
        {"source__name": "村集体"},
        PLAN_EDITORS,
        PLAN_EDITORS,
    ),
    # 资金: an entry of money stays with its project (the service refuses another
    # project's funding row, for everyone); changed and added in the admin by
    # administrators only (no one else has a model permission on fund entries).
    Parented(
        FundEntry,
        "funding",
        funding_side,
        lambda f: FundEntry.objects.create(
            funding=f,
            kind="paid",
            date=datetime.date(2024, 3, 1),
            amount=Decimal("7"),
            note="移动的款项",
        ),
        lambda f: {
            "funding": f.pk,
            "kind": "allocated",
            "date": "2024-03-02",
            "amount": "8",
            "note": "新增的款项",
        },
        {"note": "新增的款项"},
        NOBODY,
        ADMINISTRATORS,
        changes={"note": "改过的款项"},
        changers=ADMINISTRATORS,
    ),
    Parented(
        AnnualPlan,
        "project",
        project_side,
        lambda p: AnnualPlan.objects.create(project=p, year=2025),
        lambda p: {"project": p.pk, "year": "2026", "planned_investment": "5"},
        {"year": 2026},
        PLAN_EDITORS,
        PLAN_EDITORS,
    ),
    # 前期手续 and 实物工作量: the project is read-only on an item's or a target's page
    # (a revert restores no read-only field), so neither moves; they are added and
    # changed by reviewers and administrators (staff, though the rule lets them update
    # their projects' approvals and targets in the app, have no model permission).
    Parented(
        ApprovalItem,
        "project",
        project_side,
        lambda p: ApprovalItem.objects.create(project=p, name="移动的手续", position=9),
        lambda p: {
            "project": p.pk,
            "name": "新增的手续",
            "position": "5",
            "status": "not_started",
        },
        {"name": "新增的手续"},
        NOBODY,
        PLAN_EDITORS,
        ACROSS,
        changes={"note": "改过的手续"},
        changers=PLAN_EDITORS,
    ),
    Parented(
        PhysicalTarget,
        "project",
        project_side,
        lambda p: PhysicalTarget.objects.create(
            project=p, year=2025, name="移动的目标", unit="个", planned_quantity=Decimal("5")
        ),
        lambda p: {
            "project": p.pk,
            "year": "2025",
            "name": "新增的目标",
            "unit": "个",
            "planned_quantity": "5",
            "position": "0",
        },
        {"name": "新增的目标"},
        NOBODY,
        PLAN_EDITORS,
        ACROSS,
        changes={"source_note": "改过的目标"},
        changers=PLAN_EDITORS,
    ),
    # A report's quantities, on their own page: under the report's rule (open reports,
    # by its unit's staff and administrators) and the model permissions (administrators
    # only); the report and the target stay.
    Parented(
        ReportedQuantity,
        "report",
        draft_side,
        lambda r: ReportedQuantity.objects.create(
            report=r, target=target_of(r), quantity=Decimal("3")
        ),
        lambda r: {"report": r.pk, "target": target_of(r).pk, "quantity": "4"},
        {"quantity": Decimal("4")},
        NOBODY,
        ADMINISTRATORS,
        ACROSS,
        changes={"quantity": Decimal("7")},
        changers=ADMINISTRATORS,
        follow=lambda row: setattr(row, "target", target_of(row.report)),
    ),
    Parented(
        WebhookChannel,
        "responsible_unit",
        unit_side,
        lambda u: WebhookChannel.objects.create(responsible_unit=u, kind="wecom", url=ROBOT),
        lambda u: {"responsible_unit": u.pk, "kind": "dingtalk", "url": ROBOT, "is_active": "on"},
        {"kind": "dingtalk"},
        ADMINISTRATORS,
        ADMINISTRATORS,
        ACROSS,
    ),
    Parented(
        ResponsibleUnit,
        "village",
        village_side,
        lambda v: ResponsibleUnit.objects.create(
            name="移动的村委", kind="village_committee", village=v
        ),
        lambda v: {"name": "新增的村委", "kind": "village_committee", "village": v.pk},
        {"name": "新增的村委"},
        ADMINISTRATORS,
        ADMINISTRATORS,
        ACROSS,
    ),
    Parented(
        CollectiveEnterprise,
        "village",
        village_side,
        lambda v: CollectiveEnterprise.objects.create(
            village=v, name="移动的合作社", kind="cooperative"
        ),
        lambda v: {
            "village": v.pk,
            "name": "新增的合作社",
            "kind": "cooperative",
            "status": "operating",
        },
        {"name": "新增的合作社"},
        ADMINISTRATORS,
        ADMINISTRATORS,
        ACROSS,
    ),
    Parented(
        CollectiveIncome,
        "village",
        village_side,
        lambda v: CollectiveIncome.objects.create(village=v, year=2022, amount=Decimal(1)),
        lambda v: {"village": v.pk, "year": "2021", "amount": "2"},
        {"year": 2021},
        ADMINISTRATORS,
        ADMINISTRATORS,
        ACROSS,
    ),
    Parented(
        SpecialtyProduct,
        "village",
        village_side,
        lambda v: SpecialtyProduct.objects.create(village=v, name="移动的特产"),
        lambda v: {"village": v.pk, "name": "新增的特产"},
        {"name": "新增的特产"},
        ADMINISTRATORS,
        ADMINISTRATORS,
        ACROSS,
    ),
    Parented(
        Honour,
        "village",
        village_side,
        lambda v: Honour.objects.create(village=v, title="移动的荣誉", year=2022),
        lambda v: {"village": v.pk, "title": "新增的荣誉", "year": "2021"},
        {"title": "新增的荣誉"},
        ADMINISTRATORS,
        ADMINISTRATORS,
        ACROSS,
    ),
]
#: Rows with a parent the admin does not change: records of who did what, the ledger,
#: and a frozen plan baseline's entries (read-only, for superusers too: a record of the
#: plan as it was, tested in tests/projects/baselines/test_stays_put.py).
NOT_CHANGED_IN_THE_ADMIN = {StageTransition, ReportTransition, Reminder, PlanBaselineEntry}
PARENTS = {Project, ProgressReport, Village, ResponsibleUnit, Funding}


@dataclass
class AdminCell:
    """One thing tried in the admin: ``prepare(world, user)`` makes what it needs and
    returns the URL, the data to post and a check of whether it was done."""

    name: str
    allowed: set
    prepare: Callable


def parent_of(row, spec):
    return getattr(type(row).objects.get(pk=row.pk), spec.parent_field)


def move_cell(spec, source, target):
    def prepare(world, user):
        row = spec.make(spec.parent(world, source))
        goal = spec.parent(world, target)
        data = admin_form_data(row, **{spec.parent_field: goal})
        return admin_url(spec.model, "change", row.pk), data, lambda: parent_of(row, spec) == goal

    allowed = spec.editors(source) & spec.editors(target)
    return AdminCell(f"{spec.model.__name__}: move {source}→{target}", allowed, prepare)


def revert_cell(spec, source, target):
    def prepare(world, user):
        goal = spec.parent(world, target)
        row = spec.make(goal)  # first on the target's parent, then moved to the source's
        setattr(row, spec.parent_field, spec.parent(world, source))
        if spec.follow:
            spec.follow(row)
        row.save()
        version = row.history.earliest()
        return revert_url(row, version), revert_data(version), lambda: parent_of(row, spec) == goal

    allowed = spec.editors(source) & spec.editors(target)
    return AdminCell(f"{spec.model.__name__}: revert {source}→{target}", allowed, prepare)


def edit_cell(spec, side):
    def prepare(world, user):
        row = spec.make(spec.parent(world, side))
        data = admin_form_data(row, **spec.changes)
        changed = type(row).objects.filter(pk=row.pk, **spec.changes).exists
        return admin_url(spec.model, "change", row.pk), data, changed

    return AdminCell(f"{spec.model.__name__}: change on {side}", spec.changers(side), prepare)


def add_cell(spec, target):
    def prepare(world, user):
        goal = spec.parent(world, target)
        found = spec.model.objects.filter(**{spec.parent_field: goal}, **spec.added)
        return admin_url(spec.model, "add"), spec.add_data(goal), found.exists

    return AdminCell(f"{spec.model.__name__}: add on {target}", spec.adders(target), prepare)


def workflow_revert_cell(name, make):
    """A revert to a version in another workflow state: it never restores that state."""

    def prepare(world, user):
        obj, field_name, old_state = make(world)
        version = obj.history.filter(**{field_name: old_state}).latest()
        return (
            revert_url(obj, version),
            revert_data(version),
            lambda: getattr(type(obj).objects.get(pk=obj.pk), field_name) == old_state,
        )

    return AdminCell(name, set(), prepare)


def project_in(before, after):
    def make(world):
        project = world.projects["own"]
        for stage in (before, after):
            project.stage = stage
            project.location = f"地点{stage}"
            project.save()
        return project, "stage", before

    return make


def report_in(after):
    def make(world):
        report = draft(world.projects["own"])
        report.narrative = "草稿的内容"
        report.save()
        report.status, report.submitted_by = after, world.users["staff_a"]
        report.narrative = "后来的内容"
        report.save()
        return report, "status", ProgressReport.Status.DRAFT

    return make


def approved_report(world):
    return ProgressReportFactory(
        project=world.projects["own"],
        month=datetime.date(2024, 4, 1),
        status=ProgressReport.Status.APPROVED,
    )


def report_exists(report):
    return lambda: ProgressReport.objects.filter(pk=report.pk).exists()


def edit_submitted(world, user):
    report = submitted(world.projects["own"])
    data = admin_form_data(report, investment_completed="999")
    done = lambda: ProgressReport.objects.get(pk=report.pk).investment_completed == 999  # noqa: E731
    return admin_url(ProgressReport, "change", report.pk), data, done


def photo_on_approved(world, user):
    report = approved_report(world)
    data = {"report": report.pk, "image": site_photo(), "caption": "批准后的照片"}
    return admin_url(ReportPhoto, "add"), data, report.photos.exists


def delete_page(world, user):
    report = approved_report(world)
    url = admin_url(ProgressReport, "delete", report.pk)
    return url, {"post": "yes"}, lambda: not report_exists(report)()


def delete_action(world, user):
    report = approved_report(world)
    data = {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"}
    return admin_url(ProgressReport, "changelist"), data, lambda: not report_exists(report)()


def delete_in_project_inline(world, user):
    report = approved_report(world)
    project = report.project
    data = admin_form_data(project)
    data.update(
        {
            "progress_reports-TOTAL_FORMS": "1",
            "progress_reports-INITIAL_FORMS": "1",
            "progress_reports-0-id": report.pk,
            "progress_reports-0-project": project.pk,
            "progress_reports-0-DELETE": "on",
        }
    )
    url = admin_url(Project, "change", project.pk)
    return url, data, lambda: not report_exists(report)()


def delete_project_with_approved_report(world, user):
    report = approved_report(world)
    url = admin_url(Project, "delete", report.project.pk)
    return url, {"post": "yes"}, lambda: not report_exists(report)()


def approve_own_edit(world, user):
    """A draft whose content ``user`` saved, then submitted by staff A."""
    report = ProgressReportFactory(
        project=world.projects["own"],
        month=datetime.date(2024, 5, 1),
        status=ProgressReport.Status.DRAFT,
    )
    report.narrative = "改过的内容"
    report._history_user = user
    report.save()
    report.status, report.submitted_by = ProgressReport.Status.SUBMITTED, world.users["staff_a"]
    report.save()
    return approve(report)


def approve_anothers(world, user):
    return approve(submitted(world.projects["own"]))


def approve(report):
    data = {"action": "approve", "_selected_action": [report.pk]}
    approved = lambda: ProgressReport.objects.get(pk=report.pk).status == "approved"  # noqa: E731
    return admin_url(ProgressReport, "changelist"), data, approved


def entry_to_source(world, user):
    entry = FundEntry.objects.create(
        funding=funding_side(world, "own"),
        kind="paid",
        date=datetime.date(2024, 3, 1),
        amount=Decimal("7"),
    )
    goal = Funding.objects.create(
        project=world.projects["own"], source=FundingSource.objects.get(name="专项债")
    )
    data = admin_form_data(entry, funding=goal)
    moved = lambda: FundEntry.objects.get(pk=entry.pk).funding == goal  # noqa: E731
    return admin_url(FundEntry, "change", entry.pk), data, moved


def foreign_document(world, user):
    item = ApprovalItem.objects.get(project=world.projects["own"], name="施工许可")
    document = Document.objects.get(project=world.projects["other"])
    data = admin_form_data(item, document=document)
    attached = lambda: ApprovalItem.objects.get(pk=item.pk).document == document  # noqa: E731
    return admin_url(ApprovalItem, "change", item.pk), data, attached


def quantity_on_submitted(world, user):
    report = submitted(world.projects["own"])
    data = {"report": report.pk, "target": target_of(report).pk, "quantity": "4"}
    return admin_url(ReportedQuantity, "add"), data, report.quantities.exists


def foreign_target(world, user):
    report = draft(world.projects["own"])
    data = {"report": report.pk, "target": target_of(draft(world.projects["other"])).pk}
    data["quantity"] = "4"
    return admin_url(ReportedQuantity, "add"), data, report.quantities.exists


def admin_cells() -> list[AdminCell]:
    Status, Stage = ProgressReport.Status, Project.Stage
    cells = []
    for spec in PARENTED:
        for source, target in spec.moves:
            cells.append(move_cell(spec, source, target))
            cells.append(revert_cell(spec, source, target))
        for target in ("own", "other"):
            cells.append(add_cell(spec, target))
            if spec.changers is not None:
                cells.append(edit_cell(spec, target))
    cells += [
        workflow_revert_cell(
            "Project: revert cancelled → planning", project_in(Stage.PLANNING, Stage.CANCELLED)
        ),
        workflow_revert_cell(
            "Project: revert suspended → under construction",
            project_in(Stage.UNDER_CONSTRUCTION, Stage.SUSPENDED),
        ),
        workflow_revert_cell(
            "ProgressReport: revert submitted → draft", report_in(Status.SUBMITTED)
        ),
        workflow_revert_cell("ProgressReport: revert returned → draft", report_in(Status.RETURNED)),
        AdminCell("ProgressReport: edit a submitted report", set(), edit_submitted),
        AdminCell("ReportPhoto: add to an approved report", set(), photo_on_approved),
        AdminCell("ProgressReport: delete an approved one (page)", set(), delete_page),
        AdminCell("ProgressReport: delete an approved one (action)", set(), delete_action),
        AdminCell(
            "ProgressReport: delete an approved one (project inline)",
            set(),
            delete_in_project_inline,
        ),
        AdminCell(
            "Project: delete one with an approved report",
            set(),
            delete_project_with_approved_report,
        ),
        AdminCell("ProgressReport: approve a report one edited", set(), approve_own_edit),
        AdminCell(
            "ProgressReport: approve another's report",
            {"reviewer", "administrator", "superuser"},
            approve_anothers,
        ),
        AdminCell("FundEntry: move to another source of its project", ANY, entry_to_source),
        AdminCell("ApprovalItem: attach another project's document", set(), foreign_document),
        AdminCell("ReportedQuantity: add to a submitted report", set(), quantity_on_submitted),
        AdminCell("ReportedQuantity: add for another project's target", set(), foreign_target),
    ]
    return cells


def run_admin_cell(client, world, role, cell) -> bool:
    """Try one admin cell in a savepoint with ``role``'s client (logged in once, as the
    matrix's: no admin cell logs anyone in or out or changes a user); return whether it
    was done, then roll back."""
    with transaction.atomic():
        user = world.users.get(role)
        url, data, done = cell.prepare(world, user)
        client.post(url, data)
        succeeded = done()
        transaction.set_rollback(True)
    return succeeded


def test_every_model_with_a_parent_is_in_the_admin_matrix():
    """A new model that hangs on a project, a report, a village, a unit or a funding row
    joins the matrix."""
    from django.contrib import admin

    parented = {
        model
        for model in admin.site._registry
        if any(
            field.many_to_one and field.related_model in PARENTS
            for field in model._meta.get_fields()
        )
    }
    assert parented - NOT_CHANGED_IN_THE_ADMIN == {spec.model for spec in PARENTED}


def test_admin_permission_matrix(capsys, world):
    """In the admin, for every role, superusers included: a row moves to or is added on a
    parent, or comes back there by a revert, only when the rules allow it on the old and
    the new parent; a revert never restores a workflow's state; the report rules hold."""
    world = build_admin_world(world)
    clients = logged_in(world, ADMIN_ROLES)
    cells = unauthorized = 0
    failures = []
    for cell in admin_cells():
        for role in ADMIN_ROLES:
            cells += 1
            expected = role in cell.allowed
            succeeded = run_admin_cell(clients[role], world, role, cell)
            if succeeded and not expected:
                unauthorized += 1
            if succeeded != expected:
                failures.append((cell.name, role, expected, succeeded))
    with capsys.disabled():
        print(
            f"\nadmin permission matrix: {cells} cells tried, {unauthorized} unauthorized"
            f" successes, {len(failures)} cells different from the rules"
        )
    assert unauthorized == 0, failures
    assert failures == []
