"""Invoke (lambda-api.md §5) through real sandboxes: Python (awslambdaric), Node.js (our bootstrap) and a
provided runtime, driven by boto3. Skipped only where the machine cannot run sandboxes (not root)."""

from __future__ import annotations

import base64
import collections
import json
import os
import zipfile
import io

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import make_zip, unique_name

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root (CI runs as root)")

PYTHON = """
import os, sys, threading, time
state = {"calls": 0}
def handler(event, context):
    state["calls"] += 1
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        sys.exit(event["exit"])
    if event.get("say"):
        print(event["say"])
    if event.get("allocate_mb"):
        state["block"] = b"x" * (event["allocate_mb"] << 20)
    if event.get("die_after"):
        def die():
            time.sleep(event["die_after"])
            print("exiting between invocations", flush=True)
            os._exit(0)
        threading.Thread(target=die).start()
    return {"event": event, "calls": state["calls"], "function": context.function_name,
            "version": context.function_version, "memory": context.memory_limit_in_mb,
            "requestId": context.aws_request_id, "arn": context.invoked_function_arn,
            "remaining": context.get_remaining_time_in_millis(), "uid": os.getuid(),
            "clientContext": context.client_context.custom if context.client_context else None}
"""

NODE = """
exports.handler = async (event, context) => {
  if (event.fail) { throw new TypeError("node says no"); }
  return { doubled: event.n * 2, fn: context.functionName, memory: context.memoryLimitInMB };
};
"""

def shell_runtime(each_event: str, first: str = "") -> str:
    """A custom runtime in sh: `first` runs once, then `each_event` runs for every event, with $event, $id and
    $deadline from `/next` (and $api, the Runtime API's base URL)."""
    return ("#!/bin/sh\n"
            'api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"\n'
            + first
            + "while true; do\n"
            '  headers="$(mktemp)"\n'
            '  event="$(curl -sS -D "$headers" "$api/invocation/next")"\n'
            "  id=\"$(grep -i '^Lambda-Runtime-Aws-Request-Id:' \"$headers\" | tr -d '\\r' | cut -d' ' -f2)\"\n"
            "  deadline=\"$(grep -i '^Lambda-Runtime-Deadline-Ms:' \"$headers\" | tr -d '\\r' | cut -d' ' -f2)\"\n"
            '  rm -f "$headers"\n'
            + each_event
            + "done\n")


BOOTSTRAP = shell_runtime('  curl -sS -o /dev/null -X POST -d "{\\"custom\\":$event}" "$api/invocation/$id/response"\n')


def executable_zip(files: dict[str, str], executables: set[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755 if name in executables else 0o100644) << 16
            zf.writestr(info, data)
    return buf.getvalue()


@pytest.fixture
def python_fn(client, alice, make_function):
    return make_function(client, Runtime="python3.12", Handler="app.handler", Timeout=2,
                         zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]


def invoke(client, name, payload, **kw):
    resp = client.invoke(FunctionName=name, Payload=json.dumps(payload), **kw)
    return resp, resp["Payload"].read()


def test_python_result_and_context(client, alice, python_fn):
    ctx = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    resp, body = invoke(client, python_fn, {"n": 1}, ClientContext=ctx)
    assert resp["StatusCode"] == 200
    assert resp["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in resp
    out = json.loads(body)
    assert out["event"] == {"n": 1}
    assert out["function"] == python_fn and out["version"] == "$LATEST" and out["memory"] == "128"
    assert out["requestId"] == resp["ResponseMetadata"]["RequestId"]
    assert out["arn"] == f"arn:aws:lambda:us-east-1:{alice.account_id}:function:{python_fn}"
    assert 0 < out["remaining"] <= 2000
    assert out["uid"] == 993
    assert out["clientContext"] == {"k": "v"}
    # warm: the same runtime process keeps module state
    _, body2 = invoke(client, python_fn, {"n": 2})
    assert json.loads(body2)["calls"] == out["calls"] + 1


def test_python_handled_error_is_200_with_function_error(client, python_fn):
    resp, body = invoke(client, python_fn, {"fail": True})
    assert resp["StatusCode"] == 200
    assert resp["FunctionError"] == "Unhandled"
    err = json.loads(body)
    assert err["errorType"] == "ValueError" and err["errorMessage"] == "asked to fail"
    assert err["requestId"] == resp["ResponseMetadata"]["RequestId"]


def test_timeout_then_fresh_environment(client, python_fn):
    resp, body = invoke(client, python_fn, {"sleep": 5})
    assert resp["FunctionError"] == "Unhandled"
    err = json.loads(body)
    rid = resp["ResponseMetadata"]["RequestId"]
    assert err == {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {rid} Error: Task timed out after 2.00 seconds"}
    _, after = invoke(client, python_fn, {"n": 3})
    assert json.loads(after)["calls"] == 1  # a new runtime process: module state is gone


def test_runtime_exit_is_reported(client, python_fn):
    resp, body = invoke(client, python_fn, {"exit": 3})
    err = json.loads(body)
    assert resp["FunctionError"] == "Unhandled"
    assert err["errorType"] == "Runtime.ExitError"
    assert err["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")


def test_a_runtime_that_exits_between_invocations_is_replaced(nimbus, client, alice, python_fn):
    """The runtime exits after its answer, before it asks for more: the next invocation never reached it, so it
    runs in a fresh environment (a cold start) instead of failing, and what the runtime wrote is in the log."""
    import time

    assert json.loads(invoke(client, python_fn, {"die_after": 0.2})[1])["calls"] == 1
    time.sleep(1)
    resp, body = invoke(client, python_fn, {"n": 1}, LogType="Tail")
    assert "FunctionError" not in resp, body
    assert json.loads(body)["calls"] == 1  # module state is gone
    assert "Init Duration" in base64.b64decode(resp["LogResult"]).decode()
    # (a runtime that exits after taking an invocation fails it, as on Lambda; test_invoke_runtimes.py has one
    # that exits at once after its answer: awslambdaric after a response over 6 MB)
    log = _logs(os.environ.get("NIMBUS_BIN", "nimbus"), nimbus.data_dir, alice.account_id, python_fn)
    assert "exiting between invocations" in log


def test_init_error_is_returned_on_the_invoke(client, make_function):
    name = make_function(client, Handler="missing.handler", zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    resp, body = invoke(client, name, {})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == "Runtime.ImportModuleError"


def test_node_function(client, make_function):
    name = make_function(client, Runtime="nodejs20.x", Handler="index.handler",
                         zip_bytes=make_zip({"index.js": NODE}))["FunctionName"]
    resp, body = invoke(client, name, {"n": 21})
    assert json.loads(body) == {"doubled": 42, "fn": name, "memory": "128"}
    resp, body = invoke(client, name, {"fail": True})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == "TypeError"


def test_provided_runtime_bootstrap(client, make_function):
    code = executable_zip({"bootstrap": BOOTSTRAP}, {"bootstrap"})
    name = make_function(client, Runtime="provided.al2023", Handler="unused", zip_bytes=code)["FunctionName"]
    _, body = invoke(client, name, {"x": [1, 2]})
    assert json.loads(body) == {"custom": {"x": [1, 2]}}


def test_alias_weights_route_statistically(client, make_function):
    name = make_function(client, zip_bytes=make_zip({"app.py": PYTHON}), Publish=True)["FunctionName"]
    client.update_function_configuration(FunctionName=name, Description="v2")
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                        RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
    counts = collections.Counter(
        client.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")["ExecutedVersion"] for _ in range(200))
    assert set(counts) == {"1", "2"}
    # 200 draws at p = 0.3: mean 60, sd ≈ 6.5; ±4 sd
    assert 34 <= counts["2"] <= 86, counts


def test_reserved_concurrency_zero_throttles_before_running(client, python_fn):
    client.put_function_concurrency(FunctionName=python_fn, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as e:
        client.invoke(FunctionName=python_fn, Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert e.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    client.delete_function_concurrency(FunctionName=python_fn)
    assert client.invoke(FunctionName=python_fn, Payload=b"{}")["StatusCode"] == 200


def test_reserved_concurrency_one_throttles_a_concurrent_invoke_before_it_runs(nimbus, client, alice, make_function):
    import concurrent.futures
    import time

    python_fn = make_function(client, Timeout=6, zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    client.put_function_concurrency(FunctionName=python_fn, ReservedConcurrentExecutions=1)
    assert json.loads(invoke(client, python_fn, {})[1])["calls"] == 1  # warm: the next one starts at once
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        busy = pool.submit(invoke, nimbus.client(alice), python_fn, {"sleep": 3})
        time.sleep(1.2)  # the first is running (a warm invoke starts in a millisecond; CI machines are loaded)
        with pytest.raises(ClientError) as e:
            client.invoke(FunctionName=python_fn, Payload=json.dumps({"say": "throttled-marker"}))
        resp, body = busy.result()
    assert "FunctionError" not in resp and json.loads(body)["event"] == {"sleep": 3}
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert e.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert e.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    throttled = e.value.response["ResponseMetadata"]["RequestId"]
    assert throttled and json.loads(invoke(client, python_fn, {})[1])["calls"] == 3  # one sandbox served all
    log = _logs(os.environ.get("NIMBUS_BIN", "nimbus"), nimbus.data_dir, alice.account_id, python_fn)
    assert throttled not in log and "throttled-marker" not in log and "START RequestId" in log


def test_dry_run_and_bad_payloads(client, python_fn):
    assert client.invoke(FunctionName=python_fn, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as e:
        client.invoke(FunctionName=python_fn, Payload=b"{not json")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(ClientError) as e:
        client.invoke(FunctionName=python_fn, Payload=b'"' + b"x" * 6_291_456 + b'"')
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(ClientError) as e:
        client.invoke(FunctionName=unique_name(), Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_200_concurrent_invocations_all_answered(nimbus, alice, make_function):
    import concurrent.futures

    name = make_function(nimbus.client(alice), zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    client = nimbus.client(alice, max_pool_connections=200)

    def call(i):
        resp = client.invoke(FunctionName=name, Payload=json.dumps({"i": i}))
        return resp["StatusCode"], resp.get("FunctionError"), json.loads(resp["Payload"].read())["event"]["i"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(call, range(200)))
    assert [r[0] for r in results] == [200] * 200
    assert all(r[1] is None for r in results)
    assert [r[2] for r in results] == list(range(200))


def test_log_tail_and_nimbus_logs(nimbus, client, alice, make_function):
    import subprocess

    name = make_function(client, zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    first = client.invoke(FunctionName=name, Payload=json.dumps({"say": "hello-cold"}), LogType="Tail")
    rid = first["ResponseMetadata"]["RequestId"]
    log = base64.b64decode(first["LogResult"]).decode()
    assert f"START RequestId: {rid} Version: $LATEST\n" in log
    assert "hello-cold\n" in log
    assert f"END RequestId: {rid}\n" in log
    report = next(line for line in log.splitlines() if line.startswith("REPORT"))
    assert f"REPORT RequestId: {rid}\tDuration: " in report
    assert "\tMemory Size: 128 MB\tMax Memory Used: " in report and "Billed Duration: " in report
    # the cgroup's peak: what the sandbox holds of its own (a forked runtime shares the fork server's pages
    # until it writes to them), so it grows with what the function allocates
    used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 1 <= used <= 128, report
    assert "Init Duration: " in report  # cold start
    warm = client.invoke(
        FunctionName=name, Payload=json.dumps({"say": "hello-warm", "allocate_mb": 24}), LogType="Tail")
    warm_log = base64.b64decode(warm["LogResult"]).decode()
    assert "hello-warm" in warm_log and "Init Duration" not in warm_log
    warm_report = next(line for line in warm_log.splitlines() if line.startswith("REPORT"))
    assert 24 <= int(warm_report.split("Max Memory Used: ")[1].split(" MB")[0]) <= 128, warm_report
    assert "LogResult" not in client.invoke(FunctionName=name, Payload=b"{}")
    out = subprocess.run(
        [os.environ.get("NIMBUS_BIN", "nimbus"), "logs", name, "--account-id", alice.account_id,
         "--data-dir", str(nimbus.data_dir)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f"START RequestId: {rid}" in out.stdout and "hello-cold" in out.stdout and "hello-warm" in out.stdout


def test_first_report_gives_init_apart_from_the_handlers_duration(client, make_function):
    """Lambda's REPORT Duration is the handler's time; the runtime's initialisation is Init Duration."""
    slow_init = "import time\ntime.sleep(0.4)\n\ndef handler(event, context):\n    return 1\n"
    name = make_function(client, zip_bytes=make_zip({"app.py": slow_init}))["FunctionName"]
    log = base64.b64decode(client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")["LogResult"]).decode()
    report = next(line for line in log.splitlines() if line.startswith("REPORT"))
    fields = dict(part.split(": ", 1) for part in report.split("\t")[1:] if ": " in part)
    duration = float(fields["Duration"].removesuffix(" ms"))
    assert float(fields["Init Duration"].removesuffix(" ms")) >= 400, report
    assert duration < 300, report  # the 0.4 s import is not the handler's time
    billed = int(fields["Billed Duration"].removesuffix(" ms"))
    assert duration <= billed <= duration + 1, report  # the handler's time rounded up, not the init's


def _logs(nimbus_bin: str, data_dir, account_id: str, name: str) -> str:
    import subprocess

    out = subprocess.run([nimbus_bin, "logs", name, "--account-id", account_id, "--data-dir", str(data_dir)],
                         capture_output=True, text=True, timeout=30)
    return out.stdout


def test_event_invocation_is_accepted_then_runs(nimbus, client, alice, python_fn):
    import time

    resp = client.invoke(FunctionName=python_fn, InvocationType="Event", Payload=json.dumps({"say": "async-hello"}))
    assert resp["StatusCode"] == 202 and resp["Payload"].read() == b""
    rid = resp["ResponseMetadata"]["RequestId"]
    deadline = time.time() + 20
    while time.time() < deadline:
        log = _logs(os.environ["NIMBUS_BIN"], nimbus.data_dir, alice.account_id, python_fn)
        if f"START RequestId: {rid}" in log:
            break
        time.sleep(0.2)
    assert f"START RequestId: {rid}" in log and "async-hello" in log
    with pytest.raises(ClientError) as e:
        client.invoke(FunctionName=python_fn, InvocationType="Event", Payload=b'"' + b"x" * 262_144 + b'"')
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLargeException"


def test_deprecated_invoke_async_runs_like_an_event(nimbus, client, alice, python_fn):
    import time

    resp = client.invoke_async(FunctionName=python_fn, InvokeArgs=json.dumps({"say": "legacy-async"}))
    assert resp["Status"] == 202
    rid = resp["ResponseMetadata"]["RequestId"]
    deadline = time.time() + 20
    log = ""
    while time.time() < deadline and f"START RequestId: {rid}" not in log:
        time.sleep(0.2)
        log = _logs(os.environ["NIMBUS_BIN"], nimbus.data_dir, alice.account_id, python_fn)
    assert f"START RequestId: {rid}" in log and "legacy-async" in log
    with pytest.raises(ClientError) as e:
        client.invoke_async(FunctionName=python_fn + "-missing", InvokeArgs=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"




def test_runtime_mappings_come_from_configuration_and_are_announced(server_factory, monkeypatch):
    """NIMBUS_RUNTIME_ALIASES replaces the default mappings: python3.13 is served by the installed python3.11,
    python3.12 points at nothing installed and is refused on Invoke; both are warnings at start-up."""
    monkeypatch.setenv("NIMBUS_RUNTIME_ALIASES", "python3.13=python3.11,python3.12=ruby3.3,python3.14")
    monkeypatch.setenv("NIMBUS_PREINITIALISED", "")
    server = server_factory()
    client = server.client(server.accounts["alice"])
    code = make_zip({"app.py": "import sys\ndef handler(e, c):\n    return list(sys.version_info[:2])\n"})
    from e2e_helpers import role_arn

    for runtime in ("python3.13", "python3.12"):
        client.create_function(FunctionName=runtime.replace(".", "-"), Runtime=runtime, Handler="app.handler",
                               Role=role_arn(server.accounts["alice"].account_id), Code={"ZipFile": code})
    assert json.loads(client.invoke(FunctionName="python3-13", Payload=b"{}")["Payload"].read()) == [3, 11]
    with pytest.raises(ClientError) as e:
        client.invoke(FunctionName="python3-12", Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
    log = server.output()
    assert "runtime python3.13 is not installed; it is served by python3.11" in log
    assert "runtime python3.12 is not served: it is mapped to ruby3.3, which is not installed" in log
    assert "NIMBUS_RUNTIME_ALIASES: ignored 'python3.14'" in log  # not a mapping: said, not dropped
    assert "python3.14 is not installed" not in log  # the default mappings were replaced


def test_nimbus_logs_follow_prints_new_invocations_as_they_arrive(nimbus, client, alice, python_fn):
    import queue
    import subprocess
    import threading
    import time

    invoke(client, python_fn, {"say": "before-follow"})
    follower = subprocess.Popen(
        [os.environ.get("NIMBUS_BIN", "nimbus"), "logs", python_fn, "--follow", "--account-id", alice.account_id,
         "--data-dir", str(nimbus.data_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout], daemon=True).start()

    def wait_for(text: str) -> str:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if text in line:
                return line
        pytest.fail(f"{text!r} not printed by nimbus logs --follow; stderr: {follower.stderr.read() if follower.poll() is not None else ''}")

    try:
        wait_for("before-follow")  # what was there already
        resp, _ = invoke(client, python_fn, {"say": "after-follow"})
        wait_for(f"START RequestId: {resp['ResponseMetadata']['RequestId']}")
        wait_for("after-follow")
        assert follower.poll() is None  # still following
    finally:
        follower.kill()
        follower.wait()


def test_account_concurrency_throttles_across_functions_before_running(server_factory, monkeypatch):
    """NIMBUS_ACCOUNT_CONCURRENCY=2: GetAccountSettings says so, two functions of the account run at once, and a
    third concurrent invocation (of either) gets 429 ConcurrentInvocationLimitExceeded without running."""
    import concurrent.futures
    import time

    from e2e_helpers import role_arn

    monkeypatch.setenv("NIMBUS_ACCOUNT_CONCURRENCY", "2")
    monkeypatch.setenv("NIMBUS_PREINITIALISED", "")
    server = server_factory()
    alice = server.accounts["alice"]
    client = server.client(alice)
    settings = client.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 2
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 2
    for name in ("one", "two"):
        client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Timeout=6,
                               Role=role_arn(alice.account_id), Code={"ZipFile": make_zip({"app.py": PYTHON})})
        client.get_waiter("function_active_v2").wait(FunctionName=name)
        assert json.loads(invoke(client, name, {})[1])["calls"] == 1  # warm, so the busy ones start at once
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        busy = [pool.submit(invoke, server.client(alice), name, {"sleep": 3}) for name in ("one", "two")]
        time.sleep(1.2)  # both are running (warm invokes start in a millisecond; CI machines are loaded)
        with pytest.raises(ClientError) as e:
            client.invoke(FunctionName="one", Payload=json.dumps({"say": "over-the-limit"}))
        results = [json.loads(f.result()[1]) for f in busy]
    assert [r["calls"] for r in results] == [2, 2]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert e.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert json.loads(invoke(client, "one", {})[1])["calls"] == 3  # the throttled call never reached it


def test_the_deadline_starts_after_a_cold_starts_initialisation(client, make_function):
    """Lambda's timeout starts when the runtime takes the invocation: a 1.5 s import does not shorten the
    remaining time the first invocation sees (nor is it cut off by the 3 s timeout)."""
    slow_init = "import time\ntime.sleep(1.5)\n\ndef handler(event, context):\n    return context.get_remaining_time_in_millis()\n"
    name = make_function(client, Timeout=3, zip_bytes=make_zip({"app.py": slow_init}))["FunctionName"]
    first = json.loads(invoke(client, name, {})[1])
    assert 2500 < first <= 3000, first
    assert 2500 < json.loads(invoke(client, name, {})[1]) <= 3000
