"""A demo database built once per test session by a real crawl, and a real Datasette."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT / "output" / "metadata.yaml"
_built: dict[str, Path] = {}


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def demo_db() -> Path:
    """output/demo.db as `make demo` writes it: the bundled portal crawled end to end."""
    if "demo" not in _built:
        folder = Path(tempfile.mkdtemp(prefix="analyst-demo-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        db = folder / "demo.db"
        result = subprocess.run(
            [sys.executable, "-m", "demo", "--db", str(db), "--fresh", "--port", "0"],
            cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        _built["demo"] = db
    return _built["demo"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Datasette:
    """`datasette serve DB -m output/metadata.yaml` on a free loopback port."""

    def __init__(self, db: Path):
        from output.serve import datasette_command

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.name = db.stem
        self.process = subprocess.Popen(
            datasette_command(db, self.port), cwd=ROOT, env=env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        for _ in range(300):  # up to ~30 s for a busy machine
            try:
                self.get("/-/versions.json")
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.1)
        self.close()
        raise RuntimeError("datasette did not start")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return response.read()

    def rows(self, path: str, **params) -> list[dict]:
        query = urllib.parse.urlencode({**params, "_shape": "array", "_size": "max"})
        return json.loads(self.get(f"/{self.name}/{path}.json?{query}"))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
