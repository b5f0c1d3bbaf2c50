"""The kill switch over HTTP: a small server (loopback by default, bearer token required) whose
`POST /kill` and `POST /resume` write the same control file as `orderloom kill`/`resume`, so
a running deployment acts on them the same way.

    curl -X POST -H "Authorization: Bearer $ORDERLOOM_CONTROL_TOKEN" \\
         "http://127.0.0.1:8787/kill?strategy=mm&flatten=1"

`?account=NAME` (the pipeline's own account) writes the account's shared file instead, like
`orderloom kill --account NAME`.
"""

from __future__ import annotations

import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from orderloom.runtime.control_state import account_control_path, write_command

TOKEN_ENV = "ORDERLOOM_CONTROL_TOKEN"


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        path: Path,
        token: str,
        strategies: frozenset[str],
        host: str,
        port: int,
        account: str = "default",
    ) -> None:
        if not token:
            raise ValueError(f"the control endpoint needs a token (set {TOKEN_ENV})")
        self.control_file = path
        self.account = account  # the only account a command may name
        self.token = token.encode()
        self.strategies = strategies  # instance names and templates a command may name
        super().__init__((host, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: ControlServer

    def do_POST(self) -> None:
        server = self.server
        given = self.headers.get("Authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, server.token):
            self._reply(401, {"error": "missing or wrong bearer token"})
            return
        url = urlsplit(self.path)
        if url.path not in ("/kill", "/resume"):
            self._reply(404, {"error": "POST /kill or /resume"})
            return
        query = parse_qs(url.query)
        strategy = query.get("strategy", [None])[0]
        if strategy is not None and strategy not in server.strategies:
            self._reply(400, {"error": f"no strategy '{strategy}'"})
            return
        account = query.get("account", [None])[0]
        if account is not None and (strategy is not None or account != server.account):
            self._reply(400, {"error": f"account must be '{server.account}', without strategy"})
            return
        flatten = query.get("flatten", ["0"])[0] in ("1", "true", "yes")
        kill = url.path == "/kill"
        if account is not None:
            path = account_control_path(account, server.control_file.parent)
            state = write_command(path, kill=kill, flatten=flatten)
            self._reply(200, {"command": state.seq, "killed": kill, "account": account})
            return
        state = write_command(server.control_file, kill=kill, strategy=strategy, flatten=flatten)
        self._reply(200, {"command": state.seq, "killed": kill, "strategy": strategy})

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the console for the deployment; commands leave risk_events rows
