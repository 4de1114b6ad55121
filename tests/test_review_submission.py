"""The office's review shows what was submitted (the figure, the note, the evidence) before
the approve/return form, with photos as thumbnails; the evidence view sends photos inline and
every other file as an attachment, to those who may see the task only."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def png_bytes(width=2, height=2) -> bytes:
    """A real (tiny, red) PNG, so that a browser can draw it."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xff\x00\x00" * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PNG = png_bytes()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def submitted(world, media):
    """Township A reported with a photo, then submitted with a note and a PDF."""
    services.assignment_report(
        assignment=world.a_item,
        user=world.staff_a,
        percent=60,
        files=[SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")],
    )
    services.assignment_submit(
        assignment=world.a_item,
        user=world.staff_a,
        note="排查已全部完成，台账附后",
        files=[SimpleUploadedFile("排查台账.pdf", PDF, content_type="application/pdf")],
    )
    world.a_item.refresh_from_db()
    return world.a_item


def evidence_named(assignment, name):
    return assignment.evidence.get(original_name=name)


def review_card(page: str) -> str:
    return page[page.index('id="review"') : page.index("</section>", page.index('id="review"'))]


def test_the_submission_comes_before_the_decision_form(login, world, submitted):
    page = login(world.office).get(reverse("assignment_detail", args=[submitted.pk]))
    card = review_card(page.content.decode())
    note = card.index("排查已全部完成，台账附后")
    pdf = card.index("排查台账.pdf")
    photo = card.index("现场照片.png")
    form = card.index("<form")
    assert max(note, pdf, photo) < form
    assert card.index("100%") < form
    assert "城关镇王干事" in card[:form]


def test_a_photo_in_the_submission_is_a_thumbnail_and_a_pdf_a_link(login, world, submitted):
    card = review_card(
        login(world.office).get(reverse("assignment_detail", args=[submitted.pk])).content.decode()
    )
    photo_url = reverse("evidence_download", args=[evidence_named(submitted, "现场照片.png").pk])
    pdf_url = reverse("evidence_download", args=[evidence_named(submitted, "排查台账.pdf").pk])
    assert f'<img src="{photo_url}" alt="现场照片.png"' in card
    assert f'<img src="{pdf_url}"' not in card and f'href="{pdf_url}"' in card


def test_files_from_before_an_earlier_return_are_not_shown_as_this_submission(
    login, world, submitted
):
    services.assignment_return(assignment=submitted, user=world.office, reason="缺整改照片")
    services.assignment_submit(assignment=submitted, user=world.staff_a, note="补交")
    card = review_card(
        login(world.office).get(reverse("assignment_detail", args=[submitted.pk])).content.decode()
    )
    assert "补交" in card
    assert "排查台账.pdf" not in card and "现场照片.png" not in card
    assert "未上传" in card


def test_the_history_shows_photos_as_thumbnails_too(login, world, submitted):
    page = (
        login(world.staff_a).get(reverse("assignment_detail", args=[submitted.pk])).content.decode()
    )
    history = page[page.index('class="history"') :]
    photo_url = reverse("evidence_download", args=[evidence_named(submitted, "现场照片.png").pk])
    assert f'<img src="{photo_url}"' in history


def test_a_photo_is_sent_inline_as_an_image(login, world, submitted):
    photo = evidence_named(submitted, "现场照片.png")
    response = login(world.staff_a).get(reverse("evidence_download", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_a_pdf_still_downloads_as_an_attachment(login, world, submitted):
    pdf = evidence_named(submitted, "排查台账.pdf")
    response = login(world.office).get(reverse("evidence_download", args=[pdf.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"


def test_a_file_recorded_as_a_photo_whose_bytes_are_not_one_downloads_untyped(
    login, world, submitted
):
    photo = evidence_named(submitted, "现场照片.png")
    with photo.file.storage.open(photo.file.name, "wb") as handle:
        handle.write(b"<html><script>alert(1)</script></html>")
    response = login(world.staff_a).get(reverse("evidence_download", args=[photo.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"


def test_another_township_still_gets_404_for_a_photo(login, world, submitted):
    photo = evidence_named(submitted, "现场照片.png")
    response = login(world.staff_b).get(reverse("evidence_download", args=[photo.pk]))
    assert response.status_code == 404
