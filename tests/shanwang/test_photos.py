"""Photos re-encoded before they are stored (shanwang/photos.py): the picture alone,
upright, in sRGB, bounded in size, named by the format found in the content."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from shanwang.photos import PHOTO_MAX_SIDE, reencode_photo

#: Bytes that identify the camera and the place: none may survive.
CAMERA = "Shanwang-TestCam"


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
    result = reencode_photo(upload)
    assert result.name == "IMG_0001.jpg"
    assert stored(result).format == "JPEG"
    assert stored(result).size == (32, 64)
    assert_no_metadata(result)


def test_a_jpeg_with_a_page_appended_and_named_pdf_becomes_a_plain_jpg():
    """Bytes after the image (an HTML page) are not kept; the name follows the content."""
    upload = photo(Image.new("RGB", (16, 16), "olive"), "JPEG", "report.pdf")
    upload = SimpleUploadedFile(
        "report.pdf", upload.read() + b"<html><script>alert(1)</script></html>"
    )
    result = reencode_photo(upload)
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
    result = reencode_photo(photo(image, image_format, name))
    assert (result.name, stored(result).mode) == expected
    assert stored(result).format == image_format
    assert stored(result).size == (20, 10)


def test_a_palette_png_with_a_transparent_colour_keeps_its_transparency():
    upload = photo(Image.new("P", (20, 10)), "PNG", "logo.png", transparency=0)
    result = reencode_photo(upload)
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
    result = reencode_photo(upload)
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
    assert_no_metadata(reencode_photo(upload))


def test_a_large_photo_is_bounded_keeping_its_proportions():
    upload = photo(Image.new("RGB", (PHOTO_MAX_SIDE * 2, PHOTO_MAX_SIDE), "olive"), "PNG", "p.png")
    assert stored(reencode_photo(upload)).size == (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE // 2)


def test_what_is_not_a_photo_is_refused_as_the_validator_refuses_it():
    with pytest.raises(ValidationError) as refused:
        reencode_photo(SimpleUploadedFile("site.jpg", b"just text"))
    assert refused.value.code == "not_an_image"
