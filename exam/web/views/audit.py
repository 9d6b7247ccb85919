"""The audit portal, under /exam/audit/: the capture log with its filters and evidence, the dossiers
of a person, an institution and a sitting, the chain's state against its checkpoints, exports for a
region and period, and the reviews of flags and appeals. For authority reviewers only (403 for
anyone else), and within that scoped to their regions (404 beyond them). Also the learner's own
side: what is kept about them until when, their data export, and their appeals."""

import datetime
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kernel.errors import DomainError, NotFoundError
from lms.models import OrganisationKind, Region
from lms.policies import is_superuser, region_paths
from lms.selectors.people import person_of
from proctor.models import CaptureLogEntry, CaptureLogExport, Decision
from proctor.selectors import capturelog as chain
from proctor.selectors import portal
from proctor.services import exports

from ...selectors import audit as selectors
from ...selectors import data as data_selectors
from ...services import reviews


def _auditor(view):
    def wrapped(request, *args, **kwargs):
        selectors.require_auditor(request.user)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


class LogFilterForm(forms.Form):
    person = forms.CharField(label=gettext_lazy("Person (ID number or name)"), required=False, max_length=50)
    enterprise = forms.TypedChoiceField(label=gettext_lazy("Enterprise"), required=False, coerce=int, empty_value=None)
    institution = forms.TypedChoiceField(label=gettext_lazy("Training institution"), required=False, coerce=int, empty_value=None)
    course = forms.TypedChoiceField(label=gettext_lazy("Course"), required=False, coerce=int, empty_value=None)
    sitting = forms.TypedChoiceField(label=gettext_lazy("Sitting"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of entry"), required=False)
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["enterprise"].choices = every + [
            (o.pk, o.name) for o in selectors.organisations(actor, OrganisationKind.ENTERPRISE)[:500]
        ]
        self.fields["institution"].choices = every + [
            (o.pk, o.name) for o in selectors.organisations(actor, OrganisationKind.INSTITUTION)[:500]
        ]
        self.fields["course"].choices = every + [(c.pk, c.title) for c in selectors.courses(actor)[:500]]
        self.fields["sitting"].choices = every + [
            (s.pk, f"{s.exam.title} {timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}") for s in selectors.sittings(actor)[:500]
        ]
        self.fields["kind"].choices = every + list(CaptureLogEntry.Kind.choices)
        self.fields["decision"].choices = every + list(Decision.choices)


@_auditor
def log(request):
    """The capture log, newest first, filtered, one keyset page at a time (?before=<id>)."""
    form = LogFilterForm(request.GET or None, actor=request.user)
    page = None
    if not request.GET or form.is_valid():
        values = form.cleaned_data if request.GET else {}
        person_id = _int(request.GET.get("person_id"))
        filters = selectors.log_filter(
            request.user, person=values.get("person") or "", person_id=person_id,
            **{name: values.get(name) for name in ("enterprise", "institution", "course", "sitting", "since", "until")},
            kind=values.get("kind") or "", decision=values.get("decision") or "",
        )
        raw = request.GET.get("before")
        before = None if raw is None else (int(raw) if raw.lstrip("-").isdigit() else 0)  # 0: refused as invalid
        page = portal.log_page(request.user, filters, before=before, size=settings.AUDIT_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "exam/audit/log.html", {"form": form, "page": page, "query": query.urlencode()})


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@_auditor
def entry(request, entry_id: int):
    item = portal.entry_get(request.user, entry_id)
    evidence = portal.entry_evidence(request.user, item)
    payload = json.dumps(item.payload, ensure_ascii=False, indent=2, sort_keys=True)
    clip = selectors.entry_clip(request.user, item)
    return render(request, "exam/audit/entry.html", {"entry": item, "evidence": evidence, "payload": payload, "clip": clip})


@_auditor
def person(request, person_id: int):
    dossier = selectors.person_dossier(request.user, person_id)
    return render(request, "exam/audit/person.html", {"dossier": dossier, "refusals": selectors.REFUSALS})


@_auditor
def institution(request, organisation_id: int):
    return render(request, "exam/audit/institution.html", {"dossier": selectors.institution_dossier(request.user, organisation_id)})


@_auditor
def sitting(request, sitting_id: int):
    return render(request, "exam/audit/sitting.html", {"dossier": selectors.sitting_dossier(request.user, sitting_id)})


@_auditor
def verification(request):
    return render(request, "exam/audit/verify.html", {"state": chain.chain_state()})


class ExportForm(forms.Form):
    region = forms.TypedChoiceField(label=gettext_lazy("Region"), coerce=int)
    since = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.all() if is_superuser(actor) else Region.objects.filter(path__in=region_paths(actor))
        self.fields["region"].choices = [(r.pk, r.name) for r in regions.order_by("path")[:200]]


def _exports_of(user):
    return CaptureLogExport.objects.filter(requested_by=user).select_related("region")


@_auditor
def export_list(request):
    form = ExportForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        zone = timezone.get_current_timezone()
        since = datetime.datetime.combine(form.cleaned_data["since"], datetime.time.min, tzinfo=zone)
        until = datetime.datetime.combine(form.cleaned_data["until"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        region = Region.objects.get(pk=form.cleaned_data["region"])
        try:
            export = exports.export_request(actor=request.user, region=region, since=since, until=until)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The export is being built; it can be downloaded here when ready."))
            return redirect("exam:audit_export", export.pk)
    return render(request, "exam/audit/exports.html", {"form": form, "exports": _exports_of(request.user)[:50]})


def _export_of(request, export_id: int) -> CaptureLogExport:
    export = _exports_of(request.user).filter(pk=export_id).first()
    if export is None:
        raise NotFoundError.default()
    return export


@_auditor
def export_detail(request, export_id: int):
    export = _export_of(request, export_id)
    config = {
        "urls": {"status": reverse("exam:audit_export_status", args=[export.pk])},
        "words": {"ready": _("Ready to download"), "failed": _("The export failed."), "progress": _("Entries written")},
    }
    return render(request, "exam/audit/export.html", {"export": export, "config": config})


@_auditor
def export_status(request, export_id: int):
    export = _export_of(request, export_id)
    return JsonResponse({
        "status": export.status, "label": export.get_status_display(), "done": export.done, "total": export.total,
        "percent": export.percent, "download": reverse("exam:audit_export_download", args=[export.pk]) if export.file else "",
    })


@_auditor
def export_download(request, export_id: int):
    export = _export_of(request, export_id)
    return FileResponse(portal.export_file(export).open("rb"), as_attachment=True, filename=f"kaohe-capturelog-{export.region.code}-{export.pk}.zip")


@_auditor
def review_list(request):
    return render(request, "exam/audit/reviews.html", {"reviews": selectors.reviews_waiting(request.user)[:200]})


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/exam/audit/") else fallback)


def _told(request, action, *, success: str) -> None:
    """Runs `action` (one review service) and tells the person how it went, in a message on the
    page they are sent back to. A refusal with status 404 (no such review, or one beyond what they
    may see) is not a message but stays a 404, as everywhere in the portal."""
    try:
        action()
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@_auditor
@require_POST
def review_decide(request):
    _told(request, lambda: reviews.review_decide(
        actor=request.user, outcome=request.POST.get("outcome", ""), reason=request.POST.get("reason", ""),
        snapshot_id=request.POST.get("snapshot") or None, incident_id=_int(request.POST.get("incident")),
    ), success=_("The decision is recorded."))
    return _back(request, reverse("exam:audit_reviews"))


@_auditor
@require_POST
def review_second(request, review_id: int):
    """The second reviewer's word on a voiding, or the decision on an appeal."""
    step = request.POST.get("step")
    reason = request.POST.get("reason", "")
    yes = request.POST.get("answer") == "yes"

    def decide() -> None:
        if step == "void":
            reviews.review_void_confirm(actor=request.user, review_id=review_id, confirm=yes, reason=reason)
        else:
            reviews.review_appeal_decide(actor=request.user, review_id=review_id, grant=yes, reason=reason)

    _told(request, decide, success=_("The decision is recorded."))
    return _back(request, reverse("exam:audit_reviews"))


@_auditor
def review_attachment(request, review_id: int):
    """The attachment of an appeal, for the reviewers who decide it: downloaded, never rendered
    in the page (it is whatever the person uploaded)."""
    review = selectors.review_attachment_get(request.user, review_id)
    name = review.appeal_attachment.name.rsplit("/", 1)[-1]
    response = FileResponse(review.appeal_attachment.open("rb"), as_attachment=True, filename=name, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The person's own side -----------------------------------------------------------------------------


@login_required
def my_data(request):
    """What the platform keeps about me, until when; my data export; my reviews and appeals."""
    me = person_of(request.user)
    return render(request, "exam/audit/my_data.html", {"kept": data_selectors.kept_of(me), "reviews": selectors.my_reviews(me)})


@login_required
def my_data_export(request):
    me = person_of(request.user)
    body = json.dumps(data_selectors.data_of(me), ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kaohe-my-data-{timezone.localdate():%Y%m%d}.json"'
    return response


@login_required
@require_POST
def my_appeal(request, review_id: int):
    me = person_of(request.user)
    _told(request, lambda: reviews.review_appeal(
        person=me, review_id=review_id, statement=request.POST.get("statement", ""),
        attachment=request.FILES.get("attachment"),
    ), success=_("Your appeal is lodged; another reviewer will decide it."))
    return redirect("exam:my_data")
