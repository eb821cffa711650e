"""Pictures for the tests of site photos: structured enough to have a perceptual hash of
their own, with EXIF as a phone writes it."""

import random

from PIL import ExifTags, Image, ImageDraw

CAMERA = "Shanwang-TestCam"


def site_picture(seed: int = 1, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Return a picture with structure, as a site photo has (blocks of colour in a
    pattern fixed by ``seed``), so that its perceptual hash is its own."""
    generator = random.Random(seed)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(24):
        left, top = generator.randrange(width), generator.randrange(height)
        right = left + generator.randrange(width // 8, width // 2)
        bottom = top + generator.randrange(height // 8, height // 2)
        colour = tuple(generator.randrange(256) for _ in range(3))
        draw.rectangle((left, top, right, bottom), fill=colour)
    return image


def evidence_exif(
    *,
    taken: str | None = "2026:11:03 14:22:05",
    offset: str | None = None,
    latitude=((30.0, 15.0, 7.5), "N"),
    longitude=((120.0, 10.0, 3.0), "E"),
    orientation: int = 1,
) -> Image.Exif:
    """Return EXIF as a phone writes it: the camera, the capture time and offset, the
    GPS position in degrees, minutes and seconds with their hemispheres."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2027:01:01 00:00:00"  # when an app last changed it
    fields = exif.get_ifd(ExifTags.IFD.Exif)
    if taken is not None:
        fields[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        fields[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if latitude is not None:
        gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef] = latitude
    if longitude is not None:
        gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef] = longitude
    return exif
