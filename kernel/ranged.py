"""A file response that honours HTTP Range (RFC 9110 §14), so that a long video seeks without
downloading what comes before. Django's FileResponse and Wagtail's document view always send the
whole file; browsers ask a <video> for `Range: bytes=N-` as soon as the viewer seeks.

One range per request (what players send); a request for several, or a malformed header, gets
the whole file (the RFC allows a server to ignore Range); a range that starts past the end gets
416 with the file's size.
"""

import re

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) inclusive for a satisfiable single range; None to send the whole file;
    False when the range cannot be satisfied."""
    match = _RANGE.match((header or "").replace(" ", ""))
    if not match or size <= 0:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        return False
    if end < start:
        return None
    return start, end


def _chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(
    request, *, open_file, size: int, content_type: str, filename: str, attachment: bool = False
) -> HttpResponse:
    """Stream `open_file()` (a binary file object, opened only when it is to be sent), whole (200)
    or the requested range (206), with Accept-Ranges, Content-Length and Content-Range."""
    wanted = byte_range(request.headers.get("Range", ""), size) if request.method in ("GET", "HEAD") else None
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if wanted else 200, content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _chunks(open_file(), start, length), status=206 if wanted else 200, content_type=content_type
        )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
