"""``python -m benchmarks.postman_corpus``: the figures of the Postman migration (issue 16).

Over the exports of tests/data/postman/corpus: how many import, validate, run offline under
``--mock --mock-missing skip``, give the verdicts a Postman run gives against a loopback API,
and round-trip unchanged (``import(export(import(x))) == import(x)``); and what share of the
``pm.test`` blocks and ``tests[...]`` lines become checks. Not a timing: a count.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from postman_corpus import exports, outcome, serve


def main() -> int:
    rows = []
    start = Path.cwd()
    with serve() as base:
        for export in exports():
            with tempfile.TemporaryDirectory() as folder:
                os.chdir(folder)  # uploads resolve inside the working directory
                try:
                    rows.append(outcome(export, Path(folder), base))
                finally:
                    os.chdir(start)
    width = max(len(row.name) for row in rows)
    print(f"{'export':<{width}}  import  validate  mock  verdicts  round-trip  pm.test  tests[]")
    for row in rows:
        marks = [row.imported, row.validated, row.mock_ok, row.verdicts_match, row.round_trip]
        cells = ["yes" if mark else "NO" for mark in marks]
        blocks = f"{row.tests_blocks[1]}/{row.tests_blocks[0]}"
        legacy = f"{row.legacy_lines[1]}/{row.legacy_lines[0]}"
        print(
            f"{row.name:<{width}}  {cells[0]:>6}  {cells[1]:>8}  {cells[2]:>4}  {cells[3]:>8}"
            f"  {cells[4]:>10}  {blocks:>7}  {legacy:>7}  {row.problem}"
        )
    total = len(rows)
    blocks = (sum(row.tests_blocks[0] for row in rows), sum(row.tests_blocks[1] for row in rows))
    legacy = (sum(row.legacy_lines[0] for row in rows), sum(row.legacy_lines[1] for row in rows))
    print()
    count = {
        key: sum(getattr(row, key) for row in rows)
        for key in ("imported", "validated", "mock_ok", "same_as_postman", "verdicts_match")
    }
    print(
        f"{total} exports: {count['imported']} import, {count['validated']} validate, "
        f"{count['mock_ok']} run green under --mock --mock-missing skip, "
        f"{count['same_as_postman']} give Postman's verdicts on every request "
        f"({count['verdicts_match']} with the documented differences), "
        f"{sum(row.round_trip for row in rows)} round-trip unchanged"
    )
    print(
        f"pm.test blocks translated: {blocks[1]}/{blocks[0]} "
        f"({100 * blocks[1] / blocks[0]:.0f} %); tests[...] lines: {legacy[1]}/{legacy[0]} "
        f"({100 * legacy[1] / legacy[0]:.0f} %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
