"""Photos re-encoded before they are stored (shanwang/photos.py): the picture alone,
upright, in sRGB, bounded in size, named by the format found in the content; the
evidence read from the upload (capture time, position, perceptual hash); the served copy
with its caption strip; the original kept as uploaded."""

import datetime
import io
from decimal import Decimal

import pillow_heif
import pytest
from django.apps import apps
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from shanwang.checks import caption_font_check
from shanwang.photos import (
    PHOTO_MAX_SIDE,
    STRIP_BACKGROUND,
    caption_font_source,
    distinctive,
    hash_bands,
    hash_distance,
    perceptual_hash,
    process_photo,
    same_picture,
    strip_height,
)
from shanwang.validators import PhotoValidator
from tests.pictures import CAMERA, evidence_exif, site_picture

#: Bytes that identify the camera and the place: none may survive.


def camera_exif(*, orientation: int = 1) -> Image.Exif:
    """Return EXIF as a phone writes it: the camera, the orientation, a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 15.0, 7.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (120.0, 10.0, 3.0)
    return exif


def photo(image: Image.Image, image_format: str, name: str, **save) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save)
    return SimpleUploadedFile(name, buffer.getvalue())


def stored(content_file) -> Image.Image:
    image = Image.open(io.BytesIO(content_file.read()))
    content_file.seek(0)
    return image


def assert_no_metadata(content_file) -> None:
    data = content_file.read()
    content_file.seek(0)
    assert CAMERA.encode() not in data
    image = Image.open(io.BytesIO(data))
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
    assert not getattr(image, "text", {})


def served_copy(upload):
    """Return the copy of ``upload`` that is stored and served (its caption strip below)."""
    return process_photo(upload, project_name="山王村道路硬化工程", month=None).served


def picture_size(result) -> tuple[int, int]:
    """Return the size of the picture in a served copy, above its caption strip."""
    image = stored(result)
    return image.width, image.height - strip_height(image.width)


def test_a_phone_jpeg_loses_its_exif_and_gps_and_is_turned_upright():
    """Orientation 6 (the phone held upright) turns a 64 × 32 sensor image into a 32 × 64
    picture; the camera, the GPS position and the comment are gone."""
    upload = photo(
        Image.new("RGB", (64, 32), "olive"),
        "JPEG",
        "IMG_0001.jpg",
        exif=camera_exif(orientation=6).tobytes(),
        comment=CAMERA.encode(),
    )
    result = served_copy(upload)
    assert result.name == "IMG_0001.jpg"
    assert stored(result).format == "JPEG"
    assert picture_size(result) == (32, 64)
    assert_no_metadata(result)


def test_a_jpeg_with_a_page_appended_and_named_pdf_becomes_a_plain_jpg():
    """Bytes after the image (an HTML page) are not kept; the name follows the content."""
    upload = photo(Image.new("RGB", (16, 16), "olive"), "JPEG", "report.pdf")
    upload = SimpleUploadedFile(
        "report.pdf", upload.read() + b"<html><script>alert(1)</script></html>"
    )
    result = served_copy(upload)
    assert result.name == "report.jpg"
    assert b"<html" not in result.read()


@pytest.mark.parametrize(
    ("image", "image_format", "name", "expected"),
    [
        (Image.new("CMYK", (20, 10), (0, 255, 255, 0)), "JPEG", "scan.jpeg", ("scan.jpg", "RGB")),
        (Image.new("L", (20, 10), 128), "PNG", "grey.png", ("grey.png", "RGB")),
        (Image.new("RGBA", (20, 10), (0, 0, 255, 128)), "WEBP", "x.webp", ("x.webp", "RGBA")),
        (Image.new("P", (20, 10)), "PNG", "a.b.c.jpg", ("a.png", "RGB")),
    ],
    ids=["CMYK JPEG", "grey PNG", "translucent WebP", "palette PNG named .jpg"],
)
def test_each_format_is_kept_in_rgb_named_by_its_content(image, image_format, name, expected):
    """RGB, or RGBA where the format keeps transparency; the format and size stay."""
    result = served_copy(photo(image, image_format, name))
    assert (result.name, stored(result).mode) == expected
    assert stored(result).format == image_format
    assert picture_size(result) == (20, 10)


def test_a_palette_png_with_a_transparent_colour_keeps_its_transparency():
    upload = photo(Image.new("P", (20, 10)), "PNG", "logo.png", transparency=0)
    result = served_copy(upload)
    assert stored(result).mode == "RGBA"
    assert stored(result).getpixel((0, 0))[3] == 0


def test_a_png_loses_its_text_exif_and_profile():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", CAMERA)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = photo(
        Image.new("RGB", (16, 16), "olive"),
        "PNG",
        "site.png",
        pnginfo=info,
        exif=camera_exif().tobytes(),
        icc_profile=profile,
    )
    result = served_copy(upload)
    assert_no_metadata(result)
    assert stored(result).getpixel((0, 0)) == Image.new("RGB", (1, 1), "olive").getpixel((0, 0))


def test_a_webp_loses_its_exif_and_xmp():
    upload = photo(
        Image.new("RGB", (16, 16), "olive"),
        "WEBP",
        "site.webp",
        exif=camera_exif().tobytes(),
        xmp=f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{CAMERA}</x:xmpmeta>'.encode(),
    )
    assert_no_metadata(served_copy(upload))


def test_a_large_photo_is_bounded_keeping_its_proportions():
    upload = photo(Image.new("RGB", (PHOTO_MAX_SIDE * 2, PHOTO_MAX_SIDE), "olive"), "PNG", "p.png")
    assert picture_size(served_copy(upload)) == (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE // 2)


def test_what_is_not_a_photo_is_refused_as_the_validator_refuses_it():
    with pytest.raises(ValidationError) as refused:
        served_copy(SimpleUploadedFile("site.jpg", b"just text"))
    assert refused.value.code == "not_an_image"


# Evidence, the served copy and the original -------------------------------------------

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def jpeg(image: Image.Image, name: str = "IMG_0001.jpg", exif=None, **save):
    if exif is not None:
        save["exif"] = exif.tobytes()
    return photo(image, "JPEG", name, **save)


def processed(upload, project_name="山王村道路硬化工程", month=datetime.date(2026, 11, 1)):
    return process_photo(upload, project_name=project_name, month=month)


def test_the_capture_time_and_position_are_read_from_exif():
    """DateTimeOriginal without an offset is a time in Shanghai (not DateTime, the time
    an app last changed the file); GPS degrees, minutes and seconds become degrees to six
    decimals."""
    result = processed(jpeg(site_picture(), exif=evidence_exif()))
    assert result.taken_at == datetime.datetime(2026, 11, 3, 14, 22, 5, tzinfo=SHANGHAI)
    assert (result.latitude, result.longitude) == (Decimal("30.252083"), Decimal("120.167500"))


def test_the_offset_and_the_hemispheres_are_kept():
    """OffsetTimeOriginal places the time; south and west are negative."""
    exif = evidence_exif(
        offset="+02:00",
        latitude=((33.0, 52.0, 4.0), "S"),
        longitude=((151.0, 12.0, 36.0), "W"),
    )
    result = processed(jpeg(site_picture(), exif=exif))
    assert result.taken_at == datetime.datetime(2026, 11, 3, 20, 22, 5, tzinfo=SHANGHAI)
    assert (result.latitude, result.longitude) == (Decimal("-33.867778"), Decimal("-151.210000"))


@pytest.mark.parametrize(
    "exif",
    [
        None,
        evidence_exif(taken=None, latitude=None, longitude=None),
        evidence_exif(
            taken="0000:00:00 00:00:00",
            latitude=((0.0, 0.0, 0.0), "N"),
            longitude=((0.0, 0.0, 0.0), "E"),
        ),
        evidence_exif(taken="    ", latitude=((30.0, 1.0, 2.0), "N"), longitude=None),
    ],
    ids=["no EXIF", "neither time nor GPS", "zeros (no clock, no fix)", "blank, half a position"],
)
def test_a_photo_that_says_nothing_has_no_time_and_no_position(exif):
    result = processed(jpeg(site_picture(), exif=exif))
    assert (result.taken_at, result.latitude, result.longitude) == (None, None, None)


def test_the_served_copy_has_no_exif_while_the_original_is_the_upload_itself():
    """The served copy is a bare JPEG: no GPS, no camera, no EXIF at all. The original is
    the file as uploaded, byte for byte, its GPS position with it."""
    upload = jpeg(site_picture(), exif=evidence_exif())
    uploaded = upload.read()
    result = processed(upload)
    assert_no_metadata(result.served)
    assert result.original.read() == uploaded
    with Image.open(io.BytesIO(uploaded)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_a_heic_from_an_iphone_is_accepted_read_and_served_as_jpeg():
    """A HEIC (written here with pillow-heif) passes the validator, gives its capture time
    and position, is served as a bare JPEG and kept as HEIC."""
    buffer = io.BytesIO()
    site_picture().save(buffer, "HEIF", exif=evidence_exif().tobytes(), quality=80)
    upload = SimpleUploadedFile("IMG_4501.HEIC", buffer.getvalue(), "image/heic")
    PhotoValidator()(upload)
    result = processed(upload)
    assert result.taken_at == datetime.datetime(2026, 11, 3, 14, 22, 5, tzinfo=SHANGHAI)
    assert result.latitude == Decimal("30.252083")
    assert (result.served.name, result.original.name) == ("IMG_4501.jpg", "IMG_4501.heic")
    assert stored(result.served).format == "JPEG"
    assert_no_metadata(result.served)
    assert pillow_heif.is_supported(result.original.read())
    assert served_copy(upload).name == "IMG_4501.jpg"


def test_a_12_megapixel_photo_is_served_within_2560_px_and_well_under_1_mb():
    """A 4000 × 3000 phone photo becomes a copy at most 2,560 px on its longer side, the
    caption strip included, of a few hundred KB."""
    upload = jpeg(site_picture(size=(4000, 3000)), exif=evidence_exif(), quality=95)
    result = processed(upload)
    served = stored(result.served)
    assert max(served.size) <= PHOTO_MAX_SIDE
    assert served.width == PHOTO_MAX_SIDE
    assert result.served.size < 500_000


def test_a_portrait_photo_keeps_its_strip_within_the_bound():
    """Held upright (orientation 6), a 4000 × 3000 sensor image is a portrait picture: it
    is turned, and scaled so that picture and strip together are at most 2,560 px high."""
    upload = jpeg(site_picture(size=(4000, 3000)), exif=evidence_exif(orientation=6))
    served = stored(processed(upload).served)
    assert PHOTO_MAX_SIDE - 20 < served.height <= PHOTO_MAX_SIDE
    assert served.width < served.height


def strip_of(image: Image.Image, width: int, picture_height: int) -> Image.Image:
    """Return the caption strip below a picture scaled to ``width`` from its height."""
    return image.crop((0, picture_height, width, image.height))


def test_the_caption_strip_is_drawn_below_the_picture():
    """Below the picture, a dark band carries light text (the project, the month and the
    capture time, drawn with the CJK font found on the machine)."""
    assert caption_font_source("") is not None, "the test machine has fonts-noto-cjk"
    # PNG, kept lossless, so that the strip's colours are exact.
    upload = photo(site_picture(size=(800, 600)), "PNG", "site.png", exif=evidence_exif().tobytes())
    served = stored(processed(upload).served)
    assert served.width == 800 and served.height > 600
    strip = strip_of(served.convert("RGB"), 800, 600)
    colours = {colour for _count, colour in strip.getcolors(800 * strip.height)}
    assert STRIP_BACKGROUND in colours
    assert any(min(colour) > 200 for colour in colours)  # the text


def test_without_a_cjk_font_the_strip_is_drawn_in_pinyin_and_the_check_warns(settings):
    """A configured font that cannot be read is the only one looked for: the strip is
    drawn with Pillow's own font (the name in pinyin), and the system check warns."""
    settings.PHOTO_CAPTION_FONT = "/nonexistent/NotoSansCJK-Regular.ttc"
    served = stored(processed(photo(site_picture(size=(800, 600)), "PNG", "site.png")).served)
    strip = strip_of(served.convert("RGB"), 800, 600)
    assert STRIP_BACKGROUND in {colour for _count, colour in strip.getcolors(800 * strip.height)}
    assert any(min(colour) > 200 for _count, colour in strip.getcolors(800 * strip.height))
    warnings = caption_font_check(None)
    assert [(type(w), w.id) for w in warnings] == [(checks.Warning, "shanwang.W001")]
    assert "/nonexistent/NotoSansCJK-Regular.ttc" in warnings[0].msg


def test_with_the_font_installed_the_check_is_silent(settings):
    settings.PHOTO_CAPTION_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    assert caption_font_source(settings.PHOTO_CAPTION_FONT) == (
        settings.PHOTO_CAPTION_FONT,
        2,  # the Simplified Chinese face of the collection
    )
    assert caption_font_check(None) == []


def test_the_check_runs_with_the_others(settings):
    """The app's config registers the check: ``manage.py check`` warns without a font."""
    assert type(apps.get_app_config("shanwang")).__name__ == "ShanwangConfig"
    settings.PHOTO_CAPTION_FONT = "/nonexistent/font.ttc"
    assert "shanwang.W001" in {message.id for message in checks.run_checks()}


def test_the_perceptual_hash_survives_re_encoding_and_resizing():
    """The same picture re-encoded at a low quality, at half its size or as PNG has
    (nearly) the same hash: the same picture, sharing a band; a different picture is
    far from it; hashes are 16 hex digits."""
    picture = site_picture(seed=7, size=(1600, 1200))
    first = processed(jpeg(picture, quality=92)).perceptual_hash
    again = processed(
        jpeg(picture.resize((800, 600), Image.Resampling.BILINEAR), "again.jpg", quality=55)
    ).perceptual_hash
    as_png = processed(photo(picture, "PNG", "again.png")).perceptual_hash
    other = processed(jpeg(site_picture(seed=8, size=(1600, 1200)))).perceptual_hash
    assert len(first) == 16 and int(first, 16) >= 0
    for copy in (again, as_png):
        assert hash_distance(first, copy) <= 2
        assert same_picture(first, copy)
        assert set(hash_bands(first)) & set(hash_bands(copy))
    assert hash_distance(first, other) > 16
    assert not same_picture(first, other)


def test_a_picture_without_contrast_is_the_same_as_no_other():
    """A blank frame hashes to zeros: two blank frames are not taken as one picture."""
    blank = perceptual_hash(Image.new("RGB", (64, 48), "olive"))
    assert blank == "0" * 16
    assert not distinctive(blank)
    assert not same_picture(blank, perceptual_hash(Image.new("RGB", (64, 48), "navy")))


def test_the_hash_is_of_the_upright_picture():
    """A photo stored sideways with orientation 6 hashes as the same picture upright."""
    picture = site_picture(seed=3)
    upright = processed(jpeg(picture.transpose(Image.Transpose.ROTATE_270))).perceptual_hash
    sideways = processed(jpeg(picture, exif=evidence_exif(orientation=6))).perceptual_hash
    assert upright == sideways
