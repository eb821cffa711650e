"""Uploaded photos re-encoded before they are stored: only the picture is kept.

A phone photo carries its GPS position, the camera and often a thumbnail in EXIF and XMP;
a file may carry anything after the image data (an HTML page, say) and any name (``.pdf``).
What is stored, and later served, is a new file of the picture alone: turned upright by its
EXIF orientation, converted to sRGB by its colour profile, at most PHOTO_MAX_SIDE pixels on
its longer side, without any metadata, and named after the format found in its content.
"""

import io
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

from .validators import PhotoValidator

#: The longer side of a stored photo: as sharp as a screen shows it, a few MB at most.
PHOTO_MAX_SIDE = 4096
#: The file name's extension for each format a photo may have (validators.PHOTO_FORMATS).
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
JPEG_QUALITY = 85
_SRGB = ImageCms.createProfile("sRGB")


def reencode_photo(upload) -> ContentFile:
    """Return ``upload`` (a photo PhotoValidator accepts) as a new file holding only its
    picture, upright, in sRGB, bounded in size, named ``<name>.<format>``; raise
    ValidationError (as the validator does) for a file that is not such a photo."""
    PhotoValidator()(upload)
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            image_format = original.format
            image = _upright_srgb(original)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("The file is not a readable image (JPEG, PNG or WebP)."), code="not_an_image"
        ) from None
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    image.info = {}  # no comment, text chunk or profile is carried over into the new file
    buffer = io.BytesIO()
    if image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, image_format, quality=JPEG_QUALITY)
    stem = PurePath(upload.name or "").name.split(".")[0] or "photo"
    return ContentFile(buffer.getvalue(), name=f"{stem}.{PHOTO_EXTENSIONS[image_format]}")


def _upright_srgb(original: Image.Image) -> Image.Image:
    """Return the picture of ``original`` turned upright, in RGB (RGBA where it has
    transparency and its format keeps it) with the colours of its ICC profile in sRGB."""
    image = ImageOps.exif_transpose(original)
    transparent = original.format != "JPEG" and (
        image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    )
    mode = "RGBA" if transparent else "RGB"
    profile = image.info.get("icc_profile")
    # A profile describes the colour values of its own mode (a grey one those of "L"): it
    # applies to RGB, RGBA and CMYK pictures, which LittleCMS converts directly.
    if profile and image.mode in {"RGB", "RGBA", "CMYK"}:
        if image.mode != "CMYK":
            image = image.convert(mode)
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile LittleCMS cannot read: keep the colour values as they are
    return image.convert(mode)
