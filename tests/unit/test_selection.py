"""Selecting requests by tag, excluded tag and name/path pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import PostrunError
from runner.loader import load_collection
from runner.selection import Selection, select

COLLECTION = """\
name: Shop
requests:
  - name: Health
    url: http://127.0.0.1:1/health
    tags: [smoke]
  - name: Users
    tags: [users]
    requests:
      - name: List users
        url: http://127.0.0.1:1/users
        tags: [smoke]
      - name: Delete user
        method: DELETE
        url: http://127.0.0.1:1/users/1
        tags: [destructive]
  - name: Orders
    url: http://127.0.0.1:1/orders
"""


@pytest.fixture
def shop(tmp_path: Path):
    path = tmp_path / "shop.yaml"
    path.write_text(COLLECTION, encoding="utf-8")
    return load_collection(path, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("selection", "paths"),
    [
        (Selection(), ["Health", "Users/List users", "Users/Delete user", "Orders"]),
        (Selection(tags=("smoke",)), ["Health", "Users/List users"]),
        (Selection(tags=("users",)), ["Users/List users", "Users/Delete user"]),
        (
            Selection(tags=("smoke", "destructive")),
            ["Health", "Users/List users", "Users/Delete user"],
        ),
        (Selection(exclude_tags=("destructive",)), ["Health", "Users/List users", "Orders"]),
        (Selection(tags=("users",), exclude_tags=("destructive",)), ["Users/List users"]),
        (Selection(patterns=("Orders",)), ["Orders"]),
        (Selection(patterns=("Users/*",)), ["Users/List users", "Users/Delete user"]),
        (Selection(patterns=("*user*",)), ["Users/List users", "Users/Delete user"]),
        (Selection(patterns=("Delete user", "Health")), ["Health", "Users/Delete user"]),
        (Selection(patterns=("*",), exclude_tags=("smoke",)), ["Users/Delete user", "Orders"]),
    ],
)
def test_selection_keeps_run_order(shop, selection: Selection, paths: list[str]) -> None:
    (selected,) = select([shop], selection)
    assert [request.path for request in selected.requests] == paths


def test_patterns_are_case_sensitive_globs(shop) -> None:
    with pytest.raises(PostrunError):
        select([shop], Selection(patterns=("health",)))


def test_selecting_nothing_lists_what_exists(shop) -> None:
    with pytest.raises(PostrunError) as caught:
        select([shop], Selection(tags=("nope",), patterns=("Zap*",)))
    error = caught.value
    assert error.exit_code == 2
    assert error.message == "no request matches --tag nope --request 'Zap*'"
    assert error.hint is not None
    assert "Users/Delete user" in error.hint and "destructive, smoke, users" in error.hint


def test_collections_without_a_selected_request_drop_out(shop, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("name: Other\nrequests:\n  - {name: X, url: 'http://h/x'}\n", encoding="utf-8")
    selected = select([shop, load_collection(other, base_dir=tmp_path)], Selection(patterns=("X",)))
    assert [collection.name for collection in selected] == ["Other"]
