"""Helpers for the gitward end-to-end suite: run the binary, make clients, send raw requests.

Nothing here talks to anything but the server it started on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import boto3
import botocore.config
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
ACCESS_KEY_RE = re.compile(r"^AKIA[A-Z0-9]{16}$")
USER_ID_RE = re.compile(r"^AIDA[A-Z0-9]{17}$")
GROUP_ID_RE = re.compile(r"^AGPA[A-Z0-9]{17}$")
POLICY_ID_RE = re.compile(r"^ANPA[A-Z0-9]{17}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

POWER_USER = "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"
READ_ONLY = "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly"
FULL_ACCESS = "arn:aws:iam::aws:policy/AWSCodeCommitFullAccess"


def uniq(prefix: str) -> str:
    """A name unique to this run, valid for IAM users/groups/policies and repositories."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def find_binary() -> Path:
    env = os.environ.get("GITWARD_BIN")
    if env:
        return Path(env).resolve()
    return REPO_ROOT / "target" / "debug" / "gitward"


@dataclasses.dataclass(frozen=True)
class Creds:
    account_id: str
    access_key_id: str
    secret_access_key: str

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "Creds":
        return cls(doc["AccountId"], doc["AccessKeyId"], doc["SecretAccessKey"])

    def with_secret(self, secret: str) -> "Creds":
        return dataclasses.replace(self, secret_access_key=secret)

    def with_key(self, key: str) -> "Creds":
        return dataclasses.replace(self, access_key_id=key)


def check_creds_json(doc: dict[str, Any]) -> Creds:
    assert set(doc) >= {"AccountId", "AccessKeyId", "SecretAccessKey"}, doc
    assert ACCOUNT_RE.match(doc["AccountId"]), doc
    assert ACCESS_KEY_RE.match(doc["AccessKeyId"]), doc
    assert len(doc["SecretAccessKey"]) == 40, doc
    return Creds.from_json(doc)


def client_config(**kw: Any) -> botocore.config.Config:
    # One attempt: a retry would hide a 5xx or a flaky answer from the server.
    base = dict(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=10,
        read_timeout=60,
    )
    base.update(kw)
    return botocore.config.Config(**base)


class Principal:
    """boto3 clients for one set of credentials against one server."""

    def __init__(self, server: "Server", creds: Creds, region: str = REGION):
        self.server = server
        self.creds = creds
        self.region = region
        self._clients: dict[str, Any] = {}

    def client(self, service: str, **kw: Any) -> Any:
        return self.server.client(service, self.creds, region=self.region, **kw)

    def _cached(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.client(service)
        return self._clients[service]

    @property
    def iam(self) -> Any:
        return self._cached("iam")

    @property
    def sts(self) -> Any:
        return self._cached("sts")

    @property
    def cc(self) -> Any:
        return self._cached("codecommit")

    @property
    def account_id(self) -> str:
        return self.creds.account_id


@dataclasses.dataclass
class RawResponse:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def error_code(self) -> str | None:
        """The AWS error code, whichever protocol the body is in."""
        ctype = self.headers.get("content-type", "")
        text = self.body.decode("utf-8", "replace").strip()
        if text.startswith("<"):
            root = ET.fromstring(text)
            code = root.find(".//{*}Error/{*}Code")
            if code is None:
                code = root.find(".//Error/Code")
            return code.text if code is not None else None
        code = self.headers.get("x-amzn-errortype")
        if not code and (text.startswith("{") or "json" in ctype):
            doc = json.loads(text)
            code = doc.get("__type") or doc.get("code") or doc.get("Code")
        if not code:
            return None
        return code.split(":")[0].split("#")[-1]

    def error_message(self) -> str | None:
        text = self.body.decode("utf-8", "replace").strip()
        if text.startswith("<"):
            root = ET.fromstring(text)
            msg = root.find(".//{*}Error/{*}Message")
            return msg.text if msg is not None else None
        doc = json.loads(text)
        return doc.get("message") or doc.get("Message")

    def xml_error(self) -> dict[str, str | None]:
        """Fields of a query-protocol `<ErrorResponse>` (asserting its shape)."""
        root = ET.fromstring(self.body)
        assert root.tag.split("}")[-1] == "ErrorResponse", self.body
        err = root.find("{*}Error")
        if err is None:
            err = root.find("Error")
        assert err is not None, self.body

        def child(parent: ET.Element, name: str) -> str | None:
            el = parent.find("{*}" + name)
            if el is None:
                el = parent.find(name)
            return el.text if el is not None else None

        return {
            "Type": child(err, "Type"),
            "Code": child(err, "Code"),
            "Message": child(err, "Message"),
            "RequestId": child(root, "RequestId"),
        }


class Server:
    """One `gitward serve` process on its own data dir."""

    def __init__(self, binary: Path, data_dir: Path, log_dir: Path, *, insecure_http: bool = False,
                 region: str | None = None, name: str = "gitward"):
        self.binary = binary
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.insecure_http = insecure_http
        self.region = region
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.endpoint: str | None = None
        self.starts = 0
        self.extra_args: list[str] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    # -- data dir commands -------------------------------------------------------------
    def _admin(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.binary), *args], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    def init(self) -> Creds:
        p = self._admin("init", "--data-dir", str(self.data_dir), "--output", "json")
        assert p.returncode == 0, f"gitward init failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        return check_creds_json(json.loads(p.stdout))

    def create_account(self) -> Creds:
        p = self._admin("account", "create", "--data-dir", str(self.data_dir), "--output", "json")
        assert p.returncode == 0, f"gitward account create failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        return check_creds_json(json.loads(p.stdout))

    # -- process ---------------------------------------------------------------------------
    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"{self.name}.{self.starts}.stdout"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"{self.name}.{self.starts}.stderr"

    @property
    def endpoint_file(self) -> Path:
        return self.data_dir / "run" / "endpoint"

    @property
    def ca_bundle(self) -> Path:
        return self.data_dir / "tls" / "ca.pem"

    @property
    def verify(self) -> str | bool:
        return False if self.insecure_http else str(self.ca_bundle)

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for p in (self.stdout_path, self.stderr_path):
            try:
                text = p.read_text(errors="replace").splitlines()[-lines:]
            except FileNotFoundError:
                text = ["<none>"]
            out.append(f"--- {p.name} ---\n" + "\n".join(text))
        return "\n".join(out)

    def start(self, timeout: float = START_TIMEOUT) -> str:
        assert self.proc is None, "already running"
        assert self.binary.exists(), f"gitward binary not found at {self.binary}"
        # A stale endpoint file from a previous run must not be mistaken for this one.
        try:
            self.endpoint_file.unlink()
        except FileNotFoundError:
            pass
        self.starts += 1
        cmd = [str(self.binary), "serve", "--data-dir", str(self.data_dir), "--listen", "127.0.0.1:0"]
        # Parallel servers never collide on the default SSH port 2222.
        if "--ssh-listen" not in self.extra_args:
            cmd += ["--ssh-listen", "127.0.0.1:0"]
        if self.region:
            cmd += ["--region", self.region]
        if self.insecure_http:
            cmd.append("--insecure-http")
        cmd += self.extra_args
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.setdefault("RUST_BACKTRACE", "1")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise AssertionError(f"gitward serve exited with {code} before listening\n{self.log_tail()}")
            try:
                text = self.endpoint_file.read_text().strip()
            except FileNotFoundError:
                text = ""
            if text and re.match(r"^https?://[^/]+$", text) and self.accepts_connections(text):
                self.endpoint = text
                return text
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"gitward serve did not write {self.endpoint_file} within {timeout}s\n{self.log_tail()}")

    @staticmethod
    def accepts_connections(url: str) -> bool:
        u = urllib.parse.urlsplit(url)
        try:
            with socket.create_connection((u.hostname, u.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Signal the server and wait; returns the exit code (callers assert 0)."""
        assert self.proc is not None, "not running"
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"gitward serve did not exit within {timeout}s of signal {sig}\n{self.log_tail()}")
        self.proc = None
        self.endpoint = None
        return code

    def stop_ok(self, sig: int = signal.SIGTERM) -> None:
        code = self.stop(sig)
        assert code == 0, f"gitward serve exited with {code} after signal {sig}\n{self.log_tail()}"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- clients ---------------------------------------------------------------------------
    def client(self, service: str, creds: Creds | None, region: str = REGION, *,
               endpoint: str | None = None, **config: Any) -> Any:
        assert self.endpoint, "server not running"
        kw: dict[str, Any] = dict(
            service_name=service,
            endpoint_url=endpoint or self.endpoint,
            region_name=region,
            verify=self.verify,
            config=client_config(**config),
        )
        if creds is not None:
            kw.update(aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret_access_key)
        # A private session: no profile, env or shared-file credentials leak in.
        session = boto3.session.Session(botocore_session=_isolated_botocore_session())
        return session.client(**kw)

    def principal(self, creds: Creds, region: str = REGION) -> Principal:
        return Principal(self, creds, region)

    def audit_events(self, until=lambda events: True, timeout: float = 10) -> list[dict[str, Any]]:
        """The audit log's events (DATA/audit/*.jsonl), polled until `until(events)` holds or
        `timeout` passes (the writer flushes within 200 ms)."""
        deadline = time.monotonic() + timeout
        while True:
            events = [json.loads(line) for f in sorted((self.data_dir / "audit").glob("*.jsonl"))
                      for line in f.read_text().splitlines() if line]
            if until(events) or time.monotonic() > deadline:
                return events
            time.sleep(0.1)

    @property
    def ssh_endpoint(self) -> str:
        """`HOST:PORT` of the running server's SSH listener (DATA/run/ssh-endpoint)."""
        text = (self.data_dir / "run" / "ssh-endpoint").read_text().strip()
        assert re.match(r"^[^/\s]+:\d+$", text), text
        return text

    def clone_url(self, name: str) -> str:
        assert self.endpoint
        return f"{self.endpoint}/v1/repos/{name}"

    # -- raw HTTP --------------------------------------------------------------------------
    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        assert self.endpoint
        u = urllib.parse.urlsplit(self.endpoint)
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=str(self.ca_bundle))
            return http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=timeout)
        return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)

    def raw(self, method: str, path: str = "/", headers: dict[str, str] | None = None,
            body: bytes = b"") -> RawResponse:
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        finally:
            conn.close()

    def sign(self, creds: Creds, service: str, body: bytes, headers: dict[str, str],
             region: str = REGION, path: str = "/") -> dict[str, str]:
        """SigV4-sign a POST exactly as botocore would; returns the headers to send."""
        assert self.endpoint
        req = AWSRequest(method="POST", url=self.endpoint + path, data=body, headers=dict(headers))
        SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), service, region).add_auth(req)
        return dict(req.headers.items())

    def signed_raw(self, creds: Creds, service: str, body: bytes, headers: dict[str, str],
                   region: str = REGION) -> RawResponse:
        return self.raw("POST", "/", self.sign(creds, service, body, headers, region), body)


def _isolated_botocore_session() -> Any:
    import botocore.session

    s = botocore.session.Session()
    # Never read the developer's ~/.aws: point both files at nothing.
    s.set_config_variable("config_file", os.devnull)
    s.set_config_variable("credentials_file", os.devnull)
    return s


QUERY_FORM = "application/x-www-form-urlencoded; charset=utf-8"
JSON_11 = "application/x-amz-json-1.1"
CC_TARGET = "CodeCommit_20150413."


def query_headers() -> dict[str, str]:
    return {"Content-Type": QUERY_FORM}


def json_headers(op: str) -> dict[str, str]:
    return {"Content-Type": JSON_11, "X-Amz-Target": CC_TARGET + op}


def send_large_body(server: Server, headers: dict[str, str], total: int, chunk: bytes,
                    deadline_s: float = 120) -> tuple[RawResponse | None, int, str | None]:
    """POST `total` bytes (repeating `chunk`, Content-Length framed) on a raw socket, and stop
    sending as soon as the server answers (a server may refuse early and close). Returns
    (the response or None, bytes of body sent, what ended the send early)."""
    assert server.endpoint
    u = urllib.parse.urlsplit(server.endpoint)
    raw = socket.create_connection((u.hostname, u.port), timeout=60)
    sock: socket.socket = raw
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=str(server.ca_bundle))
        sock = ctx.wrap_socket(raw, server_hostname=u.hostname)
    head = ["POST / HTTP/1.1", f"Host: {u.hostname}:{u.port}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head += [f"Content-Length: {total}", "", ""]
    buf = b""
    sent = 0
    ended: str | None = None
    t_end = time.monotonic() + deadline_s
    try:
        sock.sendall("\r\n".join(head).encode())
        while sent < total and time.monotonic() < t_end:
            # Has the server said anything? (TLS records that carry no data, such as session
            # tickets, raise SSLWantReadError here and are not an answer.)
            sock.settimeout(0)
            try:
                data = sock.recv(65536)
                if not data:
                    ended = "server closed the connection"
                    break
                buf += data
                ended = "server answered early"
                break
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            finally:
                sock.settimeout(60)
            piece = chunk[: total - sent]
            sock.sendall(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError) as e:
        ended = f"{type(e).__name__}: {e}"
    # Read the rest of the response (or what there is of it).
    try:
        sock.settimeout(30)
        while True:
            resp = _parse_http_response(buf)
            if resp is not None:
                return resp, sent, ended
            data = sock.recv(65536)
            if not data:
                break
            buf += data
    except (ConnectionResetError, ssl.SSLError, OSError) as e:
        ended = (ended or "") + f"; reading: {type(e).__name__}: {e}"
    finally:
        try:
            sock.close()
        except OSError:
            pass
    return _parse_http_response(buf, eof=True), sent, ended


def _parse_http_response(buf: bytes, eof: bool = False) -> RawResponse | None:
    """A complete HTTP/1.1 response in `buf`, or None if more bytes are needed."""
    if b"\r\n\r\n" not in buf:
        return None
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        if len(body) < n:
            return RawResponse(status, hdrs, body) if eof else None
        return RawResponse(status, hdrs, body[:n])
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        out, rest = b"", body
        while True:
            if b"\r\n" not in rest:
                return RawResponse(status, hdrs, out) if eof else None
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                return RawResponse(status, hdrs, out)
            if len(rest) < size + 2:
                return RawResponse(status, hdrs, out) if eof else None
            out, rest = out + rest[:size], rest[size + 2:]
    return RawResponse(status, hdrs, body) if eof else None


def sha256_of_repeated(chunk: bytes, total: int) -> str:
    h = hashlib.sha256()
    sent = 0
    while sent < total:
        piece = chunk[: total - sent]
        h.update(piece)
        sent += len(piece)
    return h.hexdigest()


# -- aws CLI ----------------------------------------------------------------------------------

def aws_cli_path() -> str:
    here = Path(sys.executable).parent / "aws"
    if here.exists():
        return str(here)
    found = shutil.which("aws")
    assert found, "the aws CLI is not installed (pip install -r tests/e2e/requirements.txt)"
    return found


class AwsCli:
    """Runs the real `aws` CLI with a clean environment: only the variables a user would set."""

    def __init__(self, server: Server, home: Path):
        self.server = server
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        (home / ".aws").mkdir(exist_ok=True)
        self.config_file = home / ".aws" / "config"
        self.credentials_file = home / ".aws" / "credentials"
        self.config_file.touch()
        self.credentials_file.touch()
        self.aws = aws_cli_path()

    def env(self, creds: Creds, endpoint: str | None = None, ca_bundle: str | None = None,
            region: str = REGION) -> dict[str, str]:
        env = {
            "PATH": os.pathsep.join([str(Path(self.aws).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.home),
            "AWS_ENDPOINT_URL": endpoint or self.server.endpoint or "",
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": str(self.config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
        }
        if ca_bundle is not None:
            env["AWS_CA_BUNDLE"] = ca_bundle
        elif not self.server.insecure_http:
            env["AWS_CA_BUNDLE"] = str(self.server.ca_bundle)
        return env

    def run(self, creds: Creds, *args: str, **env_kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.aws, *args, "--output", "json"], env=self.env(creds, **env_kw),
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    def ok(self, creds: Creds, *args: str, **env_kw: Any) -> Any:
        p = self.run(creds, *args, **env_kw)
        assert p.returncode == 0, f"aws {' '.join(args)} failed ({p.returncode}):\nstdout: {p.stdout}\nstderr: {p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else None

    def fails(self, creds: Creds, code: str, *args: str, **env_kw: Any) -> str:
        """Asserts the command fails with the AWS error `code`; returns stderr."""
        p = self.run(creds, *args, **env_kw)
        assert p.returncode != 0, f"aws {' '.join(args)} unexpectedly succeeded:\n{p.stdout}"
        assert f"An error occurred ({code})" in p.stderr, f"aws {' '.join(args)}: expected {code}, got:\n{p.stderr}"
        return p.stderr


def denied_message(arn: str, action: str, resource: str, explicit: bool = False) -> str:
    tail = ("with an explicit deny in an identity-based policy" if explicit
            else f"because no identity-based policy allows the {action} action")
    return f"User: {arn} is not authorized to perform: {action} on resource: {resource} {tail}"


def assert_denied_message(message: str, arn: str, action: str, resource: str, *,
                          explicit: bool = False, policy: str | None = None) -> None:
    """AWS's AccessDenied text. An implicit deny is exact. For an explicit deny AWS now names
    the denying policy after a colon (`…identity-based policy: arn:aws:iam::…:policy/P`, or
    the inline policy's name); accept that suffix when it names `policy`."""
    base = denied_message(arn, action, resource, explicit)
    if not explicit or message == base:
        assert message == base, f"\n got: {message}\nwant: {base}"
        return
    assert message.startswith(base + ": "), f"\n got: {message}\nwant: {base}[: <policy>]"
    if policy is not None:
        assert policy in message[len(base) + 2:], f"the deny names another policy: {message}"


def request_id(resp_or_err: Any) -> str | None:
    meta = resp_or_err["ResponseMetadata"] if isinstance(resp_or_err, dict) else resp_or_err.response["ResponseMetadata"]
    return meta.get("HTTPHeaders", {}).get("x-amzn-requestid")
