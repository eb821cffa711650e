"""Page weight in real Chromium: the bytes each page transfers on a first visit (an empty
cache and no service worker) and on a repeat visit (the same browser, once the first
visit and its service worker have settled), read from Chromium's network log.

A request's transfer is its response headers and encoded body as Chromium received them
(Playwright's request sizes, from the DevTools protocol's Network.loadingFinished
encodedDataLength: what DevTools shows as "transferred"); an answer from the HTTP cache
transfers nothing. A page request the service worker answers counts the bytes the worker
fetched from the network for it (a kept page is network-first); the worker's other
traffic, its precache of the app shell and the pages it keeps for offline use, is
background and reported apart (``*_worker_bytes``). Pages are read with a phone's
viewport, as in a village, unless ``--desktop``.

The server is given as a URL (gunicorn with DJANGO_DEBUG=0 and collected static files, as
`make bench` runs it); every request carries ``X-Forwarded-Proto: https`` as nginx sends
it. The browser is logged in with a session cookie (``--cookie sessionid=…``, or
BENCH_SESSION_COOKIE) or by logging in with ``--username`` and ``--password``. The project
pages are those of the first project of the list for which the user may write a report.

    python bench/weight.py --base-url http://127.0.0.1:8000 --cookie sessionid=… \\
        --out var/bench/weight.json

Writes {"pages": [{"name", "path", "first_bytes", "repeat_bytes", "first_requests",
"repeat_requests", "first_worker_bytes", "repeat_worker_bytes", "status",
"service_worker"}], "chromium"}. The worker's script must reach it without a redirect (it
is fetched without the X-Forwarded-Proto header): run gunicorn with
DJANGO_SECURE_SSL_REDIRECT=0, or weigh through nginx.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error, sync_playwright

# Debian's Chromium with the browser tests' flags: no browser downloaded, nothing fetched
# but the pages.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
#: The pages weighed, in order; None where a path is found on the site (a project's).
PAGES = [
    ("dashboard", "/"),
    ("project list", "/projects/"),
    ("project page", None),
    ("report form", None),
    ("supervision list", "/problems/"),
    ("approvals list", "/approvals/"),
    ("funds overview", "/funds/"),
    ("registration list", "/registration/unregistered/"),
    ("baseline page", None),
    ("briefing", "/briefing/"),
    ("my work", "/projects/?mine=on"),
]
PROJECT_LINK = re.compile(r'href="(/projects/(\d+)/)"')
BASELINE_LINK = re.compile(r'href="(/baselines/\d{4}/)"')
#: How long the network must be quiet for a visit to count as finished.
QUIET_SECONDS = 1.0
VISIT_TIMEOUT = 60.0


def arguments(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("BENCH_BASE_URL"),
        help="the server, e.g. http://127.0.0.1:8000 (default: $BENCH_BASE_URL)",
    )
    parser.add_argument(
        "--cookie",
        default=os.environ.get("BENCH_SESSION_COOKIE"),
        help="a logged-in session's cookie, name=value (default: $BENCH_SESSION_COOKIE)",
    )
    parser.add_argument("--username", help="log in as this user instead of --cookie")
    parser.add_argument("--password", help="the password of --username")
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    parser.add_argument("--chromium", default=CHROMIUM, help=f"Chromium (default: {CHROMIUM})")
    parser.add_argument(
        "--desktop", action="store_true", help="a desktop viewport instead of a phone's"
    )
    parser.add_argument(
        "--forwarded-proto",
        default="https",
        help="X-Forwarded-Proto sent with each request ('' for none; default: https)",
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="weigh only these pages"
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="weigh this page too, or instead of the default page of that name",
    )
    args = parser.parse_args(argv)
    if not args.base_url:
        parser.error("--base-url (or BENCH_BASE_URL) is required")
    if not args.cookie and not (args.username and args.password):
        parser.error("give --cookie (or BENCH_SESSION_COOKIE), or --username and --password")
    return args


class NetworkLog:
    """Every request of a browser context, the service worker's included, as it ends."""

    def __init__(self, context):
        self.finished = []
        self.in_flight = 0
        self.last_activity = time.monotonic()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._failed)

    def _started(self, request):
        self.in_flight += 1
        self.last_activity = time.monotonic()

    def _ended(self, request):
        self.in_flight -= 1
        self.last_activity = time.monotonic()
        self.finished.append(request)

    def _failed(self, request):
        self.in_flight -= 1
        self.last_activity = time.monotonic()

    def wait_quiet(self, page):
        """Wait until no request is under way and none started for QUIET_SECONDS."""
        deadline = time.monotonic() + VISIT_TIMEOUT
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            quiet = time.monotonic() - self.last_activity
            if self.in_flight <= 0 and quiet >= QUIET_SECONDS:
                return
        print(f"warning: network not quiet after {VISIT_TIMEOUT:.0f} s", file=sys.stderr)

    def take(self):
        requests, self.finished = self.finished, []
        return requests


def transferred(request) -> int:
    """Return the bytes of the request's response: headers and encoded body."""
    try:
        sizes = request.sizes()
        return max(0, sizes["responseHeadersSize"] + sizes["responseBodySize"])
    except Error:
        # The worker's own script fetch has no sizes: its headers and Content-Length.
        response = request.response()
        if response is None:
            return 0
        headers = response.headers
        lines = sum(len(name) + len(value) + 4 for name, value in headers.items())
        return lines + int(headers.get("content-length", 0))


def tally(requests) -> dict:
    """Split a visit's requests into the page's transfer and the worker's background one.

    A page request the worker answered counts the worker's fetch of the same URL; the
    worker's script (registered, then checked for an update on each visit) counts as the
    page's; the precache and the pages kept for offline use are the worker's."""
    answered_by_worker = set()
    for request in requests:
        response = request.response()
        if request.service_worker is None and response and response.from_service_worker:
            answered_by_worker.add(request.url)
    page_bytes = page_requests = worker_bytes = 0
    for request in requests:
        response = request.response()
        worker = request.service_worker
        if worker is None and response and response.from_service_worker:
            continue
        size = transferred(request)
        if worker is None or request.url in answered_by_worker or request.url == worker.url:
            page_bytes += size
            page_requests += size > 0
        else:
            worker_bytes += size
    return {"bytes": page_bytes, "requests": page_requests, "worker_bytes": worker_bytes}


def new_context(browser, args, cookies):
    context = browser.new_context(
        locale="zh-CN",
        extra_http_headers={"X-Forwarded-Proto": args.forwarded_proto}
        if args.forwarded_proto
        else {},
        **(DESKTOP if args.desktop else PHONE),
    )
    context.add_cookies(cookies)
    return context


def session_cookies(browser, args) -> list[dict]:
    """Return the session's cookies, from --cookie or by logging in in a browser."""
    if args.cookie:
        name, _, value = args.cookie.strip().partition("=")
        return [{"name": name, "value": value, "url": args.base_url}]
    # The log-in form through the browser's request API, its origin as nginx would give it.
    context = new_context(browser, args, [])
    http = context.request
    login = urljoin(args.base_url, "/accounts/login/")
    form = http.get(login)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text())
    scheme = args.forwarded_proto or urlsplit(args.base_url).scheme
    origin = f"{scheme}://{urlsplit(args.base_url).netloc}"
    answer = http.post(
        login,
        form={
            "csrfmiddlewaretoken": token[1] if token else "",
            "username": args.username,
            "password": args.password,
        },
        headers={"Origin": origin, "Referer": origin + "/accounts/login/"},
        max_redirects=0,
    )
    cookies = {}
    for header in form.headers_array + answer.headers_array:
        if header["name"].lower() == "set-cookie":
            name, _, rest = header["value"].partition("=")
            cookies[name] = rest.split(";", 1)[0]
    context.close()
    if answer.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"could not log in as {args.username} (HTTP {answer.status})")
    return [{"name": name, "value": value, "url": args.base_url} for name, value in cookies.items()]


def found_paths(browser, args, cookies) -> dict:
    """Return the project page, its report form and a baseline page of this site."""
    context = new_context(browser, args, cookies)
    http = context.request
    paths = {}
    listing = http.get(urljoin(args.base_url, "/projects/?per_page=50")).text()
    for path, pk in dict.fromkeys(PROJECT_LINK.findall(listing)):
        form = f"/projects/{pk}/reports/new/"
        paths.setdefault("project page", path)
        if http.get(urljoin(args.base_url, form), max_redirects=0).status == 200:
            paths.update({"project page": path, "report form": form})
            break
    baselines = http.get(urljoin(args.base_url, "/baselines/")).text()
    paths["baseline page"] = next(iter(BASELINE_LINK.findall(baselines)), "/baselines/")
    context.close()
    return paths


def weigh(browser, args, cookies, name, path) -> dict:
    context = new_context(browser, args, cookies)
    log = NetworkLog(context)
    url = urljoin(args.base_url, path)
    visits = {}
    status = None
    for visit in ("first", "repeat"):
        page = context.new_page()
        response = page.goto(url, wait_until="load", timeout=VISIT_TIMEOUT * 1000)
        status = status or (response.status if response else None)
        log.wait_quiet(page)
        if visit == "first":
            # The repeat visit comes once the service worker has taken over, as on a phone.
            page.evaluate(
                "() => navigator.serviceWorker ? Promise.race([navigator.serviceWorker.ready,"
                " new Promise((done) => setTimeout(done, 10000))]).then(() => true) : false"
            )
            log.wait_quiet(page)
        visits[visit] = tally(log.take())
        controlled = page.evaluate("() => Boolean(navigator.serviceWorker?.controller)")
        page.close()
    context.close()
    row = {
        "name": name,
        "path": path,
        "first_bytes": visits["first"]["bytes"],
        "repeat_bytes": visits["repeat"]["bytes"],
        "first_requests": visits["first"]["requests"],
        "repeat_requests": visits["repeat"]["requests"],
        "first_worker_bytes": visits["first"]["worker_bytes"],
        "repeat_worker_bytes": visits["repeat"]["worker_bytes"],
        "status": status,
        # False when the worker did not install (a plain-HTTP host other than localhost, or
        # its script redirected): then the repeat visit is the HTTP cache's alone.
        "service_worker": controlled,
    }
    print(
        f"{name:18} {path:32} first {row['first_bytes'] / 1024:7.1f} KB"
        f" ({row['first_requests']} requests), repeat {row['repeat_bytes'] / 1024:6.1f} KB"
        f" ({row['repeat_requests']}), worker {row['first_worker_bytes'] / 1024:.1f} KB,"
        f" status {status}",
        file=sys.stderr,
    )
    return row


def main(argv=None):
    args = arguments(argv)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            cookies = session_cookies(browser, args)
            paths = dict(PAGES)
            paths.update(found_paths(browser, args, cookies))
            for extra in args.page:
                name, _, path = extra.partition("=")
                paths[name] = path
            pages = [
                weigh(browser, args, cookies, name, path)
                for name, path in paths.items()
                if path is not None and (not args.only or name in args.only)
            ]
            result = {"pages": pages, "chromium": browser.version}
        finally:
            browser.close()
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
