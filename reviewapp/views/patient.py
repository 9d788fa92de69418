"""The patient's chat page, reached by the per-conversation link."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from reviewapp import workflow
from reviewapp.api.patient import awaiting_reply
from reviewapp.lib import rate_limit
from reviewapp.risk.protocol import resources_for
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
    text = request.POST.get("text", "")
    posting = request.method == "POST"
    refusal = rate_limit.patient_request(request, message_to=conversation if posting else None)
    if refusal is not None:
        error = refusal.message
    elif posting:
        try:
            workflow.message_receive(conversation=conversation, text=text, request=request)
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
        # A refused message stays in the form, to send again.
        "text": text if error else "",
        # Whoever is refused is pointed at urgent help, in case that is why they write.
        "urgent_resources": resources_for(conversation.locale) if refusal else [],
    }
    template = "patient/_thread.html" if request.htmx else "patient/chat.html"
    response = render(request, template, context, status=429 if refusal else 400 if error else 200)
    if refusal is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response
