"""Workloads for the benchmarks: YAML collections and the plain ``requests`` loop they race.

Every collection request is the same POST a chat client sends: a JSON body, a bearer token from
a declared secret (given through the process environment) and three checks (status,
``$.object``, ``$.choices[0].message.role``). Each request is written out in full, as a
collection exported from Postman would be, so loading cost grows with the request count.
"""

from __future__ import annotations

from pathlib import Path

TOKEN_NAME = "BENCH_TOKEN"
TOKEN_VALUE = "sk-bench-0123456789abcdef"

_HEADER = """\
name: bench {count}
secrets: [{token}]
variables:
  base_url: {base_url}
  model: gpt-3.5-turbo
requests:
"""

_REQUEST = """\
  - name: chat {index}
    method: POST
    url: <<base_url>>{path}
    headers:
      Authorization: Bearer <<{token}>>
    body:
      json:
        model: <<model>>
        messages:
          - role: user
            content: Hello number {index}
        temperature: 0.7
    assert:
      status: 200
      jsonpath:
        $.object: chat.completion
        $.choices[0].message.role: assistant
"""


def collection_text(count: int, base_url: str, path: str = "/v1/chat/completions") -> str:
    """The YAML text of a collection of ``count`` checked POSTs to ``base_url + path``."""
    parts = [_HEADER.format(count=count, token=TOKEN_NAME, base_url=base_url)]
    parts.extend(
        _REQUEST.format(index=index, path=path, token=TOKEN_NAME) for index in range(1, count + 1)
    )
    return "".join(parts)


def write_collection(
    directory: Path, name: str, count: int, base_url: str, path: str = "/v1/chat/completions"
) -> Path:
    """Write a collection file into ``directory`` and return its path."""
    file = directory / f"{name}.yaml"
    file.write_text(collection_text(count, base_url, path), encoding="utf-8")
    return file


# The floor: what a hand-written Python script over one requests.Session does for the same
# requests and checks. Run as ``python FILE COUNT URL [--no-env]`` so its start-up is measured
# like postrun's.
LOOP_SCRIPT = """\
import os
import sys

import requests

count, url = int(sys.argv[1]), sys.argv[2]
token = os.environ["TOKEN_NAME"]
session = requests.Session()
# --no-env: skip the per-request scan of os.environ for proxy settings, as postrun does.
session.trust_env = "--no-env" not in sys.argv
failed = 0
for index in range(1, count + 1):
    response = session.post(
        url,
        json={
            "model": "gpt-3.5-turbo",
            "messages": [{"role": "user", "content": f"Hello number {index}"}],
            "temperature": 0.7,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    data = response.json()
    ok = (
        response.status_code == 200
        and data["object"] == "chat.completion"
        and data["choices"][0]["message"]["role"] == "assistant"
    )
    failed += not ok
print(f"{count - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
""".replace("TOKEN_NAME", TOKEN_NAME)


def write_loop_script(directory: Path) -> Path:
    """Write the plain ``requests.Session`` loop script into ``directory``."""
    file = directory / "requests_loop.py"
    file.write_text(LOOP_SCRIPT, encoding="utf-8")
    return file
