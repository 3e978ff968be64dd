"""What the requests of one engine share, and what changes as a run goes on.

``EngineContext`` holds the injected parts (session, clock, sleep, randomness, listeners) and the
plan, whose masker grows as secrets are learnt; ``RunState`` holds the captured values of one
pass over a unit's requests, which a front-end may keep across calls (a pytest item per request).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.engine.learnt import RunSecrets
from runner.engine.plan import RunPlan
from runner.events import EVENT_KINDS
from runner.masking import Masker

if TYPE_CHECKING:
    from runner.mock import MockAdapter
    from runner.transport import Session

EVERY_EVENT = frozenset(EVENT_KINDS)


@dataclass
class RunState:
    """What changes while a run goes on: captured values and which captures found nothing."""

    captured: dict[str, Any] = field(default_factory=dict)
    failed_captures: dict[str, str] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget every capture, in place: a new pass starts as a fresh RunState does."""
        self.captured.clear()
        self.failed_captures.clear()


class EngineContext:
    """The plan and the injected parts that every request of one engine uses."""

    __slots__ = (
        "_masked_learnt",
        "clock",
        "emit",
        "learnt",
        "mock_adapter",
        "plan",
        "rng",
        "session",
        "sleep",
        "takes",
    )

    def __init__(
        self,
        plan: RunPlan,
        session: Session,
        emit: Callable[[Any], None],
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        rng: random.Random,
        learnt: RunSecrets,
        takes: frozenset[type] = EVERY_EVENT,
    ) -> None:
        self.plan = plan
        self.takes = takes  # the kinds of event some listener reads: no other is built
        self.session = session
        self.emit = emit
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.learnt = learnt
        self._masked_learnt = 0
        self.mock_adapter: MockAdapter | None = None
        if plan.options.mock:
            from runner.mock import mock_session

            self.mock_adapter = mock_session(session)

    @property
    def masker(self) -> Masker:
        return self.plan.masker

    def mask_learnt(self) -> None:
        """Hide secrets learnt since the last request in everything emitted from now on."""
        values = self.learnt.values
        if len(values) != self._masked_learnt:
            self._masked_learnt = len(values)
            self.plan = dataclasses.replace(self.plan, masker=self.plan.masker.with_secrets(values))
