import sys

from django.http import HttpResponse
from django.template import loader
from django.views import defaults

from tracker.services import is_disk_full


def _disk_full_in(exc: BaseException | None) -> bool:
    # A full disk can surface wrapped (a storage or parser error raised "from" the OSError).
    seen = set()
    while exc is not None and id(exc) not in seen:
        if is_disk_full(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request, template_name="500.html"):
    """The 500 page, except when the disk is full: then a 507 that says so.

    Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file while Django reads
    the request body, before any view runs, so a full disk there cannot be caught by the views
    that handle their own storage errors. Django calls this handler inside its except block;
    the error is logged with its traceback before we get here, like any server error.
    """
    if _disk_full_in(sys.exc_info()[1]):
        # Rendered without the request, like Django's own 500 page: nothing that could fail again.
        body = loader.get_template("507.html").render()
        return HttpResponse(body, status=507)
    return defaults.server_error(request, template_name=template_name)
