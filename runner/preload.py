"""Loading collections in a forked child while this process imports what sending needs.

Before its first request, ``postrun run`` imports requests and the engine (about 0.1 s) and loads
its collections (YAML composition and checking, about 0.25 ms a request). Both are Python work
under one GIL, so they add up. With a second core, a forked child loads while the parent
imports, then hands the loaded model back pickled (runner/pickling.py); reading it back costs
about a sixth of loading it. The requests of a file are sent ahead in batches as they are built,
so the parent, once done importing, reads them while the child is still loading.

Only where forking is safe and can pay: an OS whose fork is a plain copy (Linux), more than one
usable core, and no other thread in the process (a thread holding a lock at the fork would leave
the child's copy locked forever). The child writes nothing to the terminal: what ``load``
returns (runner/cli/loading.py returns an input error it meets, and what loading wrote to
stderr) is the parent's to report. Anything unusual in it (another exception, a result that does not
pickle, a signal) sends nothing back, and the caller then loads in-process as it would have
without a child, so errors and their messages are the in-process ones. The child does not
outlive the parent: the kernel kills it if the parent ends first (SIGTERM or SIGKILL sent to
postrun alone).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, NoReturn, TypeVar, cast

from runner.pickling import ModelPickler

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1  # prctl option, from <linux/prctl.h>

# Messages on the pipe: (_AHEAD, [parts]) any number of times, then (_DONE, answer). A child
# sure early of what its answer will hold may send (_EARLY, preview) once, before any part.
_AHEAD = "ahead"
_EARLY = "early"
_DONE = "done"
# Parts per message sent ahead: few enough that little is left to unpickle once the child is
# done, many enough that a message's overhead does not count.
_AHEAD_BATCH = 64

Ahead = Callable[[object], object]


class Channel:
    """What ``load`` is given in the child. Called (or ``ahead``), it sends a part of the answer
    before the answer is complete; ``early`` sends a preview of it, once, before any part, and
    is None unless the parent asked for one (``wants_early``)."""

    def __init__(self, ahead: Ahead, early: Ahead | None) -> None:
        self.ahead = ahead
        self.early = early

    def __call__(self, part: object) -> object:
        return self.ahead(part)


@dataclass(slots=True)
class Early:
    """A child's preview of its answer, sent before it was complete, and the child that goes on
    sending the parts and the answer (``rest``)."""

    preview: object
    rest: ChildStream


class ChildStream:
    """The rest of an early child's messages: parts as they come, then its answer."""

    def __init__(self, child: _Child, unpickler: pickle.Unpickler) -> None:
        self._child = child
        self._unpickler = unpickler
        self.done = False
        self.answer: object = None  # the child's answer, once ``done``; None if it failed

    def next_parts(self) -> list[object]:
        """The next parts sent ahead (waiting for them); [] once the answer has come."""
        while not self.done:
            try:
                kind, payload = self._unpickler.load()
            except Exception:  # cut short: the child failed or was killed
                self._end(None)
                return []
            if kind == _AHEAD:
                return cast("list[object]", payload)
            if kind == _DONE:
                self._end(payload)
        return []

    def stop(self) -> None:
        """End the child if it is still sending (the run stopped early)."""
        if not self.done:
            self.done = True
            _stop(self._child)

    def _end(self, answer: object) -> None:
        self.done = True
        self._child.pipe.close()
        self.answer = answer if _reaped(self._child) else None


def fork_pays(platform: str, cores: int, threads: int) -> bool:
    """Whether loading in a forked child is safe and can save time (see the module docstring)."""
    return platform.startswith("linux") and cores > 1 and threads == 1


def _usable_cores() -> int:
    """The cores this process may run on: its affinity, and its cgroup's CPU quota (a container
    started with ``--cpus=1`` sees every core of the machine but gets the time of one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _cgroup_cpu_quota()
    return min(cores or 1, quota) if quota is not None else cores or 1


def _cgroup_cpu_quota(root: str = "/sys/fs/cgroup") -> int | None:
    """Whole CPUs allowed by the cgroup (v2 ``cpu.max``, or v1 ``cfs_quota``), None if unlimited
    or unreadable (a file that is not ASCII text counts as no limit, not as a crash)."""
    try:
        with open(f"{root}/cpu.max", encoding="ascii") as file:
            quota, _, period = file.read().strip().partition(" ")
    except (OSError, ValueError):
        try:
            with open(f"{root}/cpu/cpu.cfs_quota_us", encoding="ascii") as file:
                quota = file.read().strip()
            with open(f"{root}/cpu/cpu.cfs_period_us", encoding="ascii") as file:
                period = file.read().strip()
        except (OSError, ValueError):
            return None
    return cpus_from_quota(quota, period)


def cpus_from_quota(quota: str, period: str) -> int | None:
    """Whole CPUs a cgroup quota gives (at least 1), None when it sets no limit."""
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:  # "max": no limit
        return None
    if quota_us <= 0 or period_us <= 0:  # v1 writes -1 for no limit
        return None
    return max(1, quota_us // period_us)


@dataclass(frozen=True, slots=True)
class _Child:
    """A forked child that is loading: its pid and the pipe it answers on."""

    pid: int
    pipe: BinaryIO


def load_in_child(
    load: Callable[[Channel], T], meanwhile: Callable[[], object], *, wants_early: bool = False
) -> T | Early | None:
    """``load(channel)`` run in a forked child while ``meanwhile()`` runs here.

    ``load`` may pass ``channel.ahead`` parts of its answer as they are ready (the requests of a
    large file): they are sent and unpickled here while the child goes on, and what ``load``
    returns refers to them without sending them again. With ``wants_early``, ``load`` may also
    send ``channel.early`` a preview first: this returns it at once, as an Early whose ``rest``
    reads the parts and the answer when the caller wants them.

    Returns what ``load`` returned (or an Early), or None when there is no child's answer to
    give: forking does not pay here, or the child failed. The caller then loads by itself.
    """
    if not (hasattr(os, "fork") and fork_pays(sys.platform, _usable_cores(), _threads())):
        return None
    child = _start(load, wants_early)
    if child is None:
        return None
    try:
        meanwhile()
        answer = _receive(child)
    except BaseException:  # Ctrl-C here: the child's work is not wanted any more
        _stop(child)
        raise
    if isinstance(answer, Early):
        return answer
    # Reaped only now, when nothing is left to unpickle: an interrupt above kills a child that
    # is still ours, never a process that has reused its pid.
    return cast("T | None", answer if _reaped(child) else None)


def _threads() -> int:
    return threading.active_count()


def _start(load: Callable[[Channel], object], wants_early: bool) -> _Child | None:
    reader, writer = os.pipe()
    parent = os.getpid()
    # Ctrl-C is held back over the fork: the child must never run the parent's handler (it
    # would unwind the parent's stack and report the interrupt a second time).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except BaseException as exc:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(reader)
        os.close(writer)
        if isinstance(exc, OSError):  # out of processes or memory: load here instead
            return None
        raise
    if pid == 0:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored stays ignored
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C simply ends the child
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(reader)
        _run_child(load, writer, parent, wants_early)
    os.close(writer)
    child = _Child(pid, open(reader, "rb"))  # noqa: SIM115 (closed by _receive or _stop)
    try:
        # A Ctrl-C held back over the fork is raised here, with a child that must not go on.
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    except BaseException:
        _stop(child)
        raise
    return child


def _run_child(
    load: Callable[[Channel], object], writer: int, parent: int, wants_early: bool
) -> NoReturn:
    """The child's whole life: load, pickle, write, and exit without Python's teardown."""
    status = 1
    try:
        _end_with(parent)
        # Started with stdin and stdout closed, the pipe took descriptors 0 and 1: move the
        # writing end out of the way of the redirection below.
        if writer <= 2:
            import fcntl  # POSIX only, as is this child

            writer = fcntl.fcntl(writer, fcntl.F_DUPFD_CLOEXEC, 3)
        # Nothing from the child reaches the terminal: the parent reports, once.
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        sys.stdout = sys.stderr = open(quiet, "w", closefd=False)  # noqa: SIM115
        sender = _Sender(writer)
        sender.finish(load(Channel(sender.ahead, sender.early if wants_early else None)))
        status = 0
    except BaseException:  # any failure means "no answer"; the parent loads by itself
        status = 1
    finally:
        # os._exit: no atexit handlers, no flushing of buffers copied from the parent.
        os._exit(status)


class _Unsent(Exception):
    """A message to the parent could not be pickled; the child gives no answer."""


class _Sender:
    """The child's end of the pipe: parts pickled as they are ready, written when it has room.

    The pipe is not waited on until the answer is complete: the parent may still be importing,
    and a child blocked on a full pipe would not be loading. One pickler writes every message,
    so its memo makes the answer refer to what was sent ahead instead of repeating it, and the
    parent's one unpickler resolves those references to the objects it already has.
    """

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.unsent = bytearray()
        self.offset = 0  # how much of ``unsent`` the pipe has taken
        self.batch: list[object] = []
        self.pickler = ModelPickler(self, pickle.HIGHEST_PROTOCOL)
        self.failed = False  # a message did not pickle: the parent gets no answer

    def write(self, data: bytes) -> None:
        """The pickler's output: kept until the pipe takes it."""
        self.unsent += data

    def ahead(self, part: object) -> None:
        """Send ``part`` of the answer before the answer is complete (in batches)."""
        self.batch.append(part)
        if len(self.batch) >= _AHEAD_BATCH:
            self.send((_AHEAD, self.batch))
            self.batch = []
            self.flush()

    def early(self, preview: object) -> None:
        """Send a preview of the answer now, waiting until the pipe has taken it."""
        self.send((_EARLY, preview))
        os.set_blocking(self.fd, True)
        self.flush()
        os.set_blocking(self.fd, False)

    def finish(self, answer: object) -> None:
        """Send the answer (parts still in the batch go with it) and wait until it is written."""
        self.send((_DONE, answer))
        os.set_blocking(self.fd, True)
        self.flush()
        os.close(self.fd)

    def send(self, message: object) -> None:
        """Pickle ``message`` for the pipe; after one that failed, nothing more is sent.

        A message that failed to pickle has put objects in the pickler's memo that never reach
        the parent, so any later message would be read there against the wrong objects. The
        loader may carry on after the error (a RecursionError makes it read a large file
        again, or report the file as nested too deeply), so this raises an error it does not
        catch, and the answer is refused however the error was handled: no answer, and the
        parent loads by itself.
        """
        if self.failed:
            raise _Unsent("an earlier message could not be sent")
        try:
            self.pickler.dump(message)
        except Exception as exc:
            self.failed = True
            raise _Unsent("a message could not be pickled") from exc

    def flush(self) -> None:
        """Write what the pipe takes now (all of it, once the pipe blocks)."""
        with memoryview(self.unsent) as view:
            try:
                while self.offset < len(view):
                    self.offset += os.write(self.fd, view[self.offset :])
            except BlockingIOError:
                return  # full: the rest goes with a later message
        self.unsent.clear()
        self.offset = 0


def _end_with(parent: int) -> None:
    """Have the kernel kill this child when ``parent`` ends first.

    Killed alone (SIGTERM from a CI job cancelled, SIGKILL), the parent never reads the answer,
    and the child would otherwise go on loading a large file for seconds.
    """
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # a libc without prctl: best effort
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the kernel was asked
        os._exit(1)


def _receive(child: _Child) -> object:
    """The child's answer (or its Early preview): its messages unpickled as they come; None if
    it did not finish."""
    pipe = child.pipe
    unpickler = pickle.Unpickler(pipe)  # noqa: S301 (our own child's, on a private pipe)
    try:
        while True:
            kind, payload = unpickler.load()
            if kind == _EARLY:
                return Early(payload, ChildStream(child, unpickler))  # the pipe stays open
            if kind == _DONE:
                pipe.close()
                return payload
    except Exception:  # cut short (the child failed or was killed): load here instead
        pipe.close()
        return None


def _reaped(child: _Child) -> bool:
    """Reap the child; True when it ended well (or its status is lost: SIGCHLD ignored)."""
    try:
        _, wait_status = os.waitpid(child.pid, 0)
    except ChildProcessError:
        # SIGCHLD ignored (inherited): the kernel reaped it and its status is lost; an answer
        # cut short did not unpickle.
        return True
    return os.waitstatus_to_exitcode(wait_status) == 0


def _stop(child: _Child) -> None:
    """End a child whose answer is no longer wanted, and reap it."""
    child.pipe.close()
    with contextlib.suppress(OSError):  # it may have ended, and been reaped, already
        os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
