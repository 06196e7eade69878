"""Screenshots of the Datasette app for docs/ (headless Chromium, Debian's `chromium`).

    python -m output.screenshot --db output/demo.db --out docs/datasette.png [--path /...]

Starts the app on a free loopback port (output.serve's command), points a fresh
headless Chromium profile at one page and saves a PNG. Nothing is fetched from
outside: the browser runs with background networking, updates and sync off.
Exit status: 0 saved, 1 the browser failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from output.serve import datasette_command
from output.upgrade import NotAReportsDatabase, upgrade

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m output.screenshot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default="output/demo.db")
    parser.add_argument("--out", default="docs/datasette.png")
    parser.add_argument("--path", default=None, help="page to shoot (default: t3_rows of a report)")
    parser.add_argument("--size", default="1280,900")
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("error: chromium is not installed (make screenshot installs it as root)",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        upgrade(args.db)
    except NotAReportsDatabase as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    port = _free_port()
    name = Path(args.db).stem
    path = args.path or f"/{name}/t3_rows?organ__exact=淮安市人民政府"
    server = subprocess.Popen(datasette_command(args.db, port), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            url = f"http://127.0.0.1:{port}{path}"
            result = subprocess.run(
                [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 f"--window-size={args.size}", f"--screenshot={Path(args.out).resolve()}", url],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    if result.returncode != 0 or not Path(args.out).is_file():
        print(f"error: chromium failed: {result.stderr.strip()[-300:]}", file=sys.stderr)
        return 1
    print(f"saved {args.out} ({url})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
