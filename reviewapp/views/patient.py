"""The patient's chat page, reached by the per-conversation link."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from reviewapp import workflow
from reviewapp.api.patient import awaiting_reply
from reviewapp.risk.support import crisis_support_for
from reviewapp.tokens import conversation_for_token


@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest, token: str) -> HttpResponse:
    conversation = conversation_for_token(token)
    if conversation is None:
        raise Http404
    # The patient's page speaks the conversation's language.
    language = conversation.locale.split("-")[0]
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
    error = None
    if request.method == "POST":
        try:
            workflow.message_receive(
                conversation=conversation, text=request.POST.get("text", ""), request=request
            )
        except workflow.WorkflowError as exc:
            error = str(exc)
        else:
            return redirect("chat", token=token)
    context = {
        "token": token,
        "messages_visible": conversation.messages.patient_visible().select_related("decision"),
        "awaiting_reply": awaiting_reply(conversation),
        "crisis_support": crisis_support_for(conversation),
        "error": error,
    }
    template = "patient/_thread.html" if request.htmx else "patient/chat.html"
    return render(request, template, context, status=400 if error else 200)
