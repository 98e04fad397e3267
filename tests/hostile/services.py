"""Loopback services for the SSRF cases: an internal service that counts what reaches it, and a
small web server that can speak HTTP/1.1 keep-alive, HTTP/1.0 or `Connection: close`."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable


class CountingService:
    """Stands for an internal service (admin page, metadata endpoint): counts connections and requests.

    Every case in tests/hostile must leave both counts at 0.
    """

    def __init__(self, host: str = "127.0.0.2", port: int = 0):
        self.connections = 0
        self.requests: list[bytes] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.host, self.port = self._listener.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.5)
            try:
                data = conn.recv(65536)
                if data:
                    self.requests.append(data)
                body = b"<html><body><p>internal secret</p></body></html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            finally:
                conn.close()

    def __enter__(self) -> CountingService:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()


Route = Callable[[http.server.BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class ModeServer:
    """A web server on `host:port` whose connection handling is `mode`: 'keep-alive', 'http/1.0' or 'close'.

    `seen` records (path, Host header) of every request, to show which name the client sent.
    """

    def __init__(self, routes: dict[str, Route | tuple[int, dict[str, str], bytes]], mode: str = "keep-alive", host: str = "127.0.0.1", port: int = 0):
        self.seen: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0" if mode == "http/1.0" else "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.seen.append((self.path, self.headers.get("Host")))
                route = routes.get(self.path.split("?")[0])
                status, headers, body = (route(self) if callable(route) else route) if route else (404, {}, b"not found")
                self.send_response(status)
                for key, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                if mode == "close":
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ModeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


__all__ = ["CountingService", "ModeServer"]
