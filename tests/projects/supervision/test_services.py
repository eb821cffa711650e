"""The write side of 督办 (projects/supervision/services.py): every step for the right and
the wrong people, nothing half-saved, the steps recorded, audited and noticed."""

import datetime
import io
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from projects.alerts import ledger
from projects.models import (
    CalendarDay,
    Problem,
    ProblemTransition,
    Reminder,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from projects.supervision import services
from projects.supervision.workflow import available_order_steps, available_problem_steps
from tests.factories import (
    ProblemFactory,
    ProgressReportFactory,
    ProjectFactory,
    SupervisionOrderFactory,
)
from tests.pictures import evidence_exif, site_picture

from .cast import IN_A_WEEK, cast_fixture  # noqa: F401

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TINY_PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
ROLES = (
    "staff_a",
    "staff_b",
    "contact",
    "reviewer",
    "leader",
    "administrator",
    "superuser",
    "outsider",
)
SUPERVISORS = {"reviewer", "leader", "administrator", "superuser"}
UNIT_A = {"staff_a", "administrator", "superuser"}


@pytest.fixture(autouse=True)
def notices(monkeypatch):
    """The steps handed to the alert ledger (its own tests cover what it makes of them)."""
    recorded = []
    monkeypatch.setattr(ledger, "record_supervision_step", recorded.append, raising=False)
    return recorded


@pytest.fixture
def audit(caplog):
    caplog.set_level(logging.INFO, logger="shanwang.audit")
    return caplog


def events(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "shanwang.audit"]


def in_status(cast, status, **fields):
    """A problem of unit A in ``status``, as the steps before would have left it."""
    if status != Problem.Status.PENDING:
        fields.setdefault("responsible_unit", cast.unit_a)
        fields.setdefault("deadline", IN_A_WEEK)
    if status == Problem.Status.RESOLVED:
        fields.setdefault("resolved_by", cast.staff_a)
        fields.setdefault("resolved_on", TODAY)
    return ProblemFactory(project=cast.project, status=status, **fields)


def who_may(cast, attempt) -> set[str]:
    """Return the roles for whom ``attempt(user)`` succeeds, each tried in a savepoint
    that is rolled back."""
    allowed = set()
    for role in ROLES:
        with transaction.atomic():
            try:
                attempt(getattr(cast, role))
                allowed.add(role)
            except PermissionDenied:
                pass
            transaction.set_rollback(True)
    return allowed


def pdf(name="整改报告.pdf"):
    return SimpleUploadedFile(name, TINY_PDF, "application/pdf")


def photo_with_gps(name="IMG_2024_现场.jpg"):
    buffer = io.BytesIO()
    site_picture(3).save(buffer, "JPEG", exif=evidence_exif())
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


# Raising -------------------------------------------------------------------------------


def test_who_raises_a_problem_on_a_project(cast):
    """Staff who manage the project, reviewers, leaders and administrators raise one."""
    allowed = who_may(
        cast,
        lambda user: services.problem_raise(
            acting_user=user, project=cast.project, description="征地未完成"
        ),
    )
    assert allowed == {"staff_a", "contact"} | SUPERVISORS


def test_a_raised_problem_is_pending_with_its_step_and_audit_line(cast, audit):
    problem = services.problem_raise(
        acting_user=cast.staff_a,
        project=cast.project,
        description="资金未到位",
        kind=Problem.Kind.FUNDING,
        comment="月报中提出",
    )
    assert problem.status == Problem.Status.PENDING
    assert problem.raised_by == cast.staff_a
    step = problem.transitions.get()
    assert (step.from_status, step.to_status, step.acting_user, step.comment) == (
        "pending",
        "pending",
        cast.staff_a,
        "月报中提出",
    )
    assert problem.history.get().history_user == cast.staff_a
    assert any('"problem_raised"' in line for line in events(audit))


def test_raised_with_unit_and_deadline_by_a_reviewer_it_is_assigned_at_once(cast, notices):
    problem = services.problem_raise(
        acting_user=cast.reviewer,
        project=cast.project,
        description="施工许可未办",
        level=Problem.Level.KEY,
        responsible_unit=cast.unit_b,
        responsible_person=cast.staff_b,
        deadline=IN_A_WEEK,
    )
    assert problem.status == Problem.Status.ASSIGNED
    steps = list(problem.transitions.order_by("pk").values_list("from_status", "to_status"))
    assert steps == [("pending", "pending"), ("pending", "assigned")]
    assert notices == [problem.transitions.order_by("pk").last()]


def test_staff_cannot_assign_while_raising(cast):
    with pytest.raises(PermissionDenied):
        services.problem_raise(
            acting_user=cast.staff_a,
            project=cast.project,
            description="x",
            responsible_unit=cast.unit_b,
            deadline=IN_A_WEEK,
        )
    assert not Problem.objects.exists()


def test_a_bad_deadline_or_person_saves_nothing(cast):
    with pytest.raises(ValidationError) as raised:
        services.problem_raise(
            acting_user=cast.reviewer,
            project=cast.project,
            description="x",
            responsible_unit=cast.unit_b,
            responsible_person=cast.staff_a,  # of unit A
            deadline=YESTERDAY,
        )
    assert set(raised.value.message_dict) == {"deadline", "responsible_person"}
    assert not Problem.objects.exists() and not ProblemTransition.objects.exists()


def test_a_description_too_long_is_refused_on_its_field(cast):
    with pytest.raises(ValidationError) as raised:
        services.problem_raise(
            acting_user=cast.reviewer, project=cast.project, description="长" * 2001
        )
    assert "description" in raised.value.message_dict
    assert not Problem.objects.exists()


# From a monthly report: one tap per line, once -------------------------------------------


def test_each_report_line_becomes_one_problem_once(cast):
    report = ProgressReportFactory(
        project=cast.project, status="submitted", problems="1. 征地未完成\n\n2、资金未到位\n"
    )
    first = services.problem_from_report_line(acting_user=cast.reviewer, report=report, line=2)
    again = services.problem_from_report_line(acting_user=cast.staff_a, report=report, line=2)
    assert again == first
    assert (first.description, first.source_report, first.source_line) == (
        "2、资金未到位",
        report,
        2,
    )
    assert first.status == Problem.Status.PENDING
    assert Problem.objects.count() == 1 and ProblemTransition.objects.count() == 1
    other = services.problem_from_report_line(acting_user=cast.reviewer, report=report, line=1)
    assert other.description == "1. 征地未完成"


def test_a_report_line_that_does_not_exist_or_a_draft_is_refused(cast):
    report = ProgressReportFactory(project=cast.project, status="submitted", problems="一个问题")
    with pytest.raises(ValidationError) as raised:
        services.problem_from_report_line(acting_user=cast.reviewer, report=report, line=2)
    assert "line" in raised.value.message_dict
    draft = ProgressReportFactory(
        project=cast.project, month=datetime.date(2024, 2, 1), status="draft", problems="草稿问题"
    )
    with pytest.raises(ValidationError):
        services.problem_from_report_line(acting_user=cast.reviewer, report=draft, line=1)
    assert not Problem.objects.exists()


def test_staff_of_another_unit_cannot_take_a_report_line(cast):
    report = ProgressReportFactory(project=cast.project, status="approved", problems="问题")
    with pytest.raises(PermissionDenied):
        services.problem_from_report_line(acting_user=cast.staff_b, report=report, line=1)


# The steps of a problem, for every role -------------------------------------------------


@pytest.mark.parametrize(
    ("status", "step", "fields", "allowed"),
    [
        ("pending", "assign", {"responsible_unit": "unit_a", "deadline": IN_A_WEEK}, SUPERVISORS),
        ("assigned", "assign", {"responsible_unit": "unit_b", "deadline": IN_A_WEEK}, SUPERVISORS),
        ("assigned", "start", {"rectification_plan": "先协调征地"}, UNIT_A),
        ("in_progress", "progress", {"progress": "已完成一半"}, UNIT_A),
        ("in_progress", "resolve", {"comment": "已交地"}, UNIT_A),
        ("resolved", "return", {"comment": "未见交地文件"}, SUPERVISORS),
        ("resolved", "strike_off", {}, SUPERVISORS),
    ],
)
def test_who_takes_each_step(cast, status, step, fields, allowed):
    """Staff of the responsible unit work on it (not staff of another unit, nor the
    project's contact person outside the unit); reviewers, leaders and administrators
    assign, send back and strike off; superusers as administrators."""
    problem = in_status(cast, status)
    fields = {
        name: getattr(cast, value) if name == "responsible_unit" else value
        for name, value in fields.items()
    }
    result = who_may(
        cast,
        lambda user: services.problem_step(acting_user=user, problem=problem, step=step, **fields),
    )
    assert result == allowed
    problem.refresh_from_db()
    assert problem.status == status and problem.transitions.count() == 0


def test_the_responsible_person_acts_though_outside_the_unit(cast):
    problem = in_status(cast, "assigned", responsible_person=cast.contact)
    services.problem_step(
        acting_user=cast.contact, problem=problem, step="start", rectification_plan="方案"
    )
    assert Problem.objects.get(pk=problem.pk).status == Problem.Status.IN_PROGRESS


def test_the_whole_loop_is_recorded(cast, notices, audit):
    """待交办 → 已交办 → 办理中 → 已办结 → 退回重办 → 已办结 → 已销号, each step a transition;
    resolving sets who and when, sending back clears them, striking off records who."""
    problem = services.problem_raise(
        acting_user=cast.staff_a, project=cast.project, description="x"
    )
    services.problem_step(
        acting_user=cast.reviewer,
        problem=problem,
        step="assign",
        responsible_unit=cast.unit_a,
        responsible_person=cast.staff_a,
        deadline=IN_A_WEEK,
        level=Problem.Level.KEY,
        comment="请甲单位办理",
    )
    services.problem_step(
        acting_user=cast.staff_a, problem=problem, step="start", rectification_plan="协调"
    )
    services.problem_step(
        acting_user=cast.staff_a, problem=problem, step="progress", progress="过半"
    )
    services.problem_step(
        acting_user=cast.staff_a, problem=problem, step="resolve", comment="已解决", evidence=pdf()
    )
    problem.refresh_from_db()
    assert (problem.resolved_by, problem.resolved_on) == (cast.staff_a, TODAY)
    returned = services.problem_step(
        acting_user=cast.reviewer, problem=problem, step="return", comment="证据不足"
    )
    problem.refresh_from_db()
    assert problem.status == "in_progress" and problem.resolved_by is None
    assert problem.resolved_on is None
    services.problem_step(acting_user=cast.staff_a, problem=problem, step="resolve", comment="补")
    services.problem_step(acting_user=cast.reviewer, problem=problem, step="strike_off")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.STRUCK_OFF
    assert (problem.struck_off_by, problem.struck_off_on) == (cast.reviewer, TODAY)
    assert (problem.level, problem.rectification_plan, problem.progress) == ("key", "协调", "过半")
    assert list(problem.transitions.order_by("pk").values_list("to_status", "acting_user")) == [
        ("pending", cast.staff_a.pk),
        ("assigned", cast.reviewer.pk),
        ("in_progress", cast.staff_a.pk),
        ("in_progress", cast.staff_a.pk),
        ("resolved", cast.staff_a.pk),
        ("in_progress", cast.reviewer.pk),
        ("resolved", cast.staff_a.pk),
        ("struck_off", cast.reviewer.pk),
    ]
    assigned = problem.transitions.get(to_status="assigned")
    assert notices == [assigned, returned]
    logged = events(audit)
    for event in ("problem_assign", "problem_start", "problem_resolve", "problem_strike_off"):
        assert any(f'"{event}"' in line for line in logged), event


@pytest.mark.parametrize("resolver", ["administrator", "superuser"])
def test_whoever_resolved_a_problem_does_not_strike_it_off(cast, resolver):
    """Four eyes, for administrators and superusers as for anyone."""
    user = getattr(cast, resolver)
    problem = in_status(cast, "in_progress")
    services.problem_step(acting_user=user, problem=problem, step="resolve", comment="办结")
    with pytest.raises(PermissionDenied, match="须由他人核实销号"):
        services.problem_step(acting_user=user, problem=problem, step="strike_off")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED
    assert [step.name for step in available_problem_steps(problem, user)] == ["return"]
    services.problem_step(acting_user=cast.leader, problem=problem, step="strike_off")


def test_the_database_backs_the_four_eyes(cast):
    problem = in_status(cast, "resolved")
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.filter(pk=problem.pk).update(struck_off_by=cast.staff_a)


def test_a_step_from_the_wrong_status_or_unknown_is_refused(cast):
    problem = in_status(cast, "pending")
    for step in ("start", "resolve", "strike_off", "jump"):
        with pytest.raises(ValidationError):
            services.problem_step(acting_user=cast.administrator, problem=problem, step=step)
    assert not ProblemTransition.objects.exists()


@pytest.mark.parametrize(
    ("status", "step", "fields", "field"),
    [
        ("pending", "assign", {"deadline": IN_A_WEEK}, "responsible_unit"),
        ("pending", "assign", {"responsible_unit": None}, "deadline"),
        ("pending", "assign", {"deadline": YESTERDAY, "responsible_unit": True}, "deadline"),
        ("assigned", "start", {"rectification_plan": "  "}, "rectification_plan"),
        ("in_progress", "progress", {}, "progress"),
        ("in_progress", "resolve", {"comment": ""}, "comment"),
        ("resolved", "return", {}, "comment"),
        ("in_progress", "resolve", {"comment": "x", "evidence": "text"}, "evidence"),
        ("resolved", "return", {"comment": "x", "evidence": "pdf"}, "evidence"),
    ],
)
def test_a_bad_field_saves_nothing(cast, status, step, fields, field):
    problem = in_status(cast, status)
    if fields.get("responsible_unit") is True:
        fields["responsible_unit"] = cast.unit_a
    if fields.get("evidence") == "text":
        fields["evidence"] = SimpleUploadedFile("evil.pdf.exe", b"MZ not a photo", "image/jpeg")
    elif fields.get("evidence") == "pdf":
        fields["evidence"] = pdf()
    before = Problem.objects.values().get(pk=problem.pk)
    with pytest.raises(ValidationError) as raised:
        services.problem_step(acting_user=cast.administrator, problem=problem, step=step, **fields)
    assert field in raised.value.message_dict
    assert Problem.objects.values().get(pk=problem.pk) == before
    assert not ProblemTransition.objects.exists()


def test_a_step_sets_only_its_own_fields(cast):
    problem = in_status(cast, "in_progress")
    with pytest.raises(ValidationError):
        services.problem_step(
            acting_user=cast.administrator,
            problem=problem,
            step="progress",
            progress="过半",
            deadline=IN_A_WEEK,
        )


def test_evidence_is_checked_and_stored_under_a_name_of_ours(cast):
    """A document is kept as it is; a photo as its copy without GPS position; neither
    under the user's file name."""
    problem = in_status(cast, "in_progress")
    progress = services.problem_step(
        acting_user=cast.staff_a,
        problem=problem,
        step="progress",
        progress="过半",
        evidence=photo_with_gps(),
    )
    resolved = services.problem_step(
        acting_user=cast.staff_a, problem=problem, step="resolve", comment="x", evidence=pdf()
    )
    assert resolved.evidence.name.startswith("problems/") and resolved.evidence.name.endswith(
        ".pdf"
    )
    assert "整改报告" not in resolved.evidence.name
    assert resolved.evidence.read() == TINY_PDF
    assert "IMG_2024" not in progress.evidence.name
    with Image.open(progress.evidence) as stored:
        assert not stored.getexif().get_ifd(0x8825)  # no GPS


# Editing a problem ---------------------------------------------------------------------


def test_problem_update_changes_the_description_only_for_supervisors(cast, audit):
    problem = in_status(cast, "assigned")
    with pytest.raises(PermissionDenied):
        services.problem_update(acting_user=cast.staff_a, problem=problem, description="改")
    services.problem_update(
        acting_user=cast.reviewer, problem=problem, description="改后", level="listed"
    )
    problem.refresh_from_db()
    assert (problem.description, problem.level) == ("改后", "listed")
    assert any('"problem_changed"' in line for line in events(audit))
    for field, value in (("status", "struck_off"), ("deadline", IN_A_WEEK)):
        with pytest.raises(ValidationError):
            services.problem_update(
                acting_user=cast.administrator, problem=problem, **{field: value}
            )


# Supervision orders -------------------------------------------------------------------


def issue(cast, user=None, **fields):
    fields.setdefault("reply_within_working_days", 3)
    return services.order_issue(
        acting_user=user or cast.reviewer,
        project=cast.project,
        content="限三个工作日内报送整改措施",
        responsible_unit=cast.unit_a,
        **fields,
    )


def test_who_issues_an_order(cast):
    assert who_may(cast, lambda user: issue(cast, user)) == SUPERVISORS


def test_an_issued_order_has_its_step_and_notice(cast, notices, audit):
    order = issue(cast, level="listed")
    assert (order.status, order.issued_by, order.issued_on) == ("issued", cast.reviewer, TODAY)
    step = order.transitions.get()
    assert (step.from_status, step.to_status, step.comment) == (
        "issued",
        "issued",
        "限三个工作日内报送整改措施",
    )
    assert notices == [step]
    assert order.colour == "red"
    assert any('"order_issued"' in line for line in events(audit))


def test_the_reply_deadline_counts_working_days_across_a_holiday(cast):
    """Three working days from today, over the admins' calendar: a holiday and a weekend
    day are skipped, an adjusted working Sunday counts."""
    plan = [False, True, False, False, True, True, True]  # today + 1 … today + 7
    for offset, working in enumerate(plan, start=1):
        CalendarDay.objects.create(
            date=TODAY + datetime.timedelta(days=offset),
            is_working_day=working,
            name="" if working else "测试假日",
        )
    order = issue(cast, reply_within_working_days=3)
    assert order.reply_deadline == TODAY + datetime.timedelta(days=6)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reply_within_working_days": None}, "reply_deadline"),
        ({"reply_deadline": IN_A_WEEK}, "reply_deadline"),  # both given
        ({"reply_within_working_days": 0}, "reply_within_working_days"),
        ({"reply_within_working_days": 31}, "reply_within_working_days"),
        ({"reply_within_working_days": None, "reply_deadline": YESTERDAY}, "reply_deadline"),
        ({"responsible_person": "staff_b"}, "responsible_person"),
        ({"problem": "elsewhere"}, "problem"),
    ],
)
def test_a_bad_order_saves_nothing(cast, fields, field):
    if fields.get("responsible_person"):
        fields["responsible_person"] = cast.staff_b
    if fields.get("problem"):
        fields["problem"] = ProblemFactory(project=ProjectFactory())
    with pytest.raises(ValidationError) as raised:
        issue(cast, **fields)
    assert field in raised.value.message_dict
    assert not SupervisionOrder.objects.exists()
    assert not SupervisionOrderTransition.objects.exists()


@pytest.mark.parametrize(
    ("status", "step", "fields", "allowed"),
    [
        ("issued", "reply", {"reply": "三日内完成"}, UNIT_A),
        ("returned", "reply", {"reply": "重新报送"}, UNIT_A),
        ("replied", "accept", {}, SUPERVISORS),
        ("replied", "return", {"comment": "措施不具体"}, SUPERVISORS),
    ],
)
def test_who_takes_each_order_step(cast, status, step, fields, allowed):
    order = SupervisionOrderFactory(
        project=cast.project, responsible_unit=cast.unit_a, status=status, issued_by=cast.reviewer
    )
    result = who_may(
        cast,
        lambda user: services.order_step(acting_user=user, order=order, step=step, **fields),
    )
    assert result == allowed
    assert SupervisionOrder.objects.get(pk=order.pk).status == status


def test_an_order_is_replied_sent_back_and_accepted(cast, notices):
    order = issue(cast)
    replied = services.order_step(
        acting_user=cast.staff_a, order=order, step="reply", reply="整改措施", rectify_by=IN_A_WEEK
    )
    order.refresh_from_db()
    assert (order.status, order.replied_by, order.replied_on, order.rectify_by) == (
        "replied",
        cast.staff_a,
        TODAY,
        IN_A_WEEK,
    )
    with pytest.raises(ValidationError) as raised:
        services.order_step(acting_user=cast.reviewer, order=order, step="return")
    assert "comment" in raised.value.message_dict
    sent_back = services.order_step(
        acting_user=cast.reviewer, order=order, step="return", comment="不具体"
    )
    order.refresh_from_db()
    assert [step.name for step in available_order_steps(order, cast.staff_a)] == ["reply"]
    with pytest.raises(ValidationError) as raised:
        services.order_step(acting_user=cast.staff_a, order=order, step="reply", reply=" ")
    assert "reply" in raised.value.message_dict
    services.order_step(acting_user=cast.staff_a, order=order, step="reply", reply="具体措施")
    services.order_step(acting_user=cast.leader, order=order, step="accept")
    order.refresh_from_db()
    assert order.status == "accepted"
    assert [step.to_status for step in order.transitions.order_by("pk")] == [
        "issued",
        "replied",
        "returned",
        "replied",
        "accepted",
    ]
    assert notices[:3] == [order.transitions.order_by("pk").first(), replied, sent_back]
    assert len(notices) == 4  # the acceptance tells no one


def test_a_reply_promising_a_past_date_is_refused(cast):
    order = issue(cast)
    with pytest.raises(ValidationError) as raised:
        services.order_step(
            acting_user=cast.staff_a, order=order, step="reply", reply="x", rectify_by=YESTERDAY
        )
    assert "rectify_by" in raised.value.message_dict
    assert SupervisionOrder.objects.get(pk=order.pk).status == "issued"


# Scheduling meetings ------------------------------------------------------------------


def test_a_meeting_is_recorded_and_changed_by_supervisors(cast, audit):
    with pytest.raises(PermissionDenied):
        services.meeting_save(acting_user=cast.staff_a, held_on=TODAY, title="调度会")
    meeting = services.meeting_save(
        acting_user=cast.reviewer,
        held_on=TODAY,
        title="五月调度会",
        chair=cast.leader,
        attendees=[cast.staff_a, cast.staff_b],
    )
    assert meeting.recorded_by == cast.reviewer
    services.meeting_save(acting_user=cast.leader, meeting=meeting, notes="纪要")
    meeting.refresh_from_db()
    assert meeting.notes == "纪要" and meeting.attendees.count() == 2
    with pytest.raises(ValidationError):
        services.meeting_save(acting_user=cast.leader, meeting=meeting, next_meeting_on=YESTERDAY)
    assert SchedulingMeeting.objects.get().next_meeting_on is None
    assert any('"meeting_recorded"' in line for line in events(audit))


def test_a_decision_becomes_an_assigned_problem_or_an_issued_order(cast, notices):
    meeting = services.meeting_save(acting_user=cast.reviewer, held_on=TODAY, title="调度会")
    decision = {
        "acting_user": cast.leader,
        "meeting": meeting,
        "project": cast.project,
        "text": "本月底前完成交地",
        "level": "listed",
        "responsible_unit": cast.unit_b,
        "responsible_person": cast.staff_b,
        "deadline": IN_A_WEEK,
    }
    problem = services.meeting_decide(kind="problem", **decision)
    order = services.meeting_decide(kind="order", **decision)
    assert (problem.status, problem.meeting, problem.deadline) == ("assigned", meeting, IN_A_WEEK)
    assert (order.status, order.meeting, order.reply_deadline) == ("issued", meeting, IN_A_WEEK)
    assert len(notices) == 2
    with pytest.raises(ValidationError) as raised:
        services.meeting_decide(kind="problem", **{**decision, "deadline": None, "text": ""})
    assert set(raised.value.message_dict) == {"deadline", "text"}
    with pytest.raises(ValidationError) as raised:
        services.meeting_decide(kind="order", **{**decision, "deadline": YESTERDAY})
    assert set(raised.value.message_dict) == {"deadline"}
    with pytest.raises(PermissionDenied):
        services.meeting_decide(kind="problem", **{**decision, "acting_user": cast.staff_a})
    assert Problem.objects.count() == 1 and SupervisionOrder.objects.count() == 1


def test_the_assignment_notice_reaches_the_unit_through_the_real_ledger(cast, monkeypatch):
    """With the alert ledger itself (not the list above): the unit's staff member is
    told once of the assignment, the reviewer who assigned it not at all."""
    monkeypatch.undo()  # the autouse ``notices`` stub
    problem = services.problem_raise(
        acting_user=cast.reviewer,
        project=cast.project,
        description="用地未交付",
        responsible_unit=cast.unit_b,
        deadline=IN_A_WEEK,
    )
    told = Reminder.objects.filter(problem=problem, kind=Reminder.Kind.PROBLEM_ASSIGNED)
    assert set(told.exclude(recipient=None).values_list("recipient", flat=True)) == {
        cast.staff_b.pk
    }
    assert ledger.record_supervision_step(problem.transitions.get(to_status="assigned")) == 0
