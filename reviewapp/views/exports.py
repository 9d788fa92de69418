"""Curators' export page: start a de-identified snapshot, see and download earlier ones.

Only curators take data out. Starting an export records a row and hands the
writing to a worker; every download is audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from reviewapp.audit import audit_record
from reviewapp.curation import ExportFilters
from reviewapp.decision_input import REJECTION_REASONS
from reviewapp.errors import InvalidInput
from reviewapp.export import DEFAULT_MIN_EDIT_DISTANCE, EXTRA_FORMATS, FORMATS, ExportOptions
from reviewapp.models import ExportSnapshot, RiskLevel
from reviewapp.snapshots import snapshot_file, snapshot_request
from reviewapp.views.access import curator
from worker.dispatch import enqueue_export

LIST_LIMIT = 50


def _blank_first(choices) -> list[tuple[str, str]]:
    return [("", "—"), *((key, str(label)) for key, label in choices)]


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(f, f.upper()) for f in FORMATS]
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("Until"), required=False)
    profile = forms.CharField(label=gettext_lazy("Profile"), required=False, max_length=80)
    profile_version = forms.IntegerField(
        label=gettext_lazy("Profile version"), required=False, min_value=1
    )
    reviewer = forms.CharField(label=gettext_lazy("Reviewer"), required=False, max_length=150)
    reason = forms.ChoiceField(
        label=gettext_lazy("Rejection reason"),
        required=False,
        choices=_blank_first(REJECTION_REASONS.items()),
    )
    language = forms.CharField(label=gettext_lazy("Language"), required=False, max_length=10)
    service = forms.CharField(label=gettext_lazy("Service"), required=False, max_length=50)
    risk_level = forms.ChoiceField(
        label=gettext_lazy("Risk level"), required=False, choices=_blank_first(RiskLevel.choices)
    )
    min_agreement = forms.FloatField(
        label=gettext_lazy("Least agreement between reviewers (0-1)"),
        required=False,
        min_value=0,
        max_value=1,
    )
    validation_percent = forms.IntegerField(
        label=gettext_lazy("Validation share (percent of conversations)"),
        initial=10,
        min_value=0,
        max_value=50,
    )
    min_edit_distance = forms.FloatField(
        label=gettext_lazy("Edit distance from which an edit's original counts as rejected"),
        initial=DEFAULT_MIN_EDIT_DISTANCE,
        min_value=0,
        max_value=1,
    )
    also = forms.MultipleChoiceField(
        label=gettext_lazy("Also write"),
        required=False,
        choices=[(f, f) for f in EXTRA_FORMATS],
        widget=forms.CheckboxSelectMultiple,
    )

    def options(self) -> ExportOptions:
        data = self.cleaned_data
        return ExportOptions(
            fmt=data["format"],
            filters=ExportFilters.from_values(data),
            min_edit_distance=data["min_edit_distance"],
            validation_percent=data["validation_percent"],
            also=tuple(data["also"]),
        )


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    user = curator(request)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            snapshot = snapshot_request(form.options(), actor=user, request=request)
        except InvalidInput as exc:
            form.add_error(None, str(exc))
        else:
            # After commit: a worker must find the row it is asked to write.
            transaction.on_commit(lambda: enqueue_export(snapshot.pk))
            messages.success(
                request,
                _("Export %(id)s started; this page shows when it is done.") % {"id": snapshot.pk},
            )
            return redirect("exports")
    snapshots = ExportSnapshot.objects.select_related("created_by")[:LIST_LIMIT]
    status = 400 if form.errors else 200
    return render(
        request, "reviewapp/exports.html", {"form": form, "snapshots": snapshots}, status=status
    )


@login_required
@require_GET
def export_download(request: HttpRequest, snapshot_id: int, name: str) -> FileResponse:
    user = curator(request)
    snapshot = get_object_or_404(ExportSnapshot, pk=snapshot_id)
    try:
        path = snapshot_file(snapshot, name)
        handle = path.open("rb")
    except OSError:
        raise Http404(_("No such file in this snapshot.")) from None
    audit_record(action="export.download", actor=user, obj=snapshot, request=request, file=name)
    return FileResponse(handle, as_attachment=True, filename=path.name)
