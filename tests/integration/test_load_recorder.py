"""The engine listener of `postrun load`'s Locust users (runner/load/setup.py LocustRecorder):
it reads RequestFinished alone, so the engine builds no per-check or per-send event for a load
test, and it still tells Locust every request, a failed one with its masked reason. Real HTTP on
loopback, without Locust (whose gevent must not patch the test process)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from runner.engine import Engine, RunOptions, RunState, plan_run
from runner.events import RequestFinished, taken
from runner.load.setup import LoadSetup, LocustRecorder
from runner.loader import load_collection
from runner.transport import new_session
from runner.variables import VariableStack

SECRET = "sk-recorder-0123456789"

COLLECTION = """
name: shop
secrets: [SHOP_TOKEN]
variables: {{base_url: "{base}"}}
requests:
  - name: login
    method: POST
    url: <<base_url>>/login
    headers: {{Authorization: Bearer <<SHOP_TOKEN>>}}
    assert: {{status: 200}}
    capture: {{session: $.session}}
  - name: cart
    url: <<base_url>>/cart/<<session>>
    assert:
      status: 200
      jsonpath: {{$.owner: <<SHOP_TOKEN>>}}
  - name: skipped
    url: <<base_url>>/never
    options: {{skip: true}}
"""


def fired_events(
    tmp_path: Path,
    server: HTTPServer,
    prefixed: bool,
    passes: int = 2,
    alive: list[Any] | None = None,
    recorder_class: type[LocustRecorder] = LocustRecorder,
    fresh_state: bool = False,
) -> list[dict[str, Any]]:
    """Passes of the collection, as a Locust user makes them, through an engine whose only
    listener is the recorder; ``alive`` gets the count of variable stacks after the last pass,
    the engine still alive."""
    server.expect_request("/login", method="POST").respond_with_json({"session": "s1"})
    # The server echoes the secret where the check expects something else: the failure's
    # message would name it, unmasked, if the recorder bypassed the engine's masking.
    server.expect_request("/cart/s1").respond_with_json({"owner": f"not {SECRET}"})
    path = tmp_path / "shop.yaml"
    path.write_text(COLLECTION.format(base=server.url_for("").rstrip("/")), encoding="utf-8")
    plan = plan_run(
        [load_collection(path, base_dir=tmp_path)], RunOptions(environ={"SHOP_TOKEN": SECRET})
    )
    fired: list[dict[str, Any]] = []
    recorder = recorder_class(
        lambda **kwargs: fired.append(kwargs), LoadSetup(plan, False, prefixed).stats_name
    )
    with new_session() as session:
        engine = Engine(plan, session, [recorder], keep_passed=False)
        state = RunState()  # as PostrunUser does: one, cleared before each pass
        for _ in range(passes):
            state.clear()
            engine.run_units(plan.units(), state=None if fresh_state else state)
        if alive is not None:
            alive.append(stacks_alive())
    return fired


def test_each_pass_starts_without_the_captures_of_the_last(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/peek/fresh").respond_with_data("a new session")
    httpserver.expect_request("/peek/s1").respond_with_data("the last pass's", status=409)
    httpserver.expect_request("/login", method="POST").respond_with_json({"session": "s1"})
    path = tmp_path / "peek.yaml"
    base = httpserver.url_for("").rstrip("/")
    path.write_text(
        f"""
variables: {{base_url: "{base}", session: fresh}}
requests:
  - name: peek
    url: <<base_url>>/peek/<<session>>
    assert: {{status: 200}}
  - name: login
    method: POST
    url: <<base_url>>/login
    capture: {{session: $.session}}
""",
        encoding="utf-8",
    )
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions(environ={}))
    fired: list[dict[str, Any]] = []
    recorder = LocustRecorder(lambda **kwargs: fired.append(kwargs), lambda _, path: path)
    with new_session() as session:
        engine = Engine(plan, session, [recorder], keep_passed=False)
        state = RunState()
        for _ in range(3):
            state.clear()
            engine.run_units(plan.units(), state=state)
    # The session login captured in one pass is gone when the next pass's first request runs.
    assert [(event["name"], event["exception"]) for event in fired] == [
        ("peek", None),
        ("login", None),
    ] * 3


def stacks_alive() -> int:
    gc.collect()
    return sum(isinstance(thing, VariableStack) for thing in gc.get_objects())


def test_the_recorder_reads_only_finished_requests() -> None:
    recorder = LocustRecorder(lambda **_: None, lambda collection, path: path)
    # No CheckFinished and no masked copy of each request sent are built for a load test.
    assert taken([recorder]) == frozenset({RequestFinished})


def test_a_listener_of_finished_requests_is_given_nothing_else(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    # Not even the started, response and attempt events: the engine builds none for it.
    given: list[type] = []

    class Spy(LocustRecorder):
        def __call__(self, event: object) -> None:
            given.append(type(event))
            super().__call__(event)

    fired = fired_events(tmp_path, httpserver, prefixed=False, recorder_class=Spy)
    assert set(given) == {RequestFinished}
    assert len(given) == 6  # three requests (one skipped) in each of two passes
    assert len(fired) == 4


def test_every_request_is_a_locust_event_and_a_failed_check_a_masked_failure(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    fired = fired_events(tmp_path, httpserver, prefixed=False)
    # Skipped requests are not sent and not counted; captures flowed from login to cart.
    assert [(event["request_type"], event["name"]) for event in fired] == [
        ("POST", "login"),
        ("GET", "cart"),
    ] * 2
    login, cart = fired[:2]
    assert login["exception"] is None
    assert login["response_length"] > 0
    assert login["response_time"] >= 0
    message = cart["exception"]
    assert message.startswith("jsonpath $.owner: expected ")
    assert SECRET not in message
    assert "****" in message
    assert fired[3]["exception"] == message  # the same reason on every pass


def test_names_are_prefixed_with_the_collection_when_several_run(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    fired = fired_events(tmp_path, httpserver, prefixed=True)
    assert [event["name"] for event in fired] == ["shop: login", "shop: cart"] * 2


def test_the_passes_of_a_user_do_not_pile_up_in_memory(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    # Whether a pass reuses the cleared captures of the last (PostrunUser) or starts with fresh
    # ones (run_units without a state), a long run's engine holds what one pass needs.
    for fresh_state in (False, True):
        before = stacks_alive()
        after: list[int] = []
        fired = fired_events(
            tmp_path, httpserver, False, passes=200, alive=after, fresh_state=fresh_state
        )
        assert len(fired) == 400
        assert after[0] - before <= 2
        httpserver.clear()
