"""Evidence downloads: only for those who may see the assignment, as an attachment."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def evidence(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile('整改"报告".pdf', PDF, content_type="application/pdf")
    update = services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=10, files=[upload]
    )
    return update.evidence.get()


def test_the_file_comes_back_as_an_attachment_with_its_original_name(login, world, evidence):
    response = login(world.staff_a).get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_another_township_gets_404_for_the_file(login, world, evidence):
    assert (
        login(world.staff_b).get(reverse("evidence_download", args=[evidence.pk])).status_code
        == 404
    )


def test_an_unknown_id_is_404(login, world, evidence):
    assert (
        login(world.office).get(reverse("evidence_download", args=[evidence.pk + 100])).status_code
        == 404
    )


def test_a_file_missing_from_storage_is_a_clear_404(login, world, evidence):
    evidence.file.storage.delete(evidence.file.name)
    response = login(world.office).get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 404
