"""The collaborators the listeners use, built once from settings (or by tests).

The listeners see it through the `Services` protocol of bot/slack/common/context.py: one
object, one name, built whole by `build_services`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
from slack_sdk import WebClient

from bot.config import Settings
from bot.config.settings import read_template
from bot.datadog.client import DEFAULT_TIMEOUT, DatadogClient, RetryPolicy
from bot.datadog.gateway import DatadogGateway
from bot.datadog.incident_reader import DatadogIncidentReader
from bot.datadog.incident_updates import DatadogIncidents
from bot.datadog.org_cache import OrgConfigCache
from bot.datadog.org_config import load_org_config
from bot.datadog.paging_gateway import DatadogPager
from bot.datadog.postmortems import DatadogPostmortems
from bot.datadog.record_gateway import DatadogRecord
from bot.datadog.responder_gateway import DatadogResponders
from bot.datadog.status_page_gateway import DatadogStatusPages
from bot.domain.cadence.follow import Cadences, StartingCadences
from bot.domain.cadence.publish import PageCache, PublishNotice
from bot.domain.cadence.scheduler import ReminderScheduler, SchedulePolicy
from bot.domain.declare.channel_steps import ChannelSteps
from bot.domain.declare.commander import CommanderResolver
from bot.domain.declare.runner import DeclarationRunner, RunnerPolicy
from bot.domain.incident.org import OrgField
from bot.domain.lifecycle.chores import ChoreRunner
from bot.domain.lifecycle.ports import IncidentStore
from bot.domain.lifecycle.runner import UpdateRunner
from bot.domain.monitor.alert import MonitorReader
from bot.domain.record.postmortem import PostmortemMode
from bot.domain.record.postmortem_chore import PostmortemWork
from bot.domain.record.todo_list import TodoLists
from bot.domain.record.works import CaptureWork, TodoAddWork, TodoCheckWork
from bot.domain.responders.ports import ResponderDirectory
from bot.domain.sync.follow import IncidentSync, SyncPolicy
from bot.metrics import Metrics
from bot.pool import DeclarationWorkers, InteractionPool
from bot.slack.access.allowlist import Allowlist
from bot.slack.access.policy import AccessPolicy
from bot.slack.cadence.mirror import CadenceFollowingPublisher
from bot.slack.cadence.notice_notes import SlackNoticeTeller
from bot.slack.cadence.notices import SlackCadence
from bot.slack.cadence.resolve_notice import ResolveNotice
from bot.slack.cadence.status_page_section import StatusPageSection
from bot.slack.cadence.work import StatusUpdateWork
from bot.slack.channel.conversations import SlackIncidentChannels
from bot.slack.channel.follow import ChannelFollowingPublisher
from bot.slack.common.client import slack_client
from bot.slack.common.people import SlackPeople
from bot.slack.common.resolve_extras import ResolveExtra
from bot.slack.common.sections import ModalSection
from bot.slack.common.signed_buttons import ButtonSigner
from bot.slack.declare.announcer import SlackAnnouncer
from bot.slack.lifecycle.publisher import SlackCardPublisher
from bot.slack.record.notes import SlackRecordNotes
from bot.slack.record.open_todos import OpenTodos
from bot.slack.record.postmortem_actions import PostmortemOnResolve
from bot.slack.record.postmortem_slack import SlackPostmortems
from bot.slack.responders.notes import SlackResponderNotes
from bot.slack.responders.page_work import PageWork
from bot.slack.responders.works import add_responder_works
from bot.store import Store, open_store

log = logging.getLogger(__name__)

SYNC_STOP_WAIT = 5.0
"""Seconds shutdown waits for a sync tick in progress to end and release its lease."""


@dataclass
class Services:
    settings: Settings
    slack: WebClient
    datadog: DatadogClient
    store: Store
    people: SlackPeople
    gateway: DatadogGateway
    resolver: CommanderResolver
    runner: DeclarationRunner
    access: AccessPolicy
    """Who may see, declare and change incidents (bot/slack/access/policy.py)."""
    org_config: OrgConfigCache
    """The org's incident types and fields (bot/datadog/org_cache.py)."""
    cards: IncidentStore
    """Announced incidents' cards and their update jobs (the same store)."""
    publisher: SlackCardPublisher
    incidents: DatadogIncidents
    """GET and PATCH of one incident for the lifecycle (bot/datadog/incident_updates.py)."""
    updates: UpdateRunner
    """Carries out stored updates, resolves and reopens (bot/domain/lifecycle/runner.py)."""
    chores: ChoreRunner
    """Carries out stored chores: responders, pages, to-dos… (bot/domain/lifecycle/chores.py);
    each feature adds its `ChoreWork` in `build_services`."""
    responders: ResponderDirectory
    """The org's roles and incidents' responders (bot/datadog/responder_gateway.py)."""
    incident_reader: DatadogIncidentReader
    """The open incidents (one search) for the sync and /declare list."""
    sync: IncidentSync
    """Follows changes made in Datadog onto the cards (bot/domain/sync/follow.py)."""
    list_signer: ButtonSigner
    """Signs the incident each Update button of /declare list names."""
    cadences: Cadences
    """Each incident's cadence: status updates, reminders (bot/domain/cadence/follow.py)."""
    reminders: ReminderScheduler
    """Posts due reminders and stakeholder messages (bot/domain/cadence/scheduler.py)."""
    todo_lists: TodoLists
    """Each incident's to-do list in its card's thread, followed from Datadog by the sync."""
    status_sections: list[ModalSection] = field(default_factory=list)
    """Other features' parts of the Post update modal (bot/slack/common/sections.py)."""
    metrics: Metrics = field(default_factory=Metrics)
    """What GET /metrics (or METRICS_PORT in Socket Mode) serves."""
    workers: DeclarationWorkers = field(default_factory=DeclarationWorkers)
    """Where declarations and updates run, after the ack (also resumed ones)."""
    commander_ack_budget: float = 1.8
    """Seconds the submit step may wait for the commander before acking anyway."""
    org_config_wait: float = 0.5
    """Seconds opening the form may wait for an uncached org config (the trigger lasts 3 s)."""
    resolve_extras: tuple[ResolveExtra, ...] = ()
    """What higher features add to the resolve modal (bot/slack/common/resolve_extras.py)."""
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set at shutdown: background loops (the sync) end."""
    _sync_thread: threading.Thread | None = None
    _reminder_thread: threading.Thread | None = None

    def start_reminders(self) -> threading.Thread | None:
        """Run the reminder scheduler in the background (None when its tick is 0)."""
        if self.reminders.schedule.interval <= 0:
            return None
        thread = threading.Thread(
            target=self.reminders.watch, args=(self.stopping,), daemon=True, name="reminders"
        )
        thread.start()
        self._reminder_thread = thread
        return thread

    def start_sync(self) -> threading.Thread | None:
        """Run the sync in the background (None when DECLARE_SYNC_INTERVAL is 0)."""
        if self.sync.policy.interval <= 0:
            return None
        thread = threading.Thread(
            target=self.sync.watch, args=(self.stopping,), daemon=True, name="incident-sync"
        )
        thread.start()
        self._sync_thread = thread
        return thread

    status_pages: PageCache | None = None
    """The status page (DECLARE_STATUS_PAGE) as last read; None when not set up."""
    interactions: InteractionPool = field(default_factory=InteractionPool)
    """Listeners' work after the ack (Datadog reads, slow Slack calls, monitor reads and
    the form updates they feed): never on Bolt's listener threads (bot/pool.py)."""

    @property
    def journal(self) -> Store:
        return self.store

    @property
    def pager(self) -> DatadogPager:
        return DatadogPager(self.datadog)

    @property
    def monitors(self) -> MonitorReader:
        return self.gateway

    def dispatch(self, key: str, run: Callable[[str], object]) -> Future[object]:
        """Run `run(key)` on the worker pool, with the declaration id on its log lines."""
        return self.workers.dispatch(key, run)

    def in_background(self, run: Callable[..., object], /, *args: Any) -> Future[object]:
        """`run(*args)` on the interaction pool, after the ack; PoolBusy when it is full."""
        return self.interactions.submit(run, *args)

    def shutdown(self) -> None:
        self.stopping.set()
        if self._sync_thread is not None:  # let it release the sync lease for another replica
            self._sync_thread.join(timeout=SYNC_STOP_WAIT)
        if self._reminder_thread is not None:
            self._reminder_thread.join(timeout=SYNC_STOP_WAIT)
        self.interactions.shutdown()
        self.workers.shutdown()
        if self.runner.channels is not None:
            self.runner.channels.shutdown()
        self.org_config.close()
        self.datadog.close()
        self.access.close()


def build_services(
    settings: Settings,
    *,
    store: Store | None = None,
    retry: RetryPolicy | None = None,
    runner_policy: RunnerPolicy | None = None,
    datadog_timeout: float | None = None,
    org_config_ttl: float = 300.0,
    sync_policy: SyncPolicy | None = None,
    schedule_policy: SchedulePolicy | None = None,
) -> Services:
    """`datadog_timeout` (seconds per request) lets fault tests provoke timeouts quickly."""
    metrics = Metrics()
    slack = slack_client(settings, metrics=metrics)
    datadog = DatadogClient(
        settings.dd_api_key.get_secret_value(),
        settings.dd_app_key.get_secret_value(),
        site=settings.dd_site,
        base_url=settings.datadog_api_base,
        retry=retry,
        timeout=httpx.Timeout(datadog_timeout) if datadog_timeout else DEFAULT_TIMEOUT,
        metrics=metrics,
    )
    if store is None:
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        store = open_store(settings.store_path, redis_url)
    people = SlackPeople(slack)
    gateway = DatadogGateway(datadog)
    resolver = CommanderResolver(people, gateway, ttl=settings.commander_cache_ttl)
    channels = ChannelSteps(
        SlackIncidentChannels(slack),
        template=settings.channel_name,
        private=settings.channel_private,
    )
    cards: IncidentStore = store
    workers = DeclarationWorkers()
    publisher = ChannelFollowingPublisher(
        slack,
        store,
        archive_on_resolve=settings.archive_on_resolve,
        postmortem=settings.postmortem is not PostmortemMode.NEVER,
    )
    incidents = DatadogIncidents(datadog)
    org_cache = OrgConfigCache(lambda: load_org_config(datadog), ttl=org_config_ttl)

    def org_fields() -> tuple[OrgField, ...]:
        config = org_cache.peek()
        return config.fields if config else ()

    # cadence: status updates, reminders, the stakeholder channel (docs/cadence.md)
    reminder_policy = settings.reminder_policy()
    cadences = Cadences(
        store, reminder_policy, stakeholders=bool(settings.updates_channel), observer=metrics
    )
    list_signer = ButtonSigner(settings.slack_bot_token.get_secret_value())
    slack_cadence = SlackCadence(
        slack, list_signer, reminder_policy, updates_channel=settings.updates_channel
    )
    reminders = ReminderScheduler(
        store,
        slack_cadence,
        reminder_policy,
        schedule=schedule_policy or SchedulePolicy(interval=settings.reminder_tick),
        observer=metrics,
    )
    following = CadenceFollowingPublisher(publisher, cadences, store, slack_cadence)
    metrics.watch_overdue(store.overdue_count)

    def stakeholder_now(key: str) -> object:
        return workers.dispatch(key, reminders.run_one)  # the stakeholder message, at once

    starting = StartingCadences(
        cards, cadences, stakeholder_now if settings.updates_channel else None
    )

    runner = DeclarationRunner(
        store,
        resolver,
        people,
        gateway,
        SlackAnnouncer(slack),
        policy=runner_policy,
        cards=cast(IncidentStore, starting),
        observer=metrics,
        channels=channels,
        dispatch=workers.dispatch,  # resumed declarations run on the pool too
        journal=store,
        pager=DatadogPager(datadog),
    )
    reader = DatadogIncidentReader(datadog)
    responders = DatadogResponders(datadog)
    record = DatadogRecord(datadog)
    record_notes = SlackRecordNotes(slack)
    todo_lists = TodoLists(store, record, record_notes, store)
    sync = IncidentSync(
        cards,
        store,
        reader,
        following,
        following,  # the sync's notes: archives the channel after a resolve's, like Slack's
        policy=sync_policy or SyncPolicy(interval=settings.sync_interval),
        org_fields=org_fields,
        responders=responders,
        responder_notes=SlackResponderNotes(slack),
        followers=(todo_lists.follow,),  # to-dos changed in Datadog reach the list
    )
    metrics.watch_store(store)
    services = Services(
        settings=settings,
        slack=slack,
        datadog=datadog,
        store=store,
        people=people,
        gateway=gateway,
        resolver=resolver,
        runner=runner,
        access=AccessPolicy(
            slack,
            Allowlist(slack, settings.allowed_channels, settings.allowed_usergroups),
            allow_guests=settings.allow_guests,
        ),
        org_config=org_cache,
        cards=cards,
        publisher=publisher,
        incidents=incidents,
        updates=UpdateRunner(
            cards,
            incidents,
            following,
            policy=runner_policy,
            org_fields=org_fields,
            observer=metrics,
            dispatch=workers.dispatch,
            journal=store,
        ),
        chores=ChoreRunner(store, policy=runner_policy, dispatch=workers.dispatch),
        todo_lists=todo_lists,
        incident_reader=reader,
        sync=sync,
        list_signer=list_signer,
        cadences=cadences,
        reminders=reminders,
        metrics=metrics,
        workers=workers,
        responders=responders,
    )
    add_responder_works(services, SlackIncidentChannels(slack))
    services.chores.add_work(PageWork(slack, services.pager, store))
    services.chores.add_work(
        StatusUpdateWork(slack_cadence, slack, store, following, on_posted=metrics.status_posted)
    )
    if settings.status_page:  # public notices (docs/status-page.md)
        pages = DatadogStatusPages(datadog)
        services.status_pages = PageCache(pages, settings.status_page)
        services.chores.add_work(
            PublishNotice(
                pages,
                settings.status_page,
                store,
                following,
                SlackNoticeTeller(slack),
                journal=store,
            )
        )
        services.resolve_extras += (ResolveNotice(),)
        section = StatusPageSection(services.status_pages, services.chores, services.in_background)
        services.status_sections.append(section)  # in the Post update modal
    services.chores.add_work(CaptureWork(record, record_notes))
    services.chores.add_work(TodoAddWork(record, todo_lists, record_notes, store))
    services.chores.add_work(TodoCheckWork(record, todo_lists, record_notes, store))
    services.resolve_extras += (OpenTodos(todo_lists),)
    template = read_template(settings.postmortem_template) if settings.postmortem_template else None
    services.chores.add_work(  # the postmortem (docs/postmortem.md)
        PostmortemWork(
            DatadogPostmortems(datadog),
            SlackPostmortems(slack, people),
            store,
            cards,
            publisher,
            template=template,
            todos=record.todos,
        )
    )
    services.resolve_extras += (PostmortemOnResolve(),)
    return services
