"""Shared helpers for the Nimbus end-to-end suite.

Everything here talks to a real `nimbus` binary over HTTP (boto3, raw signed requests, the `aws`
CLI) or runs its command line. Nothing here knows how Nimbus is implemented.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import http.client
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote, urlsplit

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.session
import pytest
import requests
import requests.structures
from botocore.exceptions import ClientError

REGION = "us-east-1"
REPO = Path(__file__).resolve().parents[2]
NIMBUS_BIN = os.environ.get("NIMBUS_BIN", str(REPO / ".build" / "debug" / "nimbus"))
RUNTIME = "python3.12"
HANDLER = "app.handler"
HANDLER_SOURCE = "def handler(event, context):\n    return event\n"

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LOWER_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# FunctionConfiguration.LastModified: `2024-05-01T12:34:56.789+0000` (fraction optional in docs).
LAST_MODIFIED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+0000$")

# Exact texts quoted by lambda-api.md.
MSG_NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
MSG_UNZIPPED_TOO_LARGE = "Unzipped size must be smaller than 262144000 bytes"
MSG_ZIPPED_TOO_LARGE = "Zipped size must be smaller than 52428800 bytes"
MSG_PFE_FUNCTION = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)
MSG_PFE_POLICY = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetPolicy API to retrieve the latest Revision Id"
)
MSG_DERIVED_QUALIFIER = "The derived qualifier from the function name does not match the specified qualifier."
MSG_RESOURCE_DOES_NOT_EXIST = "The resource you requested does not exist."

CODE_SIZE_UNZIPPED_LIMIT = 262144000
CODE_SIZE_ZIPPED_LIMIT = 52428800

# --------------------------------------------------------------------------------------------
# Names and ARNs


def unique_name(prefix: str = "fn") -> str:
    """A function/alias-safe unique name (pattern [a-zA-Z0-9-_]+, well below 64 chars)."""
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def fn_arn(account_id: str, name: str, qualifier: str | None = None, region: str = REGION) -> str:
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier is not None else arn


def esm_arn(account_id: str, mapping_uuid: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{mapping_uuid}"


def role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/lambda-role"


def sqs_arn(account_id: str, queue: str = "q1", region: str = REGION) -> str:
    return f"arn:aws:sqs:{region}:{account_id}:{queue}"


def enc(segment: str) -> str:
    """Percent-encode a path segment the way botocore does (almost nothing is safe)."""
    return quote(segment, safe="-_.~")


def fn_path(name: str, suffix: str = "", version: str = "2015-03-31") -> str:
    return f"/{version}/functions/{enc(name)}{suffix}"


def strip_meta(resp: dict) -> dict:
    """A response without botocore's ResponseMetadata (the part that differs per request)."""
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def status_of(resp: dict) -> int:
    return resp["ResponseMetadata"]["HTTPStatusCode"]


# --------------------------------------------------------------------------------------------
# Accounts


@dataclasses.dataclass(frozen=True)
class Account:
    name: str
    account_id: str
    access_key_id: str
    secret_access_key: str

    def with_secret(self, secret: str) -> "Account":
        return dataclasses.replace(self, secret_access_key=secret)

    def with_key(self, key_id: str) -> "Account":
        return dataclasses.replace(self, access_key_id=key_id)


def run_nimbus(args: list[str], *, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the nimbus binary with arguments; never raises on a non-zero exit."""
    if not Path(NIMBUS_BIN).exists():
        pytest.fail(f"nimbus binary not found at {NIMBUS_BIN} (set NIMBUS_BIN)")
    return subprocess.run(
        [NIMBUS_BIN, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(),
    )


def create_account(data_dir: Path | str, name: str, account_id: str | None = None) -> Account:
    """`nimbus accounts create NAME [--account-id ID] --data-dir D` → Account (stdout is JSON)."""
    args = ["accounts", "create", name]
    if account_id is not None:
        args += ["--account-id", account_id]
    args += ["--data-dir", str(data_dir)]
    proc = run_nimbus(args)
    assert proc.returncode == 0, f"accounts create {name} failed ({proc.returncode}): {proc.stderr}{proc.stdout}"
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
        raise AssertionError(f"accounts create did not print JSON on stdout: {proc.stdout!r}") from exc
    assert set(doc) >= {"AccountId", "AccessKeyId", "SecretAccessKey"}, doc
    assert re.fullmatch(r"\d{12}", doc["AccountId"]), doc
    if account_id is not None:
        assert doc["AccountId"] == account_id, doc
    return Account(name, doc["AccountId"], doc["AccessKeyId"], doc["SecretAccessKey"])


def list_accounts(data_dir: Path | str) -> list[dict]:
    proc = run_nimbus(["accounts", "list", "--data-dir", str(data_dir)])
    assert proc.returncode == 0, f"accounts list failed ({proc.returncode}): {proc.stderr}{proc.stdout}"
    doc = json.loads(proc.stdout)
    assert isinstance(doc, list), doc
    return doc


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for child processes: no ambient AWS configuration, no proxies."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["AWS_CONFIG_FILE"] = "/dev/null"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["no_proxy"] = "127.0.0.1,localhost"
    if extra:
        env.update(extra)
    return env


# --------------------------------------------------------------------------------------------
# The server process


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # never route loopback traffic through a proxy from the environment
    return s


class NimbusServer:
    """One `nimbus serve` process on 127.0.0.1 and a free port."""

    def __init__(self, data_dir: Path, log_path: Path, accounts: dict[str, Account] | None = None):
        self.data_dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.accounts: dict[str, Account] = dict(accounts or {})
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._http = http_session()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> "NimbusServer":
        if not Path(NIMBUS_BIN).exists():
            pytest.fail(f"nimbus binary not found at {NIMBUS_BIN} (set NIMBUS_BIN)")
        self.port = free_port()
        self._log = open(self.log_path, "ab")
        self._log.write(f"\n===== nimbus serve --port {self.port} --data-dir {self.data_dir} =====\n".encode())
        self._log.flush()
        self._log_start = self.log_path.stat().st_size
        self.proc = subprocess.Popen(
            [NIMBUS_BIN, "serve", "--host", self.host, "--port", str(self.port), "--data-dir", str(self.data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(self.data_dir.parent),
            env=child_env(),
            start_new_session=True,
        )
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"nimbus serve exited with {self.proc.returncode} before /health; log:\n{self.log_tail()}")
            try:
                r = self._http.get(self.endpoint + "/health", timeout=1)
                if r.status_code == 200:
                    return
                last = r.status_code
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.1)
        pytest.fail(f"nimbus serve not healthy after {timeout}s (last: {last}); log:\n{self.log_tail()}")

    def output(self) -> str:
        """Everything this process has printed so far (stdout and stderr)."""
        if self._log:
            self._log.flush()
        data = self.log_path.read_bytes()[self._log_start :]
        return data.decode("utf-8", "replace")

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.output()[-n:]
        except OSError:
            return "<no log>"

    def send_signal(self, sig: int) -> None:
        assert self.proc is not None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Signal the process (by PID), escalate to SIGKILL after `timeout`; return its exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.send_signal(sig)
            if self.wait_exit(timeout) is None:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- clients -----------------------------------------------------------------------------

    def client(self, account: Account, region: str = REGION, service: str = "lambda", **config: Any):
        cfg = dict(retries={"max_attempts": 1}, parameter_validation=True, read_timeout=120, connect_timeout=10)
        cfg.update(config)
        c = boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=account.access_key_id,
            aws_secret_access_key=account.secret_access_key,
            config=botocore.config.Config(**cfg),
        )
        c._nimbus_account = account
        return c

    def raw(self, account: Account | None, region: str = REGION) -> "RawClient":
        return RawClient(self.endpoint, account, region)

    def get(self, path: str, **kw) -> requests.Response:
        """Unsigned GET on the server."""
        return self._http.get(self.endpoint + path, timeout=30, **kw)

    def create_account(self, name: str, account_id: str | None = None) -> Account:
        acct = create_account(self.data_dir, name, account_id)
        self.accounts[name] = acct
        return acct


# --------------------------------------------------------------------------------------------
# Raw signed HTTP


def _canonical_qs(query: Iterable[tuple[str, str]] | dict | None) -> str:
    if not query:
        return ""
    items = query.items() if isinstance(query, dict) else query
    return "&".join(f"{quote(str(k), safe='-_.~')}={quote(str(v), safe='-_.~')}" for k, v in items)


def error_code(resp) -> str | None:
    """The AWS error code the way botocore finds it (X-Amzn-ErrorType header, then body)."""
    header = resp.headers.get("x-amzn-ErrorType")
    if header:
        return header.split(":")[0].split("#")[-1]
    try:
        body = resp.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code = body.get("code") or body.get("Code") or body.get("__type")
    if isinstance(code, str):
        return code.split("#")[-1]
    return None


def error_message(resp) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        return body.get("message", body.get("Message"))
    return None


class RawResponse:
    """The parts of a response the tests look at (requests-like names)."""

    def __init__(self, status: int, headers: list[tuple[str, str]], content: bytes):
        self.status_code = status
        self.headers = requests.structures.CaseInsensitiveDict(headers)
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<RawResponse {self.status_code} {self.content[:200]!r}>"


class RawClient:
    """Sends arbitrary requests, SigV4-signed like botocore signs them (or not signed at all).

    `path` must already be percent-encoded (see `enc`/`fn_path`), exactly as botocore puts it
    on the wire; the signature covers the path encoded once more, as for every non-S3 service.
    """

    def __init__(self, endpoint: str, account: Account | None, region: str = REGION):
        self.endpoint = endpoint
        self.account = account
        self.region = region
        self.http = http_session()

    def prepare(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        *,
        json_body: Any = dataclasses.MISSING,
        query: Iterable[tuple[str, str]] | dict | None = None,
        headers: dict[str, str] | None = None,
        sign: bool = True,
        when: datetime.datetime | None = None,
        account: Account | None = None,
        region: str | None = None,
        service: str = "lambda",
    ) -> tuple[str, bytes, dict[str, str]]:
        headers = dict(headers or {})
        if json_body is not dataclasses.MISSING:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        body = body or b""
        qs = _canonical_qs(query)
        url = self.endpoint + path + (f"?{qs}" if qs else "")
        if sign:
            acct = account or self.account
            assert acct is not None, "signing needs an account"
            req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=headers)
            creds = botocore.credentials.Credentials(acct.access_key_id, acct.secret_access_key)
            auth = botocore.auth.SigV4Auth(creds, service, region or self.region)
            if when is not None:
                naive = when.astimezone(datetime.timezone.utc).replace(tzinfo=None) if when.tzinfo else when
                with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
                    auth.add_auth(req)
            else:
                auth.add_auth(req)
            headers = {k: v for k, v in req.headers.items()}
        return url, body, headers

    def request(self, method: str, path: str, body: bytes | str | None = None, *, timeout: float = 120, **kw):
        url, body, headers = self.prepare(method, path, body, **kw)
        return self.send(method, url, body, headers, timeout=timeout)

    def send(self, method: str, url: str, body: bytes, headers: dict[str, str], timeout: float = 120) -> "RawResponse":
        """Send exactly these bytes (no re-quoting of the path, no added headers but Host and
        Content-Length)."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            for k, v in headers.items():
                if k.lower() != "content-length":
                    conn.putheader(k, v)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            return RawResponse(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def request_tolerant(self, method: str, path: str, body: bytes, **kw) -> tuple[int, dict[str, str], bytes]:
        """Like `request` but survives a server that answers (e.g. 413) and closes before the
        whole body was sent. Returns (status, lower-cased headers, body)."""
        url, body, headers = self.prepare(method, path, body, **kw)
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        view = memoryview(body)
        try:
            for i in range(0, len(body), 1 << 20):
                conn.send(view[i : i + (1 << 20)])
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = conn.getresponse()
        data = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, hdrs, data


# --------------------------------------------------------------------------------------------
# Errors


_LAMBDA_MODEL = botocore.session.get_session().get_service_model("lambda")


def modeled_message_key(code: str) -> str | None:
    """'message' or 'Message' for a modeled Lambda error shape, None for unmodeled codes."""
    try:
        shape = _LAMBDA_MODEL.shape_for(code)
    except Exception:  # NoShapeFoundError
        return None
    if not shape.metadata.get("exception"):
        return None
    for key in ("message", "Message"):
        if key in shape.members:
            return key
    return None


def check_client_error(
    err: ClientError,
    code: str,
    status: int,
    message: str | None = None,
    *,
    startswith: str | None = None,
    contains: Iterable[str] = (),
    validation: str | None = None,
) -> dict:
    resp = err.response
    got_code = resp.get("Error", {}).get("Code")
    got_status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    msg = resp.get("Error", {}).get("Message", "")
    context = f"(got {got_code} {got_status}: {msg!r})"
    assert got_code == code, f"expected error code {code} {context}"
    assert got_status == status, f"expected HTTP {status} {context}"
    assert resp["ResponseMetadata"].get("RequestId"), "error response without x-amzn-RequestId"
    if message is not None:
        assert msg == message, f"expected message {message!r} {context}"
    if startswith is not None:
        assert msg.startswith(startswith), f"expected message starting {startswith!r} {context}"
    for part in contains:
        assert part in msg, f"expected {part!r} in message {context}"
    if validation is not None:
        # Coral validation texts: compare without a trailing period.
        assert msg.rstrip(".") == validation.rstrip("."), f"expected {validation!r} {context}"
    key = modeled_message_key(code)
    if key is not None and status < 500:
        assert resp.get("Type") == "User", f"modeled {code} must carry Type=User in the body {context}"
        assert resp.get(key) == msg, f"modeled {code} must carry its text under '{key}' {context}"
    return resp


def expect_error(fn: Callable[[], Any], code: str, status: int, message: str | None = None, **kw) -> dict:
    """Call `fn`, require a botocore ClientError with this code/status (and message), return
    `e.response`."""
    with pytest.raises(ClientError) as ei:
        fn()
    return check_client_error(ei.value, code, status, message, **kw)


def error_of(fn: Callable[[], Any]) -> dict:
    with pytest.raises(ClientError) as ei:
        fn()
    return ei.value.response


def validation_text(value: str, member: str, rule: str) -> str:
    """`1 validation error detected: Value 'v' at 'member' failed to satisfy constraint: rule`."""
    return f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"


# --------------------------------------------------------------------------------------------
# Waiting


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def wait_active(client, name: str, qualifier: str | None = None, timeout: float = 15.0) -> dict:
    kw = {"FunctionName": name}
    if qualifier:
        kw["Qualifier"] = qualifier

    def check():
        cfg = client.get_function_configuration(**kw)
        assert cfg.get("State") != "Failed", f"function {name} went to Failed: {cfg}"
        return cfg if cfg.get("State") == "Active" else None

    return wait_for(check, timeout, what=f"{name} State=Active")


def wait_updated(client, name: str, timeout: float = 15.0) -> dict:
    def check():
        cfg = client.get_function_configuration(FunctionName=name)
        assert cfg.get("LastUpdateStatus") != "Failed", f"update of {name} failed: {cfg}"
        return cfg if cfg.get("LastUpdateStatus") == "Successful" and cfg.get("State") == "Active" else None

    return wait_for(check, timeout, what=f"{name} LastUpdateStatus=Successful")


# --------------------------------------------------------------------------------------------
# Zips


def make_zip(files: dict[str, str | bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip built with the zipfile module; default: app.py with a trivial handler."""
    files = files if files is not None else {"app.py": HANDLER_SOURCE}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def unique_zip(tag: str | None = None) -> bytes:
    """A valid zip whose bytes (and so CodeSha256) are unique."""
    tag = tag or uuid.uuid4().hex
    return make_zip({"app.py": HANDLER_SOURCE + f"# {tag}\n"})


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclasses.dataclass
class RawEntry:
    """One entry for `raw_zip`: `payload` is written as-is (already compressed when method=8)."""

    name: str
    payload: bytes
    method: int  # 0 stored, 8 deflated
    crc: int
    uncompressed_size: int
    external_attr: int = 0o100644 << 16
    declared_uncompressed_size: int | None = None  # lie in the headers when set


def deflate_raw(data: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def stored_entry(name: str, data: bytes, external_attr: int = 0o100644 << 16) -> RawEntry:
    return RawEntry(name, data, 0, zlib.crc32(data), len(data), external_attr)


def deflated_entry(name: str, data: bytes, external_attr: int = 0o100644 << 16) -> RawEntry:
    return RawEntry(name, deflate_raw(data), 8, zlib.crc32(data), len(data), external_attr)


def raw_zip(entries: list[RawEntry]) -> bytes:
    """Write a zip by hand (no zip64), so that names, modes and sizes are exactly as given."""
    out = io.BytesIO()
    central = []
    dos_time, dos_date = 0, (2024 - 1980) << 9 | 1 << 5 | 1
    for e in entries:
        name = e.name.encode("utf-8")
        usize = e.uncompressed_size if e.declared_uncompressed_size is None else e.declared_uncompressed_size
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50, 20, 0x0800, e.method, dos_time, dos_date,
                e.crc & 0xFFFFFFFF, len(e.payload), usize, len(name), 0,
            )
        )
        out.write(name)
        out.write(e.payload)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50, (3 << 8) | 20, 20, 0x0800, e.method, dos_time, dos_date,
                e.crc & 0xFFFFFFFF, len(e.payload), usize, len(name), 0, 0, 0, 0,
                e.external_attr, offset,
            )
            + name
        )
    cd_offset = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_offset
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), cd_size, cd_offset, 0))
    return out.getvalue()


SYMLINK_ATTR = (0o120777 << 16)


def symlink_zip(link_name: str, target: str, extra: dict[str, str] | None = None) -> bytes:
    entries = [stored_entry("app.py", HANDLER_SOURCE.encode())]
    for n, d in (extra or {}).items():
        entries.append(stored_entry(n, d.encode()))
    entries.append(stored_entry(link_name, target.encode(), external_attr=SYMLINK_ATTR))
    return raw_zip(entries)


def zeros_bomb(total_mb: int = 300, *, lie_about_size: bool = False) -> bytes:
    """A single entry of `total_mb` MiB of zeros, deflated (~1.4 MB on the wire)."""
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    crc = 0
    parts = []
    for _ in range(total_mb):
        parts.append(c.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(c.flush())
    size = total_mb << 20
    entry = RawEntry("zeros.bin", b"".join(parts), 8, crc, size)
    if lie_about_size:
        entry.declared_uncompressed_size = 1024
    return raw_zip([stored_entry("app.py", HANDLER_SOURCE.encode()), entry])


def oversized_unzip_zip() -> bytes:
    """> 262144000 bytes unzipped at a mild, ordinary compression ratio (~9:1): 64 entries of
    4 MiB of low-entropy text, about 29 MB zipped."""
    table = bytes((0x61 if v & 7 == 0 else 0x62) for v in range(256))
    chunk = os.urandom(4 << 20).translate(table)
    payload = deflate_raw(chunk, 6)
    crc = zlib.crc32(chunk)
    entries = [stored_entry("app.py", HANDLER_SOURCE.encode())]
    for i in range(64):
        entries.append(RawEntry(f"data/part{i:02d}.txt", payload, 8, crc, len(chunk)))
    data = raw_zip(entries)
    assert 64 * len(chunk) > CODE_SIZE_UNZIPPED_LIMIT
    assert len(data) < CODE_SIZE_ZIPPED_LIMIT
    return data


def oversized_zip() -> bytes:
    """A valid zip just over 52428800 bytes (stored random data)."""
    data = os.urandom(CODE_SIZE_ZIPPED_LIMIT + 4096)
    z = raw_zip([stored_entry("app.py", HANDLER_SOURCE.encode()), stored_entry("blob.bin", data)])
    assert len(z) > CODE_SIZE_ZIPPED_LIMIT
    return z


# --------------------------------------------------------------------------------------------
# The aws CLI


@dataclasses.dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout) if self.stdout.strip() else None


def aws_cli_command() -> list[str]:
    """The aws CLI of this Python (awscli from requirements.txt), else the one on PATH."""
    if importlib.util.find_spec("awscli") is not None:
        return [sys.executable, "-m", "awscli"]
    exe = shutil.which("aws")
    if not exe:
        pytest.fail("the aws CLI is not installed (pip install awscli)")
    return [exe]


def run_aws(
    endpoint: str, account: Account, *args: str, region: str = REGION, timeout: float = 120, service: str = "lambda"
) -> CliResult:
    cmd = [*aws_cli_command(), service, *args, "--endpoint-url", endpoint, "--region", region, "--output", "json"]
    env = child_env(
        {
            "AWS_ACCESS_KEY_ID": account.access_key_id,
            "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
        }
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def expect_error_in(fn: Callable[[], Any], codes: Iterable[str], status: int) -> dict:
    """Like expect_error where the spec allows one of several codes; the status is exact."""
    with pytest.raises(ClientError) as ei:
        fn()
    resp = ei.value.response
    codes = tuple(codes)
    assert resp["Error"]["Code"] in codes, f"expected one of {codes}, got {resp['Error']}"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status, resp["ResponseMetadata"]
    return resp


def make_traversable(path) -> None:
    """Give `path` and its ancestors o+x: sandbox uids must reach the code a private server stores there."""
    for directory in [path, *path.parents]:
        if str(directory) != "/":
            os.chmod(directory, os.stat(directory).st_mode | 0o111)


def call_until_killed(server, service: str, call, *, total: int, kill_after: int, senders: int = 8) -> dict:
    """Crash tests: `senders` threads make `total` calls `call(client, i) -> (key, value)` on `service`
    clients; once `kill_after` calls were acknowledged the server gets SIGKILL. Returns key -> value for
    every acknowledged call (a call that raised was never acknowledged)."""
    from botocore.exceptions import BotoCoreError

    acked: dict = {}
    lock = threading.Lock()
    killed = threading.Event()

    def sender(worker: int):
        client = server.client(server.accounts["alice"], service=service)
        for i in range(worker, total, senders):
            if killed.is_set():
                return
            try:
                key, value = call(client, i)
            except (BotoCoreError, ClientError):
                return  # the server is gone: this call was never acknowledged
            with lock:
                acked[key] = value
                if len(acked) >= kill_after and not killed.is_set():
                    killed.set()
                    server.kill()

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert killed.is_set(), "the server was never killed"
    return acked
