r"""Splitting a pasted curl command line into words, as a POSIX shell would (nothing is run).

Line continuations (``\``, ``^``, a backtick) are joined, bash's ``$'...'`` strings decoded,
and shell variables outside single quotes become ``<<NAME>>`` placeholders.
"""

from __future__ import annotations

import re
import shlex

from runner.errors import PostrunError

# `$NAME` or `${NAME}` outside single quotes: a shell variable, usually a secret (OpenAI's docs).
_SHELL_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def split_command(command: str, variables: list[str] | None = None) -> list[str]:
    """Split a command line the way a POSIX shell would, without running anything.

    Line continuations (``\\``, Windows ``^`` and PowerShell backtick) are joined first, and shell
    variables outside single quotes become ``<<NAME>>`` placeholders (their names are appended to
    ``variables``).
    """
    text = command.strip()
    # Tolerate spaces pasted after a continuation backslash, which bash would not.
    text = re.sub(r"\\[ \t]+\r?\n", " ", text)
    text = re.sub(r"\\\r?\n", "", text)
    if re.search(r"\^\r?\n", text):
        text = re.sub(r"\^\r?\n", " ", text)
        text = text.replace('^"', '"')
    text = re.sub(r"`\r?\n", " ", text)
    text = _replace_shell_variables(text, [] if variables is None else variables)
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        raise PostrunError(
            f"cannot split the curl command: {exc}",
            hint="check that every quote is closed; in a terminal, quote the command with '...'",
        ) from None


_ANSI_C_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
    "E": "\x1b",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_C_NUMERIC = re.compile(
    r"x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|([0-7]{1,3})"
)


def _ansi_c_quoted(text: str, start: int) -> tuple[str, int]:
    """Decode a ``$'...'`` string whose text begins at ``start``; return it and the end index.

    ``\\xHH`` and octal escapes are bytes, as in bash: runs of them are decoded as UTF-8.
    """
    out: list[str] = []
    raw = bytearray()

    def flush() -> None:
        if raw:
            out.append(raw.decode("utf-8", errors="replace"))
            raw.clear()

    index = start
    while index < len(text):
        char = text[index]
        if char == "'":
            flush()
            return "".join(out), index + 1
        numeric = _ANSI_C_NUMERIC.match(text, index + 1) if char == "\\" else None
        if numeric and (numeric.group(1) or numeric.group(4)):
            byte = numeric.group(1)
            raw.append(int(byte, 16) if byte else int(numeric.group(4), 8) & 0xFF)
            index = numeric.end()
            continue
        flush()
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
        elif text[index + 1] in _ANSI_C_ESCAPES:
            out.append(_ANSI_C_ESCAPES[text[index + 1]])
            index += 2
        elif numeric:  # \\uHHHH or \\UHHHHHHHH
            out.append(chr(min(int(numeric.group(2) or numeric.group(3), 16), 0x10FFFF)))
            index = numeric.end()
        else:
            out.append(text[index : index + 2])  # unknown escapes stay as written, as in bash
            index += 2
    raise PostrunError(
        "cannot split the curl command: a $'...' string is not closed",
        hint="check that every quote is closed",
    )


def _replace_shell_variables(text: str, names: list[str]) -> str:
    """``$NAME`` outside single quotes -> ``<<NAME>>``; quoting context is tracked by hand."""
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote != "'" and char == "\\" and index + 1 < len(text):
            out.append(text[index : index + 2])
            index += 2
            continue
        if quote is None and text.startswith("$'", index):
            # bash's ANSI-C quoting, which browsers' "Copy as cURL (bash)" uses for bodies.
            decoded, index = _ansi_c_quoted(text, index + 2)
            out.append(shlex.quote(decoded))
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        elif char == "$" and quote != "'":
            match = _SHELL_VAR.match(text, index)
            if match:
                name = match.group(1) or match.group(2)
                if name not in names:
                    names.append(name)
                out.append(f"<<{name}>>")
                index = match.end()
                continue
        out.append(char)
        index += 1
    return "".join(out)
