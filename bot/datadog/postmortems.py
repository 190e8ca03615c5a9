"""The domain's PostmortemDatadog over DatadogClient: an incident's postmortem attachment.

Failures become `StepFailed` with Datadog's reason (bot/datadog/gateway.py `step_failed`):
a create whose answer was lost is ambiguous, so the chore runner lists the attachments
before it writes again (bot/domain/record/postmortem_chore.py).
"""

from __future__ import annotations

from bot.datadog.client import DatadogClient
from bot.datadog.errors import DatadogError
from bot.datadog.gateway import step_failed
from bot.datadog.postmortem_models import POSTMORTEM, PostmortemAttachmentRequest
from bot.datadog.record_models import Attachment
from bot.domain.record.postmortem import PostmortemDraft
from bot.domain.record.postmortem_chore import PostmortemLink


def _link(attachment: Attachment) -> PostmortemLink:
    return PostmortemLink(
        attachment_id=attachment.id, url=attachment.url or "", title=attachment.title or ""
    )


class DatadogPostmortems:
    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def find_postmortem(self, incident_id: str) -> PostmortemLink | None:
        try:
            found = self.client.list_attachments(incident_id, kinds=(POSTMORTEM,))
        except DatadogError as exc:
            raise step_failed(exc) from exc
        return _link(found[0]) if found else None

    def create_postmortem(self, incident_id: str, draft: PostmortemDraft) -> PostmortemLink:
        request = PostmortemAttachmentRequest.of(draft.title, draft.cells)
        try:
            return _link(self.client.create_postmortem(incident_id, request))
        except DatadogError as exc:
            raise step_failed(exc) from exc
