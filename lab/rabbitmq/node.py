"""One RabbitMQ node of the lab: its files, its environment, starting it, talking to it.

Each node lives under ``<base>/node<i>/`` with its own config, mnesia, logs and pid file;
all nodes share ``<base>/home/.erlang.cookie``.  The Debian tools in
``/usr/lib/rabbitmq/bin`` are used directly (the ``/usr/sbin`` wrappers switch to the
``rabbitmq`` user and its cookie).  ``RUNNING_UNDER_SYSTEMD`` makes ``rabbitmq-server``
``exec`` the VM instead of keeping a shell in front of it, so the pid we spawn through
``ip netns exec`` *is* the beam.smp pid.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from msgops.lab._util import LabError, PidRef, run

RABBIT_BIN = Path(os.environ.get("MSGOPS_RABBIT_BIN", "/usr/lib/rabbitmq/bin"))

# Inside its namespace every node uses the standard ports; the root side maps them.
AMQP_PORT = 5672
MGMT_PORT = 15672


def ensure_cookie(home: Path) -> None:
    """Create the shared Erlang cookie (mode 400) once."""
    home.mkdir(parents=True, exist_ok=True)
    cookie = home / ".erlang.cookie"
    if not cookie.exists():
        cookie.write_text(secrets.token_hex(20).upper())
        cookie.chmod(0o400)


@dataclass(frozen=True)
class Node:
    """Static description of node `index` (1-based) of a lab rooted at `base`."""

    index: int
    base: Path
    ns: str
    host: str

    @property
    def name(self) -> str:
        return f"rabbit{self.index}@{self.host}"

    @property
    def dir(self) -> Path:
        return self.base / f"node{self.index}"

    @property
    def home(self) -> Path:
        return self.base / "home"

    @property
    def pid_file(self) -> Path:
        return self.dir / "rabbit.pid"

    @property
    def console_log(self) -> Path:
        return self.dir / "console.log"

    @property
    def log_file(self) -> Path:
        return self.dir / "log" / f"{self.name}.log"

    # -- files ---------------------------------------------------------------------
    def write_config(self, *, net_ticktime: int = 10, stats_interval_ms: int = 1000) -> None:
        """(Re)write this node's config files; mnesia/log dirs are created empty."""
        d = self.dir
        (d / "mnesia").mkdir(parents=True, exist_ok=True)
        (d / "log").mkdir(parents=True, exist_ok=True)
        (d / "rabbitmq.conf").write_text(
            "\n".join([
                f"listeners.tcp.default = {AMQP_PORT}",
                f"management.tcp.port = {MGMT_PORT}",
                "loopback_users.guest = false",
                "cluster_partition_handling = ignore",
                f"collect_statistics_interval = {stats_interval_ms}",
                "log.file.level = info",
                "log.console = false",
                "",
            ])
        )
        (d / "advanced.config").write_text(f"[{{kernel, [{{net_ticktime, {net_ticktime}}}]}}].\n")
        (d / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (d / "rabbitmq-env.conf").write_text("")

    def env(self) -> dict[str, str]:
        """A clean environment for this node's server and CLI tools."""
        d = self.dir
        return {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_USE_LONGNAME": "false",
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(d / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(d / "rabbitmq-env.conf"),
            "RUNNING_UNDER_SYSTEMD": "true",
        }

    # -- processes -----------------------------------------------------------------
    def spawn(self) -> PidRef:
        """Start the server in its namespace, detached; returns the beam.smp pid."""
        self.pid_file.unlink(missing_ok=True)
        with open(self.console_log, "ab") as out:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, str(RABBIT_BIN / "rabbitmq-server")],
                env=self.env(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, cwd=self.dir,  # never the caller's cwd (Mnesia.*)
            )
        # The Popen object is dropped on purpose: the node outlives this Python process.
        # Mark it as waited-for so Python never warns; zombies are reaped in stop paths.
        proc.returncode = 0
        return PidRef.of(proc.pid, f"beam {self.name}")

    def ctl(self, *args: str, timeout: float = 60.0, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``rabbitmqctl -n <node> ARGS`` run inside the node's namespace."""
        return run(
            ["ip", "netns", "exec", self.ns, str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name, *args],
            env=self.env(), timeout=timeout, check=check, what=f"rabbitmqctl {' '.join(args)} on {self.name}",
            cwd=self.dir,
        )

    def wait_booted(self, beam: PidRef, timeout: float = 120.0) -> None:
        """Block until the node has fully booted (``rabbitmqctl wait <pidfile>``).

        Fails at once (instead of at the timeout) if the VM dies while booting. ``rabbitmqctl wait``
        gives up with ``garbage_in_pid_file`` when it reads the pid file while the server is still
        writing it (seen under load in CI): the pid file is awaited first, and such a read retried.
        """
        deadline = time.monotonic() + timeout + 15
        while True:
            self._await_pid_file(beam, deadline)
            out, code = self._ctl_wait(beam, timeout, deadline)
            if code == 0:
                return
            if "garbage_in_pid_file" in out and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            last = (out.strip().splitlines() or ["?"])[-1]
            raise LabError(f"{self.name} did not boot: {last}; see {self.log_file}")

    def _await_pid_file(self, beam: PidRef, deadline: float) -> None:
        while True:
            try:
                if self.pid_file.read_text().strip().isdigit():
                    return
            except OSError:
                pass
            if not beam.alive():
                raise LabError(f"{self.name} died while booting; see {self.console_log} and {self.log_file}")
            if time.monotonic() > deadline:
                raise LabError(f"{self.name} wrote no pid file in time; see {self.console_log}")
            time.sleep(0.05)

    def _ctl_wait(self, beam: PidRef, timeout: float, deadline: float) -> tuple[str, int]:
        args = ["ip", "netns", "exec", self.ns, str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name,
                "wait", "--timeout", str(int(timeout)), str(self.pid_file)]
        ctl = subprocess.Popen(args, env=self.env(), stdin=subprocess.DEVNULL, cwd=self.dir,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            while ctl.poll() is None:
                if not beam.alive():
                    raise LabError(f"{self.name} died while booting; see {self.console_log} and {self.log_file}")
                if time.monotonic() > deadline:
                    raise LabError(f"{self.name} did not boot within {timeout:.0f} s; see {self.log_file}")
                time.sleep(0.1)
        finally:
            if ctl.poll() is None:
                ctl.kill()
            out = ctl.communicate()[0] or ""
        return out, ctl.returncode
