"""Asynchronous invocation with Lambda's error handling (issue 4): retries, dead-letter queues,
destinations, event age, and re-running dead letters. The session server retries 0.5 s and 1 s apart
(NIMBUS_ASYNC_RETRY_BASE, conftest)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from e2e_helpers import NIMBUS_BIN, make_zip, unique_name

HANDLERS = """
import json, time

def echo(event, context):
    return {"got": event}

def fail(event, context):
    raise ValueError("always fails: " + json.dumps(event))

def slow(event, context):
    time.sleep(event.get("sleep", 0))
    return "slept"
"""


@pytest.fixture(scope="session")
def sqs(nimbus, alice):
    return nimbus.client(alice, service="sqs")


def queue(sqs, prefix: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=unique_name(prefix))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def function(client, make_function, handler: str, **kw) -> dict:
    return make_function(client, Runtime="python3.12", Handler=f"app.{handler}", Timeout=10,
                         zip_bytes=make_zip({"app.py": HANDLERS}), **kw)


def receive_one(sqs, url: str, timeout: float = 20, **kw) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, **kw).get("Messages", [])
        if messages:
            assert len(messages) == 1
            return messages[0]
    pytest.fail(f"nothing arrived on {url} within {timeout} s")


def starts_for(nimbus_bin: str, data_dir, account_id: str, name: str, request_id: str) -> int:
    out = subprocess.run([nimbus_bin, "logs", name, "--account-id", account_id, "--data-dir", str(data_dir)],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.count(f"START RequestId: {request_id}")


def event(client, name: str, payload, **kw) -> str:
    resp = client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload), **kw)
    assert resp["StatusCode"] == 202
    return resp["ResponseMetadata"]["RequestId"]


def test_success_goes_to_the_on_success_destination(client, sqs, make_function):
    url, arn = queue(sqs, "ok")
    fn = function(client, make_function, "echo")
    client.put_function_event_invoke_config(
        FunctionName=fn["FunctionName"], DestinationConfig={"OnSuccess": {"Destination": arn}})
    request_id = event(client, fn["FunctionName"], {"k": 1})
    record = json.loads(receive_one(sqs, url)["Body"])
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": request_id, "functionArn": fn["FunctionArn"] + ":$LATEST", "condition": "Success",
        "approximateInvokeCount": 1}
    assert record["requestPayload"] == {"k": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"got": {"k": 1}}


def test_failing_function_runs_one_plus_retries_then_dead_letter_and_on_failure(
        nimbus, client, alice, sqs, make_function):
    dlq_url, dlq_arn = queue(sqs, "dlq")
    fail_url, fail_arn = queue(sqs, "onfail")
    fn = function(client, make_function, "fail", DeadLetterConfig={"TargetArn": dlq_arn})
    name = fn["FunctionName"]
    client.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": fail_arn}})  # default: 2 retries
    payload = {"order": 7}
    request_id = event(client, name, payload)
    dead = receive_one(sqs, dlq_url, MessageAttributeNames=["All"])
    assert json.loads(dead["Body"]) == payload
    attributes = {k: v.get("StringValue") for k, v in dead["MessageAttributes"].items()}
    assert attributes == {"RequestID": request_id, "ErrorCode": "200",
                          "ErrorMessage": 'always fails: {"order": 7}'}
    record = json.loads(receive_one(sqs, fail_url)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["requestId"] == request_id
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"
    # Exactly 1 + 2 attempts, all with the caller's request id, and no more after a pause.
    time.sleep(2)
    assert starts_for(NIMBUS_BIN, nimbus.data_dir, alice.account_id, name, request_id) == 3
    # MaximumRetryAttempts 0: one attempt only.
    client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    once = event(client, name, {"order": 8})
    receive_one(sqs, dlq_url)
    time.sleep(1.5)
    assert starts_for(NIMBUS_BIN, nimbus.data_dir, alice.account_id, name, once) == 1


def test_zero_reserved_concurrency_fails_without_running(nimbus, client, alice, sqs, make_function):
    fail_url, fail_arn = queue(sqs, "zero")
    fn = function(client, make_function, "echo")
    client.put_function_concurrency(FunctionName=fn["FunctionName"], ReservedConcurrentExecutions=0)
    client.put_function_event_invoke_config(
        FunctionName=fn["FunctionName"], DestinationConfig={"OnFailure": {"Destination": fail_arn}})
    request_id = event(client, fn["FunctionName"], {"k": 2})
    record = json.loads(receive_one(sqs, fail_url)["Body"])
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record
    assert starts_for(NIMBUS_BIN, nimbus.data_dir, alice.account_id, fn["FunctionName"], request_id) == 0


def test_lambda_destination_receives_the_record(client, make_function, sqs):
    url, arn = queue(sqs, "chain")
    target = function(client, make_function, "echo")
    client.put_function_event_invoke_config(
        FunctionName=target["FunctionName"], DestinationConfig={"OnSuccess": {"Destination": arn}})
    source = function(client, make_function, "echo")
    client.put_function_event_invoke_config(
        FunctionName=source["FunctionName"],
        DestinationConfig={"OnSuccess": {"Destination": target["FunctionArn"]}})
    event(client, source["FunctionName"], {"hop": 1})
    # The target ran with the source's record as its event; its own success record lands in the queue.
    record = json.loads(receive_one(sqs, url)["Body"])
    inner = record["requestPayload"]
    assert inner["requestContext"]["functionArn"] == source["FunctionArn"] + ":$LATEST"
    assert inner["responsePayload"] == {"got": {"hop": 1}}


def test_expired_event_is_dead_lettered_without_running_and_redrive_reruns_it(server_factory, tmp_path):
    server = server_factory()
    account = server.accounts["alice"]
    client = server.client(account)
    sqs = server.client(account, service="sqs")
    dlq_url, dlq_arn = queue(sqs, "agedlq")
    fail_url, fail_arn = queue(sqs, "agefail")
    ok_url, ok_arn = queue(sqs, "ageok")
    name = unique_name("aged")
    client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.slow", Timeout=30,
                           Role=f"arn:aws:iam::{account.account_id}:role/r",
                           Code={"ZipFile": make_zip({"app.py": HANDLERS})},
                           DeadLetterConfig={"TargetArn": dlq_arn})
    for _ in range(100):
        if client.get_function_configuration(FunctionName=name)["State"] == "Active":
            break
        time.sleep(0.1)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": fail_arn}, "OnSuccess": {"Destination": ok_arn}})
    # Hold the only slot with a slow synchronous invoke, so the event is throttled and kept.
    def hold():
        try:
            client.invoke(FunctionName=name, Payload=json.dumps({"sleep": 6}))
        except Exception:  # noqa: BLE001 - the server is killed under it
            pass

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(1.5)
    request_id = event(client, name, {"aged": True})
    time.sleep(1)
    server.kill()
    holder.join(30)
    # A long outage: the stored event is now two hours old.
    with sqlite3.connect(server.data_dir / "nimbus.sqlite") as db:
        assert db.execute("UPDATE async_event SET created_at = created_at - 7200 WHERE request_id = ?",
                          (request_id,)).rowcount == 1
    server = server_factory.restart(server)
    sqs = server.client(account, service="sqs")
    dlq_url = f"{server.endpoint}/{dlq_url.split('/', 3)[3]}"
    fail_url = f"{server.endpoint}/{fail_url.split('/', 3)[3]}"
    ok_url = f"{server.endpoint}/{ok_url.split('/', 3)[3]}"
    record = json.loads(receive_one(sqs, fail_url)["Body"])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["requestId"] == request_id
    dead = receive_one(sqs, dlq_url, MessageAttributeNames=["All"], VisibilityTimeout=0)
    assert json.loads(dead["Body"]) == {"aged": True}
    assert starts_for(NIMBUS_BIN, server.data_dir, account.account_id, name, request_id) == 0
    # `nimbus events redrive` re-submits the dead letter; it runs and succeeds.
    out = subprocess.run([NIMBUS_BIN, "events", "redrive", "--queue", dlq_url.rsplit("/", 1)[1],
                          "--function", name, "--account-id", account.account_id, "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"redriven": 1}
    success = json.loads(receive_one(sqs, ok_url)["Body"])
    assert success["requestPayload"] == {"aged": True} and success["responsePayload"] == "slept"
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url)


CRASH_ONCE = """
import os
import boto3

CALLS = 0

def handler(event, context):
    global CALLS
    CALLS += 1
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=event["markers"])["QueueUrl"]
    seen = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages", [])
    if not seen:
        sqs.send_message(QueueUrl=url, MessageBody=str(os.getpid()))
        os._exit(7)  # the runtime crashes on the first attempt
    return {"calls": CALLS}
"""


def test_retry_after_a_crash_runs_in_a_fresh_runtime(client, sqs, make_function):
    markers_url, _ = queue(sqs, "markers")
    ok_url, ok_arn = queue(sqs, "crashok")
    fn = make_function(client, Runtime="python3.12", Handler="app.handler", Timeout=20, MemorySize=256,
                       zip_bytes=make_zip({"app.py": CRASH_ONCE}))
    client.put_function_event_invoke_config(
        FunctionName=fn["FunctionName"], DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
    event(client, fn["FunctionName"], {"markers": markers_url.rsplit("/", 1)[1]})
    record = json.loads(receive_one(sqs, ok_url, timeout=30)["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 2
    response = record["responsePayload"]
    assert response["calls"] == 1  # module state is gone: a new runtime process ran the retry


def test_dead_letters_never_go_to_another_accounts_queue(nimbus, client, sqs, bob, make_function):
    bob_sqs = nimbus.client(bob, service="sqs")
    bob_url = bob_sqs.create_queue(QueueName=unique_name("bobdlq"))["QueueUrl"]
    bob_arn = bob_sqs.get_queue_attributes(QueueUrl=bob_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fail_url, fail_arn = queue(sqs, "ownfail")
    fn = function(client, make_function, "fail", DeadLetterConfig={"TargetArn": bob_arn})
    client.put_function_event_invoke_config(
        FunctionName=fn["FunctionName"], MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": fail_arn}})
    event(client, fn["FunctionName"], {"secret": "alice's"})
    record = json.loads(receive_one(sqs, fail_url)["Body"])  # handled: the failure record is alice's
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert "Messages" not in bob_sqs.receive_message(QueueUrl=bob_url, WaitTimeSeconds=1)


def sandboxes_started(nimbus_bin: str, data_dir, account_id: str, name: str) -> int:
    """How many sandboxes ran the function: each reports its Init Duration once."""
    out = subprocess.run([nimbus_bin, "logs", name, "--account-id", account_id, "--data-dir", str(data_dir)],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.count("Init Duration")


def burst(client, name: str, payloads: list, threads: int = 4) -> None:
    """Sends the Event invokes from several threads at once."""
    chunks = [payloads[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=lambda c=c: [event(client, name, p) for p in c]) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def drain(sqs, url: str, n: int, timeout: float = 60) -> list[dict]:
    records, deadline = [], time.time() + timeout
    while len(records) < n and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            records.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return records


def test_event_bursts_are_drained_by_warm_sandboxes_and_long_backlogs_scale_out(
        server_factory, monkeypatch, make_function):
    # A private server whose events wait up to 2 s for a busy sandbox (NIMBUS_EVENT_PATIENCE_MS; the
    # default is 100 ms), so the outcome does not depend on how fast this machine runs the burst.
    monkeypatch.setenv("NIMBUS_EVENT_PATIENCE_MS", "2000")
    server = server_factory()
    account = server.accounts["alice"]
    client, sqs = server.client(account), server.client(account, service="sqs")

    # Short events sent at once wait for the busy sandbox instead of cold-starting one each
    # (with the patience at 0, this burst started 8–9 sandboxes).
    url, arn = queue(sqs, "burst")
    fast = function(client, make_function, "echo")["FunctionName"]
    client.put_function_event_invoke_config(FunctionName=fast, DestinationConfig={"OnSuccess": {"Destination": arn}})
    event(client, fast, {"warm": True})
    assert len(drain(sqs, url, 1)) == 1
    burst(client, fast, [{"i": i} for i in range(16)])
    assert sorted(r["requestPayload"]["i"] for r in drain(sqs, url, 16)) == list(range(16))
    assert sandboxes_started(NIMBUS_BIN, server.data_dir, account.account_id, fast) == 1

    # Events that keep the sandbox busy longer than the patience start sandboxes of their own (as on Lambda).
    slow_url, slow_arn = queue(sqs, "backlog")
    slow = function(client, make_function, "slow")["FunctionName"]
    client.put_function_event_invoke_config(
        FunctionName=slow, DestinationConfig={"OnSuccess": {"Destination": slow_arn}})
    burst(client, slow, [{"sleep": 4, "i": i} for i in range(3)], threads=3)
    assert sorted(r["requestPayload"]["i"] for r in drain(sqs, slow_url, 3)) == [0, 1, 2]
    assert sandboxes_started(NIMBUS_BIN, server.data_dir, account.account_id, slow) >= 2
