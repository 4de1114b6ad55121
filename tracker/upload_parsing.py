"""Multipart parsing that keeps every file the browser sent, so that the form can refuse one.

Django's parser silently drops a file whose name is "..", "." or nothing after its cleaning,
and answers a bare 400 page when one part's headers exceed 1 KB (a file name over about 1 KB).
A report would then be saved without the file, or the person would see an error page that
names nothing. Here such a file arrives under a placeholder name (tracker.uploads
.placeholder_name) that check_evidence refuses, naming the file; part headers may be up to
16 KB, still bounded.

The middleware runs before the CSRF check, which is the first to read a form's body.
"""

import types

from django.http import multipartparser
from django.utils.datastructures import ImmutableList

from tracker.uploads import placeholder_name

MAX_PART_HEADER_BYTES = 16 * 1024


class _Parser(multipartparser.Parser):
    def __iter__(self):
        for sub_stream in multipartparser.InterBoundaryIter(self._stream, self._separator):
            yield multipartparser.parse_boundary_stream(sub_stream, MAX_PART_HEADER_BYTES)


class EvidenceMultiPartParser(multipartparser.MultiPartParser):
    def sanitize_file_name(self, file_name):
        kept = super().sanitize_file_name(file_name)
        return placeholder_name(file_name, kept) or kept

    # Django's own _parse, reading the parts with the larger header allowance.
    _parse = types.FunctionType(
        multipartparser.MultiPartParser._parse.__code__,
        {**vars(multipartparser), "Parser": _Parser},
        "_parse",
    )


def _parse_file_upload(request, META, post_data):
    """HttpRequest.parse_file_upload, with EvidenceMultiPartParser."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers,
        warning="You cannot alter upload handlers after the upload has been processed.",
    )
    parser = EvidenceMultiPartParser(META, post_data, request.upload_handlers, request.encoding)
    return parser.parse()


class EvidenceUploadParserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.parse_file_upload = types.MethodType(_parse_file_upload, request)
        return self.get_response(request)
