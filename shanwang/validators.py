"""Validators for uploaded files: capped in size and checked by their content."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image

#: Formats a phone camera or a desk scanner produces and every browser shows.
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000


@deconstructible
class PhotoValidator:
    """Accept only a real JPEG, PNG or WebP image of at most 10 MB and 50 megapixels."""

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
                _("The file is not a readable image (JPEG, PNG or WebP)."), code="not_an_image"
            ) from None
        finally:
            upload.seek(position)
        if image_format not in PHOTO_FORMATS:
            raise ValidationError(
                _("Photos must be JPEG, PNG or WebP, not %(format)s."),
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
