"""The HTTP plumbing both demo sites share (the portal here and the demo CA in tools/demo-ca): a
request handler that answers JSON, serves its static files and reads a JSON body only from its
own origin. Standard library only."""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler


def serve_until_interrupted(server, origin: str) -> None:
    """Announces `LISTENING <origin>` (what tests and the demo wait for) and serves until Ctrl-C."""
    print(f"LISTENING {origin}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    """Subclasses set `config` (with `origin`), `error_type` (an exception taking code and message)
    and `max_body` (the largest JSON body read, in bytes)."""

    error_type: type = ValueError
    max_body: int = 64 * 1024

    def log_message(self, fmt, *args):  # quiet by default; the tests read stdout
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(fmt, *args)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict, headers: dict | None = None):
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8", headers)

    def _static(self, path: str, files: dict) -> bool:
        """Sends files[path] ((file, content type)) if there is one; says whether it did."""
        if path not in files:
            return False
        file, content_type = files[path]
        self._send(200, file.read_bytes(), content_type)
        return True

    def _read_json(self) -> dict:
        fail = self.error_type
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise fail("BAD_REQUEST", "请求格式不正确。")
        # Refuse cross-site posts: a browser always sends Origin on POST.
        if self.headers.get("Origin") not in (None, self.config.origin):  # type: ignore[attr-defined]
            raise fail("BAD_ORIGIN", "请求来源不正确。")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > self.max_body:
            raise fail("BAD_REQUEST", "请求过大或格式不正确。")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise fail("BAD_REQUEST", "请求格式不正确。") from None
        if not isinstance(body, dict):
            raise fail("BAD_REQUEST", "请求格式不正确。")
        return body
