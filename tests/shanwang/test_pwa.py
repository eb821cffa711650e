"""The installable app's files: the web manifest, the service worker and the offline page
are public, carry no user's data and are served with the headers browsers ask for."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from PIL import Image

from shanwang import pwa
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_user():
    return UserFactory(username="wang.fang", last_name="王", first_name="芳")


def test_the_manifest_makes_the_app_installable_without_a_login(client):
    """The manifest is JSON of its own type, in Chinese, with icons that exist."""
    response = client.get(reverse("pwa_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "山王镇项目调度"
    assert manifest["short_name"] == "山王镇项目"
    assert manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == pwa.THEME_COLOR
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix(static(""))
        assert finders.find(path), icon["src"]


def test_the_icons_have_their_stated_sizes():
    """Each PNG icon is as large as the manifest says."""
    for path, size, _purpose in pwa.ICONS:
        with Image.open(finders.find(path)) as image:
            assert image.format == "PNG"
            assert image.size == (size, size)


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    """The script's scope is the whole site and the browser checks it on every visit."""
    response = client.get(reverse("pwa_service_worker"))
    assert response.status_code == 200
    assert reverse("pwa_service_worker") == "/sw.js"
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"


def test_the_service_worker_precaches_the_shell_under_a_versioned_name(client):
    """The shell's static URLs, the offline page and the outbox script are in the config."""
    script = client.get(reverse("pwa_service_worker")).content.decode()
    config = json.loads(re.search(r"^const CONFIG = (.*);$", script, re.MULTILINE)[1])
    assert static("vendor/bootstrap/css/bootstrap.min.css") in config["shell"]
    assert static("js/outbox.js") in config["shell"]
    assert reverse("pwa_offline") in config["shell"]
    assert config["outboxScript"] == static("js/outbox.js")
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    for url in config["shell"][:-1]:
        assert finders.find(url.removeprefix(static(""))), url


def test_the_service_worker_precaches_the_hashed_names_in_production(client, settings, tmp_path):
    """With the manifest storage of production (DEBUG off), the worker is served and its
    shell lists the hashed names the pages link, under the static prefix."""
    hashed = {name: re.sub(r"(\.\w+)$", r".0123456789ab\1", name) for name in pwa.SHELL_STATIC}
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": hashed, "version": "1.1", "hash": "0123456789ab"})
    )
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = client.get(reverse("pwa_service_worker"))
    assert response.status_code == 200
    config = json.loads(
        re.search(r"^const CONFIG = (.*);$", response.content.decode(), re.MULTILINE)[1]
    )
    assert config["staticUrl"] == "/static/"
    assert config["shell"][:-1] == [f"/static/{hashed[name]}" for name in pwa.SHELL_STATIC]
    assert config["outboxScript"] == f"/static/{hashed['js/outbox.js']}"


def test_the_version_follows_the_shell(client, settings):
    """A deploy that changes a static URL (its hash) makes a new cache version."""
    first = pwa.shell_urls()
    settings.STATIC_URL = "/static-2/"
    assert pwa.shell_urls() != first


def test_the_offline_page_needs_no_login_and_is_marked(client):
    """The offline page opens for anyone and tells the outbox not to act on the session."""
    response = client.get(reverse("pwa_offline"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "没有网络连接" in content
    assert "data-offline-page" in content
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["pwa_manifest", "pwa_service_worker", "pwa_offline"])
def test_the_pwa_files_hold_no_user_data(client, named_user, name):
    """Logged in or not, the three answers are the same: no name, no username, no project."""
    anonymous = client.get(reverse(name)).content.decode()
    client.force_login(named_user)
    logged_in = client.get(reverse(name)).content.decode()
    for text in (anonymous, logged_in) if name != "pwa_offline" else (anonymous,):
        assert "wang.fang" not in text
        assert "王芳" not in text
    if name != "pwa_offline":
        assert re.sub(r"csrfmiddlewaretoken.*", "", anonymous) == re.sub(
            r"csrfmiddlewaretoken.*", "", logged_in
        )


def test_the_files_refuse_a_post(client):
    """They are read-only."""
    for name in ("pwa_manifest", "pwa_service_worker", "pwa_offline"):
        assert client.post(reverse(name)).status_code == 405


def test_every_page_links_the_manifest_and_registers_the_worker(user_client):
    """The head names the manifest and the theme colour; the outbox script and its status
    element (where "待发送 N 份" appears) are on every page."""
    content = user_client.get(reverse("projects:dashboard")).content.decode()
    assert f'<link rel="manifest" href="{reverse("pwa_manifest")}">' in content
    assert f'<meta name="theme-color" content="{pwa.THEME_COLOR}">' in content
    assert f'<script src="{static("js/outbox.js")}" defer></script>' in content
    assert 'id="outbox-status"' in content
    assert 'data-service-worker="/sw.js"' in content
    assert "待发送 {count} 份" in content


def test_the_policy_allows_the_worker_and_manifest_from_the_site_only(client):
    """The CSP names the worker's and the manifest's source: this site."""
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "manifest-src 'self'" in policy
