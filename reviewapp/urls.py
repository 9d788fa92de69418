from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from reviewapp.api.app import api
from reviewapp.views import (
    account,
    analytics,
    annotation,
    comparisons,
    exports,
    patient,
    preferences,
    review,
    supervisor,
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="queue"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", account.two_factor, name="two_factor"),
    path("preferences/language/", preferences.language, name="set_language"),
    path("queue/", review.queue, name="queue"),
    path("review/<int:draft_id>/", review.review, name="review"),
    path("review/<int:draft_id>/claim/", review.claim, name="claim"),
    path("review/<int:draft_id>/lease/", review.lease_renew, name="lease_renew"),
    path("review/<int:draft_id>/status/", review.claim_status, name="claim_status"),
    path("review/<int:draft_id>/decide/", review.decide, name="decide"),
    path("review/<int:draft_id>/diff/", review.diff, name="diff"),
    path("review/<int:draft_id>/break-glass/", review.break_glass, name="break_glass"),
    path("review/<int:draft_id>/next/", review.neighbour, {"direction": "next"}, name="next"),
    path("review/<int:draft_id>/prev/", review.neighbour, {"direction": "prev"}, name="prev"),
    path("supervisor/", supervisor.overview, name="overview"),
    path("workers/", supervisor.workers, name="workers"),
    path("calibration/", supervisor.calibration, name="calibration"),
    path("analytics/", analytics.dashboard, name="analytics"),
    path("analytics/compare/", analytics.compare, name="analytics_compare"),
    path("comparisons/", comparisons.comparisons, name="comparisons"),
    path("comparisons/<int:comparison_id>/", comparisons.comparison, name="comparison"),
    path(
        "comparisons/<int:comparison_id>/end/",
        comparisons.comparison_stop,
        name="comparison_end",
    ),
    path("profiles/<int:profile_id>/promote/", comparisons.promote, name="promote"),
    path("annotation/", annotation.batches, name="annotation_batches"),
    path("annotation/import/", annotation.batch_import, name="annotation_import"),
    path("annotation/<int:batch_id>/", annotation.batch_detail, name="annotation_batch"),
    path("annotation/<int:batch_id>/next/", annotation.next_item, name="annotation_next"),
    path("annotation/item/<int:item_id>/", annotation.item, name="annotation_item"),
    path("annotation/item/<int:item_id>/diff/", annotation.item_diff, name="annotation_item_diff"),
    path("exports/", exports.exports, name="exports"),
    path(
        "exports/<int:snapshot_id>/files/<path:name>",
        exports.export_download,
        name="export_download",
    ),
    path("chat/<str:token>/", patient.chat, name="chat"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Every refusal is audited (reviewapp/views/errors.py).
handler403 = "reviewapp.views.errors.forbidden"
# A malformed request says what was wrong, in the user's language.
handler400 = "reviewapp.views.errors.bad_request"
