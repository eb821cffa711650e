"""Security: log-in lockout, CSRF, output escaping, the audit log, sessions, uploads and
who may set which field, all through real requests against the real app."""

import datetime
import io
import json
import logging
import struct
import time
import zlib
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst
from PIL import ExifTags, Image
from pytest_django.asserts import assertTemplateUsed

from projects.models import (
    Indicator,
    IndicatorValue,
    Milestone,
    Notification,
    NotificationSettings,
    ProgressReport,
    Project,
    ReportPhoto,
    ReportTransition,
    StageTransition,
)
from projects.rules import Role
from shanwang.sessions import AUTHENTICATED_AT, RENEWED_AT
from shanwang.validators import PHOTO_MAX_BYTES
from tests.admin_forms import inline_prefixes
from tests.conftest import with_role
from tests.factories import (
    MilestoneFactory,
    ProgressReportFactory,
    ProjectFactory,
    ResponsibleUnitFactory,
    UserFactory,
    VillageFactory,
)
from villages.models import CollectiveEnterprise, Honour, SpecialtyProduct, Village

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the password of the conftest users and UserFactory
OFFICE_IP = "10.20.30.40"
OTHER_IP = "10.20.30.41"
#: The lockout policy of shanwang/settings.py, as the town asked for it.
FAILURE_LIMIT = 5
COOL_OFF = datetime.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash passwords cheaply: these tests log in through the form dozens of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(client, username, password=PASSWORD, *, ip=OFFICE_IP):
    """Post the log-in form as a browser at ``ip`` would (axes needs the real request)."""
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def session_exists(session_key) -> bool:
    return Session.objects.filter(session_key=session_key).exists()


def redirects_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def image_bytes(image_format="JPEG", *, pad_to=None) -> bytes:
    """Return a small real image; JPEG bytes after the end marker pad it to ``pad_to``."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "olive").save(buffer, image_format)
    content = buffer.getvalue()
    if pad_to is not None:
        content += b"\0" * (pad_to - len(content))
    return content


def png_claiming(width, height) -> bytes:
    """Return a few-byte PNG whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


# 1. Log-in lockout ---------------------------------------------------------------------


def lock_out(client, username, ip=OFFICE_IP):
    for attempt in range(FAILURE_LIMIT):
        response = log_in(client, username, "wrong-password", ip=ip)
        # Refused every time; the last failure already answers with the lockout page.
        assert response.status_code == (429 if attempt == FAILURE_LIMIT - 1 else 200)


def age_login_attempts(by: datetime.timedelta) -> None:
    """Move every recorded failure ``by`` into the past, as if that time had gone by."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def test_four_failures_do_not_lock_the_user_out(client, user):
    """Four wrong passwords are not yet a lockout: the right one still logs in."""
    for _ in range(FAILURE_LIMIT - 1):
        assert log_in(client, user.username, "wrong-password").status_code == 200
    assert log_in(client, user.username).status_code == 302
    assert logged_in(client)


def test_five_failures_lock_that_username_from_that_address_only(user, admin_user):
    """Five failures of one user name from one address refuse even the right password with
    the 429 lockout page; the same user elsewhere and another user at the same address can
    still log in, and the locked pair stays locked."""
    attacked = Client()
    lock_out(attacked, user.username)

    response = log_in(attacked, user.username)
    assert response.status_code == 429
    assertTemplateUsed(response, "registration/locked_out.html")
    assert not logged_in(attacked)

    elsewhere = Client()
    assert log_in(elsewhere, user.username, ip=OTHER_IP).status_code == 302
    assert logged_in(elsewhere)

    colleague = Client()
    assert log_in(colleague, admin_user.username, ip=OFFICE_IP).status_code == 302
    assert logged_in(colleague)

    assert log_in(Client(), user.username, ip=OFFICE_IP).status_code == 429


def test_forwarded_for_header_does_not_get_round_the_lockout(client, user):
    """The lockout keys on the address the server saw; a client-sent X-Forwarded-For
    header, different on every try, changes nothing."""
    for attempt in range(FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong-password"},
            REMOTE_ADDR=OFFICE_IP,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=OFFICE_IP,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lock_lifts_after_fifteen_minutes(client, user):
    """A locked pair is still refused 14 minutes later and may log in after 15."""
    lock_out(client, user.username)
    age_login_attempts(COOL_OFF - datetime.timedelta(minutes=1))
    assert log_in(client, user.username).status_code == 429
    # That refused try started the 15 minutes again (axes' default), so wait them out.
    age_login_attempts(COOL_OFF + datetime.timedelta(seconds=1))
    assert log_in(client, user.username).status_code == 302
    assert logged_in(client)


# 2. CSRF -------------------------------------------------------------------------------


@pytest.fixture
def workspace():
    """An administrator and one object for every state-changing page to act on."""
    administrator = with_role(UserFactory(username="csrf.admin"), Role.ADMINISTRATOR)
    staff = with_role(UserFactory(username="csrf.staff"), Role.STAFF)
    project = ProjectFactory(stage=Project.Stage.PLANNING, contact_person=staff)
    return SimpleNamespace(
        administrator=administrator,
        project=project,
        milestone=MilestoneFactory(project=project),
        draft=ProgressReportFactory(
            project=project, month=datetime.date(2024, 1, 1), status=ProgressReport.Status.DRAFT
        ),
        submitted=ProgressReportFactory(
            project=project,
            month=datetime.date(2024, 2, 1),
            status=ProgressReport.Status.SUBMITTED,
            submitted_by=staff,
        ),
    )


def report_status(report):
    return ProgressReport.objects.values_list("status", flat=True).get(pk=report.pk)


# name: (url, POST data, the state the POST changes); each takes the workspace ``w``,
# the state also the client ``c``.
STATE_CHANGING_POSTS = {
    "projects:edit": (
        lambda w: reverse("projects:edit", args=[w.project.pk]),
        lambda w: {"location": "新的地点", "description": "新的说明"},
        lambda c, w: Project.objects.values_list("location", flat=True).get(pk=w.project.pk),
    ),
    "projects:stage": (
        lambda w: reverse("projects:stage", args=[w.project.pk]),
        lambda w: {"transition": "begin_preliminary"},
        lambda c, w: Project.objects.values_list("stage", flat=True).get(pk=w.project.pk),
    ),
    "projects:milestone_add": (
        lambda w: reverse("projects:milestone_add", args=[w.project.pk]),
        lambda w: {"title": "新节点", "due_date": "2024-09-30"},
        lambda c, w: Milestone.objects.count(),
    ),
    "projects:milestone_complete": (
        lambda w: reverse("projects:milestone_complete", args=[w.milestone.pk]),
        lambda w: {"confirmed": "1"},
        lambda c, w: Milestone.objects.values_list("completed_on", flat=True).get(
            pk=w.milestone.pk
        ),
    ),
    "projects:report_add": (
        lambda w: reverse("projects:report_add", args=[w.project.pk]),
        lambda w: {"month": "2024-05", "physical_progress": "20", "investment_completed": "10"},
        lambda c, w: ProgressReport.objects.count(),
    ),
    "projects:report_edit": (
        lambda w: reverse("projects:report_edit", args=[w.draft.pk]),
        lambda w: {"physical_progress": "30", "investment_completed": "15", "narrative": "改"},
        lambda c, w: ProgressReport.objects.values_list("narrative", flat=True).get(pk=w.draft.pk),
    ),
    "projects:report_transition submit": (
        lambda w: reverse("projects:report_transition", args=[w.draft.pk, "submit"]),
        lambda w: {},
        lambda c, w: report_status(w.draft),
    ),
    "projects:report_transition approve": (
        lambda w: reverse("projects:report_transition", args=[w.submitted.pk, "approve"]),
        lambda w: {"confirmed": "1"},
        lambda c, w: report_status(w.submitted),
    ),
    "projects:report_transition return": (
        lambda w: reverse("projects:report_transition", args=[w.submitted.pk, "return"]),
        lambda w: {"comment": "请补充现场照片", "confirmed": "1"},
        lambda c, w: report_status(w.submitted),
    ),
    "logout": (
        lambda w: reverse("logout"),
        lambda w: {},
        lambda c, w: logged_in(c),
    ),
    # Django's set_language is not csrf_exempt; our URL only lifts the log-in requirement.
    "set_language": (
        lambda w: reverse("set_language"),
        lambda w: {"language": "en", "next": "/"},
        lambda c, w: c.cookies["django_language"].value if "django_language" in c.cookies else None,
    ),
}


@pytest.fixture
def csrf_client(workspace):
    client = Client(enforce_csrf_checks=True)
    client.force_login(workspace.administrator)
    return client


@pytest.mark.parametrize("name", STATE_CHANGING_POSTS)
def test_state_changing_post_without_csrf_token_is_refused(csrf_client, workspace, name, caplog):
    """A POST without a CSRF token is refused with 403 by the CSRF check and changes nothing,
    though the administrator sending it may do the action."""
    url, data, state = STATE_CHANGING_POSTS[name]
    before = state(csrf_client, workspace)
    response = csrf_client.post(url(workspace), data(workspace))
    assert response.status_code == 403
    assert any(record.name == "django.security.csrf" for record in caplog.records)
    assert state(csrf_client, workspace) == before


@pytest.mark.parametrize("name", STATE_CHANGING_POSTS)
def test_same_post_with_the_csrf_token_succeeds(csrf_client, workspace, name):
    """The same POST carrying the token from the csrftoken cookie does what it asks."""
    url, data, state = STATE_CHANGING_POSTS[name]
    csrf_client.get(workspace.project.get_absolute_url())  # sets the csrftoken cookie
    token = csrf_client.cookies["csrftoken"].value
    before = state(csrf_client, workspace)
    response = csrf_client.post(url(workspace), {**data(workspace), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert state(csrf_client, workspace) != before


# 3. Output escaping --------------------------------------------------------------------

PAYLOADS = {
    "script": '<script>alert("{tag}")</script>',
    "attribute": '"><img src=x onerror=alert("{tag}")>',
}


@pytest.fixture(params=PAYLOADS)
def hostile_portfolio(request):
    """A portfolio whose every text field a page shows holds an XSS payload naming the
    field, and the administrator (named by a payload too) who looks at it."""
    template = PAYLOADS[request.param]

    def payload(tag):
        return template.format(tag=tag)

    viewer = with_role(
        UserFactory(username="viewer", first_name=payload("person"), is_staff=True),
        Role.ADMINISTRATOR,
    )
    village = VillageFactory(name=payload("village"))
    CollectiveEnterprise.objects.create(
        village=village,
        name=payload("enterprise"),
        kind=CollectiveEnterprise.Kind.OTHER,
        partner_company=payload("partner"),
        description=payload("enterprise description"),
    )
    Honour.objects.create(village=village, title=payload("honour"), year=2024)
    SpecialtyProduct.objects.create(village=village, name=payload("product"))
    project = ProjectFactory(
        name=payload("project name"),
        description=payload("project description"),
        location=payload("location"),
        responsible_unit=ResponsibleUnitFactory(name=payload("unit")),
        contact_person=viewer,
    )
    project.villages.add(village)
    # Overdue, so its title is also in the traffic light's explanation.
    MilestoneFactory(
        project=project,
        title=payload("overdue milestone"),
        note=payload("milestone note"),
        due_date=datetime.date(2020, 1, 1),
    )
    MilestoneFactory(project=project, title=payload("next"), due_date=datetime.date(2099, 1, 1))
    StageTransition.objects.create(
        project=project,
        from_stage=Project.Stage.PRELIMINARY,
        to_stage=Project.Stage.UNDER_CONSTRUCTION,
        acting_user=viewer,
        comment=payload("stage comment"),
    )
    report = ProgressReportFactory(
        project=project,
        status=ProgressReport.Status.RETURNED,
        narrative=payload("narrative"),
        problems=payload("problems"),
        submitted_by=viewer,
        reviewed_by=viewer,
        review_comment=payload("review comment"),
    )
    ReportTransition.objects.create(
        report=report,
        from_status=ProgressReport.Status.SUBMITTED,
        to_status=ProgressReport.Status.RETURNED,
        acting_user=viewer,
        comment=payload("review step"),
    )
    ReportPhoto.objects.create(
        report=report, image="reports/2024/01/site.jpg", caption=payload("caption")
    )
    indicator = Indicator.objects.create(
        code="hostile", name=payload("indicator"), unit="%", kind=Indicator.Kind.ABSOLUTE
    )
    IndicatorValue.objects.create(
        indicator=indicator,
        year=2024,
        value_kind=IndicatorValue.ValueKind.ACTUAL,
        value=1,
        source_note=payload("indicator source"),
    )
    return SimpleNamespace(
        payload=payload, viewer=viewer, project=project, report=report, village=village
    )


def test_user_text_is_escaped_on_every_page(client, hostile_portfolio):
    """Every page shows user-entered text only HTML-escaped, in element text and in
    attributes alike, and never the raw markup."""
    portfolio = hostile_portfolio
    project, report, village = portfolio.project, portfolio.report, portfolio.village
    on_every_page = ["person"]  # the navigation shows the logged-in user's name
    pages = {
        reverse("projects:dashboard"): ["indicator", "indicator source"],
        reverse("projects:list"): ["project name", "village", "next"],
        project.get_absolute_url(): [
            "project name",
            "project description",
            "location",
            "unit",
            "village",
            "overdue milestone",
            "next",
            "stage comment",
            "narrative",
        ],
        reverse("projects:edit", args=[project.pk]): [
            "project name",
            "project description",
            "location",
            "unit",
            "village",
        ],
        reverse("projects:report", args=[report.pk]): [
            "project name",
            "narrative",
            "problems",
            "review comment",
            "review step",
            "caption",
        ],
        reverse("projects:report_edit", args=[report.pk]): [
            "project name",
            "narrative",
            "problems",
            "review comment",
        ],
        reverse("villages:list"): ["village", "enterprise", "honour", "product"],
        village.get_absolute_url(): [
            "village",
            "enterprise",
            "enterprise description",
            "partner",
            "honour",
            "product",
            "project name",
        ],
        reverse("admin:projects_project_changelist"): ["project name", "overdue milestone"],
    }
    every_tag = {tag for tags in pages.values() for tag in tags} | {"milestone note"}
    client.force_login(portfolio.viewer)
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert "<script>alert" not in content, url
        assert "<img src=x" not in content, url
        for tag in every_tag:
            assert portfolio.payload(tag) not in content, (url, tag)
        for tag in [*on_every_page, *shown]:
            assert escape(portfolio.payload(tag)) in content, (url, tag)


# 4. The audit log ----------------------------------------------------------------------


def audit_entries(caplog) -> list[dict]:
    """Return the audit records captured so far, each checked to be one line of JSON."""
    entries = []
    for record in caplog.records:
        if record.name != "shanwang.audit":
            continue
        message = record.getMessage()
        assert message.splitlines() == [message], message  # also splits at U+2028
        entries.append(json.loads(message))
    return entries


def assert_recent_utc(at: str) -> None:
    moment = datetime.datetime.fromisoformat(at)
    assert moment.utcoffset() == datetime.timedelta(0)
    assert abs(timezone.now() - moment) < datetime.timedelta(minutes=1)


def test_a_username_with_line_breaks_cannot_forge_an_audit_record(client, caplog):
    """A failed log-in whose user name holds a newline, U+2028 and a fake record makes
    exactly one audit record: one line of JSON that carries the name intact."""
    caplog.set_level(logging.INFO, logger="shanwang.audit")
    forged = '{"event": "login", "user": "admin.office", "ip": "10.0.0.1"}'
    username = f"mallory\n{forged}\u2028{forged}\u2029end"
    response = log_in(client, username, "wrong-password")
    assert response.status_code == 200
    [entry] = audit_entries(caplog)
    assert entry["event"] == "login_failed"
    assert entry["user"] == username
    assert entry["ip"] == OFFICE_IP
    assert_recent_utc(entry["at"])


def test_log_in_is_audited_with_user_address_and_utc_time(client, user, caplog):
    """A successful log-in leaves an audit record with the user, the IP and the UTC time."""
    caplog.set_level(logging.INFO, logger="shanwang.audit")
    assert log_in(client, user.username, ip=OTHER_IP).status_code == 302
    [entry] = [entry for entry in audit_entries(caplog) if entry["event"] == "login"]
    assert (entry["user"], entry["user_id"], entry["ip"]) == (user.username, user.pk, OTHER_IP)
    assert_recent_utc(entry["at"])


def test_approval_is_audited_with_user_address_and_utc_time(user, caplog):
    """Approving a report leaves an audit record with the reviewer, the IP and the time."""
    reviewer = with_role(UserFactory(username="li.shen"), Role.REVIEWER)
    report = ProgressReportFactory(status=ProgressReport.Status.SUBMITTED, submitted_by=user)
    client = Client(REMOTE_ADDR=OTHER_IP)
    client.force_login(reviewer)
    caplog.set_level(logging.INFO, logger="shanwang.audit")
    caplog.clear()
    response = client.post(
        reverse("projects:report_transition", args=[report.pk, "approve"]), {"confirmed": "1"}
    )
    assert response.status_code == 302
    [entry] = audit_entries(caplog)
    assert entry["event"] == "report_approve"
    assert (entry["user"], entry["ip"], entry["report"]) == (reviewer.username, OTHER_IP, report.pk)
    assert_recent_utc(entry["at"])


# 5. Sessions ---------------------------------------------------------------------------


def set_log_in_time(client, when: float) -> None:
    session = client.session
    session[AUTHENTICATED_AT] = when
    session.save()


def test_logging_in_starts_a_new_session(client, user):
    """A session key planted before log-in is not the logged-in session (no fixation)."""
    planted = client.session.session_key
    assert session_exists(planted)
    assert log_in(client, user.username).status_code == 302
    assert client.session.session_key != planted
    assert not session_exists(planted)


def test_a_session_ends_at_its_absolute_lifetime_after_log_in(client, user, settings):
    """However active, a session is sent to log in again once SESSION_ABSOLUTE_LIFETIME has
    passed since log-in; just before, it still works."""
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
    assert log_in(client, user.username).status_code == 302
    set_log_in_time(client, time.time() - lifetime + 60)
    assert client.get(reverse("projects:dashboard")).status_code == 200

    session_key = client.session.session_key
    set_log_in_time(client, time.time() - lifetime - 60)
    assert redirects_to_login(client.get(reverse("projects:dashboard")))
    assert not logged_in(client)
    assert not session_exists(session_key)


def test_a_deactivated_users_next_request_is_anonymous(client, user):
    """Once a user is deactivated, their next request is sent to log in and their session
    is flushed from the store."""
    assert log_in(client, user.username).status_code == 302
    assert client.get(reverse("projects:list")).status_code == 200
    session_key = client.session.session_key
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert redirects_to_login(client.get(reverse("projects:list")))
    assert not logged_in(client)
    assert not session_exists(session_key)


def session_writes(client, url) -> tuple[list[str], object]:
    """GET ``url``; return the SQL statements that wrote the session table, and the
    response."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    ]
    return writes, response


def test_reading_a_page_does_not_write_the_session(client, user):
    """Within SESSION_RENEW_INTERVAL of its last save, a session is only read: a page that
    reads writes nothing to the database."""
    assert log_in(client, user.username).status_code == 302
    writes, response = session_writes(client, reverse("projects:list"))
    assert response.status_code == 200
    assert writes == []
    assert settings_cookie(response) is None


def settings_cookie(response):
    return response.cookies.get("sessionid")


def test_a_session_in_use_is_renewed_after_the_renew_interval(client, user, settings):
    """Once SESSION_RENEW_INTERVAL has passed since its last save, the next request saves
    the session again: its idle limit (2 hours) and its cookie start again from now."""
    assert log_in(client, user.username).status_code == 302
    session = client.session
    session[RENEWED_AT] = time.time() - settings.SESSION_RENEW_INTERVAL.total_seconds() - 1
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=10)
    )
    writes, response = session_writes(client, reverse("projects:list"))
    assert response.status_code == 200
    assert len(writes) == 1
    remaining = Session.objects.get(pk=session.session_key).expire_date - timezone.now()
    assert remaining > datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert settings_cookie(response)["max-age"] == settings.SESSION_COOKIE_AGE
    assert session_writes(client, reverse("projects:list"))[0] == []


def test_a_session_idle_for_its_age_asks_to_log_in(client, user):
    """A session left unused past its idle limit is over: the next page asks to log in."""
    assert log_in(client, user.username).status_code == 302
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert redirects_to_login(client.get(reverse("projects:dashboard")))


def test_logout_ends_the_session(client, user):
    """Logging out deletes the session; the next page asks to log in."""
    assert log_in(client, user.username).status_code == 302
    session_key = client.session.session_key
    assert redirects_to_login(client.post(reverse("logout")))
    assert not session_exists(session_key)
    assert redirects_to_login(client.get(reverse("projects:dashboard")))


# 6. Uploads ----------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_report(client, project, photo):
    return client.post(
        reverse("projects:report_add", args=[project.pk]),
        {
            "month": "2024-05",
            "physical_progress": "40",
            "investment_completed": "120",
            "narrative": "主体完工",
            "photo": photo,
            "photo_caption": "现场",
        },
    )


@pytest.mark.parametrize(
    ("photo", "error_code"),
    [
        pytest.param(
            lambda: SimpleUploadedFile("site.jpg", b"just text, not a photo", "image/jpeg"),
            "invalid_image",
            id="text renamed .jpg",
        ),
        pytest.param(
            lambda: SimpleUploadedFile("site.gif", image_bytes("GIF"), "image/gif"),
            "format",
            id="GIF",
        ),
        pytest.param(
            lambda: SimpleUploadedFile(
                "site.jpg", image_bytes(pad_to=PHOTO_MAX_BYTES + 1), "image/jpeg"
            ),
            "too_large",
            id="one byte over 10 MB",
        ),
        pytest.param(
            lambda: SimpleUploadedFile("site.png", png_claiming(8000, 8000), "image/png"),
            "too_many_pixels",
            id="PNG claiming 64 megapixels",
        ),
    ],
)
def test_report_form_refuses_a_bad_photo_and_saves_nothing(
    user_client, user, media_root, photo, error_code
):
    """The report form refuses a non-image, a GIF, a photo over 10 MB and a pixel bomb with
    an error on the photo, and saves neither the report nor the photo nor any file."""
    project = ProjectFactory(contact_person=user)
    response = post_report(user_client, project, photo())
    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["photo"]] == [error_code]
    assert not ProgressReport.objects.exists()
    assert not ReportPhoto.objects.exists()
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize(
    "size", [None, PHOTO_MAX_BYTES], ids=["small JPEG", "JPEG of exactly 10 MB"]
)
def test_report_form_stores_a_real_jpeg(user_client, user, media_root, size):
    """A real JPEG of at most 10 MB is stored with the new report, under MEDIA_ROOT, as
    its picture alone (the padding after the image is not kept)."""
    project = ProjectFactory(contact_person=user)
    content = image_bytes(pad_to=size)
    response = post_report(
        user_client, project, SimpleUploadedFile("site.jpg", content, "image/jpeg")
    )
    report = ProgressReport.objects.get(project=project)
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:report", args=[report.pk])
    photo = ReportPhoto.objects.get(report=report)
    assert (photo.caption, photo.uploaded_by) == ("现场", user)
    stored = media_root / photo.image.name
    assert photo.image.name.endswith("/site.jpg")
    with Image.open(stored) as image:
        assert_served_picture(image, (16, 16))
    assert stored.stat().st_size < 10_000


#: A place and a camera a phone writes into a photo's EXIF: neither may be served.
CAMERA = "Shanwang-TestCam"


def phone_photo_with_a_page_appended() -> bytes:
    """Return a JPEG as a phone takes it upright (64 × 32 pixels, orientation 6), with
    its camera and GPS position in EXIF, and an HTML page after the image."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (30.0, 15.0, 7.0)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), "olive").save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue() + b"<html><script>alert(document.cookie)</script></html>"


def assert_served_as_a_bare_jpeg(client, photo) -> None:
    """The photo is served as image/jpeg, upright, without EXIF and without the page."""
    response = client.get(reverse("media", args=[photo.image.name]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    served = b"".join(response.streaming_content)
    assert CAMERA.encode() not in served
    assert b"<html" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert_served_picture(image, (32, 64))
        assert len(image.getexif()) == 0


def test_a_photo_uploaded_as_pdf_is_stored_and_served_as_a_bare_jpeg(user_client, user, media_root):
    """A phone JPEG with its GPS position, an HTML page appended and the name site.pdf is
    stored as site.jpg: re-encoded upright, without metadata or the page; it is served as
    image/jpeg, never as application/pdf."""
    project = ProjectFactory(contact_person=user)
    upload = SimpleUploadedFile("site.pdf", phone_photo_with_a_page_appended(), "application/pdf")
    assert post_report(user_client, project, upload).status_code == 302
    photo = ReportPhoto.objects.get(report__project=project)
    assert photo.image.name.endswith("/site.jpg")
    assert_served_as_a_bare_jpeg(user_client, photo)


def test_a_photo_added_in_the_admin_is_stored_as_a_bare_jpeg(admin_client, media_root):
    """The admin's photo page stores the same re-encoded file as the report form."""
    report = ProgressReportFactory(status=ProgressReport.Status.DRAFT)
    upload = SimpleUploadedFile("site.pdf", phone_photo_with_a_page_appended(), "application/pdf")
    response = admin_client.post(
        reverse("admin:projects_reportphoto_add"),
        {"report": report.pk, "image": upload, "caption": "现场"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    photo = ReportPhoto.objects.get(report=report)
    assert photo.image.name.endswith("/site.jpg")
    assert_served_as_a_bare_jpeg(admin_client, photo)


def test_a_photo_added_in_the_admins_report_inline_is_stored_as_a_bare_jpeg(
    admin_client, media_root
):
    """So does the photo inline of the admin's report page."""
    report = ProgressReportFactory(status=ProgressReport.Status.DRAFT)
    change_url = reverse("admin:projects_progressreport_change", args=[report.pk])
    form = admin_client.get(change_url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(
        {
            "project": report.project.pk,
            "month": "2024-01-01",
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "0",
            "photos-0-image": SimpleUploadedFile(
                "site.pdf", phone_photo_with_a_page_appended(), "application/pdf"
            ),
            "photos-0-caption": "现场",
            # The report's physical-target quantities: none here.
            "quantities-TOTAL_FORMS": "0",
            "quantities-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    photo = ReportPhoto.objects.get(report=report)
    assert photo.image.name.endswith("/site.jpg")
    assert_served_as_a_bare_jpeg(admin_client, photo)


@pytest.mark.parametrize(
    ("name", "content_type", "attachment"),
    [
        ("reports/2024/01/old.pdf", "application/octet-stream", True),
        ("reports/2024/01/old.html", "application/octet-stream", True),
        ("reports/2024/01/old.jpg", "image/jpeg", False),
    ],
)
def test_an_upload_stored_before_re_encoding_is_never_served_as_a_document(
    user_client, media_root, name, content_type, attachment
):
    """A file stored before photos were re-encoded keeps its name: unless it is named as a
    photo, it is sent as a download of unknown type, which no browser opens as a page."""
    stored = media_root / name
    stored.parent.mkdir(parents=True)
    stored.write_bytes(phone_photo_with_a_page_appended())
    response = user_client.get(reverse("media", args=[name]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.get("Content-Disposition", "").startswith("attachment") is attachment


# 7. Who may set which field ------------------------------------------------------------


def test_staff_cannot_reassign_their_project_with_a_crafted_post(user_client, user):
    """A staff member editing their own project gets no assignment fields, and a crafted
    POST that includes them changes the other fields but not who answers for it."""
    unit = ResponsibleUnitFactory()
    project = ProjectFactory(contact_person=user, responsible_unit=unit)
    url = reverse("projects:edit", args=[project.pk])
    form = user_client.get(url).context["form"]
    for name in ("responsible_unit", "contact_person", "supervising_leader"):
        assert name not in form.fields

    someone_else = with_role(UserFactory(), Role.STAFF)
    response = user_client.post(
        url,
        {
            "location": "新的地点",
            "responsible_unit": ResponsibleUnitFactory().pk,
            "contact_person": someone_else.pk,
            "supervising_leader": someone_else.pk,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.location == "新的地点"
    assert (project.responsible_unit, project.contact_person) == (unit, user)
    assert project.supervising_leader is None


def test_staff_cannot_set_review_fields_when_editing_a_report(user_client, user):
    """A crafted report-edit POST with status and reviewer saves the text, not the review."""
    report = ProgressReportFactory(
        project=ProjectFactory(contact_person=user), status=ProgressReport.Status.DRAFT
    )
    response = user_client.post(
        reverse("projects:report_edit", args=[report.pk]),
        {
            "physical_progress": "55",
            "investment_completed": "10",
            "narrative": "已完成基础",
            "status": ProgressReport.Status.APPROVED,
            "reviewed_by": user.pk,
            "review_comment": "自己批准",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative == "已完成基础"
    assert report.status == ProgressReport.Status.DRAFT
    assert (report.reviewed_by, report.reviewed_at, report.review_comment) == (None, None, "")


def test_staff_cannot_create_an_approved_report_with_a_crafted_post(user_client, user):
    """A crafted new-report POST with status and reviewer creates a plain draft."""
    project = ProjectFactory(contact_person=user)
    response = user_client.post(
        reverse("projects:report_add", args=[project.pk]),
        {
            "month": "2024-06",
            "physical_progress": "60",
            "investment_completed": "10",
            "status": ProgressReport.Status.APPROVED,
            "reviewed_by": user.pk,
        },
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(project=project)
    assert report.status == ProgressReport.Status.DRAFT
    assert report.reviewed_by is None


@pytest.mark.parametrize("also_reviewer", [False, True], ids=["staff", "staff and reviewer"])
def test_nobody_approves_their_own_report(client, user, also_reviewer):
    """A staff member cannot approve the report they submitted, even when they are a
    reviewer as well: 403, and the report stays submitted."""
    if also_reviewer:
        with_role(user, Role.REVIEWER)
    report = ProgressReportFactory(
        project=ProjectFactory(contact_person=user),
        status=ProgressReport.Status.SUBMITTED,
        submitted_by=user,
    )
    client.force_login(user)
    url = reverse("projects:report_transition", args=[report.pk, "approve"])
    assert client.post(url).status_code == 403  # not even the confirmation page
    response = client.post(url, {"confirmed": "1"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.reviewed_by is None
    assert not report.transitions.exists()


def assert_served_picture(image, size) -> None:
    """The served copy of a photo is a JPEG of the picture's width with the caption strip
    (project, month, capture time) drawn below the picture."""
    width, height = size
    assert image.format == "JPEG"
    assert image.width == width and image.height > height


INLINE_MANAGEMENT_FORMS = {
    f"{prefix}-{field}": "0"
    for prefix in inline_prefixes(Project)
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}


@pytest.fixture
def two_units():
    """Unit A's project, and an admin-site user (is_staff) of each unit with the staff role."""
    unit_a, unit_b = ResponsibleUnitFactory(), ResponsibleUnitFactory()
    member_a = with_role(UserFactory(username="member.a", is_staff=True), Role.STAFF)
    member_b = with_role(UserFactory(username="member.b", is_staff=True), Role.STAFF)
    unit_a.members.add(member_a)
    unit_b.members.add(member_b)
    project = ProjectFactory(responsible_unit=unit_a, name="甲单位的项目", description="原说明")
    return SimpleNamespace(project=project, member_a=member_a, member_b=member_b)


def admin_project_change(client, project, **changes):
    return client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        {
            "name": project.name,
            "category": project.category,
            "description": project.description,
            **INLINE_MANAGEMENT_FORMS,
            **changes,
        },
    )


def test_staff_of_another_unit_cannot_change_a_project_in_the_admin(client, two_units):
    """The admin lets any is_staff user in, but a staff member of unit B gets 403 when
    changing unit A's project there, and the project stays as it was; a member of unit A
    may make the same change."""
    project = two_units.project
    client.force_login(two_units.member_b)
    response = admin_project_change(client, project, description="乙单位改的")
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.description == "原说明"

    client.force_login(two_units.member_a)
    response = admin_project_change(client, project, description="甲单位改的")
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.description == "甲单位改的"


def test_an_approved_report_cannot_be_changed_in_the_admin(client):
    """An approved report is immutable in the admin's change form, for administrators too."""
    report = ProgressReportFactory(status=ProgressReport.Status.APPROVED)
    client.force_login(with_role(UserFactory(username="office"), Role.ADMINISTRATOR))
    response = client.post(
        reverse("admin:projects_progressreport_change", args=[report.pk]),
        {"project": report.project.pk, "physical_progress": "99", "investment_completed": "100"},
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert str(report.physical_progress) == "10.00"


def test_staff_of_another_unit_cannot_change_a_project_through_admin_history(client, two_units):
    """A staff member of unit B cannot change unit A's project through the admin's
    history ("revert") form either."""
    project = two_units.project
    version = project.history.earliest()
    client.force_login(two_units.member_b)
    response = client.post(
        reverse("admin:projects_project_simple_history", args=[project.pk, version.history_id]),
        {"name": "被乙单位改名", "category": project.category, "description": "乙单位改的"},
    )
    project.refresh_from_db()
    assert (project.name, project.description) == ("甲单位的项目", "原说明")
    assert response.status_code == 403


def test_an_approved_report_cannot_be_changed_through_admin_history(client):
    """An approved report is immutable: a reviewer cannot change its figures through the
    admin's history ("revert") form."""
    report = ProgressReportFactory(status=ProgressReport.Status.APPROVED)
    reviewer = with_role(UserFactory(username="reviewer"), Role.REVIEWER)
    version = report.history.earliest()
    client.force_login(reviewer)
    response = client.post(
        reverse(
            "admin:projects_progressreport_simple_history", args=[report.pk, version.history_id]
        ),
        {
            "project": report.project.pk,
            "month": "2024-01-01",
            "physical_progress": "99",
            "investment_completed": "100",
        },
    )
    report.refresh_from_db()
    assert str(report.physical_progress) == "10.00"
    assert response.status_code == 403


def test_a_user_who_may_only_view_villages_cannot_rename_one_through_admin_history(client):
    """A staff member with only the view permission on villages cannot rename a village
    through the admin's history ("revert") form."""
    village = VillageFactory(name="原村名")
    staff = with_role(UserFactory(username="viewer.only", is_staff=True), Role.STAFF)
    version = village.history.earliest()
    client.force_login(staff)
    response = client.post(
        reverse("admin:villages_village_simple_history", args=[village.pk, version.history_id]),
        {"name": "篡改的村名", "kind": Village.Kind.VILLAGE},
    )
    village.refresh_from_db()
    assert village.name == "原村名"
    assert response.status_code == 403


@pytest.mark.parametrize("what", ["milestone", "progress report", "report photo"])
def test_staff_of_another_unit_cannot_add_to_a_project_in_the_admin(
    client, two_units, media_root, what
):
    """A staff member of unit B cannot add a milestone or a report to unit A's project, nor
    a photo to its approved report, through the admin's add pages."""
    project = two_units.project
    approved = ProgressReportFactory(project=project, status=ProgressReport.Status.APPROVED)
    url, data, created = {
        "milestone": (
            reverse("admin:projects_milestone_add"),
            {"project": project.pk, "title": "乙单位加的节点", "due_date": "2024-07-01"},
            lambda: Milestone.objects.filter(project=project).exists(),
        ),
        "progress report": (
            reverse("admin:projects_progressreport_add"),
            {
                "project": project.pk,
                "month": "2024-03-01",
                "physical_progress": "5",
                "investment_completed": "1",
                "photos-TOTAL_FORMS": "0",
                "photos-INITIAL_FORMS": "0",
            },
            lambda: ProgressReport.objects.filter(project=project).count() > 1,
        ),
        "report photo": (
            reverse("admin:projects_reportphoto_add"),
            {
                "report": approved.pk,
                "image": SimpleUploadedFile("site.jpg", image_bytes(), "image/jpeg"),
                "caption": "乙单位加的照片",
            },
            lambda: approved.photos.exists(),
        ),
    }[what]
    client.force_login(two_units.member_b)
    response = client.post(url, data)
    assert not created()
    assert response.status_code == 403


# 8. The calendar feed ------------------------------------------------------------------

FEED_KEY = "k" * 43


@pytest.mark.parametrize(
    "lose_access",
    [
        pytest.param(lambda user: user.groups.clear(), id="every role removed"),
        pytest.param(lambda user: setattr(user, "is_active", False), id="deactivated"),
    ],
)
def test_the_calendar_feed_answers_only_while_its_user_may_read_the_portfolio(
    client, user, lose_access
):
    """The feed's secret key opens the deadlines of a user who may read the portfolio;
    once every role is removed, or the user is deactivated, it answers 404."""
    NotificationSettings.objects.create(user=user, calendar_token=FEED_KEY)
    feed = reverse("projects:calendar_feed", args=[FEED_KEY])
    assert client.get(feed).status_code == 200
    lose_access(user)
    user.save()
    assert client.get(feed).status_code == 404


def test_a_superusers_calendar_feed_answers_until_deactivated(client, admin_user):
    NotificationSettings.objects.create(user=admin_user, calendar_token=FEED_KEY)
    feed = reverse("projects:calendar_feed", args=[FEED_KEY])
    assert client.get(feed).status_code == 200
    admin_user.is_active = False
    admin_user.save()
    assert client.get(feed).status_code == 404


# 9. Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("notification", ["abc", "1.5", "1e3", "-1", "١", "[]"])
def test_marking_a_notification_read_by_a_malformed_id_is_a_bad_request(
    user_client, user, notification
):
    """POST /notifications/read/ with an id that is not a number answers 400 and marks
    nothing read."""
    Notification.objects.create(user=user, key="k1", title="节点到期")
    response = user_client.post(
        reverse("projects:notifications_read"), {"notification": notification}
    )
    assert response.status_code == 400
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_marking_a_notification_read_by_its_id_or_all_at_once(user_client, user):
    first = Notification.objects.create(user=user, key="k1", title="节点一")
    Notification.objects.create(user=user, key="k2", title="节点二")
    url = reverse("projects:notifications_read")
    assert user_client.post(url, {"notification": str(first.pk)}).status_code == 302
    assert list(Notification.objects.filter(read_at__isnull=False)) == [first]
    assert user_client.post(url, {"notification": "99999999999999999999"}).status_code == 302
    assert user_client.post(url, {}).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("query", "on_sqlite", "on_postgresql"),
    [
        ({"id__in": "99999999999999999999"}, 400, 200),
        ({"project": "99999999999999999999"}, 400, 200),
        ({"month__year": "99999999999999999999"}, 400, 400),
        ({"status__exact": "\x00"}, 200, 400),
    ],
    ids=["id__in", "project", "month__year", "NUL"],
)
def test_an_admin_filter_the_database_cannot_take_is_not_a_server_error(
    admin_client, query, on_sqlite, on_postgresql
):
    """A number past 64 bits in an admin list's query string is a bad request (400) where
    it cannot be used (SQLite's integers, a year), and so is a NUL character where it
    cannot be (PostgreSQL's text); elsewhere the filter just finds nothing."""
    ProgressReportFactory()
    response = admin_client.get(reverse("admin:projects_progressreport_changelist"), query)
    assert response.status_code == (on_sqlite if connection.vendor == "sqlite" else on_postgresql)


def post_narrative(client, project, narrative):
    """POST the report form (multipart, as the browser sends it with its photo field)."""
    return client.post(
        reverse("projects:report_add", args=[project.pk]),
        {
            "month": "2024-05",
            "physical_progress": "40",
            "investment_completed": "120",
            "narrative": narrative,
        },
    )


def test_the_report_form_shows_and_checks_the_narratives_limit(user_client, user):
    """The narrative's textarea carries maxlength; one character more comes back as an
    error that names the field, and nothing is saved."""
    project = ProjectFactory(contact_person=user)
    form_page = user_client.get(reverse("projects:report_add", args=[project.pk]))
    assert 'maxlength="5000"' in form_page.content.decode()
    response = post_narrative(user_client, project, "进" * 5001)
    assert response.status_code == 400
    [error] = response.context["form"].errors["narrative"]
    assert str(capfirst(ProgressReport._meta.get_field("narrative").verbose_name)) in error
    assert "5000" in error
    assert not ProgressReport.objects.exists()
    assert post_narrative(user_client, project, "进" * 5000).status_code == 302


def test_the_admin_report_form_shows_the_narratives_limit(admin_client):
    response = admin_client.get(reverse("admin:projects_progressreport_add"))
    html = response.content.decode()
    assert 'name="narrative"' in html
    assert 'maxlength="5000"' in html


def test_a_ten_megabyte_narrative_is_refused_before_it_is_stored(user_client, user):
    """A 10 MB narrative (past DATA_UPLOAD_MAX_MEMORY_SIZE) is refused with 400 while the
    request is read: no report, no history row."""
    project = ProjectFactory(contact_person=user)
    response = post_narrative(user_client, project, "x" * (10 * 1024 * 1024))
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()  # our page, in Chinese
    assert not ProgressReport.objects.exists()
    assert not ProgressReport.history.exists()
