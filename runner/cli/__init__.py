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
running.py    the run: flags -> RunOptions -> plan -> listeners -> engine -> reports -> status
run.py        the ``run`` command's options and help
static.py     ``validate`` and ``list``: commands that send nothing
interop.py    the ``import`` and ``export`` groups and their commands
starter.py    ``init``: a starter project, never overwriting a file
load.py       the ``load`` command's options and help
loadrun.py    the load run: plan -> Locust in a child process (runner/load) -> thresholds -> status
mock.py       the ``mock`` command's options and help
mocking.py    ``mock``: load, print the routes, serve until Ctrl-C (imported when it runs)
============  ==================================================================================

A command module registers its commands on ``cli`` when it is imported, and ``cli`` imports it
when the command is looked up (``app.COMMAND_MODULES``): ``postrun run`` imports run.py and not
the others; ``postrun --help`` imports them all and lists the commands in alphabetical order.
Start-up is a feature (``postrun --version`` in about 0.05 s): at the top, these modules import
only click, runner.errors and runner.source; everything else is imported in the function that
needs it, running.py (with output.py and reports.py) when ``run`` runs.
"""

from __future__ import annotations

from runner.cli.app import cli, main

__all__ = ["cli", "main"]
