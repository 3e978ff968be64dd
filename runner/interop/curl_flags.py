"""curl's options as the import knows them: short spellings, and what each kind of option does.

Options taking an argument must be known for the argument to be skipped with them; flags that
only change curl's own output are dropped quietly, others are reported as not imported.
"""

from __future__ import annotations

from collections.abc import Mapping

# Long options that take an argument, with the short spellings mapped to them.
SHORT_WITH_ARG: Mapping[str, str] = {
    "X": "--request",
    "H": "--header",
    "d": "--data",
    "F": "--form",
    "u": "--user",
    "b": "--cookie",
    "A": "--user-agent",
    "e": "--referer",
    "m": "--max-time",
    "x": "--proxy",
    "E": "--cert",
    "T": "--upload-file",
    "o": "--output",
    "w": "--write-out",
    "c": "--cookie-jar",
    "r": "--range",
    "C": "--continue-at",
    "K": "--config",
    "D": "--dump-header",
    "U": "--proxy-user",
    "Y": "--speed-limit",
    "y": "--speed-time",
    "z": "--time-cond",
    "t": "--telnet-option",
    "P": "--ftp-port",
    "Q": "--quote",
}
SHORT_FLAGS: Mapping[str, str] = {
    "G": "--get",
    "k": "--insecure",
    "L": "--location",
    "I": "--head",
    "s": "--silent",
    "S": "--show-error",
    "v": "--verbose",
    "i": "--include",
    "O": "--remote-name",
    "f": "--fail",
    "N": "--no-buffer",
    "#": "--progress-bar",
    "g": "--globoff",
    "n": "--netrc",
    "J": "--remote-header-name",
    "l": "--list-only",
    "q": "--disable",
    "j": "--junk-session-cookies",
    "R": "--remote-time",
    "Z": "--parallel",
    "0": "--http1.0",
    "1": "--tlsv1",
    "2": "--sslv2",
    "3": "--sslv3",
    "4": "--ipv4",
    "6": "--ipv6",
    "a": "--append",
    "B": "--use-ascii",
    "M": "--manual",
    "V": "--version",
    "h": "--help",
    "p": "--proxytunnel",
}
DATA_OPTIONS = frozenset(
    {"--data", "--data-ascii", "--data-raw", "--data-binary", "--data-urlencode", "--json"}
)
HANDLED_WITH_ARG = frozenset(
    {
        "--request",
        "--header",
        "--form",
        "--form-string",
        "--user",
        "--cookie",
        "--user-agent",
        "--referer",
        "--max-time",
        "--proxy",
        "--cert",
        "--key",
        "--cacert",
        "--url",
        "--upload-file",
        "--oauth2-bearer",
        "--retry",
        "--max-redirs",
        *DATA_OPTIONS,
    }
)
# Flags that only change curl's own output or progress display: dropped without a word.
QUIET_FLAGS = frozenset(
    {
        "--silent",
        "--show-error",
        "--verbose",
        "--include",
        "--remote-name",
        "--buffer",  # undoes -N; without -N it changes nothing
        "--progress-bar",
        "--globoff",
        "--fail",
        "--fail-with-body",
        "--compressed",
        "--no-progress-meter",
        "--location-trusted",
        "--http1.1",
        "--http2",
        "--tr-encoding",
        "--raw",
    }
)
QUIET_WITH_ARG = frozenset(
    {"--output", "--write-out", "--dump-header", "--stderr", "--trace", "--trace-ascii"}
)
# Arguments of options we do not know: those listed here take one, so it is skipped with them.
OTHER_WITH_ARG = frozenset(
    {
        "--connect-timeout",
        "--cookie-jar",
        "--range",
        "--continue-at",
        "--config",
        "--proxy-user",
        "--resolve",
        "--connect-to",
        "--interface",
        "--limit-rate",
        "--retry-delay",
        "--retry-max-time",
        "--capath",
        "--cert-type",
        "--key-type",
        "--pass",
        "--ciphers",
        "--request-target",
        "--aws-sigv4",
        "--unix-socket",
        "--abstract-unix-socket",
        "--dns-servers",
        "--expect100-timeout",
        "--keepalive-time",
        "--local-port",
        "--max-filesize",
        "--netrc-file",
        "--noproxy",
        "--parallel-max",
        "--proto",
        "--proto-redir",
        "--proxy-header",
        "--speed-limit",
        "--speed-time",
        "--time-cond",
        "--tls-max",
        "--variable",
        "--url-query",
        "--create-file-mode",
        "--happy-eyeballs-timeout-ms",
        "--output-dir",
        "--telnet-option",
        "--ftp-port",
        "--quote",
    }
)
# Options whose argument is a credential: a warning names the option, never the argument.
SECRET_ARGUMENT = frozenset({"--proxy-user", "--pass"})
UNSUPPORTED_AUTH = frozenset(
    {"--ntlm", "--ntlm-wb", "--negotiate", "--anyauth", "--aws-sigv4", "--proxy-user"}
)
