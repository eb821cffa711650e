"""Validators: uploaded files capped in size and checked by their content; outbound
addresses limited to the hosts a setting allows; text lengths capped, naming the field."""

from urllib.parse import urlsplit

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image

# Pillow opens HEIC/HEIF (an iPhone's photos) from here on, wherever photos are read: this
# validator, the re-encoding (shanwang/photos.py) and Django's ImageField.
pillow_heif.register_heif_opener()

#: Formats a phone camera or a desk scanner produces: every browser shows the first three;
#: HEIF (HEIC, an iPhone's) is accepted and served converted to JPEG.
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000


@deconstructible
class PhotoValidator:
    """Accept only a real JPEG, PNG, WebP or HEIC image of at most 10 MB and 50
    megapixels."""

    def __call__(self, upload):
        if upload.size > PHOTO_MAX_BYTES:
            raise ValidationError(
                _("The photo is %(size)s; at most %(limit)s is allowed."),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(PHOTO_MAX_BYTES),
                },
                code="too_large",
            )
        position = upload.tell() if hasattr(upload, "tell") else 0
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                image.verify()
        except (
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
        ):
            raise ValidationError(
                _("The file is not a readable image (JPEG, PNG, WebP or HEIC)."),
                code="not_an_image",
            ) from None
        finally:
            upload.seek(position)
        if image_format not in PHOTO_FORMATS:
            raise ValidationError(
                _("Photos must be JPEG, PNG, WebP or HEIC, not %(format)s."),
                params={"format": image_format},
                code="format",
            )
        if width * height > PHOTO_MAX_PIXELS:
            raise ValidationError(
                _("The photo has too many pixels (%(width)d × %(height)d)."),
                params={"width": width, "height": height},
                code="too_many_pixels",
            )

    def __eq__(self, other):
        return isinstance(other, PhotoValidator)


@deconstructible
class AllowedHostURLValidator:
    """Accept only an ``https`` address, on the default port and without credentials,
    whose host is one of the setting ``setting_name`` lists: the server POSTs to it,
    so it must never reach the intranet (``127.0.0.1:5432``) or another scheme. An
    entry ``host:port`` of the setting allows that one other port (a test's local
    https server); the scheme is always https."""

    def __init__(self, setting_name: str):
        self.setting_name = setting_name

    def hosts(self) -> list[str]:
        return [host.lower() for host in getattr(settings, self.setting_name)]

    def __call__(self, value):
        try:
            parts = urlsplit(str(value))
            port = parts.port
        except ValueError:
            parts, port = None, None
        host = ((parts and parts.hostname) or "").lower()
        if (
            parts is None
            or parts.scheme != "https"
            or parts.username is not None
            or (host if port in (None, 443) else f"{host}:{port}") not in self.hosts()
        ):
            raise ValidationError(
                _("Give an https address on one of these hosts: %(hosts)s."),
                params={"hosts": "、".join(self.hosts())},
                code="host_not_allowed",
            )

    def __eq__(self, other):
        return (
            isinstance(other, AllowedHostURLValidator) and other.setting_name == self.setting_name
        )


@deconstructible
class FieldMaxLengthValidator(MaxLengthValidator):
    """MaxLengthValidator whose message names the field (``label``): a form lists it next
    to the field, an import next to its row."""

    message = _("“%(field)s” can have at most %(limit_value)d characters (it has %(show_value)d).")

    def __init__(self, limit_value, *, label, message=None):
        super().__init__(limit_value, message)
        self.label = label

    def __call__(self, value):
        try:
            super().__call__(value)
        except ValidationError as error:
            raise ValidationError(
                error.message, code=error.code, params={**error.params, "field": self.label}
            ) from None

    def __eq__(self, other):
        return super().__eq__(other) and self.label == other.label
