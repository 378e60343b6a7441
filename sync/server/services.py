"""The parts of one service process, built once and passed to the routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx

from sync.server.admission import Admission
from sync.server.auth import Authenticator
from sync.server.centre_keys import CentreKeys
from sync.server.centre_policy import PolicyCache
from sync.server.connectors import Connector, RecordingConnector, WebhookConnector
from sync.server.delivery import DeliveryWorker
from sync.server.enrolment import Enrolment
from sync.server.errors import ConfigInvalid
from sync.server.journal import Journal
from sync.server.metrics import Metrics
from sync.server.pull import Puller
from sync.server.push import Reconciler
from sync.server.records import Clock
from sync.server.releases.reports import EvaluationReports
from sync.server.review import Review
from sync.server.settings import ServerSettings
from sync.server.storage import Storage
from sync.server.suites import Suites


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the HTTP layer and the background worker use."""

    settings: ServerSettings
    storage: Storage
    clock: Clock
    metrics: Metrics
    admission: Admission
    keys: CentreKeys
    authenticator: Authenticator
    enrolment: Enrolment
    reconciler: Reconciler
    puller: Puller
    journal: Journal
    review: Review
    reports: EvaluationReports
    suites: Suites
    connector: Connector
    delivery: DeliveryWorker


def build_services(
    settings: ServerSettings,
    storage: Storage,
    *,
    clock: Clock,
    connector: Connector | None = None,
    enrolment: Enrolment | None = None,
) -> Services:
    """Wire the service's parts on ``storage``."""
    metrics = Metrics()
    keys = CentreKeys(settings.resolved_keys_dir(), clock=clock)
    keys.ensure()
    connector = connector or connector_for(settings)
    authenticator = Authenticator(
        storage, clock=clock, window_seconds=settings.signature_window_seconds
    )
    journal = Journal(
        storage,
        clock=clock,
        retention=timedelta(days=settings.journal_retention_days),
    )

    def housekeeping() -> None:
        authenticator.forget_old_nonces()
        journal.prune()

    delivery = DeliveryWorker(
        storage,
        connector,
        clock=clock,
        max_attempts=settings.delivery_max_attempts,
        backoff_seconds=settings.delivery_backoff_seconds,
        backoff_max_seconds=settings.delivery_backoff_max_seconds,
        poll_seconds=settings.delivery_poll_seconds,
        housekeeping=housekeeping,
    )

    def observed(count: int, outcomes: object, seconds: float) -> None:
        metrics.observe_push(count, outcomes, seconds)  # type: ignore[arg-type]
        delivery.wake()

    return Services(
        settings=settings,
        storage=storage,
        clock=clock,
        metrics=metrics,
        admission=Admission(
            max_in_flight=settings.max_in_flight,
            max_unsigned_in_flight=settings.max_unsigned_in_flight,
            retry_after=settings.retry_after_seconds,
            refused=metrics.refuse,
        ),
        keys=keys,
        authenticator=authenticator,
        enrolment=enrolment or Enrolment(storage, keys, clock=clock),
        reconciler=Reconciler(
            storage, clock=clock, policies=PolicyCache(), observe=observed
        ),
        journal=journal,
        puller=Puller(storage, keys, page_size=settings.pull_page_size, clock=clock),
        review=Review(storage, clock=clock),
        reports=EvaluationReports(storage, clock=clock),
        suites=Suites(storage, clock=clock),
        connector=connector,
        delivery=delivery,
    )


def connector_for(settings: ServerSettings) -> Connector:
    """The connector the settings name.

    Raises:
        ConfigInvalid: the webhook connector has no URL.
    """
    if settings.connector == "recording":
        return RecordingConnector()
    if not settings.webhook_url:
        raise ConfigInvalid(
            "The webhook connector needs a URL: set EDGE_GOVERNANCE_WEBHOOK_URL."
        )
    secret = settings.webhook_secret
    return WebhookConnector(
        httpx.Client(timeout=10.0),
        settings.webhook_url,
        secret=secret.get_secret_value() if secret else None,
    )
