"""One word per thing, and our Chinese: the glossary's terms on the dashboard and the
briefing, Django's and the admin libraries' stock messages in our words, no English
section in the admin, no half-width colon after a Chinese character on any page, and
labels that read as Chinese (丁山村, not 丁山村 村; 2026年11月月报, not 2026-11月报)."""

import datetime
import html
import io
import re

import openpyxl
import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from projects import glossary, selectors
from projects.briefing import figures as briefing_figures
from projects.briefing.xlsx import briefing_workbook
from projects.models import AnnualPlan, CalendarDay, ProgressReport, Project
from projects.seeding import demo
from tests.conftest import rows_for_the_module
from villages.models import Village

pytestmark = pytest.mark.django_db

#: A half-width colon right after a Chinese character or full-width sign ("红灯: 1个").
HALF_WIDTH_COLON = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]\s*:")


def visible_text(content: str) -> str:
    """The text a reader sees: no script, style or tag (a tag's neighbours join up)."""
    content = re.sub(r"<(script|style)\b.*?</\1>", "", content, flags=re.S)
    content = re.sub(r"<!--.*?-->", "", content, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", content))


@pytest.fixture(scope="module")
def seeded_town(django_db_setup, django_db_blocker, tmp_path_factory):
    """The data of a fresh ``make run``, loaded once for the module's tests (each test
    starts from it and what it changes is rolled back after it)."""
    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        rows_for_the_module(django_db_blocker),
    ):
        with django_db_blocker.unblock():
            call_command("load_report_data", stdout=io.StringIO())
            call_command("seed_demo", force=True, stdout=io.StringIO())
        yield


@pytest.fixture
def town(seeded_town):
    """The data of a fresh ``make run``: the work report's records and the demo data."""


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(demo.demo_users().get(username=username))
    return client


# The glossary ---------------------------------------------------------------------------


def test_the_gap_is_written_in_the_glossarys_words():
    """超前 / 滞后 N 个百分点, one decimal, and 持平 when it rounds to nothing."""
    with translation.override("zh-hans"):
        assert glossary.pace_gap(-27.64) == "滞后27.6个百分点"
        assert glossary.pace_gap(3.4) == "超前3.4个百分点"
        assert glossary.pace_gap(0.01) == "与序时进度持平"
        assert glossary.pace_gap(None) == "—"
        assert glossary.term("schedule_pace") == "序时进度"


def test_dashboard_and_briefing_label_the_pace_with_the_glossary(town):
    """The dashboard calls the elapsed share 序时进度 (as the briefing does), never
    时间进度, and the gap 超前／滞后序时进度; both show the 名词解释 with every term."""
    client = client_of("demo-leader")
    dashboard = client.get(reverse("projects:dashboard")).content.decode()
    briefing = client.get(reverse("projects:briefing")).content.decode()
    pace = re.search(r'data-testid="pace">(.*?)</dl>', dashboard, flags=re.S).group(1)
    labels = re.findall(r"<dt[^>]*>(.*?)</dt>", pace)
    assert "序时进度" in labels and "超前／滞后序时进度" in labels and "完成比例" in labels
    assert "时间进度" not in visible_text(dashboard)
    monthly = briefing_figures.monthly_briefing(
        month=briefing_figures.previous_month(selectors.today())
    )
    pdf_page = render_to_string("projects/briefing_pdf.html", {"briefing": monthly})
    with translation.override("zh-hans"):
        terms = [(str(term.word), str(term.definition)) for term in glossary.TERMS]
    for page in (dashboard, briefing, pdf_page):
        text = visible_text(page)
        assert "名词解释" in text
        for word, definition in terms:
            assert word in text and definition in text
    book = openpyxl.load_workbook(io.BytesIO(briefing_workbook(monthly)))
    sheet = book["名词解释"]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [word for word, _d in terms]


def test_a_light_is_explained_with_the_glossarys_words(town):
    """A project's light reads 滞后序时进度N个百分点：完成比例…，序时进度…, with a
    full-width colon."""
    project = Project.objects.with_traffic_light(on=selectors.today()).filter(
        light_reason="behind"
    ) or Project.objects.with_traffic_light(on=selectors.today()).filter(light_reason="far_behind")
    page = client_of("demo-leader").get(project.first().get_absolute_url()).content.decode()
    text = visible_text(page)
    assert re.search(r"灯：滞后序时进度\d+\.\d个百分点：完成比例\d+\.\d%，序时进度\d+\.\d%。", text)


# Django's and the libraries' messages ---------------------------------------------------


@pytest.fixture
def admin_client(town):
    return client_of("demo-admin")


def test_stock_messages_read_in_our_chinese(admin_client):
    """A decimal with too many places, a duplicate date and a successful addition in the
    admin say it in our words, not Django's (确认小数不超过 2 位. / 具有 日期 的 … 已存在。)."""
    project = Project.objects.order_by("pk").first()
    response = admin_client.post(
        reverse("admin:projects_annualplan_add"),
        {"project": project.pk, "year": 2030, "planned_investment": "1.234"},
    )
    assert "小数不能超过2位。" in response.content.decode()
    assert not AnnualPlan.objects.filter(year=2030).exists()

    add = reverse("admin:projects_calendarday_add")
    response = admin_client.post(
        add, {"date": "2027-01-01", "name": "元旦", "is_working_day": ""}, follow=True
    )
    assert "已添加节假日与调休“2027-01-01 元旦”。" in visible_text(response.content.decode())
    response = admin_client.post(add, {"date": "2027-01-01", "name": "元旦"})
    assert "已有日期相同的节假日与调休。" in response.content.decode()
    assert CalendarDay.objects.filter(date=datetime.date(2027, 1, 1)).count() == 1


def test_the_admin_index_names_every_section_in_chinese(admin_client):
    """No English app or model name on the admin's index (AXES, Access attempts…)."""
    content = admin_client.get(reverse("admin:index")).content.decode()
    main = content[content.index('id="content-main"') :]
    names = re.findall(
        r"<caption>(.*?)</caption>|<th scope=\"(?:row|col)\"[^>]*>(.*?)</th>", main, flags=re.S
    )
    texts = [visible_text(caption or header).strip() for caption, header in names]
    assert texts and "登录保护" in texts and "登录尝试" in texts
    assert not [text for text in texts if re.search(r"[A-Za-z]{2,}", text)], texts


# Punctuation and labels -----------------------------------------------------------------


def pages_of(role: str) -> list[str]:
    project = Project.objects.filter(progress_reports__isnull=False).order_by("pk").first()
    report = ProgressReport.objects.filter(project=project).order_by("-month").first()
    village = Village.objects.get(name="毕岗村")  # has a partner company
    pages = [
        reverse("projects:dashboard"),
        reverse("projects:list"),
        project.get_absolute_url(),
        reverse("projects:report", args=[report.pk]),
        reverse("projects:indicators"),
        reverse("projects:notification_settings"),
        reverse("villages:list"),
        village.get_absolute_url(),
    ]
    if role != "demo-staff":
        pages.append(reverse("projects:briefing"))
    if role == "demo-admin":
        pages += [
            reverse("admin:index"),
            reverse("admin:projects_project_changelist"),
            reverse("admin:projects_project_change", args=[project.pk]),
            reverse("admin:projects_project_history", args=[project.pk]),
            reverse("admin:projects_project_import"),
            reverse("admin:projects_calendarday_add"),
            reverse("admin:axes_accessattempt_changelist"),
        ]
    return pages


@pytest.mark.parametrize("role", ["demo-staff", "demo-leader", "demo-admin"])
def test_no_half_width_colon_after_a_chinese_character(town, role):
    """Labels and sentences use the full-width colon in Chinese, the admin's included."""
    client = client_of(role)
    problems = []
    for url in pages_of(role):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        problems += [
            f"{url}: {text[max(0, found.start() - 15) : found.end() + 15]!r}"
            for found in HALF_WIDTH_COLON.finditer(text)
        ]
    assert not problems, "\n".join(problems)


def test_labels_read_as_chinese(town):
    """A village whose name says its kind gets no kind badge; a report is 2026年11月月报."""
    client = client_of("demo-leader")
    village = Village.objects.get(name="丁山村")
    page = client.get(village.get_absolute_url()).content.decode()
    heading = visible_text(re.search(r"<h1.*?</h1>", page, flags=re.S).group()).split()
    assert heading == ["丁山村"]
    villages = client.get(reverse("villages:list")).content.decode()
    headings = [
        visible_text(h).split()
        for h in re.findall(r"<h2 class=\"h5 card-title\".*?</h2>", villages, flags=re.S)
    ]
    assert ["丁山村"] in headings and ["淮岸社区"] in headings
    report = ProgressReport.objects.order_by("-month").first()
    page = visible_text(client.get(reverse("projects:report", args=[report.pk])).content.decode())
    assert f"{report.month.year}年{report.month.month}月月报" in page
    assert f"{report.month:%Y-%m}月报" not in page
