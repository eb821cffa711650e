"""Pages are sent compressed to a browser that accepts it (shanwang.middleware.
PageGZipMiddleware); what is compressed already, a photo or a workbook, is sent as it is."""

import gzip

from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from shanwang.middleware import PageGZipMiddleware

PAGE = "<html><body>" + "山王镇项目调度 " * 200 + "</body></html>"


def respond(response):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    return PageGZipMiddleware(lambda request: response)(request)


def test_a_page_is_compressed():
    response = respond(HttpResponse(PAGE, content_type="text/html; charset=utf-8"))

    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode() == PAGE
    assert len(response.content) < len(PAGE.encode()) / 5


def test_json_is_compressed():
    body = '{"figures": [' + ", ".join(["725.34"] * 100) + "]}"
    response = respond(HttpResponse(body, content_type="application/json"))

    assert response["Content-Encoding"] == "gzip"


def test_a_photo_or_a_workbook_is_sent_as_it_is(tmp_path):
    photo = tmp_path / "site.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"\0" * 4000)
    for content_type in (
        "image/jpeg",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ):
        response = respond(FileResponse(photo.open("rb"), content_type=content_type))

        assert not response.has_header("Content-Encoding"), content_type
        assert b"".join(response.streaming_content) == photo.read_bytes()
