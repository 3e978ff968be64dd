"""``postrun load``: the selected requests of collections as a Locust load test.

The CLI (runner/cli/loadrun.py) loads and plans as ``run`` does, then hands the plan to Locust
in a child process (``child``), whose users send and check through the engine
(``locust_user``, the only module that imports locust or gevent, and only in that process).
The statistics come back as plain data (``summary``), held to the thresholds (``thresholds``).

| module | what it holds |
|---|---|
| ``summary`` | ``LoadSummary``: per request name and overall; percentiles as Locust computes them |
| ``thresholds`` | ``p95<500ms``, ``errors<1%``: parsed with errors at their source, evaluated |
| ``setup`` | ``LoadSetup`` for the Locust process; stats names; ``LocustRecorder`` tells Locust |
| ``child`` | the ``python -m locust`` child, its generated locustfile, what it leaves behind |
| ``locust_user`` | ``PostrunUser`` and the hooks (imported in the Locust process only) |
| ``report`` | the JSON report and the summary's text |

Who may import it: the CLI. It imports the engine, runner.transport (the loopback guard) and
runner.report (files written whole); locust only in ``locust_user``.
"""
