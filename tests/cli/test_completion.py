"""Shell completion through the installed ``postrun`` script, as bash, zsh and fish call it.

Each shell sources a script that postrun prints (``_POSTRUN_COMPLETE=<shell>_source``) and, on
every Tab, runs postrun again with the words typed so far (``<shell>_complete``, COMP_WORDS and
COMP_CWORD). Both go through the guarded standard output of runner/stdio.py, which once had no
binary side and ended in a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The console script pip installed next to this interpreter: what a shell runs.
POSTRUN = Path(sys.executable).with_name("postrun")

SCRIPT_MARKS = {
    "bash": "complete -o nosort -F _postrun_completion postrun",
    "zsh": "#compdef postrun",
    "fish": "complete --no-files --command postrun",
}


def _postrun(instruction: str, cwd: Path, **words: str) -> subprocess.CompletedProcess[str]:
    """Run the installed postrun with ``_POSTRUN_COMPLETE=instruction`` and the given words."""
    assert POSTRUN.is_file(), f"the postrun script is not installed at {POSTRUN}"
    env = {**os.environ, "_POSTRUN_COMPLETE": instruction, **words}
    return subprocess.run(
        [str(POSTRUN)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _complete(shell: str, typed: str, cwd: Path) -> list[str]:
    """The values postrun offers for ``typed`` (the word under the cursor is the last one)."""
    words = typed.split(" ")
    # bash and zsh give the index of the word under the cursor, fish the word itself.
    cword = words[-1] if shell == "fish" else str(len(words) - 1)
    ended = _postrun(f"{shell}_complete", cwd, COMP_WORDS=typed, COMP_CWORD=cword)
    assert ended.returncode == 0 and ended.stderr == "", ended.stderr
    if shell == "zsh":  # lines of three: type, value, help ("_" for none)
        lines = ended.stdout.splitlines()
        assert len(lines) % 3 == 0, lines
        return [f"{kind},{value}" for kind, value in zip(lines[::3], lines[1::3], strict=True)]
    return [line.split("\t")[0] for line in ended.stdout.splitlines()]  # type,value[\thelp]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_its_completion_script(shell: str, tmp_path: Path) -> None:
    ended = _postrun(f"{shell}_source", tmp_path)
    assert ended.returncode == 0, ended.stderr
    assert "Traceback" not in ended.stderr and ended.stderr == ""
    assert SCRIPT_MARKS[shell] in ended.stdout
    assert "_POSTRUN_COMPLETE=" + shell + "_complete" in ended.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_completion_request_gets_commands_and_options(shell: str, tmp_path: Path) -> None:
    assert _complete(shell, "postrun r", tmp_path) == ["plain,run"]
    assert _complete(shell, "postrun v", tmp_path) == ["plain,validate"]
    options = _complete(shell, "postrun run --", tmp_path)
    for option in ("--report", "--env", "--mock", "--jobs", "--help"):
        assert f"plain,{option}" in options
    assert "plain,--traceback" in options  # shown in --help since issue 20, so completed too


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_path_completes_as_a_file_name(shell: str, tmp_path: Path) -> None:
    """A PATH argument or option asks the shell for its own file name completion."""
    assert _complete(shell, "postrun run col", tmp_path) == ["file,col"]
    assert _complete(shell, "postrun run c.yaml --data ro", tmp_path) == ["file,ro"]


def test_bash_sources_the_script_and_completes_with_it(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None, "bash is needed to test bash completion"
    script = """
source <(_POSTRUN_COMPLETE=bash_source postrun)
complete -p postrun
COMP_WORDS=(postrun r); COMP_CWORD=1; COMPREPLY=(); _postrun_completion postrun
echo "r: ${COMPREPLY[*]}"
COMP_WORDS=(postrun list --); COMP_CWORD=2; COMPREPLY=(); _postrun_completion postrun
echo "list --: ${COMPREPLY[*]}"
"""
    env = {**os.environ, "PATH": f"{POSTRUN.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    ended = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ended.returncode == 0 and ended.stderr == "", ended.stderr
    lines = ended.stdout.splitlines()
    assert lines[0] == "complete -o nosort -F _postrun_completion postrun"
    assert lines[1] == "r: run"
    assert lines[2].startswith("list --: ") and "--tag" in lines[2].split()
