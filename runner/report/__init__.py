"""Reporters: listeners that turn run events into output. They never re-run logic.

=================  ========================================================================
``console``        the terminal output while a run goes (the only reporter importing click)
``progress``       the one-line progress display of a long run on a terminal
``junit``          JUnit XML for CI
``json_report``    the JSON report (its schema is ``report-schema.json``, shipped with it)
``github``         GitHub Actions annotations and the job summary
``html``           the HTML reporter: collects results, assembles the page
``html_sections``  the HTML page's results: failure index, a section per collection
``html_body``      bodies on the HTML page: the bounded excerpt kept, shown as text
``html_page``      the HTML page's fixed text: ``<head>``, policy, stylesheet, footer
``html_text``      the HTML page's marks, escaping, and value, place and time text
``text``           text helpers shared by the console, JUnit and GitHub reporters
``streams``        a stream's event count and time to first event, the run's figures
``files``          writing a report file: atomically, or through to a device or FIFO
=================  ========================================================================

Who may import what: the CLI imports the reporters (lazily, when a report is asked for); the
import commands use ``files``. Reporters read results and events only (``runner.results``,
``runner.events``, ``runner.source``; ``text`` shows values the way ``runner.matchers`` does):
they never import the engine.
"""
