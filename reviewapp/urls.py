from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from reviewapp.api.app import api
from reviewapp.views import patient, review

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="queue"), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queue/", review.queue, name="queue"),
    path("workers/", review.workers, name="workers"),
    path("review/<int:draft_id>/", review.review, name="review"),
    path("review/<int:draft_id>/claim/", review.claim, name="claim"),
    path("review/<int:draft_id>/decide/", review.decide, name="decide"),
    path("chat/<str:token>/", patient.chat, name="chat"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
