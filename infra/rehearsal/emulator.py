"""A fresh local AWS for one rehearsal: moto's server on a free 127.0.0.1 port, in the stage's account, stopped by PID.

A create that fails half-way leaves moto's state poisoned, so every rehearsal starts its own server.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

# moto accepts any credentials; these only satisfy the signer.
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


class EmulatorError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Emulator:
    port: int
    region: str
    account: str
    pid: int
    log: Path
    clients: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def template_host(self) -> str:
        # moto's CloudFormation resolves S3 template URLs only by this host name.
        return f"http://localhost:{self.port}"

    def client(self, service: str):
        if service not in self.clients:
            self.clients[service] = boto3.client(service, endpoint_url=self.url, region_name=self.region,
                                                 config=Config(retries={"max_attempts": 2}), **CREDENTIALS)
        return self.clients[service]

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def environment(self) -> dict[str, str]:
        """What a process needs to reach this emulator with the AWS CLI or an SDK."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
                "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"]}


def start(account: str, region: str, log: Path, attempts: int = 3) -> Emulator:
    """A new moto_server; a port taken between choosing it and binding it (tests run side by side) means another try."""
    log.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(attempts):
        port = free_port()
        with open(log, "ab") as out:
            process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                       env={**os.environ, "MOTO_ACCOUNT_ID": account,
                                            # The AWS managed policies the roles attach (AmazonSSMManagedInstanceCore, ...).
                                            "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).close()
            except OSError:
                time.sleep(0.1)
                continue
            # Whoever answered, it is ours only if our process still runs (it exits when the port is taken).
            time.sleep(0.2)
            if process.poll() is None:
                return Emulator(port, region, account, process.pid, log)
        if process.poll() is None:
            stop(process.pid)
            raise EmulatorError(f"moto_server did not answer on port {port} within 30 s; see {log}")
    raise EmulatorError(f"moto_server exited {attempts} times ({process.returncode}); see {log}")


def stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
