"""The domain's `StatusPageGateway` over `DatadogClient`: pages, degradations, their errors.

Datadog's errors become `StepFailed` with a reason people can act on: a 404 names the
page or notice that is gone, a 403 the permission the application key lacks.
"""

from __future__ import annotations

import logging

from bot.datadog.client import DEGRADATIONS_PAGE_SIZE, DatadogClient
from bot.datadog.errors import DatadogError, DatadogNotFound
from bot.datadog.gateway import step_failed
from bot.datadog.status_page_models import (
    create_request,
    degradation,
    patch_request,
    status_page,
)
from bot.domain.cadence.status_page import Degradation, Notice, StatusPage
from bot.domain.reliability.outcomes import StepFailed

log = logging.getLogger(__name__)

DEGRADATION_PAGES = 4
"""Pages of degradations read when looking for one the bot made (newest first)."""
PAGE_GONE = (
    "Datadog has no status page {page_id} in this org (DECLARE_STATUS_PAGE): it was deleted, "
    "or the id is wrong. Ask the bot's admin to run `declare-bot check`."
)
NOTICE_GONE = (
    "The notice on the status page is gone from Datadog (deleted there?), so it was not changed."
)


class DatadogStatusPages:
    """Implements `StatusPageGateway` (bot/domain/cadence/status_page.py)."""

    def __init__(self, client: DatadogClient) -> None:
        self.client = client

    def status_page(self, page_id: str) -> StatusPage:
        try:
            return status_page(self.client.get_status_page(page_id))
        except DatadogError as exc:
            raise _failed(exc, page_id) from exc

    def degradations(self, page_id: str) -> list[Degradation]:
        found: list[Degradation] = []
        size = DEGRADATIONS_PAGE_SIZE
        try:
            for page in range(DEGRADATION_PAGES):
                data = self.client.list_degradations(page_id, limit=size, offset=page * size)
                found += [degradation(item, page_id) for item in data]
                if len(data) < size:
                    break
        except DatadogError as exc:
            raise _failed(exc, page_id) from exc
        return found

    def create(self, page_id: str, notice: Notice) -> Degradation:
        try:
            data = self.client.create_degradation(page_id, create_request(notice))
        except DatadogError as exc:
            raise _failed(exc, page_id) from exc
        return degradation(data, page_id)

    def update(self, page_id: str, degradation_id: str, notice: Notice) -> Degradation:
        try:
            data = self.client.update_degradation(
                page_id, degradation_id, patch_request(degradation_id, notice)
            )
        except DatadogNotFound as exc:
            raise StepFailed(NOTICE_GONE, retryable=False) from exc
        except DatadogError as exc:
            raise _failed(exc, page_id) from exc
        return degradation(data, page_id)


def _failed(exc: DatadogError, page_id: str) -> StepFailed:
    if isinstance(exc, DatadogNotFound):
        return StepFailed(PAGE_GONE.format(page_id=page_id), retryable=False)
    return step_failed(exc)
