"""The server process: /health, request ids, JSON errors for unknown routes, the first-run
quick start, graceful shutdown."""

from __future__ import annotations

import re
import shlex
import signal
import socket
import subprocess

import pytest

from e2e_helpers import (
    LOWER_UUID_RE,
    REGION,
    Account,
    aws_cli_command,
    child_env,
    error_code,
    expect_error,
    fn_path,
    list_accounts,
    unique_name,
    wait_for,
)


def test_health_is_unauthenticated_and_has_a_request_id(nimbus):
    r = nimbus.get("/health")
    assert r.status_code == 200
    assert r.headers.get("x-amzn-RequestId")


def test_success_responses_carry_a_lowercase_uuid_request_id(client, make_function):
    resp = client.list_functions(MaxItems=1)
    assert LOWER_UUID_RE.match(resp["ResponseMetadata"]["RequestId"])
    assert resp["ResponseMetadata"]["HTTPHeaders"]["content-type"].startswith("application/json")
    created = make_function(client, wait=False)
    assert LOWER_UUID_RE.match(created["ResponseMetadata"]["RequestId"])


def test_error_responses_carry_a_request_id(client, nimbus, raw):
    resp = expect_error(lambda: client.get_function(FunctionName=unique_name("missing")), "ResourceNotFoundException", 404)
    assert LOWER_UUID_RE.match(resp["ResponseMetadata"]["RequestId"])
    unauth = nimbus.get("/2015-03-31/functions")
    assert unauth.status_code == 403
    assert LOWER_UUID_RE.match(unauth.headers["x-amzn-RequestId"])
    bad = raw.request("POST", "/2015-03-31/functions", b"{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert LOWER_UUID_RE.match(bad.headers["x-amzn-RequestId"])


def test_request_ids_are_unique(client):
    ids = {client.list_functions(MaxItems=1)["ResponseMetadata"]["RequestId"] for _ in range(20)}
    assert len(ids) == 20


def test_no_content_responses_have_an_empty_body(raw, client, make_function):
    name = make_function(client)["FunctionName"]
    r = raw.request("DELETE", fn_path(name, "/aliases/never-existed"))
    assert r.status_code == 204
    assert r.content == b""
    r = raw.request("DELETE", fn_path(name))
    assert r.status_code == 204
    assert r.content == b""


def test_errors_carry_the_code_header_and_a_json_body(raw):
    r = raw.request("GET", fn_path(unique_name("missing")))
    assert r.status_code == 404
    assert r.headers["x-amzn-ErrorType"].split(":")[0] == "ResourceNotFoundException"
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["Type"] == "User"
    assert body["Message"].startswith("Function not found: ")


@pytest.mark.parametrize("path", ["/2015-03-31/no-such-thing", "/nope", "/2015-03-31/functions/x/unknown-sub-resource"])
def test_unknown_route_is_a_json_404(raw, path):
    r = raw.request("GET", path)
    assert r.status_code == 404, (r.status_code, r.text[:200])
    assert r.headers["Content-Type"].startswith("application/json")
    assert "<html" not in r.text.lower()
    assert isinstance(r.json(), dict)
    assert error_code(r)
    assert r.headers.get("x-amzn-RequestId")


def test_unknown_route_without_auth_is_json(nimbus):
    r = nimbus.get("/definitely/not/a/route")
    assert r.status_code in (403, 404)
    assert "<html" not in r.text.lower()
    assert isinstance(r.json(), dict)
    assert r.headers.get("x-amzn-RequestId")


# --------------------------------------------------------------------------------------------
# First run on an empty data dir


def _export_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith("export AWS_")]


def _exported(lines: list[str], var: str) -> str | None:
    for line in lines:
        m = re.match(rf"export {var}=(.*)$", line)
        if m:
            value = shlex.split(m.group(1))
            return value[0] if value else ""
    return None


def test_quickstart_on_an_empty_data_dir(server_factory):
    srv = server_factory(accounts=())

    def printed():
        lines = _export_lines(srv.output())
        return lines if _exported(lines, "AWS_SECRET_ACCESS_KEY") else None

    try:
        lines = wait_for(printed, timeout=5, what="export lines in the server output")
    except AssertionError:
        # maybe only block-buffered: they must at least be there once the process has exited
        srv.stop(signal.SIGTERM, timeout=15)
        lines = printed()
        assert lines, f"no 'export AWS_...' lines printed on first run; output:\n{srv.output()[-3000:]}"
        srv = server_factory.restart(srv)
    key = _exported(lines, "AWS_ACCESS_KEY_ID")
    secret = _exported(lines, "AWS_SECRET_ACCESS_KEY")
    assert key and secret
    accounts = list_accounts(srv.data_dir)
    assert len(accounts) == 1
    account = Account("default", accounts[0]["AccountId"], key, secret)
    assert srv.client(account).list_functions()["Functions"] == []
    # the printed lines work when pasted into a shell
    script = "\n".join(lines) + "\n" + " ".join(
        shlex.quote(a)
        for a in [*aws_cli_command(), "lambda", "list-functions", "--endpoint-url", srv.endpoint, "--region", REGION, "--output", "json"]
    )
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=child_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"Functions"' in proc.stdout
    # a later start on the now non-empty data dir makes no further default account
    srv.stop(signal.SIGTERM, timeout=15)
    again = server_factory.restart(srv)
    assert len(list_accounts(again.data_dir)) == 1
    assert again.client(account).list_functions()["Functions"] == []


def test_no_quickstart_account_when_accounts_exist(server_factory):
    srv = server_factory(accounts=("alice",))
    assert [a["AccountId"] for a in list_accounts(srv.data_dir)] == [srv.accounts["alice"].account_id]


# --------------------------------------------------------------------------------------------
# Shutdown


def _port_closed(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_is_graceful(server_factory):
    srv = server_factory()
    srv.send_signal(signal.SIGTERM)
    code = srv.wait_exit(15)
    assert code == 0, f"exit code {code}; log:\n{srv.log_tail()}"
    assert _port_closed(srv.port)


def test_sigint_is_graceful(server_factory):
    srv = server_factory()
    srv.send_signal(signal.SIGINT)
    code = srv.wait_exit(15)
    assert code in (0, 130), f"exit code {code}; log:\n{srv.log_tail()}"
    assert _port_closed(srv.port)
