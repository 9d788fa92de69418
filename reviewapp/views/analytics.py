"""Quality analytics: clinician decisions per profile version, as charts with CSVs,
and two versions side by side with confidence intervals.

Figures only: no page here shows a message or a reply. Supervisors and
curators see them (``roles.ANALYTICS``).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from reviewapp import analytics, charts, evidence
from reviewapp.decision_input import REJECTION_REASONS
from reviewapp.lib.csv_download import csv_response
from reviewapp.models import ModelProfile, RiskLevel, Service
from reviewapp.views.access import analyst

DEFAULT_DAYS = 56
MAX_DAYS = 366


def _blank_first(choices) -> list[tuple[str, str]]:
    return [("", _("All")), *((key, str(label)) for key, label in choices)]


class FiltersForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("Until"), required=False)
    period = forms.ChoiceField(
        label=gettext_lazy("By"),
        required=False,
        choices=[("week", gettext_lazy("week")), ("day", gettext_lazy("day"))],
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    risk = forms.ChoiceField(label=gettext_lazy("Risk level"), required=False)
    service = forms.ModelChoiceField(
        label=gettext_lazy("Site"), required=False, queryset=Service.objects.order_by("name")
    )
    profiles = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Versions"),
        required=False,
        queryset=ModelProfile.objects.order_by("name", "version"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _blank_first(settings.LANGUAGES)
        self.fields["risk"].choices = _blank_first(RiskLevel.choices)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most a year."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> analytics.AnalyticsFilters:
        data = self.cleaned_data
        return analytics.AnalyticsFilters(
            start=data["start"],
            end=data["end"],
            period=data.get("period") or "week",
            language=data.get("language") or "",
            risk=data.get("risk") or "",
            service_id=data["service"].pk if data.get("service") else None,
            profile_ids=tuple(p.pk for p in data.get("profiles") or ()),
        )


def _filters(request: HttpRequest) -> tuple[FiltersForm, analytics.AnalyticsFilters | None]:
    form = FiltersForm(request.GET or None)
    if not request.GET:
        form = FiltersForm({})
    return form, form.filters() if form.is_valid() else None


@dataclass(frozen=True)
class SeriesChart:
    """A figure drawn per version over the periods."""

    key: str
    title: str
    value: Callable[[analytics.Bucket], float | None]
    denominator: Callable[[analytics.Bucket], int]
    is_rate: bool = True


def _median(name: str):
    def value(bucket: analytics.Bucket) -> float | None:
        values = getattr(bucket, name)
        return statistics.median(values) if values else None

    return value


# Each figure's name, the one place for it: the charts and the compare page use it.
FIGURE_LABELS = {
    "approve": gettext_lazy("Approved unchanged"),
    "edit": gettext_lazy("Edited before release"),
    "reject": gettext_lazy("All candidates rejected"),
    "write": gettext_lazy("Clinician wrote their own"),
    "flag": gettext_lazy("Candidates flagged by a check"),
    "to_candidates": gettext_lazy("Message to candidates (median minutes)"),
    "to_decision": gettext_lazy("Candidates to decision (median minutes)"),
    "to_release": gettext_lazy("Message to release (median minutes)"),
    "edit_distances": gettext_lazy("Edit distance (median, approved and edited)"),
}
# The chart (and CSV) key of each action's rate.
ACTION_CHART_KEYS = {
    "approve": "approved",
    "edit": "edited",
    "reject": "rejected",
    "write": "written",
}


def _action_rate(action: str):
    return lambda bucket: bucket.action_rate(action)


def series_charts() -> list[SeriesChart]:
    found = [
        SeriesChart(key, str(FIGURE_LABELS[action]), _action_rate(action), lambda b: b.decided)
        for action, key in ACTION_CHART_KEYS.items()
    ]
    found.append(
        SeriesChart(
            "flagged", str(FIGURE_LABELS["flag"]), lambda b: b.flag_rate, lambda b: b.candidates
        )
    )
    found += [
        SeriesChart(
            name,
            str(FIGURE_LABELS[name]),
            _median(name),
            lambda b, name=name: len(getattr(b, name)),
            is_rate=False,
        )
        for name in ("to_candidates", "to_decision", "to_release")
    ]
    return found


def _minutes(value: float) -> str:
    return f"{value:.1f}"


def _series(chart: SeriesChart, figures, periods) -> dict[str, list[float | None]]:
    return {
        str(v.profile): [chart.value(v.by_period[p]) if p in v.by_period else None for p in periods]
        for v in figures.values()
    }


def _reason_label(key: str) -> str:
    if key == analytics.UNSTATED_REASON:
        return _("No reason given")
    return str(REJECTION_REASONS.get(key, key))


def _csv(key: str, figures, filters: analytics.AnalyticsFilters) -> HttpResponse:
    versions = list(figures.values())
    name = f"countersign-{key}-{filters.start}-{filters.end}"
    if key == "reasons":
        reasons = sorted({r for v in versions for r in v.total.reasons})
        rows = [(r, str(v.profile), v.total.reasons[r]) for r in reasons for v in versions]
        return csv_response(name, ["reason", "version", "rejections"], rows)
    if key == "edit_distance":
        edges = analytics.EDIT_DISTANCE_BINS
        rows = [
            (edges[i], edges[i + 1], str(v.profile), count)
            for v in versions
            for i, count in enumerate(analytics.histogram(v.total.edit_distances))
        ]
        return csv_response(name, ["from", "to", "version", "decisions"], rows)
    chart = next((c for c in series_charts() if c.key == key), None)
    if chart is None:
        raise Http404
    rows = []
    for period in analytics.periods(filters):
        for v in versions:
            bucket = v.by_period.get(period, analytics.Bucket())
            rows.append(
                (period.isoformat(), str(v.profile), chart.value(bucket), chart.denominator(bucket))
            )
    return csv_response(name, [filters.period, "version", key, "n"], rows)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    analyst(request)
    form, filters = _filters(request)
    context = {"form": form, "charts": []}
    if filters is None:
        return render(request, "reviewapp/analytics.html", context, status=400)
    figures = analytics.collect(filters)
    if request.GET.get("csv"):
        return _csv(request.GET["csv"], figures, filters)
    periods = analytics.periods(filters)
    labels = [p.isoformat() for p in periods]
    empty = _("No data for this selection.")
    query = request.GET.copy()
    for chart in series_charts():
        svg = charts.line_chart(
            title=chart.title,
            x_labels=labels,
            series=_series(chart, figures, periods),
            y_max=1.0 if chart.is_rate else None,
            y_format=charts.percent if chart.is_rate else _minutes,
            empty_text=empty,
        )
        context["charts"].append(_chart_entry(chart.key, chart.title, svg, query))
    reasons = sorted({r for v in figures.values() for r in v.total.reasons})
    title = _("Rejection reasons")
    context["charts"].append(
        _chart_entry(
            "reasons",
            title,
            charts.bar_chart(
                title=title,
                categories=[_reason_label(r) for r in reasons],
                series={
                    str(v.profile): [v.total.reasons[r] for r in reasons] for v in figures.values()
                },
                empty_text=empty,
            ),
            query,
        )
    )
    title = _("Edit distance, approved and edited replies (0 = unchanged)")
    context["charts"].append(
        _chart_entry(
            "edit_distance",
            title,
            charts.histogram(
                title=title,
                bin_edges=analytics.EDIT_DISTANCE_BINS,
                series={
                    str(v.profile): analytics.histogram(v.total.edit_distances)
                    for v in figures.values()
                    if v.total.edit_distances
                },
                empty_text=empty,
            ),
            query,
        )
    )
    context["versions"] = sorted(
        figures.values(), key=lambda v: (v.profile.name, v.profile.version)
    )
    return render(request, "reviewapp/analytics.html", context)


def _chart_entry(key: str, title: str, svg, query) -> dict:
    query = query.copy()
    query["csv"] = key
    return {"key": key, "title": title, "svg": svg, "csv_query": query.urlencode()}


# --- two versions side by side -------------------------------------------------


def _rate_label(key: str) -> str:
    return str(FIGURE_LABELS[key])


class CompareForm(FiltersForm):
    a = forms.ModelChoiceField(
        label=gettext_lazy("Version A"), queryset=ModelProfile.objects.order_by("name", "version")
    )
    b = forms.ModelChoiceField(
        label=gettext_lazy("Version B"), queryset=ModelProfile.objects.order_by("name", "version")
    )

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("b") and data["a"] == data["b"]:
            raise forms.ValidationError(_("Choose two different versions."))
        return data


@login_required
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    analyst(request)
    form = CompareForm(request.GET or None)
    context = {"form": form}
    if not request.GET:
        return render(request, "reviewapp/analytics_compare.html", context)
    if not form.is_valid():
        return render(request, "reviewapp/analytics_compare.html", context, status=400)
    a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    filters = form.filters()
    filters = dataclasses.replace(filters, profile_ids=(a.pk, b.pk))
    figures = analytics.collect(filters)
    bucket_a = figures[a.pk].total if a.pk in figures else analytics.Bucket()
    bucket_b = figures[b.pk].total if b.pk in figures else analytics.Bucket()
    rows = evidence.compared_rows(bucket_a, bucket_b)
    if request.GET.get("csv"):
        return csv_response(
            f"countersign-compare-{a.pk}-{b.pk}",
            ["figure", "version", "estimate", "low", "high", "n"],
            [
                (row.key, str(profile), i.estimate, i.low, i.high, i.n)
                for row in rows
                for profile, i in ((a, row.a), (b, row.b))
            ],
        )
    interval_rows = [
        charts.IntervalRow(
            label=str(profile),
            estimate=interval.estimate,
            low=interval.low,
            high=interval.high,
            group=_rate_label(row.key),
        )
        for row in rows
        if row.is_rate
        for profile, interval in ((a, row.a), (b, row.b))
    ]
    query = request.GET.copy()
    query["csv"] = "1"
    context.update(
        a=a,
        b=b,
        rows=[(_rate_label(row.key), row) for row in rows],
        decided=(bucket_a.decided, bucket_b.decided),
        chart=charts.interval_chart(
            title=_("Rates with 95%% intervals: %(a)s and %(b)s") % {"a": a, "b": b},
            rows=interval_rows,
            empty_text=_("No data for this selection."),
        ),
        csv_query=query.urlencode(),
    )
    return render(request, "reviewapp/analytics_compare.html", context)
