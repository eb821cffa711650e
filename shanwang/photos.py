"""Site photos as evidence: what a photo says about itself, and the copy that is served.

A phone photo carries its capture time and GPS position in EXIF; a file may also carry
anything after the image data (an HTML page, say) and any name (``.pdf``). From an upload
(JPEG, PNG, WebP or an iPhone's HEIC) ``process_photo`` reads the evidence (the capture
time, the position, a perceptual hash of the picture) and makes the copy that is served:
turned upright by its EXIF orientation, converted to sRGB by its colour profile, at most
PHOTO_MAX_SIDE pixels on its longer side, without any metadata, with a caption strip
below the picture naming the project, the report's month and the capture time; and a
small copy (THUMBNAIL_SIDE, no strip, no metadata) for lists of photos. The file
as uploaded is kept beside it, unchanged (HEIC stays HEIC, its EXIF intact), for
administrators only.

The perceptual hash is a difference hash (dHash) computed with Pillow alone: the picture
in grey, averaged down to 9 × 8 cells, one bit per pair of neighbouring cells (is the left
one brighter?). Re-encoding or resizing a picture keeps its hash; imagehash would do the
same with numpy, scipy and PyWavelets as dependencies.
"""

import datetime
import functools
import io
import math
import shutil
import subprocess
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFont, ImageOps
from pypinyin import lazy_pinyin

from .validators import PhotoValidator

#: The longer side of a served photo, caption strip included: as sharp as a phone's
#: screen shows it, a few hundred KB (the browser scales to the same size before upload).
PHOTO_MAX_SIDE = 2560
#: The file name's extension for each format a photo may have (validators.PHOTO_FORMATS).
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
#: The format a photo is served in: its own, but HEIC (which browsers do not show) as JPEG.
SERVED_FORMATS = {"HEIF": "JPEG"}
JPEG_QUALITY = 80
_SRGB = ImageCms.createProfile("sRGB")

#: CJK fonts looked for when PHOTO_CAPTION_FONT is not set: Debian's fonts-noto-cjk (its
#: collections hold the Japanese, Korean, Simplified and Traditional Chinese faces; the
#: index is the Simplified Chinese one), then the WenQuanYi fonts.
CAPTION_FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
#: The strip's colours: white text on a dark band, legible on any picture above it.
STRIP_BACKGROUND = (33, 37, 41)
STRIP_TEXT = (255, 255, 255)

#: The small copy shown in lists of photos (photo cards, a draft's thumbnails).
THUMBNAIL_SIDE = 640

#: The perceptual hash: 64 bits in hex. Re-encoding or resizing a picture changes a bit or
#: two; two different pictures differ in about half. Hashes at most SAME_PICTURE_BITS
#: apart are taken as the same picture; one with fewer than HASH_BITS_SET bits set (or
#: unset) is of a picture without contrast and never taken as the same as another.
HASH_DIGITS = 16
SAME_PICTURE_BITS = 5
HASH_BITS_SET = 6
HASH_BANDS = 8

_EXIF_TIMES = (
    (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
    (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
)


@dataclass(frozen=True)
class ProcessedPhoto:
    """What an upload gives: the file as uploaded, the copy served, and its evidence."""

    original: ContentFile
    served: ContentFile
    thumbnail: ContentFile
    taken_at: datetime.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    perceptual_hash: str


def process_photo(upload, *, project_name: str, month: datetime.date | None) -> ProcessedPhoto:
    """Return the evidence and the served copy of ``upload`` (a photo PhotoValidator
    accepts), captioned with ``project_name`` and the report's ``month``; raise
    ValidationError (as the validator does) for a file that is not such a photo."""
    PhotoValidator()(upload)
    upload.seek(0)
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image_format = opened.format
            exif = opened.getexif()
            upright = _upright_srgb(opened)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _unreadable() from None
    taken_at = exif_taken_at(exif)
    latitude, longitude = exif_position(exif)
    lines = caption_lines(project_name=project_name, month=month, taken_at=taken_at)
    served = _with_caption_strip(upright, lines)
    served_format = SERVED_FORMATS.get(image_format, image_format)
    stem = _stem(upload)
    return ProcessedPhoto(
        original=ContentFile(data, name=f"{stem}.{PHOTO_EXTENSIONS[image_format]}"),
        served=ContentFile(
            _encode(served, served_format), name=f"{stem}.{PHOTO_EXTENSIONS[served_format]}"
        ),
        thumbnail=ContentFile(_thumbnail(upright), name=f"{stem}.jpg"),
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
        perceptual_hash=perceptual_hash(upright),
    )


def _thumbnail(upright: Image.Image) -> bytes:
    """Return the small copy lists show, a JPEG without metadata: THUMBNAIL_SIDE pixels on
    its longer side (sharp at twice a phone's half-screen width), without the strip,
    which the page says in words beside it."""
    small = upright.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return _encode(small if small.mode == "RGB" else small.convert("RGB"), "JPEG")


def exif_taken_at(exif: Image.Exif) -> datetime.datetime | None:
    """Return when the photo was taken: EXIF DateTimeOriginal (else DateTimeDigitized)
    with its offset when the camera wrote one, otherwise as a time in Shanghai (the
    town's); None when the photo says nothing readable. DateTime, the time the file was
    last changed (by an editing app, say), is not a capture time."""
    fields = exif.get_ifd(ExifTags.IFD.Exif)
    for time_tag, offset_tag in _EXIF_TIMES:
        value = _text(fields.get(time_tag))
        try:
            taken = datetime.datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue  # missing, blank or "0000:00:00 00:00:00"
        offset = _text(fields.get(offset_tag))
        try:
            zone = datetime.datetime.strptime(offset, "%z").tzinfo
        except ValueError:
            zone = zoneinfo.ZoneInfo("Asia/Shanghai")
        return taken.replace(tzinfo=zone)
    return None


def exif_position(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    """Return the GPS latitude and longitude in degrees to 6 decimals (south and west
    negative), or (None, None) when the photo has no readable position. 0°, 0° is what
    a camera without a fix writes, not a place in the town."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if (
        latitude is None
        or longitude is None
        or abs(latitude) > 90
        or abs(longitude) > 180
        or (latitude == 0 and longitude == 0)
    ):
        return None, None
    return _six_places(latitude), _six_places(longitude)


def perceptual_hash(image: Image.Image) -> str:
    """Return the 64-bit difference hash of ``image`` as 16 hex digits: bit by bit, whether
    a cell of the picture (in grey, averaged to 9 × 8 cells) is brighter than the cell to
    its right. A picture without any contrast hashes to zeros."""
    cells = image.convert("L").resize((9, 8), Image.Resampling.BOX).tobytes()
    bits = 0
    for row in range(8):
        for column in range(8):
            left, right = cells[row * 9 + column], cells[row * 9 + column + 1]
            bits = bits << 1 | (left > right)
    return f"{bits:016x}"


def hash_distance(first: str, second: str) -> int:
    """Return how many of the 64 bits two perceptual hashes differ in."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def distinctive(value: str) -> bool:
    """Return whether a hash says something of its picture: one of a picture without
    contrast (a blank frame, a plain wall) is (nearly) all zeros or all ones, and many
    different pictures share it."""
    return len(value) == HASH_DIGITS and HASH_BITS_SET <= int(value, 16).bit_count() <= 64 - (
        HASH_BITS_SET
    )


def same_picture(first: str, second: str) -> bool:
    """Return whether two hashes are of the same picture (re-encoded, resized)."""
    return (
        distinctive(first)
        and distinctive(second)
        and hash_distance(first, second) <= SAME_PICTURE_BITS
    )


def hash_bands(value: str) -> list[str]:
    """Return the hash cut into HASH_BANDS bands of hex digits: two hashes of the same
    picture (at most SAME_PICTURE_BITS < HASH_BANDS bits apart) share at least one band,
    so a query for equal bands finds every candidate."""
    width = HASH_DIGITS // HASH_BANDS
    return [value[start : start + width] for start in range(0, HASH_DIGITS, width)]


def _degrees(value, ref) -> float | None:
    """Return degrees, minutes and seconds (or fewer parts) as signed degrees."""
    if value is None:
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    try:
        degrees = sum(float(part) / 60**index for index, part in enumerate(parts[:3]))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(degrees):
        return None  # a rational with a zero denominator reads as NaN
    return -degrees if _text(ref).upper() in {"S", "W"} else degrees


def _six_places(degrees: float) -> Decimal | None:
    try:
        return Decimal(str(round(degrees, 6))).quantize(Decimal("0.000001"))
    except InvalidOperation:
        return None


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ")


# The served copy ----------------------------------------------------------------------


def caption_lines(
    *, project_name: str, month: datetime.date | None, taken_at: datetime.datetime | None
) -> list[str]:
    """Return the caption strip's lines, in the site's language (Chinese), whatever the
    language of the request that uploads: the project, then the month and capture time."""
    with translation.override(settings.LANGUAGE_CODE):
        month_text = (
            _("Monthly report %(month)s") % {"month": date_format(month, "YEAR_MONTH_FORMAT")}
            if month
            else ""
        )
        if taken_at is None:
            time_text = _("Capture time unknown")
        else:
            local = timezone.localtime(taken_at)
            time_text = _("Taken %(time)s") % {"time": date_format(local, "Y-m-d H:i")}
    return [project_name, "  ".join(text for text in (month_text, time_text) if text)]


@functools.cache
def caption_font_source(configured: str = "") -> tuple[str, int] | None:
    """Return the CJK font (path, index in its collection) the caption strip is drawn
    with: ``configured`` (PHOTO_CAPTION_FONT) when set, and then only it, otherwise the
    first of CAPTION_FONT_CANDIDATES installed, otherwise what fontconfig names for
    Chinese; None when there is none (the system check warns)."""
    if configured:
        path = Path(configured)
        return (str(path), _simplified_chinese_index(path)) if _loads(path) else None
    for path, index in CAPTION_FONT_CANDIDATES:
        if _loads(Path(path), index):
            return path, index
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "--format=%{file}|%{index}", "sans-serif:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        path, index = found.rsplit("|", 1)
        index = int(index or 0)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    # fontconfig answers with its best match even for a font that has no Chinese.
    return (path, index) if _loads(Path(path), index) and _draws_chinese(path, index) else None


def _loads(path: Path, index: int = 0) -> bool:
    if not path.is_file():
        return False  # Pillow would look for a font of the same name elsewhere
    try:
        ImageFont.truetype(str(path), 12, index=index)
    except OSError:
        return False
    return True


def _draws_chinese(path: str, index: int) -> bool:
    font = ImageFont.truetype(path, 24, index=index)
    # A font without the glyphs draws the same "missing" box for every character.
    return font.getmask("山").getbbox() != font.getmask("\U0010fffd").getbbox()


def _simplified_chinese_index(path: Path) -> int:
    """Return the face of a font collection (.ttc) named for Simplified Chinese, else 0."""
    for index in range(8):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family.endswith((" SC", " CN", "SC", "GB")):
            return index
    return 0


def _caption_font(size: int) -> tuple[ImageFont.FreeTypeFont, bool]:
    """Return the font of the strip at ``size`` px and whether it draws Chinese."""
    source = caption_font_source(settings.PHOTO_CAPTION_FONT)
    if source is not None:
        return ImageFont.truetype(source[0], size, index=source[1]), True
    return ImageFont.load_default(size), False


def _latin(line: str) -> str:
    """Return a caption line as Latin letters (the project's name in pinyin), for a strip
    drawn without a CJK font: legible rather than a row of boxes."""
    text = " ".join(lazy_pinyin(line))
    return "".join(character if character.isascii() else " " for character in text)


def _with_caption_strip(picture: Image.Image, lines: list[str]) -> Image.Image:
    """Return ``picture`` scaled to fit PHOTO_MAX_SIDE with the caption strip below it."""
    picture = picture.copy()
    picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    strip = strip_height(picture.width)
    if picture.height + strip > PHOTO_MAX_SIDE:
        # A portrait picture leaves room for the strip within the bound.
        picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE - strip), Image.Resampling.LANCZOS)
        strip = strip_height(picture.width)
    size = _font_size(picture.width)
    font, draws_chinese = _caption_font(size)
    if not draws_chinese:
        lines = [_latin(line) for line in lines]
    background = STRIP_BACKGROUND + ((255,) if picture.mode == "RGBA" else ())
    canvas = Image.new(picture.mode, (picture.width, picture.height + strip), background)
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    margin = size // 2
    for number, line in enumerate(lines):
        text = _fitted(line, font, picture.width - 2 * margin)
        top = picture.height + margin + number * round(size * 1.4)
        draw.text((margin, top), text, font=font, fill=STRIP_TEXT)
    return canvas


def _font_size(width: int) -> int:
    # Two lines legible on a phone at any size the picture is shown: 1/40 of its width.
    return max(12, round(width / 40))


def strip_height(width: int) -> int:
    size = _font_size(width)
    return size + round(size * 1.4) + size  # two lines and a margin above and below


def _fitted(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """Return ``line`` cut to ``width`` px, ending in an ellipsis when it had to be cut."""
    if font.getlength(line) <= width:
        return line
    while line and font.getlength(line + "…") > width:
        line = line[:-1]
    return line + "…"


def _upright_srgb(original: Image.Image) -> Image.Image:
    """Return the picture of ``original`` turned upright, in RGB (RGBA where it has
    transparency and its format keeps it) with the colours of its ICC profile in sRGB."""
    image = ImageOps.exif_transpose(original)
    transparent = original.format in {"PNG", "WEBP"} and (
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


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Return ``image`` encoded in ``image_format`` without any metadata."""
    image.info = {}  # no comment, text chunk or profile is carried over into the new file
    buffer = io.BytesIO()
    if image_format == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, image_format, quality=JPEG_QUALITY)
    return buffer.getvalue()


def _stem(upload) -> str:
    return PurePath(upload.name or "").name.split(".")[0] or "photo"


def _unreadable() -> ValidationError:
    return ValidationError(
        _("The file is not a readable image (JPEG, PNG, WebP or HEIC)."), code="not_an_image"
    )
