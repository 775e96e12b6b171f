"""Starting and stopping `kb serve` as a subprocess on a free loopback port.

Standard library only, so the HTTP benchmark (benchmarks/bench_http.py) uses the same code
as the tests marked ``serve`` and ``browser``. Settings reach the server as ``KB_*``
variables; any ``KB_*`` of the caller's environment is dropped first.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kbcore.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kb_command() -> list[str]:
    """The `kb` console script of this venv, or the same entry point through Python."""
    script = Path(sys.executable).with_name("kb")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "kennisbank"]


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    threads: int
    workers: int | None = None

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_kb_serve(settings: Settings, log_path: Path, threads: int | None = None,
                   timeout: float = 120.0, extra_env: dict[str, str] | None = None,
                   workers: int | None = None) -> RunningServer:
    """Start `kb serve` with ``settings`` on a free port; return once /healthz answers 200.

    ``extra_env`` adds ``KB_*`` variables of settings not passed on by default.
    ``workers``: worker processes (None: the setting's default, one per core).
    """
    port = free_port()
    threads = threads or settings.threads
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update({"KB_SITE_DIR": str(Path(settings.site_dir).resolve()),
                "KB_INDEX_DIR": str(Path(settings.index_dir).resolve()),
                "KB_CACHE_DIR": str(Path(settings.cache_dir).resolve()),
                "KB_EMBEDDER": settings.embedder,
                "KB_ANSWER_THRESHOLD": str(settings.answer_threshold),
                "KB_LOG_QUERIES": "0",
                "KB_CONFIG": str(log_path.parent / "geen-kb.toml"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))})
    env.update(extra_env or {})
    args = [*kb_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)]
    if workers is not None:
        args += ["--workers", str(workers)]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(args, cwd=log_path.parent, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve stopte meteen:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return RunningServer(url, process, log_path, threads, workers)
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"kb serve antwoordde niet binnen {timeout:.0f} s:\n{log_path.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server we started (SIGTERM, then SIGKILL after 10 s)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
