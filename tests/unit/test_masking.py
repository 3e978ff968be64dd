"""The masker hides a declared secret's base64 forms (issue 15, item 5), and no ordinary text."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from runner.masking import MASK, MIN_BASE64_FRAGMENT, Masker, base64_spellings

SECRET = "s3cret-Value+/?"  # "+/?" so that the standard and URL-safe alphabets differ


Encode = Callable[[bytes], bytes]


def stable_part(secret: bytes, offset: int, encode: Encode = base64.b64encode) -> str:
    """The characters of ``secret``'s base64 that hold its bits alone, at ``offset`` mod 3."""
    encoded = encode(bytes(offset) + secret + bytes(2)).decode()
    return encoded[-(-8 * offset // 6) : (8 * (offset + len(secret))) // 6]


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc", "user:", "ann:"])
@pytest.mark.parametrize("suffix", ["", "x", "xy", " and more text"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_a_secret_inside_longer_base64_is_masked_at_every_offset(
    prefix: str, suffix: str, encode: Encode
) -> None:
    encoded = encode(f"{prefix}{SECRET}{suffix}".encode()).decode()
    masked = Masker.create([SECRET]).text(f"Authorization: Basic {encoded}")
    assert MASK in masked
    offset = len(prefix) % 3
    assert stable_part(SECRET.encode(), offset, encode) not in masked
    # At least the whole stable part went: what is left is the prefix's, the suffix's, and a
    # character or two at each edge that also hold their bits.
    kept = len(masked) - len("Authorization: Basic ") - len(MASK)
    assert kept <= len(encoded) - len(stable_part(SECRET.encode(), offset, encode))


@pytest.mark.parametrize(
    "form",
    [
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(SECRET.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        # base64 in a URL: "+", "/" and "=" percent-encoded.
        "".join(
            {"+": "%2B", "/": "%2F", "=": "%3D"}.get(c, c)
            for c in base64.b64encode(SECRET.encode()).decode()
        ),
        # PHP's json_encode writes "/" as "\\/".
        base64.b64encode(SECRET.encode()).decode().replace("/", "\\/"),
        # requests encodes Basic credentials as Latin-1: another byte form for non-ASCII.
        base64.b64encode("pässwörd-1".encode("latin-1")).decode(),
        base64.b64encode("pässwörd-1".encode()).decode(),
    ],
)
def test_a_secret_encoded_alone_is_masked_whole(form: str) -> None:
    masker = Masker.create([SECRET, "pässwörd-1"])
    assert masker.text(f"token={form}&next=1") == f"token={MASK}&next=1"


def test_the_masked_forms_are_long_enough_to_be_safe() -> None:
    assert MIN_BASE64_FRAGMENT == 6
    for secret in ("abcd", "abcde", SECRET, "pässwörd-1"):
        assert all(len(form) >= MIN_BASE64_FRAGMENT for form in base64_spellings(secret))


def test_a_four_character_secret_hides_its_encoding_alone_but_no_short_fragment() -> None:
    """A 4-character secret's fragments inside longer base64 are 4 or 5 characters: too common
    to mask (they would hit unrelated tokens), so only its own encoding is hidden."""
    masker = Masker.create(["pass"])
    assert masker.text(base64.b64encode(b"pass").decode()) == MASK  # cGFzcw==
    fragments = [stable_part(b"pass", offset) for offset in range(3)]
    assert all(len(fragment) < MIN_BASE64_FRAGMENT for fragment in fragments)
    text = f"ids: {' '.join(fragments)} cGFzc3dvcmQ"
    assert masker.text(text) == text


def test_a_short_secret_is_not_masked_inside_text_nor_as_base64() -> None:
    masker = Masker.create(["ab1"])
    text = f"cab1net {base64.b64encode(b'ab1').decode()} {base64.b64encode(b'xab1y').decode()}"
    assert masker.text(text) == text
    assert masker.header("X-Key", "ab1") == MASK


def test_ordinary_text_and_other_base64_are_left_alone() -> None:
    masker = Masker.create([SECRET, "hunter22"])
    text = (
        "The quick brown fox; " + base64.b64encode(b"user:another-password").decode() + " "
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0 MTIzNDU2Nzg5MA=="
    )
    assert masker.text(text) == text


def test_learnt_values_keep_the_declared_secrets_base64_forms() -> None:
    """A masker that learns a token during the run still hides the declared secrets' base64."""
    encoded = base64.b64encode(f"ann:{SECRET}".encode()).decode()
    masker = Masker.create([SECRET]).with_secrets(["learnt-token-1"]).with_secrets(["t2-abcd"])
    masked = masker.text(f"{encoded} learnt-token-1 t2-abcd")
    assert stable_part(SECRET.encode(), 1) not in masked
    assert "learnt-token-1" not in masked and "t2-abcd" not in masked
    # A learnt credential is hidden as written, not through base64 forms of its own.
    assert Masker.create([], learnt=["dG9rZW4tYWJjZA=="]).text("dG9rZW4tYWJjZA==") == MASK
    assert masker.declared == frozenset({SECRET})


def test_learning_a_value_already_hidden_keeps_the_masker() -> None:
    """A credential that is also a declared secret (bearer: <<TOKEN>>) costs no rebuild."""
    masker = Masker.create([SECRET])
    assert masker.with_secrets([SECRET, ""]) is masker
    assert masker.with_secrets(["new-token"]) is not masker


# Issue 21: long texts are searched for the base64 forms first, and the text spellings alone
# serve a text that holds none. The masked text must be the same as the one regex gives.
_FILLER = '{"id": "chatcmpl-123", "object": "chat.completion", "role": "assistant"} ' * 3


def one_regex(masker: Masker, text: str) -> str:
    assert masker.pattern is not None
    return masker.pattern.sub(MASK, text)


@pytest.mark.parametrize("prefix", ["", "a", "ab", "user:"])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_a_long_text_hides_the_base64_at_every_offset(prefix: str, encode: Encode) -> None:
    masker = Masker.create([SECRET, "other-secret-42"])
    encoded = encode(f"{prefix}{SECRET}".encode()).decode()
    text = f"{_FILLER} Basic {encoded} and other-secret-42, {SECRET} {_FILLER}"
    masked = masker.text(text)
    assert masked == one_regex(masker, text)
    assert stable_part(SECRET.encode(), len(prefix) % 3, encode) not in masked
    assert SECRET not in masked and "other-secret-42" not in masked
    assert masker.body(text.encode()) == masked.encode()


def test_a_long_text_without_base64_forms_is_masked_by_its_text_spellings() -> None:
    masker = Masker.create([SECRET])
    text = f"{_FILLER} {SECRET} %s {_FILLER}" % SECRET.replace("/", "%2F")
    assert len(text) > 96
    assert masker.text(text) == one_regex(masker, text)
    assert SECRET not in masker.text(text)
    assert masker.text(_FILLER) == _FILLER  # nothing secret: the same text back


def test_only_the_innermost_base64_forms_are_searched_for() -> None:
    masker = Masker.create([SECRET])
    forms = set(base64_spellings(SECRET))
    # Every form holds one of those searched for, and none of those holds another.
    assert all(any(inner in form for inner in masker.base64_forms) for form in forms)
    assert not any(a != b and a in b for a in masker.base64_forms for b in masker.base64_forms)
