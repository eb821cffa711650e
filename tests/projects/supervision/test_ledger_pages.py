"""The problem ledger's pages (问题台账): the list each role sees and its filters, a
problem's page, every step of the loop through its forms (400 with the message beside
the field on bad input, a confirmation before 退回重办 and 销号), the evidence download,
a problem raised on a project, the one tap from a report's line, the project page's
section, and query counts that do not grow with the ledger."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Problem, ProblemTransition, ProgressReport
from projects.supervision import services
from tests.factories import ProblemFactory, ProgressReportFactory, ProjectFactory

from .cast import IN_A_WEEK, cast_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LEDGER = reverse("projects:problems")
CONFIRM_BUTTON = 'name="confirmed" value="1"'
TINY_PDF = b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
Status = Problem.Status


def signed_in(user) -> Client:
    """A client of ``user`` that reads the pages in English (the msgids)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def step_url(problem, step):
    return reverse("projects:problem_step", args=[problem.pk, step])


def assigned(cast, **fields) -> Problem:
    """A problem of the cast's project assigned to unit B (its staff member acts on it)."""
    values = {"description": "征地未完成", "responsible_unit": cast.unit_b, "deadline": IN_A_WEEK}
    values.update(fields)
    return services.problem_raise(acting_user=cast.reviewer, project=cast.project, **values)


def listed(response) -> list[str]:
    return [row.record.description for row in response.context["table"].page.object_list]


@pytest.fixture
def ledger(cast):
    """Problems of three kinds and units: one of unit A's project, one assigned to unit
    B, an overdue 挂牌督办 one of another project, and one struck off."""
    other = ProjectFactory(name="乙村厂房")
    return {
        "pending": services.problem_raise(
            acting_user=cast.staff_a,
            project=cast.project,
            description="用地手续未办",
            kind=Problem.Kind.LAND,
        ),
        "assigned": assigned(cast, description="资金未到位", kind=Problem.Kind.FUNDING),
        "overdue": ProblemFactory(
            project=other,
            description="施工许可逾期",
            kind=Problem.Kind.APPROVALS,
            level=Problem.Level.LISTED,
            status=Status.ASSIGNED,
            responsible_unit=cast.unit_b,
            deadline=TODAY - datetime.timedelta(days=2),
        ),
        "struck_off": ProblemFactory(
            project=other, description="旧问题已销号", status=Status.STRUCK_OFF
        ),
        "other": other,
    }


class TestTheList:
    def test_each_role_sees_its_problems_and_a_user_without_a_role_none(self, cast, ledger):
        everything = {"用地手续未办", "资金未到位", "施工许可逾期", "旧问题已销号"}
        # Staff A: their project's problems (unit A answers for it), not unit B's elsewhere.
        assert set(listed(signed_in(cast.staff_a).get(LEDGER))) == {"用地手续未办", "资金未到位"}
        # Staff B: the two assigned to unit B.
        assert set(listed(signed_in(cast.staff_b).get(LEDGER))) == {"资金未到位", "施工许可逾期"}
        for supervisor in (cast.reviewer, cast.leader, cast.administrator):
            assert set(listed(signed_in(supervisor).get(LEDGER))) == everything
        assert signed_in(cast.outsider).get(LEDGER).status_code == 403
        assert Client().get(LEDGER).status_code == 302  # to the log-in page

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("status=pending", ["用地手续未办"]),
            ("level=listed", ["施工许可逾期"]),
            ("kind=funding", ["资金未到位"]),
            ("overdue=on", ["施工许可逾期"]),
        ],
    )
    def test_each_filter(self, cast, ledger, query, expected):
        assert listed(signed_in(cast.reviewer).get(f"{LEDGER}?{query}")) == expected

    def test_the_unit_project_and_mine_filters(self, cast, ledger):
        reviewer = signed_in(cast.reviewer)
        by_unit = listed(reviewer.get(f"{LEDGER}?responsible_unit={cast.unit_b.pk}"))
        assert by_unit == ["施工许可逾期", "资金未到位"]  # by deadline
        by_project = listed(reviewer.get(f"{LEDGER}?project={ledger['other'].pk}"))
        assert set(by_project) == {"施工许可逾期", "旧问题已销号"}
        assert set(listed(signed_in(cast.staff_b).get(f"{LEDGER}?mine=on"))) == {
            "资金未到位",
            "施工许可逾期",
        }
        # Staff A sees the problems of the project their unit answers for; none is theirs.
        assert listed(signed_in(cast.staff_a).get(f"{LEDGER}?mine=on")) == []

    @pytest.mark.parametrize(
        ("search", "expected"),
        [
            ("乙村", {"施工许可逾期", "旧问题已销号"}),  # the project's name
            ("YiCun", {"施工许可逾期", "旧问题已销号"}),  # its pinyin
            ("yccf", {"施工许可逾期", "旧问题已销号"}),  # its initials
            ("资金", {"资金未到位"}),  # the problem's description
        ],
    )
    def test_the_search_by_project_or_description(self, cast, ledger, search, expected):
        assert set(listed(signed_in(cast.reviewer).get(LEDGER, {"q": search}))) == expected

    def test_the_project_is_searched_not_listed_and_a_project_link_keeps_it(self, cast, ledger):
        other = ledger["other"]
        page = signed_in(cast.reviewer).get(LEDGER, {"project": other.pk}).content.decode()
        # No list of every project (thousands at district scale): a hidden field keeps
        # the project page's filter when the search is used.
        assert f'<input type="hidden" name="project" value="{other.pk}"' in page
        assert 'name="q"' in page and '<select name="project"' not in page

    def test_sorted_by_deadline_and_sortable(self, cast, ledger):
        reviewer = signed_in(cast.reviewer)
        # By deadline, those without one last.
        assert listed(reviewer.get(LEDGER))[:2] == ["施工许可逾期", "资金未到位"]
        assert listed(reviewer.get(f"{LEDGER}?sort=-deadline"))[0] == "资金未到位"
        assert reviewer.get(f"{LEDGER}?sort=project&per_page=10").status_code == 200

    def test_the_page_marks_levels_and_lateness(self, cast, ledger):
        page = signed_in(cast.reviewer).get(LEDGER).content.decode()
        assert 'data-level="listed"' in page and "text-bg-danger" in page
        assert 'data-overdue="1"' in page
        assert f'href="{ledger["overdue"].get_absolute_url()}"' in page
        assert 'id="problem-results"' in page  # the part htmx swaps

    def test_a_description_is_escaped(self, cast):
        assigned(cast, description="<script>alert(1)</script>")
        page = signed_in(cast.reviewer).get(LEDGER).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class TestTheProblemPage:
    def test_it_shows_the_problem_to_those_who_see_it_and_refuses_others(self, cast, ledger):
        problem = ledger["assigned"]
        url = problem.get_absolute_url()
        for user in (cast.staff_a, cast.staff_b, cast.reviewer, cast.leader, cast.administrator):
            response = signed_in(user).get(url)
            assert response.status_code == 200, user
            assert "资金未到位" in response.content.decode()
        assert signed_in(cast.staff_b).get(ledger["pending"].get_absolute_url()).status_code == 403
        assert signed_in(cast.outsider).get(url).status_code == 403
        assert (
            signed_in(cast.reviewer).get(reverse("projects:problem", args=[9999])).status_code
            == 404
        )

    def test_it_offers_each_user_the_steps_they_may_take(self, cast, ledger):
        problem = ledger["assigned"]
        unit_page = signed_in(cast.staff_b).get(problem.get_absolute_url()).content.decode()
        assert 'data-testid="step-start"' in unit_page
        assert 'data-testid="step-assign"' not in unit_page
        reviewer_page = signed_in(cast.reviewer).get(problem.get_absolute_url()).content.decode()
        assert 'data-testid="step-assign"' in reviewer_page
        assert 'data-testid="step-start"' not in reviewer_page
        # The reassignment starts from the problem's unit and deadline.
        assert f'<option value="{cast.unit_b.pk}" selected>' in reviewer_page
        assert f'value="{IN_A_WEEK.isoformat()}"' in reviewer_page
        # Staff A sees the problem (their project) but acts for unit A, not B.
        staff_a_page = signed_in(cast.staff_a).get(problem.get_absolute_url()).content.decode()
        assert 'data-testid="step-' not in staff_a_page

    def test_an_overdue_problem_says_so(self, cast, ledger):
        page = signed_in(cast.reviewer).get(ledger["overdue"].get_absolute_url()).content.decode()
        assert 'data-testid="problem-deadline"' in page
        assert 'class="col-sm-8 overdue"' in page
        assert 'data-overdue="1"' in page


class TestTheLoop:
    def test_every_step_through_the_pages(self, cast, settings, tmp_path):
        """Raised, assigned to unit B, started, progressed, resolved with evidence, sent
        back (after confirming), resolved again and struck off by another person."""
        settings.MEDIA_ROOT = tmp_path
        reviewer, unit = signed_in(cast.reviewer), signed_in(cast.staff_b)
        response = reviewer.post(
            reverse("projects:problem_add", args=[cast.project.pk]),
            {"description": "拆迁户诉求未解决", "kind": "public", "level": "normal"},
        )
        problem = Problem.objects.get(description="拆迁户诉求未解决")
        assert response.status_code == 302 and response["Location"] == problem.get_absolute_url()
        assert problem.status == Status.PENDING

        def take(client, step, data, **extra):
            response = client.post(step_url(problem, step), data, **extra)
            problem.refresh_from_db()
            return response

        assert (
            take(
                reviewer,
                "assign",
                {
                    "responsible_unit": cast.unit_b.pk,
                    "responsible_person": cast.staff_b.pk,
                    "deadline": IN_A_WEEK.isoformat(),
                    "level": "key",
                    "kind": "public",
                    "comment": "请乙单位牵头",
                },
            ).status_code
            == 302
        )
        assert (problem.status, problem.level, problem.responsible_person) == (
            Status.ASSIGNED,
            "key",
            cast.staff_b,
        )
        assert take(unit, "start", {"rectification_plan": "入户走访，协商补偿"}).status_code == 302
        assert problem.status == Status.IN_PROGRESS
        assert take(unit, "progress", {"progress": "已走访12户"}).status_code == 302
        assert problem.progress == "已走访12户"
        evidence = SimpleUploadedFile("协议.pdf", TINY_PDF, content_type="application/pdf")
        assert (
            take(unit, "resolve", {"comment": "已签协议", "evidence": evidence}).status_code == 302
        )
        assert (problem.status, problem.resolved_by) == (Status.RESOLVED, cast.staff_b)

        # Sending back asks first: nothing changes until confirmed.
        response = take(reviewer, "return", {"comment": "协议未盖章"})
        assert response.status_code == 200 and CONFIRM_BUTTON in response.content.decode()
        assert 'name="comment" value="协议未盖章"' in response.content.decode()
        assert problem.status == Status.RESOLVED
        assert (
            take(reviewer, "return", {"comment": "协议未盖章", "confirmed": "1"}).status_code == 302
        )
        assert problem.status == Status.IN_PROGRESS

        assert take(unit, "resolve", {"comment": "已补盖章"}).status_code == 302
        # Four eyes: the one who resolved it is not offered the strike-off, and cannot take it.
        assert (
            'data-testid="step-strike_off"'
            not in unit.get(problem.get_absolute_url()).content.decode()
        )
        assert take(unit, "strike_off", {"confirmed": "1"}).status_code == 403
        response = take(reviewer, "strike_off", {})
        assert response.status_code == 200 and CONFIRM_BUTTON in response.content.decode()
        assert problem.status == Status.RESOLVED
        assert take(reviewer, "strike_off", {"confirmed": "1"}).status_code == 302
        assert (problem.status, problem.struck_off_by) == (Status.STRUCK_OFF, cast.reviewer)

        steps = list(problem.transitions.order_by("at", "pk").values_list("to_status", flat=True))
        assert steps == [
            "pending",
            "assigned",
            "in_progress",
            "in_progress",
            "resolved",
            "in_progress",
            "resolved",
            "struck_off",
        ]
        page = reviewer.get(problem.get_absolute_url()).content.decode()
        assert "协议未盖章" in page and "已走访12户" in page and "入户走访，协商补偿" in page

        # The evidence goes to those who see the problem, as a download, and no one else.
        with_evidence = ProblemTransition.objects.get(problem=problem, comment="已签协议")
        download = reverse("projects:problem_evidence", args=[with_evidence.pk])
        assert download in page
        response = unit.get(download)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert signed_in(cast.outsider).get(download).status_code == 403
        outside_staff = signed_in(cast.contact)  # staff, but of no unit of this problem
        cast.project.contact_person = None
        cast.project.save()
        assert outside_staff.get(download).status_code == 403
        no_evidence = ProblemTransition.objects.get(problem=problem, to_status="struck_off")
        assert (
            reviewer.get(reverse("projects:problem_evidence", args=[no_evidence.pk])).status_code
            == 404
        )

    def test_bad_input_comes_back_with_400_beside_the_field_and_nothing_saved(self, cast):
        problem = services.problem_raise(
            acting_user=cast.reviewer, project=cast.project, description="待交办的问题"
        )
        reviewer = signed_in(cast.reviewer)
        # The form's own check: the deadline is required to assign.
        response = reviewer.post(
            step_url(problem, "assign"), {"responsible_unit": cast.unit_b.pk, "level": "normal"}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="id_assign_deadline_error"' in page and 'data-testid="form-errors"' in page
        # The service's check: not before today, the message beside the date.
        response = reviewer.post(
            step_url(problem, "assign"),
            {
                "responsible_unit": cast.unit_b.pk,
                "deadline": (TODAY - datetime.timedelta(days=1)).isoformat(),
                "level": "normal",
                "kind": "other",
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="id_assign_deadline_error"' in page and TODAY.isoformat() in page
        # A person who is not of the unit.
        response = reviewer.post(
            step_url(problem, "assign"),
            {
                "responsible_unit": cast.unit_b.pk,
                "responsible_person": cast.staff_a.pk,
                "deadline": IN_A_WEEK.isoformat(),
                "level": "normal",
                "kind": "other",
            },
        )
        assert response.status_code == 400
        assert 'id="id_assign_responsible_person_error"' in response.content.decode()
        problem.refresh_from_db()
        assert (problem.status, problem.responsible_unit, problem.transitions.count()) == (
            Status.PENDING,
            None,
            1,
        )

    def test_sending_back_needs_a_comment_before_it_asks(self, cast):
        problem = assigned(cast)
        services.problem_step(
            acting_user=cast.staff_b, problem=problem, step="start", rectification_plan="方案"
        )
        services.problem_step(
            acting_user=cast.staff_b, problem=problem, step="resolve", comment="办结"
        )
        response = signed_in(cast.reviewer).post(step_url(problem, "return"), {"comment": " "})
        assert response.status_code == 400
        assert 'id="id_return_comment_error"' in response.content.decode()
        assert CONFIRM_BUTTON not in response.content.decode()

    def test_steps_others_may_not_take_are_refused(self, cast):
        problem = assigned(cast)
        # Staff A sees the problem but does not act for unit B; staff B does not assign.
        assert (
            signed_in(cast.staff_a)
            .post(step_url(problem, "start"), {"rectification_plan": "方案"})
            .status_code
            == 403
        )
        assert (
            signed_in(cast.staff_b)
            .post(
                step_url(problem, "assign"),
                {
                    "responsible_unit": cast.unit_b.pk,
                    "deadline": IN_A_WEEK.isoformat(),
                    "level": "normal",
                    "kind": "other",
                },
            )
            .status_code
            == 403
        )
        assert signed_in(cast.reviewer).post(step_url(problem, "nonsense"), {}).status_code == 404
        # A step not possible from the status: back to the page with the reason.
        response = signed_in(cast.staff_b).post(step_url(problem, "resolve"), {"comment": "好了"})
        assert response.status_code == 400
        assert 'data-testid="form-errors"' in response.content.decode()
        assert "is not possible from the state" in response.content.decode()
        problem.refresh_from_db()
        assert problem.status == Status.ASSIGNED


class TestRaising:
    def test_the_form_offers_the_assignment_only_to_those_who_assign(self, cast):
        url = reverse("projects:problem_add", args=[cast.project.pk])
        staff_page = signed_in(cast.staff_a).get(url)
        assert staff_page.status_code == 200
        assert 'name="responsible_unit"' not in staff_page.content.decode()
        reviewer_page = signed_in(cast.reviewer).get(url).content.decode()
        assert 'name="responsible_unit"' in reviewer_page and 'name="deadline"' in reviewer_page
        # People are offered by name.
        assert "乙员" in reviewer_page
        assert signed_in(cast.staff_b).get(url).status_code == 403
        assert signed_in(cast.outsider).post(url, {"description": "x"}).status_code == 403
        assert not Problem.objects.exists()

    def test_a_problem_raised_with_a_unit_and_a_deadline_is_assigned_at_once(self, cast):
        response = signed_in(cast.reviewer).post(
            reverse("projects:problem_add", args=[cast.project.pk]),
            {
                "description": "资金缺口",
                "kind": "funding",
                "level": "listed",
                "responsible_unit": cast.unit_b.pk,
                "deadline": IN_A_WEEK.isoformat(),
            },
        )
        assert response.status_code == 302
        problem = Problem.objects.get()
        assert (problem.status, problem.level, problem.raised_by) == (
            Status.ASSIGNED,
            "listed",
            cast.reviewer,
        )

    def test_a_raise_without_a_description_comes_back_with_400(self, cast):
        response = signed_in(cast.staff_a).post(
            reverse("projects:problem_add", args=[cast.project.pk]),
            {"description": "", "kind": "land", "level": "normal"},
        )
        assert response.status_code == 400
        assert 'id="id_description_error"' in response.content.decode()
        assert not Problem.objects.exists()


class TestFromTheReport:
    @pytest.fixture
    def report(self, cast):
        return ProgressReportFactory(
            project=cast.project,
            status=ProgressReport.Status.SUBMITTED,
            submitted_by=cast.staff_a,
            problems="1. 用地指标未落实\n\n2. 施工便道被占",
        )

    def test_each_line_is_one_tap_from_the_ledger_once(self, cast, report):
        reviewer = signed_in(cast.reviewer)
        page_url = reverse("projects:report", args=[report.pk])
        page = reviewer.get(page_url).content.decode()
        tap = reverse("projects:problem_from_report", args=[report.pk, 2])
        assert f'action="{tap}"' in page
        assert f'action="{reverse("projects:problem_from_report", args=[report.pk, 1])}"' in page
        first = reviewer.post(tap)
        again = reviewer.post(tap)  # a double tap, or the phone's outbox sending it again
        problem = Problem.objects.get()
        assert first["Location"] == again["Location"] == problem.get_absolute_url()
        assert (problem.description, problem.source_line, problem.status) == (
            "2. 施工便道被占",
            2,
            Status.PENDING,
        )
        page = reviewer.get(page_url).content.decode()
        assert f'action="{tap}"' not in page
        assert f'href="{problem.get_absolute_url()}"' in page

    def test_who_may_not_raise_gets_no_button_and_a_refusal(self, cast, report):
        page = signed_in(cast.staff_b).get(reverse("projects:report", args=[report.pk]))
        assert 'data-testid="report-problem-lines"' in page.content.decode()
        assert "problems/1/" not in page.content.decode()
        tap = reverse("projects:problem_from_report", args=[report.pk, 1])
        assert signed_in(cast.staff_b).post(tap).status_code == 403
        assert Client().post(tap).status_code == 302  # to the log-in page
        assert not Problem.objects.exists()

    def test_a_line_that_is_not_there_or_a_draft_makes_nothing(self, cast, report):
        reviewer = signed_in(cast.reviewer)
        response = reviewer.post(reverse("projects:problem_from_report", args=[report.pk, 3]))
        assert response.status_code == 302
        assert response["Location"] == reverse("projects:report", args=[report.pk])
        draft = ProgressReportFactory(
            project=cast.project,
            month=datetime.date(2024, 2, 1),
            status=ProgressReport.Status.DRAFT,
            problems="草稿里的问题",
        )
        page = signed_in(cast.staff_a).get(reverse("projects:report", args=[draft.pk]))
        assert "problems/1/" not in page.content.decode()
        reviewer.post(reverse("projects:problem_from_report", args=[draft.pk, 1]))
        assert not Problem.objects.exists()


class TestTheProjectPage:
    def test_it_lists_the_open_problems_and_offers_what_the_user_may_do(self, cast, ledger):
        url = cast.project.get_absolute_url()
        staff_page = signed_in(cast.staff_a).get(url).content.decode()
        assert "用地手续未办" in staff_page and "资金未到位" in staff_page
        assert 'data-testid="raise-problem"' in staff_page
        assert 'data-testid="issue-order"' not in staff_page
        reviewer_page = signed_in(cast.reviewer).get(url).content.decode()
        assert 'data-testid="raise-problem"' in reviewer_page
        assert 'data-testid="issue-order"' in reviewer_page
        # Unit B's staff answers only for one of the project's problems.
        unit_b_page = signed_in(cast.staff_b).get(url).content.decode()
        assert "资金未到位" in unit_b_page and "用地手续未办" not in unit_b_page
        assert 'data-testid="raise-problem"' not in unit_b_page


class TestQueryCounts:
    def count(self, client, url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    def problems(self, cast, count):
        Problem.objects.bulk_create(
            Problem(
                project=cast.project,
                description=f"问题{index}",
                status=Status.ASSIGNED,
                responsible_unit=cast.unit_b,
                responsible_person=cast.staff_b,
                deadline=IN_A_WEEK,
            )
            for index in range(count)
        )

    def test_the_ledger_and_the_project_page_do_not_grow_with_the_problems(self, cast):
        reviewer, staff = signed_in(cast.reviewer), signed_in(cast.staff_b)
        pages = (LEDGER, f"{LEDGER}?overdue=on&mine=on", cast.project.get_absolute_url())
        self.problems(cast, 5)
        small = [self.count(client, url) for client in (reviewer, staff) for url in pages]
        self.problems(cast, 45)
        large = [self.count(client, url) for client in (reviewer, staff) for url in pages]
        assert small == large

    def test_a_problem_page_does_not_grow_with_its_steps(self, cast):
        problem = assigned(cast)
        reviewer = signed_in(cast.reviewer)
        small = self.count(reviewer, problem.get_absolute_url())
        for step in range(5):
            services.problem_step(
                acting_user=cast.reviewer,
                problem=problem,
                step="assign",
                responsible_unit=cast.unit_b,
                deadline=IN_A_WEEK,
                comment=f"第{step}次",
            )
        large = self.count(reviewer, problem.get_absolute_url())
        assert small == large
