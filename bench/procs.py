"""Processes: start them pinned to CPUs, wait until they answer, observe them, stop them by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_CAN_PIN = hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity")


@dataclass(frozen=True, slots=True)
class CpuLayout:
    """Which CPUs each role runs on; empty tuples mean "not pinned"."""

    server: tuple[int, ...]
    upstreams: tuple[int, ...]
    loadgen: tuple[int, ...]

    def describe(self) -> str:
        if not self.server:
            return "not pinned (one CPU, or pinning unsupported)"
        return (
            f"server on CPU {_cpus(self.server)}; demo upstreams on CPU {_cpus(self.upstreams)}; "
            f"load generator on CPU {_cpus(self.loadgen)}"
        )


def _cpus(cpus: tuple[int, ...]) -> str:
    return ",".join(str(c) for c in cpus)


def available_cpus() -> list[int]:
    if _CAN_PIN:
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def cpu_layout() -> CpuLayout:
    """The server gets a CPU of its own; upstreams and load generator share the rest.

    With three or more CPUs the load generator gets its own CPUs as well.
    """
    cpus = available_cpus()
    if not _CAN_PIN or len(cpus) < 2:
        return CpuLayout((), (), ())
    server, rest = (cpus[0],), tuple(cpus[1:])
    if len(rest) >= 2:
        return CpuLayout(server, rest[:1], rest[1:])
    return CpuLayout(server, rest, rest)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the server binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinner(cpus: tuple[int, ...]) -> Callable[[], None] | None:
    """A `preexec_fn` pinning the child (and every thread it starts) to `cpus`."""
    if not cpus or not _CAN_PIN:
        return None

    def pin() -> None:
        os.sched_setaffinity(0, cpus)

    return pin


class Proc:
    """One child process: its command, log file, CPU pinning; stopped by its PID only."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        cpus: tuple[int, ...],
        log_path: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.cpus = cpus
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.popen = subprocess.Popen(
            self.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            preexec_fn=pinner(cpus),
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process (all its threads) so far."""
        fields = _stat_fields(self.pid)
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def rss_bytes(self) -> int:
        """Resident set size now (VmRSS)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"{self.name}: no VmRSS in /proc/{self.pid}/status")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout_s`; always this PID only."""
        try:
            if self.popen.poll() is None:
                self.popen.send_signal(signal.SIGTERM)
                try:
                    self.popen.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    self.popen.kill()
                    self.popen.wait(timeout_s)
            return self.popen.returncode
        finally:
            self._log.close()


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    return raw[raw.rindex(")") + 2 :].split()


def cpu_busy_seconds(cpus: tuple[int, ...]) -> float | None:
    """CPU time spent busy (any process, kernel included) on `cpus` since boot.

    Compared with the server's own CPU time over a run, it shows how much else ran on
    the server's CPU: the noise of a shared machine.
    """
    if not cpus:
        return None
    wanted = {f"cpu{c}" for c in cpus}
    busy = 0
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            fields = line.split()
            if fields and fields[0] in wanted:
                user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
                busy += user + nice + system + irq + softirq + steal
    except (OSError, ValueError):
        return None
    return busy / _CLOCK_TICKS


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def proc_observable() -> bool:
    return Path(f"/proc/{os.getpid()}/stat").exists()


def wait_ready(proc: Proc, url: str, timeout_s: float = 30.0) -> None:
    """Poll `url` until it answers 200; fail early (with the log) if the process died."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not proc.alive():
                raise RuntimeError(
                    f"{proc.name} exited with {proc.popen.returncode} before it was ready:\n"
                    + proc.log_tail()
                )
            with contextlib.suppress(httpx.HTTPError):
                response = client.get(url)
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}"
            time.sleep(0.05)
    raise RuntimeError(f"{proc.name} not ready within {timeout_s:.0f}s ({last}):\n"
                       + proc.log_tail())


def python_argv(module: str, *args: str) -> list[str]:
    """Run a module with the interpreter running the bench (the project's venv)."""
    return [sys.executable, "-m", module, *args]
