"""UI screenshots: an Airflow page of the local stack -> PNG, through headless Chromium.

Airflow 3's UI keeps its login in the `_token` cookie. Plain `chromium --screenshot` cannot set a
cookie, so this drives Chromium over the DevTools protocol (websockets, which Airflow already
installs): set the cookie, open the page, let the single-page app render, capture. Used for the
screenshots in docs/ and by the local stack's integration test.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from newslake.devcluster import free_port
from newslake.errors import NewslakeError


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def api_token(base_url: str, user: str, password: str) -> str:
    """A JWT for the UI from the simple auth manager (`POST /auth/token`)."""
    request = urllib.request.Request(
        f"{base_url}/auth/token", data=json.dumps({"username": user, "password": password}).encode(), headers={"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


def capture(base_url: str, token: str, pages: dict[str, str], width: int = 1400, height: int = 900, settle_seconds: float = 6.0) -> dict[str, bytes]:
    """{name: PNG bytes} of each UI path in `pages` ({name: "/dags/..."}), logged in with `token`."""
    from websockets.sync.client import connect

    binary = chromium_binary()
    if not binary:
        raise NewslakeError("chromium is not installed (apt-get install -y chromium)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="newslake-chromium-") as profile:
        proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-proxy-server", f"--user-data-dir={profile}",
             f"--remote-debugging-port={port}", "--remote-allow-origins=*", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            ws_url = _page_target(port, proc)
            ids = itertools.count(1)
            with connect(ws_url, max_size=64 * 1024 * 1024, proxy=None) as ws:
                def call(method: str, **params) -> dict:
                    msg_id = next(ids)
                    ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
                    while True:
                        reply = json.loads(ws.recv(timeout=60))
                        if reply.get("id") == msg_id:
                            if "error" in reply:
                                raise NewslakeError(f"chromium {method}: {reply['error']}")
                            return reply.get("result", {})

                call("Network.enable")
                call("Network.setCookie", name="_token", value=token, url=base_url, path="/")
                call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
                shots = {}
                for name, path in pages.items():
                    call("Page.navigate", url=base_url + path)
                    time.sleep(settle_seconds)  # the app fetches its data after load; no single event marks "rendered"
                    shots[name] = base64.b64decode(call("Page.captureScreenshot", format="png")["data"])
                return shots
        finally:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)


def _page_target(port: int, proc: subprocess.Popen, timeout: float = 30) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise NewslakeError(f"chromium exited with code {proc.returncode} at start")
        with contextlib.suppress(OSError, ValueError):
            with opener.open(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                for target in json.loads(response.read()):
                    if target.get("type") == "page":
                        return target["webSocketDebuggerUrl"]
        if time.monotonic() > deadline:
            raise NewslakeError("chromium's DevTools endpoint did not come up")
        time.sleep(0.3)


def save(shots: dict[str, bytes], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, png in shots.items():
        path = folder / f"{name}.png"
        path.write_bytes(png)
        out.append(path)
    return out
