"""Patient side of the API: a conversation and its messages, by bearer token."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, JsonResponse
from ninja import Router

from reviewapp import workflow
from reviewapp.api.auth import ConversationBearer
from reviewapp.api.schemas import (
    ConversationCreated,
    ConversationIn,
    MessageCreated,
    MessageIn,
    MessageList,
    errors,
)
from reviewapp.lib import rate_limit
from reviewapp.models import Conversation, DraftRequest, Service
from reviewapp.risk.support import crisis_support_for

router = Router(tags=["patient"])


def _own_conversation(request: HttpRequest, conversation_id: UUID) -> Conversation:
    # A valid token for another conversation gets the same 404 as no such
    # conversation: it must not tell which conversation IDs exist.
    conversation = request.auth
    if conversation.pk != conversation_id:
        raise Http404
    return conversation


def awaiting_reply(conversation: Conversation) -> bool:
    return DraftRequest.objects.open().filter(message__conversation=conversation).exists()


def _too_many(refusal: rate_limit.Refusal) -> JsonResponse:
    response = JsonResponse({"error": refusal.message}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


@router.post(
    "/conversations",
    response={201: ConversationCreated, **errors(400, 413, 415, 422, 429)},
    auth=None,
)
def create_conversation(request: HttpRequest, payload: ConversationIn | None = None):
    if refusal := rate_limit.patient_request(request, starting=True):
        return _too_many(refusal)
    service = None
    if payload and payload.service:
        service = Service.objects.filter(slug=payload.service).first()
        if service is None:
            raise workflow.InvalidInput("No such service.")
    conversation, token = workflow.conversation_start(
        locale=payload.locale if payload else "en", service=service, request=request
    )
    return 201, {"id": conversation.pk, "token": token}


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageCreated, **errors(400, 401, 404, 413, 415, 422, 429)},
    auth=ConversationBearer(),
)
def post_message(request: HttpRequest, conversation_id: UUID, payload: MessageIn):
    conversation = _own_conversation(request, conversation_id)
    if refusal := rate_limit.patient_request(request, message_to=conversation):
        return _too_many(refusal)
    message = workflow.message_receive(
        conversation=conversation, text=payload.text, request=request
    )
    conversation.refresh_from_db(fields=["crisis_signalled_at", "elevated_signalled_at"])
    message.crisis_support = crisis_support_for(conversation)
    return 201, message


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: MessageList, **errors(401, 404, 422, 429)},
    auth=ConversationBearer(),
)
def list_messages(request: HttpRequest, conversation_id: UUID):
    conversation = _own_conversation(request, conversation_id)
    if refusal := rate_limit.patient_request(request):
        return _too_many(refusal)
    return {
        "messages": list(conversation.messages.patient_visible().select_related("decision")),
        "awaiting_reply": awaiting_reply(conversation),
        "crisis_support": crisis_support_for(conversation),
    }
