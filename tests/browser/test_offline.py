"""Reports survive a weak signal, in real Chromium at 375 px: the app is installable, the
service worker keeps the user's report form, a report submitted offline waits in the
outbox ("待发送 1 份") and is sent once, exactly once, when the connection returns, also
when the answer to a send is lost and the page is reloaded (docs/offline.md)."""

import datetime
import json
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, transaction
from django.db.models.signals import post_save
from PIL import Image
from playwright.sync_api import expect

from projects.models import AnnualPlan, ProgressReport, Project, ReportPhoto, ResponsibleUnit
from projects.rules import Role
from tests.browser.conftest import PASSWORD, screenshot
from tests.conftest import with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT = 20_000


@pytest.fixture
def site(django_user_model, tmp_path, settings):
    """A staff member answering for one project under construction, and a site photo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = with_role(
        django_user_model.objects.create_user(
            username="li.na", password=PASSWORD, last_name="李", first_name="娜"
        ),
        Role.STAFF,
    )
    unit = ResponsibleUnit.objects.create(name="孔李村村民委员会（测试）", kind="village_committee")
    unit.members.add(staff)
    project = Project.objects.create(
        name="孔李村道路硬化",
        category=Project.Category.ROAD_INFRASTRUCTURE,
        stage=Project.Stage.UNDER_CONSTRUCTION,
        responsible_unit=unit,
    )
    AnnualPlan.objects.create(
        project=project,
        year=datetime.date.today().year,
        planned_investment=Decimal("900.00"),
        physical_goals="道路硬化2公里",
    )
    photo = tmp_path / "road.jpg"
    Image.new("RGB", (800, 600), (110, 150, 80)).save(photo, "JPEG")
    return {"staff": staff, "project": project, "photo": photo}


def log_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    # The log-in page registers the service worker. Log in once it is active, so that the
    # dashboard is controlled from its first request: a page still loading while the
    # worker activates may be missed by clients.claim() and stay uncontrolled until the
    # next navigation (a race a quick log-in, as with the tests' cheap password hashes,
    # lost under load).
    poll(
        page,
        "async () => { const r = await navigator.serviceWorker.getRegistration();"
        " return !!(r && r.active && r.active.state === 'activated'); }",
    )
    page.get_by_label("用户名").fill("li.na")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def wait_for_worker(page):
    """Wait until the service worker is active and controls the page."""
    # Polled through page.evaluate: wait_for_function's polling compiles its string in
    # the page, which the CSP (no eval) may refuse.
    poll(page, "() => navigator.serviceWorker.controller !== null")


def wait_until_kept(page, path):
    """Wait until the service worker has kept the page at ``path`` for offline use."""
    poll(page, "async (path) => !!(await (await caches.open('shanwang-pages')).match(path))", path)


def poll(page, script, arg=None):
    """Wait until the async ``script`` gives true (wait_for_function takes a promise as true)."""
    deadline = time.monotonic() + TIMEOUT / 1000
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, script
        page.wait_for_timeout(200)


def fill_report(page, photo):
    page.get_by_label("形象进度（%）").fill("30")
    page.get_by_label("本月完成投资（万元）").fill("80.00")
    page.get_by_label("进展情况").fill("路基完成，开始铺设面层")
    page.get_by_label("现场照片").set_input_files(str(photo))


def form_path(project):
    return f"/projects/{project.pk}/reports/new/"


def test_the_app_is_installable_and_the_worker_controls_the_page(phone_page, live_server, site):
    """The manifest is JSON with reachable PNG icons; /sw.js is registered for the whole
    site and controls the page."""
    page = phone_page
    log_in(page, live_server)
    wait_for_worker(page)
    manifest_url = page.locator('link[rel="manifest"]').get_attribute("href")
    manifest = page.evaluate(
        "async (url) => { const r = await fetch(url);"
        " return [r.headers.get('Content-Type'), await r.text()]; }",
        manifest_url,
    )
    assert manifest[0] == "application/manifest+json"
    content = json.loads(manifest[1])
    assert content["display"] == "standalone"
    for icon in content["icons"]:
        answer = page.evaluate(
            "async (url) => { const r = await fetch(url);"
            " return [r.status, r.headers.get('Content-Type')]; }",
            icon["src"],
        )
        assert answer == [200, "image/png"], icon["src"]
    registration = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.getRegistration(); "
        "return [r.scope, r.active.scriptURL, navigator.serviceWorker.controller.scriptURL]; }"
    )
    assert registration == [
        f"{live_server.url}/",
        f"{live_server.url}/sw.js",
        f"{live_server.url}/sw.js",
    ]


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_report_filed_offline_is_sent_once_when_the_connection_returns(
    request, device, live_server, site
):
    """Offline, the kept form opens marked as an offline copy; the report with its photo
    waits as "待发送 1 份" and is sent, once, when the connection returns."""
    page = request.getfixturevalue(f"{device}_page")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server)
    wait_for_worker(page)
    # The dashboard asked the worker to keep the user's project and its report form.
    wait_until_kept(page, f"/projects/{site['project'].pk}/")
    wait_until_kept(page, form_path(site["project"]))

    page.context.set_offline(True)
    page.goto(f"{live_server.url}{form_path(site['project'])}")
    expect(page.get_by_test_id("offline-copy")).to_contain_text("离线副本")
    fill_report(page, site["photo"])
    page.get_by_role("button", name="保存并提交审核").click()
    status = page.get_by_test_id("outbox-status")
    expect(status).to_contain_text("待发送 1 份", timeout=TIMEOUT)
    screenshot(page, f"offline-queued-{device}")
    assert ProgressReport.objects.count() == 0

    # A page never opened falls back to the offline page.
    page.goto(f"{live_server.url}/indicators/")
    expect(page.get_by_test_id("offline-page")).to_be_visible()
    expect(status).to_contain_text("待发送 1 份")
    page.goto(f"{live_server.url}/")  # The dashboard's offline copy.
    expect(status).to_contain_text("待发送 1 份")

    page.context.set_offline(False)
    sent = page.get_by_test_id("outbox-sent")
    expect(sent).to_contain_text("已发送：", timeout=TIMEOUT)
    expect(sent).to_contain_text("孔李村道路硬化")
    expect(page.get_by_test_id("outbox-pending")).to_have_count(0)
    screenshot(page, f"offline-sent-{device}")
    report = ProgressReport.objects.get()
    assert report.project == site["project"]
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.client_key is not None
    assert ReportPhoto.objects.filter(report=report).count() == 1
    assert sent.get_by_role("link").get_attribute("href").endswith(f"/reports/{report.pk}/")
    assert errors == []


def saved() -> bool:
    """Return whether a report is saved; SQLite's shared test database refuses to read a
    table while the server's transaction writes it, which counts as not yet."""
    try:
        return ProgressReport.objects.exists()
    except OperationalError:
        return False


def test_a_reload_while_sending_still_makes_one_report(phone_page, live_server, site):
    """The server has saved the report but not yet answered when the page is reloaded:
    the outbox still holds the entry and sends it again under the same key; the server
    answers with the report it made, and there is still exactly one report."""
    page = phone_page
    log_in(page, live_server)
    wait_for_worker(page)
    page.goto(f"{live_server.url}{form_path(site['project'])}")
    fill_report(page, site["photo"])
    screenshot(page, "offline-form-filled-phone")

    # The first answer is slow: the server thread waits after its commit, like a phone
    # whose signal drops while the answer is on its way.
    delayed = []

    def slow_answer(sender, instance, created, **kwargs):
        if created and not delayed:
            delayed.append(instance.pk)
            transaction.on_commit(lambda: time.sleep(4))

    post_save.connect(slow_answer, sender=ProgressReport, dispatch_uid="slow_answer")
    try:
        page.get_by_role("button", name="保存并提交审核").click()
        status = page.get_by_test_id("outbox-status")
        expect(status).to_contain_text("待发送 1 份", timeout=TIMEOUT)
        deadline = time.monotonic() + TIMEOUT / 1000
        while not saved():
            assert time.monotonic() < deadline, "the report was never saved"
            page.wait_for_timeout(100)
        page.reload()  # During the sending: the saved report's answer never arrives.
        expect(page.get_by_test_id("outbox-sent")).to_contain_text("已发送：", timeout=TIMEOUT)
    finally:
        post_save.disconnect(sender=ProgressReport, dispatch_uid="slow_answer")
    expect(page.get_by_test_id("outbox-pending")).to_have_count(0)
    report = ProgressReport.objects.get()
    assert delayed == [report.pk]
    assert ReportPhoto.objects.filter(report=report).count() == 1


def test_logging_out_forgets_the_kept_pages(phone_page, live_server, site):
    """After logout no page of the user is left in the cache: offline, the report form
    gives the offline page, not the user's copy."""
    page = phone_page
    log_in(page, live_server)
    wait_for_worker(page)
    wait_until_kept(page, form_path(site["project"]))
    page.get_by_role("button", name="展开或收起导航").click()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")
    poll(page, "async () => !(await caches.has('shanwang-pages'))")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}{form_path(site['project'])}")
    expect(page.get_by_test_id("offline-page")).to_be_visible()
    assert "孔李村道路硬化" not in page.content()
