"""Inputs the hardening tests found, kept as plain regression tests (fixed in the modules named)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from hardening_support import invoke

from runner.captures import capture
from runner.errors import PostrunError, TemplateError
from runner.masking import MASK, Masker
from runner.matchers import failure
from runner.model import CaptureSpec, Matcher
from runner.regexes import compile_regex
from runner.results import ResponseData
from runner.source import SourceLocation
from runner.templating import Renderer
from runner.variables import read_dotenv

HERE = SourceLocation("c.yaml", 1, 1)
COLLECTION = "requests:\n  - name: r\n    url: https://api.test/x\n    examples: [{name: ok}]\n"


# variables.read_dotenv: a .env that is not UTF-8 raised UnicodeDecodeError (a traceback).
@pytest.mark.parametrize("raw", [b"\x80", b"A=1\nB=\xff\xfe\n", b"\xef\xbb\xbfA=\xc3"])
def test_a_dotenv_file_that_is_not_utf8_is_an_input_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "x.env"
    path.write_bytes(raw)
    with pytest.raises(PostrunError, match="is not UTF-8 text"):
        read_dotenv(path, required=True)


def test_a_dotenv_file_that_is_not_utf8_ends_with_exit_2() -> None:
    Path("c.yaml").write_text(COLLECTION, encoding="utf-8")
    Path("bad.env").write_bytes(b"\x80")
    result = invoke(["validate", "c.yaml", "--env-file", "bad.env"])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_a_dotenv_file_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"\xef\xbb\xbfAPI_KEY=abc\n")
    assert read_dotenv(path) == {"API_KEY": "abc"}


# templating.Renderer: ten levels of ``<<v1>>`` x 10 expanded to 10^10 copies (a hang).
def test_exponential_expansion_is_an_error_not_a_hang() -> None:
    variables = {f"v{n}": f"<<v{n + 1}>>" * 10 for n in range(9)} | {"v9": "x"}
    with pytest.raises(TemplateError, match="expand too much"):
        Renderer(variables.__getitem__).render_text("<<v0>>")


# templating: rendering is one pass, so text around a value never forms a new placeholder
# that is rendered again (``<<<<a>>>>`` -> ``<<v>>``, left as is).
def test_rendering_is_one_pass() -> None:
    assert Renderer({"a": "v"}.__getitem__).render_text("<<<<a>>>>") == "<<v>>"


# captures / matchers: ``[[`` made Python emit FutureWarning (an exception under -W error),
# and ``a{99999999999}`` raised OverflowError, both only at run time for templated patterns.
@pytest.mark.parametrize("pattern", ["[[", "[[x]]", "a{99999999999}", "(" * 5000 + ")" * 5000])
def test_odd_regexes_fail_the_check_or_capture_with_a_message(pattern: str) -> None:
    response = ResponseData(200, "OK", (), b"[[x]]", 1.0, "http://127.0.0.1/")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = capture(CaptureSpec("v", "regex", pattern, HERE), response)
        message = failure(Matcher((("matches", pattern),)), "[[x]]")
    assert result.found or "regex" in (result.message or "")
    assert message is None or "regex" in message


def test_compile_regex_turns_every_failure_into_re_error() -> None:
    with pytest.raises(re.error, match="too large"):
        compile_regex("a{99999999999}")


# masking: a secret with a quote, a backslash or non-ASCII letters was shown JSON-escaped in
# bodies and expected values, repr-escaped in "invalid URL '...'" messages, and Latin-1/UTF-8
# garbled when a server echoed a header back.
SECRET = 'sk-\u00e9"quote\\back'


@pytest.mark.parametrize(
    "written",
    [
        json.dumps({"token": SECRET}),
        json.dumps({"token": SECRET}, ensure_ascii=False),
        f"invalid URL {('http://x/' + SECRET)!r}",
        SECRET.encode("latin-1").decode("utf-8", errors="replace"),
        SECRET.encode("utf-8").decode("latin-1"),
    ],
    ids=["json-ascii", "json-unicode", "repr", "latin1-as-utf8", "utf8-as-latin1"],
)
def test_escaped_spellings_of_a_secret_are_masked(written: str) -> None:
    masked = Masker.create([SECRET]).text(written)
    assert "quote" not in masked
    assert MASK in masked


def test_escaped_secret_in_a_body_is_masked() -> None:
    body = json.dumps({"token": SECRET}).encode("utf-8")
    assert b"quote" not in Masker.create([SECRET]).body(body)


# loader: libyaml's composer recursed in C and crashed the process (SIGSEGV) on deep nesting.
def test_deep_flow_nesting_is_a_load_error() -> None:
    depth = 50_000
    Path("c.yaml").write_text(
        "variables: {x: " + "[" * depth + "]" * depth + "}\n" + COLLECTION, encoding="utf-8"
    )
    result = invoke(["validate", "c.yaml"])
    assert result.exit_code == 2
    assert "nested too deeply" in result.output
