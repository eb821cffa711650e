"""Playwright driving Debian's Chromium; the test downloads no browser of its own."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import need, with_role

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The password of every person the browser tests log in as.
PASSWORD = "correct-horse-battery"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser():
    need(Path(CHROMIUM).exists() or shutil.which(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls the
    # tests themselves make there are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    yield context.new_page()
    close(context)


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield context.new_page()
    close(context)


def close(context):
    """Close a browser context, then wait for the live server to finish the requests it
    was still answering (a service worker warming its cache keeps fetching after the
    page is done): the database is emptied after the test, and a request still reading
    it then deadlocks with the emptying."""
    context.close()
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=30)


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def person(django_user_model, username, role, *, family="", given="", **fields):
    """Return a user with the browser tests' password and ``role``."""
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, last_name=family, first_name=given, **fields
    )
    return with_role(user, role)


def log_in(page, live_server, username):
    """Log ``username`` in and open the dashboard. The session is made as Django's test
    client makes it (``force_login``) and handed to the browser as its cookie, which
    spares each journey the log-in page's round trips; the log-in form itself is driven
    by tests/browser/test_login.py."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    page.goto(f"{live_server.url}/")


def browser_page(browser, viewport=None):
    """A browser of its own for one person (a phone unless ``viewport`` says otherwise),
    its page, and the list of the page's console errors and uncaught exceptions."""
    if viewport is None:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
        )
    else:
        context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    return context, page, no_console_errors(page)


def no_console_errors(page):
    """Return the list the page's console errors and uncaught exceptions go into."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
