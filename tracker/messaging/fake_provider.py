"""A stand-in for the providers on 127.0.0.1, for the demo and the tests.

It answers the way each provider answers, at the path each uses:

    POST /robot/send?access_token=…&timestamp=…&sign=…   钉钉 robot (checks the 加签)
    POST /cgi-bin/webhook/send?key=…                     企业微信 robot (checks 4096 bytes)
    POST /aliyun-sms/                                    阿里云 SendSms (checks the signature)
    POST /sms/…                                          a government SMS platform (JSON)

and keeps every request it received (path, query, headers, body), with what it checked. A
script decides the next answers: "ok", "rate_limit", "server_error", "timeout" (no answer
until the client gave up), "refuse" (a permanent error), "hang" (no answer until released:
the tests kill a worker while it waits).

`manage.py fake_provider` runs it in the foreground and prints each message as it arrives.
"""

import json
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tracker.channels import dingtalk, sms, wecom

DEMO_DINGTALK_SECRET = "SECdemo0000000000000000000000000000000000000000000000000000000000"
DEMO_ALIYUN_SECRET = "demo-access-key-secret"


@dataclass
class Received:
    route: str
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    answer: str
    checks: dict = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> dict:
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return {}

    @property
    def form(self) -> dict:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def text(self) -> str:
        """What a person in the group would read."""
        if self.route == "dingtalk":
            return self.json.get("text", {}).get("content", "")
        if self.route == "wecom":
            return self.json.get("markdown", {}).get("content", "")
        if self.route == "aliyun":
            return f"{self.form.get('PhoneNumbers')}：{self.form.get('TemplateParam')}"
        return self.body.decode("utf-8", errors="replace")


class FakeProvider:
    def __init__(
        self,
        port: int = 0,
        *,
        dingtalk_secret: str = DEMO_DINGTALK_SECRET,
        aliyun_secret: str = DEMO_ALIYUN_SECRET,
        hold: float = 30.0,
        on_request=None,
        check_time: bool = True,
    ):
        self.dingtalk_secret = dingtalk_secret
        self.aliyun_secret = aliyun_secret
        self.hold = hold  # how long "timeout" and "hang" keep the client waiting, at most
        self.on_request = on_request
        # 钉钉 refuses a timestamp more than an hour off; a test on a moved clock may skip that.
        self.check_time = check_time
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self._scripts: dict[str, deque] = defaultdict(deque)
        self._release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                provider._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- control ---------------------------------------------------------------------------

    def start(self) -> "FakeProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def script(self, route: str, *answers: str) -> None:
        """The next answers on a route ("dingtalk", "wecom", "aliyun", "sms"); then "ok"."""
        self._scripts[route].extend(answers)

    def release(self) -> None:
        """Let every held request ("hang") go."""
        self._release.set()

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Block until `count` requests arrived (a safety net for tests, not a measure)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.received) >= count, timeout)

    def of(self, route: str) -> list[Received]:
        return [r for r in self.received if r.route == route]

    # --- answers -----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        route = self._route(parts.path)
        answer = self._scripts[route].popleft() if self._scripts[route] else "ok"
        received = Received(
            route=route,
            method=handler.command,
            path=parts.path,
            query=query,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            answer=answer,
        )
        status, payload = self._answer(received)
        with self.arrived:
            self.received.append(received)
            self.arrived.notify_all()
        if self.on_request:
            self.on_request(received)
        if answer in ("timeout", "hang"):
            self._release.wait(self.hold)
            if answer == "timeout":
                return  # the client gave up long ago; close without a word
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client is gone (killed, or timed out)

    @staticmethod
    def _route(path: str) -> str:
        if path.startswith("/robot/send"):
            return "dingtalk"
        if path.startswith("/cgi-bin/webhook/send"):
            return "wecom"
        if path.startswith("/aliyun-sms"):
            return "aliyun"
        if path.startswith("/sms"):
            return "sms"
        return "unknown"

    def _answer(self, r: Received) -> tuple[int, dict]:
        if r.route == "dingtalk":
            return self._dingtalk(r)
        if r.route == "wecom":
            return self._wecom(r)
        if r.route == "aliyun":
            return self._aliyun(r)
        if r.route == "sms":
            return self._sms(r)
        return 404, {"error": "not found"}

    def _dingtalk(self, r: Received) -> tuple[int, dict]:
        timestamp = r.query.get("timestamp", "")
        expected = (
            dingtalk.sign(int(timestamp), self.dingtalk_secret) if timestamp.isdigit() else ""
        )
        # The query was decoded once; 钉钉 compares the decoded Base64 signature.
        r.checks["sign_ok"] = bool(expected) and urllib.parse.unquote_plus(expected) == r.query.get(
            "sign"
        )
        r.checks["fresh"] = timestamp.isdigit() and (
            not self.check_time or abs(time.time() * 1000 - int(timestamp)) < 3600_000
        )
        if r.answer == "rate_limit":
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        if r.answer == "server_error":
            return 500, {"errcode": -1, "errmsg": "系统繁忙"}
        if r.answer == "refuse" or not r.checks["sign_ok"]:
            return 200, {
                "errcode": 310000,
                "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
            }
        if not r.checks["fresh"]:
            return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _wecom(self, r: Received) -> tuple[int, dict]:
        content = r.json.get("markdown", {}).get("content", "")
        r.checks["bytes"] = len(content.encode("utf-8"))
        if r.answer == "rate_limit":
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        if r.answer == "server_error":
            return 502, {"errcode": -1, "errmsg": "system busy"}
        if r.answer == "refuse" or not r.query.get("key"):
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        if r.checks["bytes"] > wecom.MARKDOWN_MAX_BYTES:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _aliyun(self, r: Received) -> tuple[int, dict]:
        form = r.form
        given = form.pop("Signature", "")
        r.checks["sign_ok"] = given == sms.signature(form, self.aliyun_secret)
        request_id = f"FAKE-{len(self.received) + 1}"
        if r.answer == "rate_limit":
            return 200, {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": "触发号码天级流控Permits:10",
                "RequestId": request_id,
            }
        if r.answer == "server_error":
            return 503, {
                "Code": "ServiceUnavailable",
                "Message": "The request has failed due to a temporary failure of the server.",
                "RequestId": request_id,
            }
        if r.answer == "refuse":
            return 200, {
                "Code": "isv.MOBILE_NUMBER_ILLEGAL",
                "Message": "非法手机号",
                "RequestId": request_id,
            }
        if not r.checks["sign_ok"]:
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "RequestId": request_id,
            }
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": f"9{len(self.received):05d}^0",
            "RequestId": request_id,
        }

    def _sms(self, r: Received) -> tuple[int, dict]:
        if r.answer == "rate_limit":
            return 429, {"code": "429", "msg": "too many requests"}
        if r.answer == "server_error":
            return 500, {"code": "500", "msg": "internal error"}
        if r.answer == "refuse":
            return 200, {"code": "1001", "msg": "号码格式错误"}
        return 200, {"code": "0", "msg": "发送成功"}
