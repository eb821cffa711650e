"""Site photos as evidence: what the reviewer of a report is told about each photo.

The server reads each photo's capture time, GPS position and perceptual hash when it is
uploaded (shanwang/photos.py); here they are weighed against the report: when, where,
and whether the same picture was already used. Flags are plain data (a code and a
Chinese message, maybe a link), rendered by templates/projects/partials/report_photos.html.
"""

import calendar
import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shanwang.formatting import EMPTY, number
from shanwang.photos import HASH_BANDS, HASH_DIGITS, distinctive, hash_bands, same_picture

from .models import ProgressReport, ReportPhoto
from .rules import may

#: A photo taken more than this many days before the end of the report's month is old.
STALE_DAYS = 45
#: A capture time this long after the upload is a wrong clock or edited data (a camera's
#: clock a little off, or set to another zone, is not).
AFTER_UPLOAD_SLACK = datetime.timedelta(hours=1)
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Flag:
    """One thing the reviewer should check about a photo."""

    code: str  # no_time, stale, after_upload, far, reused
    message: str
    severity: str = "warning"  # warning or danger: the badge's colour
    url: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class PhotoEvidence:
    """A photo of a report with what it says and what the reviewer should check."""

    photo: ReportPhoto
    taken_at: str
    position: str
    site: str  # near the site, how far from it, or that the project has no site point
    flags: tuple[Flag, ...]
    may_set_site: bool  # the user may make the photo's position the project's site point
    may_see_original: bool


def report_photo_evidence(report: ProgressReport, *, user) -> list[PhotoEvidence]:
    """Return the evidence of every photo of ``report`` as ``user`` sees it, in a constant
    number of queries: the photos (none when prefetched, as selectors.report_detail
    does) and one for the pictures already used in earlier reports."""
    project = report.project
    photos = list(report.photos.all())
    earlier = _earlier_uses(report, photos)
    may_change_project = may(user, "projects.change_project", project)
    may_see_original = may(user, "projects.view_photo_original")
    return [
        PhotoEvidence(
            photo=photo,
            taken_at=_time_text(photo.taken_at),
            position=_position_text(photo),
            site=_site_text(photo, project),
            flags=tuple(_flags(photo, report, earlier.get(photo.pk))),
            may_set_site=photo.located and project.site_latitude is None and may_change_project,
            may_see_original=may_see_original,
        )
        for photo in photos
    ]


def distance_m(latitude_a, longitude_a, latitude_b, longitude_b) -> float:
    """Return the great-circle distance in metres between two points (haversine)."""
    phi_a, phi_b = math.radians(latitude_a), math.radians(latitude_b)
    d_phi = phi_b - phi_a
    d_lambda = math.radians(float(longitude_b) - float(longitude_a))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def site_distance_m(photo: ReportPhoto, project) -> float | None:
    """Return how far from the project's site point the photo was taken, or None when
    the photo or the project has no position."""
    if not photo.located or project.site_latitude is None or project.site_longitude is None:
        return None
    return distance_m(
        float(photo.latitude),
        float(photo.longitude),
        float(project.site_latitude),
        float(project.site_longitude),
    )


def month_end(month: datetime.date) -> datetime.date:
    """Return the last day of ``month``."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _earlier_uses(report: ProgressReport, photos: list[ReportPhoto]) -> dict[int, ReportPhoto]:
    """Return, by photo id, the first photo of an earlier report with the same picture
    (re-encoded or resized, shanwang.photos.same_picture): of a month before the
    report's, or of the same month for another project (any project). One query, for
    the photos sharing a band of their hash with one of ``photos``; the bits are then
    compared here."""
    hashes = [photo for photo in photos if distinctive(photo.perceptual_hash)]
    if not hashes:
        return {}
    width = HASH_DIGITS // HASH_BANDS
    bands = {
        f"band_{index}": Substr("perceptual_hash", index * width + 1, width)
        for index in range(HASH_BANDS)
    }
    shares_a_band = Q()
    for index, name in enumerate(bands):
        shares_a_band |= Q(
            **{f"{name}__in": {hash_bands(photo.perceptual_hash)[index] for photo in hashes}}
        )
    candidates = (
        ReportPhoto.objects.annotate(**bands)
        .filter(shares_a_band)
        .filter(
            Q(report__month__lt=report.month)
            | (Q(report__month=report.month) & ~Q(report__project_id=report.project_id))
        )
        .select_related("report__project")
        .order_by("report__month", "report_id", "pk")
    )
    first = {}
    for candidate in candidates:
        for photo in hashes:
            if photo.pk not in first and same_picture(
                photo.perceptual_hash, candidate.perceptual_hash
            ):
                first[photo.pk] = candidate
    return first


def _flags(photo: ReportPhoto, report: ProgressReport, earlier: ReportPhoto | None):
    if photo.taken_at is None:
        yield Flag("no_time", _("No capture time: the photo does not say when it was taken."))
    else:
        taken_on = timezone.localdate(photo.taken_at)
        days = (month_end(report.month) - taken_on).days
        if days > STALE_DAYS:
            yield Flag(
                "stale",
                _("Taken %(days)s days before the end of %(month)s (more than %(limit)s days).")
                % {
                    "days": days,
                    "month": date_format(report.month, "YEAR_MONTH_FORMAT"),
                    "limit": STALE_DAYS,
                },
            )
        if photo.created_at and photo.taken_at > photo.created_at + AFTER_UPLOAD_SLACK:
            yield Flag(
                "after_upload",
                _("Its capture time is after it was uploaded (%(uploaded)s): check the photo.")
                % {"uploaded": _time_text(photo.created_at)},
            )
    distance = site_distance_m(photo, report.project)
    if distance is not None and distance > settings.PHOTO_SITE_RADIUS_M:
        yield Flag(
            "far",
            _("Taken %(distance)s km from the project's site (more than %(radius)s m).")
            % {"distance": number(distance / 1000, 1), "radius": settings.PHOTO_SITE_RADIUS_M},
            severity="danger",
        )
    if earlier is not None:
        used = earlier.report
        yield Flag(
            "reused",
            _("The same picture is already in an earlier report:"),
            severity="danger",
            url=reverse("projects:report", kwargs={"pk": used.pk}),
            link_text=_("%(project)s, %(month)s")
            % {
                "project": used.project.name,
                "month": date_format(used.month, "YEAR_MONTH_FORMAT"),
            },
        )


def _time_text(moment: datetime.datetime | None) -> str:
    if moment is None:
        return _("Unknown")
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _position_text(photo: ReportPhoto) -> str:
    if not photo.located:
        return _("No position in the photo")
    return f"{number(photo.latitude, 6)}, {number(photo.longitude, 6)}"


def _site_text(photo: ReportPhoto, project) -> str:
    if project.site_latitude is None or project.site_longitude is None:
        return _("The project has no site point")
    distance = site_distance_m(photo, project)
    if distance is None:
        return EMPTY
    if distance <= settings.PHOTO_SITE_RADIUS_M:
        return _("Near the site (%(distance)s m)") % {"distance": number(distance, 0)}
    return _("%(distance)s km from the site") % {"distance": number(distance / 1000, 1)}
