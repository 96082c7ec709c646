"""Running the app for a real browser: ``streamlit run`` in a subprocess, and Debian's Chromium.

Shared by the browser tests (``tests/test_browser_e2e.py``) and the screenshot script
(``bench/screens.py``). Never downloads a browser: Playwright launches the system ``chromium``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT_S = 90


def chromium_path() -> str | None:
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerFailed(RuntimeError):
    """The app did not start; the message holds the end of its log."""


@contextlib.contextmanager
def serve(log_dir: Path, **settings_env: str) -> Iterator[str]:
    """Run ``streamlit run streamlit_app.py`` with ``ICGG_*`` overrides; yield its URL; always stop it."""
    port = free_port()
    log_path = Path(log_dir) / "server.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **settings_env}
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise ServerFailed(f"streamlit did not start:\n{tail}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def is_local_request(url: str) -> bool:
    """True for requests that stay on this machine: loopback hosts, and data:/blob:/about: URLs."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    host = parsed.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- driving the app -------------------------------------------------------------------------------------
ANSWER_TIMEOUT_MS = 180_000


def ask(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=ANSWER_TIMEOUT_MS)
    box.fill(question)
    box.press("Enter")


def wait_until_idle(page) -> None:
    """Wait for the script run to end (Streamlit's running indicator disappears)."""
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)


def sign_in(page, url: str, password: str) -> None:
    page.goto(f"{url}/library")
    page.get_by_label("Staff password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Add documents").wait_for(timeout=ANSWER_TIMEOUT_MS)
    wait_until_idle(page)
