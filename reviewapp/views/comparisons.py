"""Blind comparisons and promotion: start one at a site, read its win rates and the
Bradley–Terry ratings, and promote a version to the default with the evidence shown.

Reading needs ``roles.ANALYTICS``; starting, ending and promoting need
``roles.COMPARE`` (supervisors), and change only the supervisor's own sites
(``reviewapp.services.managed_services``). Every change is audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from reviewapp import evidence, roles
from reviewapp.comparisons import comparison_end, comparison_start, min_decisive
from reviewapp.errors import InvalidInput
from reviewapp.models import Comparison, ModelProfile, Promotion, Service
from reviewapp.services import managed_services, manages_every_service
from reviewapp.views.access import analyst, comparison_manager

LIST_LIMIT = 50


class ComparisonForm(forms.Form):
    service = forms.ModelChoiceField(
        label=gettext_lazy("Site"), queryset=Service.objects.order_by("name")
    )
    profile_a = forms.ModelChoiceField(
        label=gettext_lazy("Version A"), queryset=ModelProfile.objects.order_by("name", "version")
    )
    profile_b = forms.ModelChoiceField(
        label=gettext_lazy("Version B"), queryset=ModelProfile.objects.order_by("name", "version")
    )
    share = forms.FloatField(
        label=gettext_lazy("Share of the site's new requests (0-1)"),
        min_value=0.01,
        max_value=1,
        initial=0.2,
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: the user's own sites. Any site's id still validates, so that another
        # site's, forged into the form, reaches comparison_start and is refused there
        # (403, audited) rather than passing as a mere "not a valid choice".
        self.fields["service"].choices = [("", "---------"), *((s.pk, str(s)) for s in sites)]


@login_required
@require_http_methods(["GET", "POST"])
def comparisons(request):
    user = analyst(request)
    form = ComparisonForm(request.POST or None, sites=managed_services(user).order_by("name"))
    if request.method == "POST":
        comparison_manager(request)
        if form.is_valid():
            try:
                comparison = comparison_start(**form.cleaned_data, actor=user, request=request)
            except InvalidInput as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The comparison is running."))
                return redirect("comparison", comparison.pk)
    results = [
        evidence.comparison_result(c)
        for c in Comparison.objects.select_related("service", "profile_a", "profile_b")[:LIST_LIMIT]
    ]
    profiles = ModelProfile.objects.in_bulk()
    ratings = [(profiles.get(pk), rating) for pk, rating in evidence.ratings().items()]
    context = {
        "form": form,
        "results": results,
        "ratings": ratings,
        "can_compare": roles.user_can(user, roles.COMPARE),
        "min_decisive": min_decisive(),
        "promotions": Promotion.objects.select_related(
            "profile", "previous", "promoted_by", "service"
        )[:LIST_LIMIT],
    }
    return render(
        request, "reviewapp/comparisons.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET"])
def comparison(request, comparison_id: int):
    user = analyst(request)
    found = get_object_or_404(
        Comparison.objects.select_related("service", "profile_a", "profile_b"), pk=comparison_id
    )
    can_compare = roles.user_can(user, roles.COMPARE)
    context = {
        "result": evidence.comparison_result(found),
        "min_decisive": min_decisive(),
        "can_compare": can_compare,
        # Another site's comparison is shown, but only its own supervisors end it.
        "can_end": can_compare and managed_services(user).filter(pk=found.service_id).exists(),
    }
    return render(request, "reviewapp/comparison.html", context)


@login_required
@require_POST
def comparison_stop(request, comparison_id: int):
    user = comparison_manager(request)
    found = get_object_or_404(Comparison, pk=comparison_id)
    comparison_end(comparison=found, actor=user, request=request)
    messages.success(request, _("The comparison has ended; its figures stay."))
    return redirect("comparison", found.pk)


@login_required
@require_http_methods(["GET", "POST"])
def promote(request, profile_id: int):
    """GET shows the evidence; POST promotes, keeping the evidence as it stands then."""
    user = comparison_manager(request)
    profile = get_object_or_404(ModelProfile, pk=profile_id)
    # None: the default, for someone who runs every site; else the user's own sites.
    sites = None if manages_every_service(user) else list(managed_services(user))
    if request.method == "POST":
        named = {"profile": profile, "sites": ", ".join(map(str, sites or []))}
        try:
            promoted = evidence.version_promote(profile=profile, actor=user, request=request)
        except InvalidInput as exc:
            messages.error(request, str(exc))
        else:
            if sites is None:
                done = _("%(profile)s is now the default.")
                already = _("%(profile)s is already the default.")
            else:
                done = _("%(profile)s now drafts for %(sites)s.")
                already = _("%(profile)s already drafts for %(sites)s.")
            if promoted:
                messages.success(request, done % named)
            else:
                messages.info(request, already % named)
        return redirect("comparisons")
    shown = evidence.version_evidence(profile)
    profiles = ModelProfile.objects.in_bulk()
    context = {
        "profile": profile,
        "sites": sites,
        "evidence": shown,
        "versions": [(profiles[int(pk)], summary) for pk, summary in shown["versions"].items()],
        "ratings": [(profiles[int(pk)], rating) for pk, rating in shown["ratings"].items()],
    }
    return render(request, "reviewapp/promote.html", context)
