"""Recording and clearing a statistics registration: by whoever may change the project
(clearing by administrators), the date not before the actual start nor after today, the
field named in the error, nothing half-saved, an audit line."""

import datetime
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from projects.models import Project
from projects.registration import selectors
from projects.registration.services import registration_clear, registration_record

from .conftest import START, TODAY
from .factories import started

pytestmark = pytest.mark.django_db


def stored(project):
    return Project.objects.get(pk=project.pk)


def test_recording_sets_the_status_the_date_and_the_year(cast, caplog):
    day = START + datetime.timedelta(days=10)
    with caplog.at_level(logging.INFO, logger="shanwang.audit"):
        registration_record(cast.project, user=cast.staff_a, registered_on=day)
    project = stored(cast.project)
    assert (
        project.statistics_registered,
        project.statistics_registered_on,
        project.statistics_registered_year,
    ) == (True, day, day.year)
    assert project.history.first().history_user == cast.staff_a
    records = [json.loads(record.getMessage()) for record in caplog.records]
    assert {
        "event": "statistics_registration_recorded",
        "user": "staff.a",
        "project": project.pk,
        "registered_on": day.isoformat(),
    }.items() <= records[-1].items()
    # The project leaves the list of those started and not registered.
    assert not selectors.unregistered_list(on=TODAY).filter(pk=project.pk).exists()


@pytest.mark.parametrize("day", [START, TODAY])
def test_the_start_and_today_are_allowed(cast, day):
    registration_record(cast.project, user=cast.staff_a, registered_on=day)
    assert stored(cast.project).statistics_registered_on == day


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (START - datetime.timedelta(days=1), "before the project's actual start"),
        (TODAY + datetime.timedelta(days=1), "cannot be later than today"),
        (None, "Please fill in"),
    ],
)
def test_a_bad_date_is_refused_naming_the_field(cast, day, words):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            registration_record(cast.project, user=cast.staff_a, registered_on=day)
        assert words in " ".join(refused.value.messages)
    assert list(refused.value.error_dict) == ["statistics_registered_on"]
    project = stored(cast.project)
    assert (project.statistics_registered, project.statistics_registered_on) == (None, None)


def test_a_project_not_started_is_not_registered(cast):
    project = started(None, name="未开工项目", responsible_unit=cast.unit_a)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        registration_record(project, user=cast.staff_a, registered_on=TODAY)
    assert "no actual start" in refused.value.error_dict["statistics_registered_on"][0].messages[0]
    assert stored(project).statistics_registered is None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("staff_a", True),
        ("reviewer", True),
        ("administrator", True),
        ("superuser", True),
        ("staff_b", False),
        ("leader", False),
        ("outsider", False),
    ],
)
def test_who_may_record(cast, who, allowed):
    user = getattr(cast, who)
    if allowed:
        registration_record(cast.project, user=user, registered_on=TODAY)
        assert stored(cast.project).statistics_registered is True
    else:
        with pytest.raises(PermissionDenied):
            registration_record(cast.project, user=user, registered_on=TODAY)
        assert stored(cast.project).statistics_registered is None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("administrator", True),
        ("superuser", True),
        ("staff_a", False),
        ("reviewer", False),
        ("leader", False),
    ],
)
def test_only_administrators_clear(cast, who, allowed, caplog):
    registration_record(cast.project, user=cast.staff_a, registered_on=TODAY)
    user = getattr(cast, who)
    if not allowed:
        with pytest.raises(PermissionDenied):
            registration_clear(cast.project, user=user)
        assert stored(cast.project).statistics_registered is True
        return
    with caplog.at_level(logging.INFO, logger="shanwang.audit"):
        registration_clear(cast.project, user=user)
    project = stored(cast.project)
    assert (
        project.statistics_registered,
        project.statistics_registered_on,
        project.statistics_registered_year,
    ) == (False, None, None)
    assert json.loads(caplog.records[-1].getMessage())["event"] == (
        "statistics_registration_cleared"
    )
    assert selectors.unregistered_list(on=TODAY).filter(pk=project.pk).exists()


def test_the_project_page_figures(cast):
    """What the project page says, status by status."""
    status = selectors.project_registration(cast.project, user=cast.staff_b, on=TODAY)
    assert (status["status"], status["light"], status["days_since_start"]) == (
        selectors.Status.UNREGISTERED,
        "red",
        70,
    )
    assert (status["may_record"], status["may_clear"]) == (False, False)
    registration_record(cast.project, user=cast.staff_a, registered_on=TODAY)
    status = selectors.project_registration(stored(cast.project), user=cast.administrator, on=TODAY)
    assert (status["status"], status["registered_on"]) == (selectors.Status.REGISTERED, TODAY)
    assert (status["may_record"], status["may_clear"]) == (True, True)
    cases = {
        selectors.Status.BELOW_THRESHOLD: started(START, total_investment=100),
        selectors.Status.NO_INVESTMENT: started(START, total_investment=None),
        selectors.Status.NOT_STARTED: started(None),
        selectors.Status.CANCELLED: started(START, stage=Project.Stage.CANCELLED),
    }
    for expected, project in cases.items():
        figures = selectors.project_registration(project, user=cast.staff_a, on=TODAY)
        assert figures["status"] == expected
