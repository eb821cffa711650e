"""The supervision orders' pages (督办单): issued on a project or one of its problems with
a reply deadline in working days or as a date, replied to by the unit, accepted or sent
back by the issuer; each page for the roles that may see it, 400 with the message
beside the field on bad input, and query counts that do not grow with the orders."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import SupervisionOrder
from projects.supervision import services
from tests.factories import ProjectFactory

from .cast import IN_A_WEEK, cast_fixture  # noqa: F401
from .test_ledger_pages import assigned, signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ORDERS = reverse("projects:orders")
Status = SupervisionOrder.Status


def issue_url(project):
    return reverse("projects:order_add", args=[project.pk])


def step_url(order, step):
    return reverse("projects:order_step", args=[order.pk, step])


def issued(cast, **fields) -> SupervisionOrder:
    values = {
        "project": cast.project,
        "content": "三日内报送整改方案",
        "responsible_unit": cast.unit_b,
        "reply_within_working_days": 3,
    }
    values.update(fields)
    return services.order_issue(acting_user=cast.reviewer, **values)


def listed(response) -> list[str]:
    return [row.record.content for row in response.context["table"].page.object_list]


class TestIssuing:
    def test_within_three_working_days_by_default(self, cast):
        page = signed_in(cast.leader).get(issue_url(cast.project)).content.decode()
        assert 'name="reply_within_working_days"' in page and 'value="3"' in page
        response = signed_in(cast.leader).post(
            issue_url(cast.project),
            {
                "content": "尽快完成征地",
                "level": "listed",
                "responsible_unit": cast.unit_b.pk,
                "reply_by": "within",
                "reply_within_working_days": "3",
                "reply_deadline": "",
            },
        )
        order = SupervisionOrder.objects.get()
        assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
        assert (order.level, order.issued_by, order.status) == (
            "listed",
            cast.leader,
            Status.ISSUED,
        )
        assert order.reply_deadline == services.reply_deadline_after(TODAY, 3)

    def test_by_a_date_on_a_problem_of_the_project(self, cast):
        problem = assigned(cast, level="key")
        url = f"{issue_url(cast.project)}?problem={problem.pk}"
        page = signed_in(cast.reviewer).get(url).content.decode()
        # The order starts from the problem: its level and unit.
        assert f'<option value="{problem.pk}" selected>' in page
        assert '<option value="key" selected>' in page
        assert f'<option value="{cast.unit_b.pk}" selected>' in page
        response = signed_in(cast.reviewer).post(
            issue_url(cast.project),
            {
                "content": "限期解决",
                "level": "key",
                "problem": problem.pk,
                "responsible_unit": cast.unit_b.pk,
                "reply_by": "date",
                "reply_within_working_days": "3",
                "reply_deadline": IN_A_WEEK.isoformat(),
            },
        )
        assert response.status_code == 302
        order = SupervisionOrder.objects.get()
        assert (order.problem, order.reply_deadline) == (problem, IN_A_WEEK)
        assert (
            order.content
            in signed_in(cast.reviewer).get(problem.get_absolute_url()).content.decode()
        )

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"reply_by": "date", "reply_deadline": ""}, "reply_deadline"),
            ({"reply_by": "within", "reply_within_working_days": ""}, "reply_within_working_days"),
            (
                {"reply_by": "within", "reply_within_working_days": "99"},
                "reply_within_working_days",
            ),
            ({"reply_by": "date", "reply_deadline": "2020-01-01"}, "reply_deadline"),
            ({"content": ""}, "content"),
            ({"responsible_person": "staff_a"}, "responsible_person"),  # not of unit B
        ],
    )
    def test_bad_input_comes_back_with_400_beside_the_field(self, cast, data, field):
        values = {
            "content": "督办事项",
            "level": "normal",
            "responsible_unit": cast.unit_b.pk,
            "reply_by": "within",
            "reply_within_working_days": "3",
        }
        values.update(data)
        if values.get("responsible_person") == "staff_a":
            values["responsible_person"] = cast.staff_a.pk
        response = signed_in(cast.reviewer).post(issue_url(cast.project), values)
        assert response.status_code == 400
        assert f'id="id_{field}_error"' in response.content.decode()
        assert not SupervisionOrder.objects.exists()

    def test_staff_issue_no_orders(self, cast):
        assert signed_in(cast.staff_a).get(issue_url(cast.project)).status_code == 403
        response = signed_in(cast.staff_a).post(
            issue_url(cast.project),
            {"content": "x", "level": "normal", "responsible_unit": cast.unit_b.pk},
        )
        assert response.status_code == 403
        assert signed_in(cast.outsider).get(issue_url(cast.project)).status_code == 403
        assert not SupervisionOrder.objects.exists()


class TestTheLoop:
    def test_the_unit_replies_and_the_issuer_sends_back_then_accepts(self, cast):
        order = issued(cast)
        unit, reviewer = signed_in(cast.staff_b), signed_in(cast.reviewer)
        page = unit.get(order.get_absolute_url()).content.decode()
        assert 'data-testid="step-reply"' in page and 'data-testid="step-accept"' not in page

        # An empty reply comes back beside its box.
        response = unit.post(step_url(order, "reply"), {"reply": ""})
        assert response.status_code == 400
        assert 'id="id_reply_reply_error"' in response.content.decode()
        response = unit.post(
            step_url(order, "reply"),
            {"reply": "已制定方案，本月底前完成", "rectify_by": IN_A_WEEK.isoformat()},
        )
        assert response.status_code == 302
        order.refresh_from_db()
        assert (order.status, order.replied_by, order.rectify_by) == (
            Status.REPLIED,
            cast.staff_b,
            IN_A_WEEK,
        )

        page = reviewer.get(order.get_absolute_url()).content.decode()
        assert 'data-testid="step-accept"' in page and 'data-testid="step-return"' in page
        # Sending back needs a comment.
        response = reviewer.post(step_url(order, "return"), {"comment": ""})
        assert response.status_code == 400
        assert 'id="id_return_comment_error"' in response.content.decode()
        assert (
            reviewer.post(step_url(order, "return"), {"comment": "方案不具体"}).status_code == 302
        )
        order.refresh_from_db()
        assert order.status == Status.RETURNED
        assert unit.post(step_url(order, "reply"), {"reply": "细化到周"}).status_code == 302
        assert reviewer.post(step_url(order, "accept"), {}).status_code == 302
        order.refresh_from_db()
        assert order.status == Status.ACCEPTED
        page = reviewer.get(order.get_absolute_url()).content.decode()
        assert "方案不具体" in page and "细化到周" in page
        assert list(order.transitions.order_by("at", "pk").values_list("to_status", flat=True)) == [
            "issued",
            "replied",
            "returned",
            "replied",
            "accepted",
        ]

    def test_others_may_not_take_the_steps(self, cast):
        order = issued(cast)
        # Staff A sees the order (their project) but answers for unit A, not B.
        assert (
            signed_in(cast.staff_a).post(step_url(order, "reply"), {"reply": "x"}).status_code
            == 403
        )
        assert signed_in(cast.staff_b).post(step_url(order, "accept"), {}).status_code in (400, 403)
        assert signed_in(cast.reviewer).post(step_url(order, "nonsense"), {}).status_code == 404
        order.refresh_from_db()
        assert order.status == Status.ISSUED


class TestTheListAndPage:
    @pytest.fixture
    def orders(self, cast):
        elsewhere = ProjectFactory(name="丙村工程")
        late = issued(cast, project=elsewhere, content="逾期未回复")
        SupervisionOrder.objects.filter(pk=late.pk).update(
            issued_on=TODAY - datetime.timedelta(days=10),
            reply_deadline=TODAY - datetime.timedelta(days=2),
        )
        return {"ours": issued(cast, content="本项目督办"), "late": late, "elsewhere": elsewhere}

    def test_each_role_sees_its_orders(self, cast, orders):
        assert set(listed(signed_in(cast.reviewer).get(ORDERS))) == {"本项目督办", "逾期未回复"}
        assert set(listed(signed_in(cast.staff_b).get(ORDERS))) == {"本项目督办", "逾期未回复"}
        assert listed(signed_in(cast.staff_a).get(ORDERS)) == ["本项目督办"]
        assert signed_in(cast.outsider).get(ORDERS).status_code == 403
        late = orders["late"].get_absolute_url()
        assert signed_in(cast.staff_a).get(late).status_code == 403
        assert signed_in(cast.leader).get(late).status_code == 200

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("overdue=on", ["逾期未回复"]),
            ("status=replied", []),
            ("status=issued&level=normal", ["逾期未回复", "本项目督办"]),
            ("q=bingcun", ["逾期未回复"]),  # the project's pinyin
            ("q=本项目", ["本项目督办"]),  # what the order requires
        ],
    )
    def test_the_filters(self, cast, orders, query, expected):
        assert listed(signed_in(cast.reviewer).get(f"{ORDERS}?{query}")) == expected

    def test_the_project_filter_and_an_overdue_reply_marked(self, cast, orders):
        reviewer = signed_in(cast.reviewer)
        response = reviewer.get(f"{ORDERS}?project={orders['elsewhere'].pk}")
        assert listed(response) == ["逾期未回复"]
        page = response.content.decode()
        assert 'data-overdue="1"' in page and 'class="overdue"' in page
        detail = reviewer.get(orders["late"].get_absolute_url()).content.decode()
        assert 'class="col-sm-8 overdue"' in detail and 'data-level="normal"' in detail

    def test_the_export(self, cast, orders):
        response = signed_in(cast.reviewer).get(f"{ORDERS}?_export=csv")
        assert response.status_code == 200
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff") and "本项目督办" in text and "逾期未回复" in text

    def test_the_project_page_lists_its_open_orders(self, cast, orders):
        page = signed_in(cast.staff_a).get(cast.project.get_absolute_url()).content.decode()
        assert "本项目督办" in page and "逾期未回复" not in page

    def test_the_pages_do_not_grow_with_the_orders(self, cast, orders):
        reviewer = signed_in(cast.reviewer)
        order = orders["ours"]

        def counts():
            found = []
            for url in (ORDERS, f"{ORDERS}?overdue=on&mine=on", order.get_absolute_url()):
                with CaptureQueriesContext(connection) as captured:
                    assert reviewer.get(url).status_code == 200
                found.append(len(captured.captured_queries))
            return found

        small = counts()
        SupervisionOrder.objects.bulk_create(
            SupervisionOrder(
                project=cast.project,
                content=f"督办{index}",
                responsible_unit=cast.unit_b,
                responsible_person=cast.staff_b,
                issued_by=cast.leader,
                issued_on=TODAY,
                reply_deadline=IN_A_WEEK,
            )
            for index in range(40)
        )
        for _ in range(3):
            services.order_step(acting_user=cast.staff_b, order=order, step="reply", reply="答复")
            services.order_step(acting_user=cast.reviewer, order=order, step="return", comment="退")
        assert counts() == small
