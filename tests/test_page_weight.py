"""What a phone on a village's signal downloads for the pages it uses most: the HTML and
every stylesheet, script, icon and manifest it links to, each as the gzip WhiteNoise
serves (level 9), on a first visit with an empty cache.

The report form is filed on a phone at the site: it loads no chart library and weighs
under 150 KB in all (issue 14). `make bench` measures the transfer in Chromium's network
log; this test keeps the budget from creeping up between benchmark runs."""

import gzip
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import ProgressReportFactory, ProjectFactory

pytestmark = pytest.mark.django_db

REPORT_FORM_BUDGET = 150 * 1024


class LinkedAssets(HTMLParser):
    """The static files a page makes the browser fetch before it is usable."""

    def __init__(self):
        super().__init__()
        self.paths = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.paths.append(attrs["src"])
        if tag == "link" and attrs.get("rel") in {"stylesheet", "manifest", "icon"}:
            self.paths.append(attrs["href"])


def gzip_size(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=9))


def first_visit_weight(client, url) -> tuple[int, dict]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content
    parser = LinkedAssets()
    parser.feed(html.decode())
    sizes = {"HTML": gzip_size(html)}
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    for path in parser.paths:
        if path.startswith(static_prefix):
            # Hashed names in production (name.0123abcd.css) map back to the source file.
            name = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", path[len(static_prefix) :])
            found = finders.find(name)
            assert found, f"{path} is linked but not a static file"
            with open(found, "rb") as file:
                sizes[name] = gzip_size(file.read())
        else:
            answer = client.get(path)
            assert answer.status_code == 200, path
            body = b"".join(answer.streaming_content) if answer.streaming else answer.content
            sizes[path] = gzip_size(body)
    return sum(sizes.values()), sizes


def test_the_report_form_weighs_under_150_kb_on_a_first_visit(user_client, user):
    """The new-report form and a draft's edit form, with everything they link to, stay
    under 150 KB gzip and load no chart library."""
    project = ProjectFactory(contact_person=user)
    draft = ProgressReportFactory(project=project, status="draft")
    for url in (
        reverse("projects:report_add", args=[project.pk]),
        reverse("projects:report_edit", args=[draft.pk]),
    ):
        total, sizes = first_visit_weight(user_client, url)
        assert not [name for name in sizes if "echarts" in name], sizes
        assert total < REPORT_FORM_BUDGET, (
            f"{url}: {total / 1024:.0f} KB gzip, over the 150 KB budget: {sizes}"
        )
