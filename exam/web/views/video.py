"""The proctor's view of a candidate's video: the recent sampled frames, relayed by the server
from the media worker's samples (exam.services.video). Opening the view is logged in the capture
log; the frame it refreshes every few seconds is not logged again."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kernel.images import served_image

from ...selectors import room as selectors
from ...services import video as video_services


@login_required
def video_view(request, attempt_id: int):
    attempt = selectors.attempt_proctored_get(request.user, attempt_id)
    _frame, state = video_services.attempt_video_frame(actor=request.user, attempt=attempt, opened=True)
    return render(
        request,
        "exam/room/video.html",
        {
            "attempt": attempt,
            "state": state,
            "clips": video_services.attempt_video_clips(attempt=attempt),
            "config": {
                "frame": reverse("exam:video_frame", kwargs={"attempt_id": attempt.pk}),
                "watch": reverse("api:exam_video_watch", kwargs={"attempt_id": attempt.pk}),
                "ice_servers": video_services.ice_servers(),
                "refresh_ms": 2000,
                "words": {
                    "none": _("No video has been received yet."),
                    "connecting": _("Connecting to the live video…"),
                    "live": _("Live"),
                    "ended": _("The live video has ended."),
                },
            },
        },
    )


@served_image
@never_cache
@login_required
def video_frame(request, attempt_id: int):
    """The latest sampled frame as a JPEG (204 when none yet), for the board and the view."""
    attempt = selectors.attempt_proctored_get(request.user, attempt_id)
    frame, _state = video_services.attempt_video_frame(actor=request.user, attempt=attempt)
    if not frame:
        return HttpResponse(status=204)
    response = HttpResponse(frame, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def video_clip(request, attempt_id: int, clip_id: str):
    """A clip around the video's findings (WebM), for those who may see the attempt's frames: the
    sitting's proctors and the authorities that oversee the candidate. Each viewing is logged."""
    clip = video_services.attempt_video_clip_get(actor=request.user, attempt_id=attempt_id, clip_id=clip_id)
    response = FileResponse(clip.file.open("rb"), content_type=clip.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="clip-{attempt_id}-{clip.pk.hex[:8]}.webm"'
    return response
