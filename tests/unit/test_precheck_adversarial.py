"""Counter-examples to the pre-check's claim (runner/loader/precheck.py): whatever it answers for a
file (not None), load_collection loads that file, with as many requests, the same outlines and the
same collection apart from its requests. Each file here is one the pre-check answers for today
while the loader refuses it or loads something else; "not sure" (None) is always a right answer.

Three gaps:

- YAML breaks lines at NEL (U+0085), LS (U+2028) and PS (U+2029) as well as at ``\\n``: libyaml's
  marks count them, the pre-check's lines do not, so in a request after one of them the
  pre-check takes the wrong lines for free values (any value there may then change), and a NEL
  in a quoted name folds to a space (two names it finds distinct are one).
- Quoted free values may hold characters YAML refuses (DEL, C1 controls, U+FFFE, U+FFFF).
- The only ``requests:`` line may be inside a multi-line quoted string of the header: the
  "items" after it are then that string's text and whatever follows it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from runner.errors import LoadError
from runner.loader import load_collection, streaming
from runner.loader.precheck import precheck
from runner.loader.pyyaml import read_text

BREAKS = ["\x85", "\u2028", "\u2029"]
REFUSED = ["\x7f", "\x80", "\x9f", "\ufffe", "\uffff"]


@pytest.fixture(params=["whole", "streamed"])
def path(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a test writes its file; loaded whole, and by the large-file (streamed) path."""
    if request.param == "streamed":
        monkeypatch.setattr(streaming, "STREAM_CHARS", 0)
    return tmp_path / "big.yaml"


def _vouched_for(path: Path, text: str) -> None:
    """The pre-check answers None for ``text``, or what the loader loads."""
    path.write_text(text, encoding="utf-8")
    found = precheck(path, read_text(path), base_dir=path.parent, allow_outside=False)
    if found is None:
        return
    try:
        collection = load_collection(path, base_dir=path.parent)
    except LoadError as exc:
        pytest.fail(f"pre-check found {found.count} request(s), the loader refuses: {exc.message}")
    requests = collection.requests
    outlines = tuple(
        (
            -1,
            tuple(dict.fromkeys(use.name for use in request.placeholders)),
            tuple(capture.name for capture in request.captures),
        )
        for request in requests
    )
    assert (found.count, found.outlines) == (len(requests), outlines)
    assert found.header == dataclasses.replace(collection, requests=())


# ------------------------------------------------------------ line breaks other than "\n"


@pytest.mark.parametrize("line_break", BREAKS)
def test_a_line_break_in_a_comment_moves_the_free_lines(path: Path, line_break: str) -> None:
    # libyaml puts `name` on the `method` line: the method is taken for the name, the name
    # line is compared as written, so the second request's bad method and repeated name pass.
    item = "  - url: http://h # {}\n    name:   abcdef\n    method: {}\n"
    text = "requests:\n" + item.format(line_break, "DELETE") + item.format(line_break, "FOO BAR")
    _vouched_for(path, text)


def test_a_moved_free_line_may_change_what_a_request_captures(path: Path) -> None:
    # Two NELs: the JSON string `s` is found two lines down, on the explicit key `? tok`.
    item = (
        "  - name: chat {n}\n    url: http://h\n    # note\x85\x85\n    body:\n      json:\n"
        "        s: abc\n    capture:\n      ?    {capture}\n      : $.id\n"
    )
    text = "requests:\n" + item.format(n=1, capture="tok") + item.format(n=2, capture="other")
    _vouched_for(path, text)


def test_a_moved_free_line_may_change_the_placeholders_a_request_uses(path: Path) -> None:
    # The url is "http://h/<< xyz >>" (a plain scalar over three lines): its placeholder's name
    # is on the line the JSON string `s` is taken to be on.
    item = (
        "  - name: chat {n}\n    # x\x85\x85\n    body:\n      json:\n        s: abc\n"
        "    url: http://h/<<\n           {name}\n      >>\n"
    )
    header = "variables: {xyz: 1, other: 2}\nrequests:\n"
    _vouched_for(path, header + item.format(n=1, name="xyz") + item.format(n=2, name="other"))


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_nel_in_a_quoted_name_folds_to_a_space(path: Path, quote: str) -> None:
    # "chat\x852" is "chat 2" to YAML: a duplicate name.
    item = "  - name: {q}{name}{q}\n    url: http://h\n"
    text = (
        "requests:\n" + item.format(q=quote, name="chat 2") + item.format(q=quote, name="chat\x852")
    )
    _vouched_for(path, text)


def test_a_nel_in_a_quoted_name_may_start_a_line_with_a_document_marker(path: Path) -> None:
    item = '  - name: "{}"\n    url: http://h\n'
    _vouched_for(path, "requests:\n" + item.format("a") + item.format("b\x85--- c"))


# ------------------------------------------------- characters YAML refuses, in a free value


@pytest.mark.parametrize("character", REFUSED)
@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quoted_name_may_hold_a_character_yaml_refuses(
    path: Path, character: str, quote: str
) -> None:
    item = "  - name: {q}{name}{q}\n    url: http://h\n"
    text = (
        "requests:\n" + item.format(q=quote, name="a") + item.format(q=quote, name="b" + character)
    )
    _vouched_for(path, text)


@pytest.mark.parametrize("character", REFUSED)
def test_a_quoted_json_string_may_hold_a_character_yaml_refuses(path: Path, character: str) -> None:
    item = '  - name: r{n}\n    url: http://h\n    body:\n      json:\n        s: "{s}"\n'
    text = "requests:\n" + item.format(n=1, s="hello") + item.format(n=2, s="x" + character)
    _vouched_for(path, text)


# ------------------------------------ a quoted string of the header over the `requests:` line


def test_the_requests_line_may_be_inside_a_quoted_description(path: Path) -> None:
    # The real list is the flow one; "items" b and d are text, then a stray list: a YAML error.
    text = (
        "requests: [{name: real, url: http://h}]\n"
        'description: "\n'
        "requests:\n"
        "  - name: b\n"
        '    url: c"\n'
        "  - name: d\n"
        '    url: c"\n'
    )
    _vouched_for(path, text)


def test_the_requests_line_may_be_inside_a_quoted_item_of_an_x_key(path: Path) -> None:
    # Loads: one request (real); x-notes is a list of a string and a mapping. The pre-check
    # counts two.
    text = (
        'requests: [{name: real, url: "<<base>>"}]\n'
        "variables: {base: http://h}\n"
        "x-notes:\n"
        '  - "\n'
        "requests:\n"
        "  - name: b\n"
        '    url: c"\n'
        "  - name: d\n"
        '    url: c"\n'
    )
    _vouched_for(path, text)


# ---------------------------------------------------------------- free values of every kind

ITEM = """\
  - name: {name}
    url: http://h/v1
    body:
      json:
        model: gpt
        content: {content}
"""

# Spellings a free value may have, with the characters YAML reads unlike the pre-check.
SPELLING = st.text(
    alphabet=st.sampled_from(["a", "b", "1", " ", "-", ".", "\x85", "\u2028", "\x7f", "\x9f"]),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.tuples(SPELLING, SPELLING, st.sampled_from(['"', "'"])), max_size=8))
@example([("a", "x", '"'), ("b\x7f", "y", '"')])
@example([("a", "x", "'"), ("b", "y\x9f", "'")])
@example([("a 1", "x", '"'), ("a\x851", "x", '"')])
def test_whatever_quoted_free_values_it_accepts_load_the_same(
    tmp_path: Path, values: list[tuple[str, str, str]]
) -> None:
    items = [
        ITEM.format(name=f"{quote}{name}{quote}", content=f"{quote}{content}{quote}")
        for name, content, quote in values
    ]
    _vouched_for(tmp_path / "big.yaml", "requests:\n" + "".join(items))
