"""The scheduling meeting's pack (调度会材料) for a past day D lists exactly what stood on
that day: the red and yellow projects, the problems open (and overdue) at the end of D by
unit, the previous meeting's decisions with their status then, the milestones open and
due before the next meeting. Checked against an independent reading of the stored rows
and steps (plain Python over the fields, not the querysets under test), in all three
forms: the page, the workbook's cells and the PDF's text."""

import datetime
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import (
    Milestone,
    Problem,
    ProblemTransition,
    Project,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from projects.querysets import Light
from projects.rules import Role
from projects.supervision.pack import meeting_pack
from shanwang import printing
from tests.cast import person
from tests.conftest import need
from tests.factories import (
    MilestoneFactory,
    ProblemFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    SchedulingMeetingFactory,
    SupervisionOrderFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date(2024, 6, 14)
Status = Problem.Status
OrderStatus = SupervisionOrder.Status


def days(offset: int) -> datetime.date:
    return D + datetime.timedelta(days=offset)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def recorded(model, row, day: datetime.date, hour: int = 9):
    model.objects.filter(pk=row.pk).update(created_at=at(day, hour))


@dataclass
class Seeded:
    meeting: SchedulingMeeting
    red: Project
    yellow: Project


@pytest.fixture
def seeded() -> Seeded:
    """Units 甲 and 乙, their projects and the ledger's history around D."""
    reviewer = person("reviewer", Role.REVIEWER)
    unit_a = ResponsibleUnitFactory(name="甲单位")
    unit_b = ResponsibleUnitFactory(name="乙单位")
    red = ProjectFactory(name="预警项目甲", responsible_unit=unit_a)
    yellow = ProjectFactory(name="预警项目乙", responsible_unit=unit_b)
    quiet = ProjectFactory(name="平稳项目", responsible_unit=unit_b)
    later = ProjectFactory(name="后建项目", responsible_unit=unit_a)
    for project in (red, yellow, quiet):
        recorded(Project, project, days(-90))
    recorded(Project, later, days(3))
    # The lights on D: a milestone 40 days overdue (red), one 5 days overdue (yellow);
    # the later project's overdue milestone does not count, it did not exist yet.
    MilestoneFactory(project=red, title="久逾期节点", due_date=days(-40))
    MilestoneFactory(project=yellow, title="新逾期节点", due_date=days(-5))
    MilestoneFactory(project=later, title="后建节点", due_date=days(-40))

    old = SchedulingMeetingFactory(title="五月前调度会", held_on=days(-60))
    previous = SchedulingMeetingFactory(title="上次调度会", held_on=days(-30))
    meeting = SchedulingMeetingFactory(title="本次调度会", held_on=D, next_meeting_on=days(20))
    SchedulingMeetingFactory(title="下次调度会", held_on=days(5))

    def problem(description, unit, status, steps, *, deadline=None, created=-30, **fields):
        item = ProblemFactory(
            project=fields.pop("project", red if unit == unit_a else yellow),
            description=description,
            responsible_unit=unit,
            status=status,
            deadline=deadline,
            **fields,
        )
        recorded(Problem, item, days(created))
        for day, hour, from_status, to_status in steps:
            transition = ProblemTransition.objects.create(
                problem=item, acting_user=reviewer, from_status=from_status, to_status=to_status
            )
            ProblemTransition.objects.filter(pk=transition.pk).update(at=at(days(day), hour))
        return item

    assigned = (-20, 9, Status.PENDING, Status.ASSIGNED)
    started = (-15, 9, Status.ASSIGNED, Status.IN_PROGRESS)
    problem(
        "问题甲逾期",
        unit_a,
        Status.IN_PROGRESS,
        [assigned, started],
        deadline=days(-5),
        meeting=previous,
    )
    problem(
        "问题甲D后办结",
        unit_a,
        Status.STRUCK_OFF,
        [
            assigned,
            started,
            (3, 9, Status.IN_PROGRESS, Status.RESOLVED),
            (5, 9, Status.RESOLVED, Status.STRUCK_OFF),
        ],
        deadline=days(10),
        meeting=previous,
    )
    problem(
        "问题乙D前销号",
        unit_b,
        Status.STRUCK_OFF,
        [
            assigned,
            started,
            (-10, 9, Status.IN_PROGRESS, Status.RESOLVED),
            (-3, 9, Status.RESOLVED, Status.STRUCK_OFF),
        ],
        deadline=days(-5),
        meeting=previous,
    )
    problem(
        "问题乙待核实",
        unit_b,
        Status.RESOLVED,
        [assigned, started, (-2, 9, Status.IN_PROGRESS, Status.RESOLVED)],
        deadline=days(-5),
    )
    problem(
        "问题乙D日晚销号",
        unit_b,
        Status.STRUCK_OFF,
        [
            assigned,
            started,
            (-1, 9, Status.IN_PROGRESS, Status.RESOLVED),
            (0, 22, Status.RESOLVED, Status.STRUCK_OFF),
        ],
        deadline=days(-5),
    )
    problem("问题甲D后登记", unit_a, Status.ASSIGNED, [], deadline=days(-1), created=2)
    problem("问题未交办", None, Status.PENDING, [], created=-3, project=quiet)
    problem("问题旧会决定", unit_a, Status.ASSIGNED, [], deadline=days(30), meeting=old)

    def order(content, status, steps, *, reply_deadline, meeting=previous):
        item = SupervisionOrderFactory(
            project=yellow,
            content=content,
            responsible_unit=unit_b,
            issued_by=reviewer,
            issued_on=days(-30),
            reply_deadline=reply_deadline,
            status=status,
            meeting=meeting,
        )
        recorded(SupervisionOrder, item, days(-30))
        for day, from_status, to_status in steps:
            transition = SupervisionOrderTransition.objects.create(
                order=item, acting_user=reviewer, from_status=from_status, to_status=to_status
            )
            SupervisionOrderTransition.objects.filter(pk=transition.pk).update(at=at(days(day)))
        return item

    order(
        "督办D后回复",
        OrderStatus.REPLIED,
        [(1, OrderStatus.ISSUED, OrderStatus.REPLIED)],
        reply_deadline=days(-25),
    )
    order(
        "督办已采纳",
        OrderStatus.ACCEPTED,
        [
            (-26, OrderStatus.ISSUED, OrderStatus.REPLIED),
            (-20, OrderStatus.REPLIED, OrderStatus.ACCEPTED),
        ],
        reply_deadline=days(-25),
    )
    order("督办旧会", OrderStatus.ISSUED, [], reply_deadline=days(-25), meeting=old)

    def milestone(title, due, *, completed=None, created=-60, project=quiet):
        item = MilestoneFactory(
            project=project,
            title=title,
            due_date=days(due),
            completed_on=days(completed) if completed is not None else None,
        )
        recorded(Milestone, item, days(created))

    milestone("节点D日到期", 0)
    milestone("节点五天后", 5)
    milestone("节点二十五天后", 25)  # after the next meeting, within 30 days
    milestone("节点D前完成", 3, completed=-1)
    milestone("节点D后完成", 3, completed=2)
    milestone("节点已逾期", -1, project=yellow)
    milestone("节点D后新增", 4, created=1)
    milestone("节点后建项目", 4, project=later)
    return Seeded(meeting=meeting, red=red, yellow=yellow)


# The independent reading ------------------------------------------------------------------


def end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) + (
        datetime.timedelta(days=1)
    )


def status_then(item, steps, day: datetime.date) -> str:
    """The status at the end of ``day``: the latest step's by then, else the first later
    step's starting status, else the status now."""
    steps = sorted(steps, key=lambda step: (step.at, step.pk))
    before = [step for step in steps if step.at < end_of(day)]
    if before:
        return before[-1].to_status
    return steps[0].from_status if steps else item.status


def problems_then(day: datetime.date) -> dict[str, dict]:
    """Every problem recorded by the end of ``day``, with its status and lateness then."""
    steps = {}
    for step in ProblemTransition.objects.all():
        steps.setdefault(step.problem_id, []).append(step)
    found = {}
    for problem in Problem.objects.all():
        if problem.created_at >= end_of(day):
            continue
        status = status_then(problem, steps.get(problem.pk, []), day)
        found[problem.description] = {
            "status": status,
            "open": status != Status.STRUCK_OFF,
            "overdue": status in (Status.PENDING, Status.ASSIGNED, Status.IN_PROGRESS)
            and problem.deadline is not None
            and problem.deadline < day,
            "unit": problem.responsible_unit.name if problem.responsible_unit else None,
            "meeting": problem.meeting_id,
        }
    return found


def orders_then(day: datetime.date) -> dict[str, dict]:
    steps = {}
    for step in SupervisionOrderTransition.objects.all():
        steps.setdefault(step.order_id, []).append(step)
    return {
        order.content: {
            "status": (status := status_then(order, steps.get(order.pk, []), day)),
            "overdue": status in (OrderStatus.ISSUED, OrderStatus.RETURNED)
            and order.reply_deadline < day,
            "meeting": order.meeting_id,
        }
        for order in SupervisionOrder.objects.all()
        if order.created_at < end_of(day)
    }


def milestones_then(day: datetime.date, until: datetime.date) -> set[str]:
    return {
        milestone.title
        for milestone in Milestone.objects.select_related("project")
        if milestone.created_at < end_of(day)
        and milestone.project.created_at < end_of(day)
        and day <= milestone.due_date < until
        and (milestone.completed_on is None or milestone.completed_on > day)
    }


@dataclass
class Expected:
    open: set[str]
    overdue: set[str]
    by_unit: dict
    decisions: dict[str, str]
    orders: dict[str, str]
    milestones: set[str]
    previous: SchedulingMeeting


def expected(meeting: SchedulingMeeting | None) -> Expected:
    problems = problems_then(D)
    previous = (
        SchedulingMeeting.objects.filter(held_on__lt=meeting.held_on if meeting else D)
        .order_by("-held_on", "-pk")
        .first()
    )
    by_unit = {}
    for description, then in problems.items():
        if then["open"]:
            by_unit.setdefault(then["unit"], set()).add(description)
    until = (meeting.next_meeting_on if meeting else None) or D + datetime.timedelta(days=30)
    return Expected(
        open={name for name, then in problems.items() if then["open"]},
        overdue={name for name, then in problems.items() if then["open"] and then["overdue"]},
        by_unit=by_unit,
        decisions={
            name: then["status"]
            for name, then in problems.items()
            if then["meeting"] == previous.pk
        },
        orders={
            name: then["status"]
            for name, then in orders_then(D).items()
            if then["meeting"] == previous.pk
        },
        milestones=milestones_then(D, until),
        previous=previous,
    )


# The pack ---------------------------------------------------------------------------------


class TestThePack:
    def test_the_independent_reading_is_what_the_story_says(self, seeded):
        """A guard on the guard: the hand-made history reads as intended."""
        want = expected(seeded.meeting)
        assert want.open == {
            "问题甲逾期",
            "问题甲D后办结",
            "问题乙待核实",
            "问题未交办",
            "问题旧会决定",
        }
        assert want.overdue == {"问题甲逾期"}
        assert want.decisions == {
            "问题甲逾期": Status.IN_PROGRESS,
            "问题甲D后办结": Status.IN_PROGRESS,
            "问题乙D前销号": Status.STRUCK_OFF,
        }
        assert want.orders == {
            "督办D后回复": OrderStatus.ISSUED,
            "督办已采纳": OrderStatus.ACCEPTED,
        }
        assert want.milestones == {"节点D日到期", "节点五天后", "节点D后完成"}
        assert "节点二十五天后" in expected(None).milestones

    @pytest.mark.parametrize("for_meeting", [True, False])
    def test_lists_exactly_what_stood_at_the_end_of_the_day(self, seeded, for_meeting):
        meeting = seeded.meeting if for_meeting else None
        want = expected(meeting)
        pack = meeting_pack(on=D, meeting=meeting)

        assert [project.name for project in pack.red_and_yellow] == ["预警项目甲", "预警项目乙"]
        assert [project.light for project in pack.red_and_yellow] == [Light.RED, Light.YELLOW]
        assert all(project.light_explanation() for project in pack.red_and_yellow)

        listed = {p.description for group in pack.units for p in group.problems}
        assert listed == want.open
        assert {
            (group.unit.name if group.unit else None): {p.description for p in group.problems}
            for group in pack.units
        } == want.by_unit
        for group in pack.units:
            assert group.open_count == len(group.problems)
            assert group.overdue_count == sum(p.description in want.overdue for p in group.problems)
        assert {p.description for g in pack.units for p in g.problems if p.overdue} == want.overdue
        assert (pack.open_count, pack.overdue_count) == (len(want.open), len(want.overdue))
        # The unit with an overdue problem first, the unassigned ones last.
        assert [group.unit.name if group.unit else None for group in pack.units] == [
            "甲单位",
            "乙单位",
            None,
        ]

        assert pack.previous_meeting == want.previous
        assert {p.description: p.status for p in pack.previous_problems} == want.decisions
        assert {o.content: o.status for o in pack.previous_orders} == want.orders
        assert {o.content for o in pack.previous_orders if o.overdue} == {"督办D后回复"}
        assert {m.title for m in pack.milestones} == want.milestones

    def test_a_staff_member_sees_the_items_of_their_unit(self, seeded):
        staff = person("staff.b", Role.STAFF)
        seeded.yellow.responsible_unit.members.add(staff)
        pack = meeting_pack(on=D, meeting=seeded.meeting, user=staff)
        # Unit 乙's problem, and the one on a project of unit 乙 not yet assigned.
        assert {p.description for g in pack.units for p in g.problems} == {
            "问题乙待核实",
            "问题未交办",
        }
        assert [p.description for p in pack.previous_problems] == ["问题乙D前销号"]
        assert {o.content for o in pack.previous_orders} == {"督办D后回复", "督办已采纳"}
        assert pack.scope == f"user{staff.pk}"


@pytest.fixture
def reviewer_client(client, seeded):
    client.force_login(person("pack.reader", Role.REVIEWER))
    return client


def pack_query(meeting) -> str:
    return f"?date={D:%Y-%m-%d}&meeting={meeting.pk}"


class TestThreeForms:
    def test_the_page(self, reviewer_client, seeded):
        want = expected(seeded.meeting)
        response = reviewer_client.get(
            reverse("projects:meeting_pack") + pack_query(seeded.meeting)
        )
        assert response.status_code == 200
        page = response.content.decode()

        def ids(testid: str, attribute: str) -> set[int]:
            table = re.search(rf'data-testid="{testid}".*?</table>', page, re.S)[0]
            return {int(pk) for pk in re.findall(rf'data-{attribute}="(\d+)"', table)}

        def pks(model, names, field):
            return set(model.objects.filter(**{f"{field}__in": names}).values_list("pk", flat=True))

        assert ids("pack-attention", "project") == {seeded.red.pk, seeded.yellow.pk}
        assert ids("pack-problems", "problem") == pks(Problem, want.open, "description")
        assert ids("pack-decisions", "problem") == pks(Problem, want.decisions, "description")
        assert ids("pack-decisions", "order") == pks(SupervisionOrder, want.orders, "content")
        assert ids("pack-milestones", "milestone") == pks(Milestone, want.milestones, "title")
        assert 'data-testid="pack-xlsx"' in page

    def test_the_workbook(self, reviewer_client, seeded):
        want = expected(seeded.meeting)
        response = reviewer_client.get(
            reverse("projects:meeting_pack_xlsx") + pack_query(seeded.meeting)
        )
        assert response.status_code == 200
        assert "2024-06-14.xlsx" in response["Content-Disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        [attention, units, problems, decisions, milestones] = workbook.worksheets

        def column(sheet, index: int) -> list:
            # Row 1 holds the sheet's note, row 2 the headers.
            return [row[index] for row in sheet.iter_rows(min_row=3, values_only=True)]

        assert column(attention, 1) == ["预警项目甲", "预警项目乙"]
        counts = list(units.iter_rows(min_row=3, values_only=True))
        assert counts[:2] == [("甲单位", 3, 1), ("乙单位", 1, 0)]
        assert counts[2][1:] == (1, 0) and len(counts) == 3
        assert set(column(problems, 2)) == want.open
        assert set(column(decisions, 2)) == {*want.decisions, *want.orders}
        assert set(column(milestones, 2)) == want.milestones
        assert column(milestones, 0) == sorted(column(milestones, 0))
        assert all(isinstance(day, datetime.datetime) for day in column(milestones, 0))

    def test_the_pdf(self, reviewer_client, seeded, settings, tmp_path):
        need(printing.chromium_path() is not None, "Chromium is not installed")
        settings.VAR_DIR = tmp_path
        want = expected(seeded.meeting)
        response = reviewer_client.get(
            reverse("projects:meeting_pack_pdf") + pack_query(seeded.meeting)
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        document = response.getvalue()
        boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", document)
        assert boxes and all(
            (round(float(width)), round(float(height))) == (595, 842) for width, height in boxes
        )
        text = "".join(pdf_text(document).split())
        shown = {
            name
            for name in (
                *problems_then(D),
                *orders_then(D),
                *Milestone.objects.values_list("title", flat=True),
            )
            if name in text
        }
        listed = want.open | set(want.decisions) | set(want.orders) | want.milestones
        # The lights' reasons name the oldest overdue milestone of each project.
        assert shown == listed | {"久逾期节点", "新逾期节点"}
        assert "预警项目甲" in text and "预警项目乙" in text and "平稳项目" in text


# Reading a PDF printed by Chromium ---------------------------------------------------------

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
STREAM = re.compile(rb"^(.*?)stream\r?\n(.*)\r?\nendstream$", re.S)
HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
TEXT_OPERATORS = re.compile(rb"/(F\d+) [\d.]+ Tf|\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|(ET)", re.S)


def pdf_text(document: bytes) -> str:
    """Return the text of a PDF printed by Chromium (Skia): each font's ToUnicode map
    applied to the strings of each page's content, one line per text object. Skia writes
    every string in hex, one byte per glyph for its Type3 fonts and two for Type0.

    The text is NFKC-normalised: a CJK font maps the glyph of 山 or 日 to its Kangxi
    radical too (⼭, ⽇), and the PDF may name either. (The CJK radicals supplement has
    no such decomposition: ⻩ stays, so the tests' data avoid 黄.)"""
    heads, streams = {}, {}
    for number, body in OBJECT.findall(document):
        match = STREAM.match(body)
        if match:
            head, data = match.groups()
            streams[int(number)] = zlib.decompress(data) if b"/FlateDecode" in head else data
            heads[int(number)] = head
        else:
            heads[int(number)] = body
    fonts = {}
    for number, head in heads.items():
        unicode_map = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if b"/Type /Font" in head and unicode_map:
            width = 2 if b"/Subtype /Type0" in head else 1
            fonts[number] = (width, _to_unicode(streams[int(unicode_map[1])]))
    lines = []
    for head in heads.values():
        if not re.search(rb"/Type /Page\b", head):
            continue
        names = dict(re.findall(rb"/(F\d+) (\d+) 0 R", head))
        content = streams[int(re.search(rb"/Contents (\d+) 0 R", head)[1])]
        font, line = (1, {}), []
        for token in TEXT_OPERATORS.finditer(content):
            if token[1]:
                font = fonts[int(names[token[1]])]
            elif token[4]:
                lines.append("".join(line))
                line = []
            else:
                width, mapping = font
                strings = [token[3]] if token[3] is not None else HEX.findall(token[2])
                for string in strings:
                    codes = bytes.fromhex(re.sub(rb"\s", b"", string).decode())
                    line.extend(
                        mapping.get(int.from_bytes(codes[index : index + width]), "")
                        for index in range(0, len(codes), width)
                    )
    return unicodedata.normalize("NFKC", "\n".join(lines))


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = int(start, 16)
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = chr(first + offset)
    return mapping
