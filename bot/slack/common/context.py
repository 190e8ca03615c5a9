"""What the listeners need from the app, as one Protocol.

`bot.services.Services` provides it; bot/slack depends only on these shapes, so it
imports neither bot.services (which imports bot/slack) nor bot.datadog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from bot.config import Settings
from bot.domain.cadence.follow import Cadences
from bot.domain.cadence.publish import PageCache
from bot.domain.declare.commander import CommanderResolver
from bot.domain.declare.ports import DeclarationStore
from bot.domain.declare.runner import DeclarationRunner
from bot.domain.incident.journal import Journal
from bot.domain.incident.org import OrgConfig
from bot.domain.lifecycle.chores import ChoreRunner
from bot.domain.lifecycle.ports import IncidentStore, IncidentUpdater
from bot.domain.lifecycle.runner import UpdateRunner
from bot.domain.monitor.alert import MonitorReader
from bot.domain.record.todo_list import TodoLists
from bot.domain.responders.paging import Pager
from bot.domain.responders.ports import ResponderDirectory
from bot.domain.sync.ports import IncidentReader
from bot.pool import PoolBusy
from bot.slack.access.policy import AccessPolicy
from bot.slack.common.resolve_extras import ResolveExtra
from bot.slack.common.sections import ModalSection
from bot.slack.common.signed_buttons import ButtonSigner

log = logging.getLogger(__name__)


class OrgConfigSource(Protocol):
    """The org's incident types and fields, cached (bot/datadog/org_cache.py)."""

    def get(self, timeout: float) -> OrgConfig | None: ...

    def peek(self) -> OrgConfig | None: ...


class Services(Protocol):
    """The one dependency object: `bot.services.Services` built whole, reaching every
    listener as its `services` argument through Bolt's context. Grouped by feature."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> DeclarationStore: ...

    @property
    def resolver(self) -> CommanderResolver: ...

    @property
    def runner(self) -> DeclarationRunner: ...

    @property
    def access(self) -> AccessPolicy:
        """Who may see, declare and change incidents (the one access policy)."""
        ...

    @property
    def org_config(self) -> OrgConfigSource: ...

    @property
    def commander_ack_budget(self) -> float:
        """Seconds the submit step may wait for the commander before acking anyway."""
        ...

    @property
    def org_config_wait(self) -> float:
        """Seconds opening the form may wait for an uncached org config."""
        ...

    def dispatch(self, key: str, run: Callable[[str], object]) -> Future[object]: ...

    @property
    def monitors(self) -> MonitorReader:
        """Reads monitors of the configured site (declaring from a monitor alert)."""
        ...

    def in_background(self, run: Callable[..., object], /, *args: Any) -> Future[object]:
        """After the ack: `run(*args)` on the bounded interaction pool (bot/pool.py), not on
        Bolt's listener threads; for Datadog reads and slow Slack calls (a search and its
        answer, the Update modal's refresh, a monitor read, an allowlist lookup). Its
        failures are logged. Raises PoolBusy (its `user_message` is for the person) when
        the pool is full: nothing was queued."""
        ...

    # the lifecycle: cards, their update jobs, Datadog's incident, /declare list
    @property
    def cards(self) -> IncidentStore: ...

    @property
    def updates(self) -> UpdateRunner: ...

    @property
    def incidents(self) -> IncidentUpdater: ...

    @property
    def chores(self) -> ChoreRunner:
        """Writes to an announced incident, each exactly once (responders, pages, to-dos…)."""
        ...

    @property
    def todo_lists(self) -> TodoLists:
        """Each incident's to-do list in its card's thread (bot/domain/record/todo_list.py)."""
        ...

    @property
    def responders(self) -> ResponderDirectory:
        """The org's roles and each incident's responders in Datadog (bot/datadog/)."""
        ...

    @property
    def pager(self) -> Pager:
        """Datadog's paging and teams (bot/datadog/paging_gateway.py)."""
        ...

    @property
    def status_pages(self) -> PageCache | None:
        """The status page (DECLARE_STATUS_PAGE) as last read; None when not set up."""
        ...

    @property
    def journal(self) -> Journal:
        """What the bot keeps of each incident's life (the same store)."""
        ...

    @property
    def resolve_extras(self) -> tuple[ResolveExtra, ...]:
        """What higher features add to the resolve modal: the postmortem's checkbox, the
        public notice's resolve, the to-dos still open (bot/slack/common/resolve_extras.py)."""
        ...

    @property
    def incident_reader(self) -> IncidentReader: ...

    # cadence: status updates and reminders (bot/slack/cadence/)
    @property
    def cadences(self) -> Cadences:
        """Each incident's cadence: started, re-judged, snoozed, stopped."""
        ...

    @property
    def status_sections(self) -> Sequence[ModalSection]:
        """Other features' parts of the Post update modal (the status page publish)."""
        ...

    @property
    def list_signer(self) -> ButtonSigner: ...


def after_ack(
    services: Services, run: Callable[[], object], busy: Callable[[str], None] | None
) -> None:
    """`run` on the interaction pool; when the pool is full, `busy` tells the person why
    nothing was done (or, with no way to tell them, the log says so)."""
    try:
        services.in_background(run)
    except PoolBusy as exc:
        log.warning("the interaction pool is full: %s not run", getattr(run, "__name__", "task"))
        if busy is not None:
            try:
                busy(exc.user_message)
            except Exception as told:  # noqa: BLE001 - the answer is best effort
                log.warning("could not tell the person: %s", type(told).__name__)


def org_config_now(services: Services) -> OrgConfig | None:
    """The org configuration if it can be had within the ack-path budget (the trigger lasts
    3 s); else None, and the form shows the built-in fields."""
    config = services.org_config.get(timeout=services.org_config_wait)
    if config is None:
        log.warning("org config unavailable: the form shows the built-in fields only")
    return config
