from django.http import FileResponse, Http404

from tracker import selectors

# Photos a page shows as <img> and a browser opens in place: formats that cannot carry script
# (never SVG), each known by its first bytes, whatever type the upload claimed.
INLINE_IMAGES = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/gif": lambda head: head.startswith((b"GIF87a", b"GIF89a")),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}


def shows_inline(evidence) -> bool:
    """Whether the page shows this file as a picture (its bytes are checked when it is sent)."""
    return evidence.content_type in INLINE_IMAGES


def _image_type(evidence, handle) -> str | None:
    """The image type to send the file inline as, or None to send it as an attachment: the
    recorded type must be a photo's and the file's first bytes must agree."""
    looks_like = INLINE_IMAGES.get(evidence.content_type)
    if looks_like is None:
        return None
    head = handle.read(16)
    handle.seek(0)
    return evidence.content_type if looks_like(head) else None


def evidence_download(request, pk):
    """Send an evidence file only to users who may see its assignment: a photo inline (shown
    in the page and in its own tab), every other file as an attachment."""
    evidence = selectors.get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不在存储中，请联系安委办。") from None
    image = _image_type(evidence, handle)
    content_type = image or evidence.content_type
    if image is None and evidence.content_type in INLINE_IMAGES:
        # Called a photo but is none: its bytes get no image type to be taken for.
        content_type = "application/octet-stream"
    response = FileResponse(
        handle,
        as_attachment=image is None,
        filename=evidence.original_name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
