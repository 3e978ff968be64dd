"""The command line: flags -> options -> engine -> reporters -> exit status. Nothing else.

The top layer: nothing in runner/ imports ``runner.cli``. ``cli`` is the click group (what a
program that runs postrun in its own process calls; it never forks), ``main`` the console entry
(``postrun``, ``python -m runner``). Its modules, each importing only those above it here:

============  ==================================================================================
process.py    ConsoleEntry (started as ``postrun``?), SIGTERM as an interrupt, the final status,
              the quick ending (``os._exit``)
app.py        the group ``cli``, the shared options, ``_handle_errors`` (the one place a
              command's PostrunError becomes a message and a status), ``main``
loading.py    loading what a command runs on, in a forked child when postrun owns the process
reports.py    ``--report FORMAT:PATH``: checked before the run, written after it
output.py     a run's listeners: the console, GitHub Actions, a buffer per file under --jobs
run.py        ``run``: flags -> RunOptions -> plan -> listeners -> engine -> reports -> status
static.py     ``validate`` and ``list``: commands that send nothing
interop.py    the ``import`` and ``export`` groups and their commands
============  ==================================================================================

Importing the command modules here registers their commands on ``cli``; ``postrun --help``
lists them in alphabetical order, whatever the order of registration. Start-up is a feature
(``postrun --version`` in about 0.05 s): these modules import only click, runner.errors and
runner.source at the top; everything else is imported in the function that needs it.
"""

from __future__ import annotations

from runner.cli import interop, run, static  # noqa: F401  (they register their commands)
from runner.cli.app import cli, main

__all__ = ["cli", "main"]
