from django.http import FileResponse, Http404

from tracker import selectors


def evidence_download(request, pk):
    """Send an evidence file as an attachment, only to users who may see its assignment."""
    evidence = selectors.get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不在存储中，请联系安委办。") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
