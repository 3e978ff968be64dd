"""``postrun init [DIR]``: a starter project (a collection, an environment, .env.example, the
.env lines of .gitignore, a GitHub workflow) that validates and runs offline as written; it
never overwrites a file."""

from __future__ import annotations

from pathlib import Path

import click

from runner.cli.app import _handle_errors, _traceback_option, cli
from runner.errors import PostrunError

# Where editors fetch the JSON Schemas of the formats (schemas/ in the repository).
SCHEMA_BASE = "https://raw.githubusercontent.com/postrun/postrun/main/schemas/"
COLLECTION_SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_BASE}collection.schema.json"
ENVIRONMENT_SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_BASE}environment.schema.json"
GITIGNORE_LINES = (".env", ".env.*", "!.env.example")

COLLECTION = f"""\
{COLLECTION_SCHEMA_LINE}
# A starter collection. Each request has a saved response, so it runs offline as it is:
#   postrun run collections/ --mock
# Against a server (httpbin.org answers these requests; see environments/dev.yaml):
#   postrun run collections/ --env dev
name: Example API
description: Two requests against httpbin's /anything, the second using a capture.

variables:
  base_url: https://httpbin.org

# Values from --var, the environment, .env.<env> or .env; shown as **** in every output.
secrets: [API_KEY]

defaults:                   # for every request below
  headers:
    Accept: application/json
    Authorization: Bearer <<API_KEY>>
  options:
    timeout: 10
  assert:
    time_ms: {{lt: 5000}}

requests:
  - name: Create an item
    method: POST
    url: <<base_url>>/anything/items
    body:
      json:
        name: first item
        quantity: 3
    assert:
      status: 200
      headers:
        Content-Type: {{contains: application/json}}
      jsonpath:
        $.method: POST
        $.json.name: first item
        $.json.quantity: {{type: integer, gt: 0}}
    capture:
      item_name: $.json.name
    examples:
      - name: ok
        body:
          method: POST
          json: {{name: first item, quantity: 3}}

  - name: Find the item
    url: <<base_url>>/anything/items
    params:
      name: <<item_name>>
    assert:
      status: 2xx
      jsonpath:
        $.args.name: <<item_name>>
    examples:
      - name: ok
        body:
          method: GET
          args: {{name: first item}}
"""

ENVIRONMENT = f"""\
{ENVIRONMENT_SCHEMA_LINE}
# postrun run collections/ --env dev
# Secrets come from --var, the process environment, .env.dev, then .env (see .env.example).
name: dev
description: httpbin.org, or your own server on this machine (base_url below).
variables:
  base_url: https://httpbin.org
  # base_url: http://127.0.0.1:8000
"""

DOTENV_EXAMPLE = """\
# Copy to .env (or .env.dev, .env.staging: read with --env dev, --env staging) and fill in.
# .env files are in .gitignore: never commit them.
API_KEY=replace-me
"""

WORKFLOW = """\
# Runs the collections on every push and pull request; the reports are uploaded as artifacts.
name: API tests
on:
  push:
  pull_request:
  workflow_dispatch:

jobs:
  postrun:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install postrun
      - run: postrun validate collections/
      - name: Run the collections
        # Offline, from the saved examples. Against a server: --env staging (an
        # environments/staging.yaml), with API_KEY set under Settings > Secrets.
        run: postrun run collections/ --mock --report junit:results.xml --report html:report.html
        env:
          API_KEY: ${{ secrets.API_KEY }}
      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: postrun-reports
          path: |
            results.xml
            report.html
"""

FILES = (
    ("collections/example.yaml", COLLECTION),
    ("environments/dev.yaml", ENVIRONMENT),
    (".env.example", DOTENV_EXAMPLE),
    (".github/workflows/api-tests.yml", WORKFLOW),
)


def write_starter(folder: Path) -> list[str]:
    """Write the starter files missing from ``folder``; one line per file, what was done."""
    if folder.exists() and not folder.is_dir():
        raise PostrunError(f"{folder} is not a directory", hint="give a directory to init")
    said = []
    for name, text in FILES:
        path = folder / name
        if path.exists():
            said.append(f"kept     {name} (it exists)")
            continue
        _write(path, text)
        said.append(f"created  {name}")
    said.append(_ignore_dotenv(folder / ".gitignore"))
    return said


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as file:  # "x": never overwrite
            file.write(text)
    except OSError as exc:
        raise PostrunError(f"cannot write {path}: {exc.strerror or exc}") from None


def _ignore_dotenv(path: Path) -> str:
    """Add the lines that keep .env files out of git to .gitignore, keeping what it has."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise PostrunError(f"cannot read {path}: {exc}") from None
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in GITIGNORE_LINES if line not in present]
    if not missing:
        return "kept     .gitignore (it ignores .env already)"
    separator = "\n" if text and not text.endswith("\n") else ""
    addition = separator + "# postrun: secrets stay out of git\n" + "\n".join(missing) + "\n"
    try:
        with path.open("a", encoding="utf-8", newline="\n") as file:
            file.write(addition)
    except OSError as exc:
        raise PostrunError(f"cannot write {path}: {exc.strerror or exc}") from None
    return f"{'updated ' if text else 'created '} .gitignore ({', '.join(missing)})"


@cli.command(
    "init",
    epilog="""\b
Examples:
  postrun init
  postrun init api-tests && cd api-tests && postrun run collections/ --mock""",
)
@click.argument(
    "folder", metavar="[DIR]", required=False, default=".", type=click.Path(path_type=Path)
)
@_traceback_option
@_handle_errors
def init_command(folder: Path) -> None:
    """Start a project in DIR (default .): a collection, an environment, .env.example,
    .gitignore lines and a GitHub workflow. Never overwrites a file."""
    for line in write_starter(folder):
        click.echo(line)
    where = "" if folder == Path(".") else f"cd {folder} && "
    click.echo(f"next: {where}postrun run collections/ --mock")
