#!/usr/bin/env python3
"""Nimbus queue and asynchronous-invocation benchmark (issue 4), beside a same-run nginx floor measured
with the same client.

Raw keep-alive HTTP with SigV4-signed requests (botocore's signer, never boto3 on the timed path):
SendMessage latency; SendMessageBatch throughput (batches of 10 on one connection, and on 4); how fast a
long-polling ReceiveMessage returns after a SendMessage starts; Event-invoke acknowledgement latency;
and Event invoke → handler start with a warm sandbox (the handler returns its start time, which its
OnSuccess record carries to a queue; the send time is taken just before each request).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import sys
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import (HOST, ensure_tools, free_port, pct, report, start_nginx, stop,  # noqa: E402
                           timed_request, wait_http_200)
from control_plane_bench import API, Nimbus, timed_loop  # noqa: E402

GOALS = {"ack_p50": 1.0, "start_p50": 5.0, "send_p50": 1.0, "batch": 5000, "wake_p50": 5.0}
SQS_HEADERS = {"Content-Type": "application/x-amz-json-1.0"}
HANDLER = "import time\ndef handler(event, context):\n    return {'start': time.time(), 'sent': event['sent']}\n"


def sqs_request(nimbus: Nimbus, port: int, operation: str, body: dict) -> tuple:
    data = json.dumps(body).encode()
    headers = nimbus.signer.sign("POST", port, "/", data, service="sqs",
                                 headers={**SQS_HEADERS, "X-Amz-Target": f"AmazonSQS.{operation}"})
    return "POST", "/", data, headers


def sqs_call(nimbus: Nimbus, operation: str, body: dict) -> dict:
    conn = http.client.HTTPConnection(HOST, nimbus.port, timeout=60)
    try:
        method, target, data, headers = sqs_request(nimbus, nimbus.port, operation, body)
        status, _, reply = timed_request(conn, method, target, data, headers)
        if status != 200:
            raise RuntimeError(f"{operation} -> {status}: {reply[:300]!r}")
        return json.loads(reply)
    finally:
        conn.close()


def batch_throughput(nimbus: Nimbus, url: str, batches: int, connections: int) -> float:
    entries = [{"Id": str(i), "MessageBody": f"message {i} " + "x" * 100} for i in range(10)]
    request = sqs_request(nimbus, nimbus.port, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    errors: list[BaseException] = []

    def worker():
        try:
            timed_loop(nimbus.port, batches // connections, lambda i: request, 200)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return 10 * (batches // connections) * connections / (time.perf_counter() - t0)


def long_poll_wake(nimbus: Nimbus, url: str, rounds: int) -> list[int]:
    """ns from the start of a SendMessage to the return of a ReceiveMessage already waiting (20 s)."""
    receive = sqs_request(nimbus, nimbus.port, "ReceiveMessage",
                          {"QueueUrl": url, "WaitTimeSeconds": 20, "MaxNumberOfMessages": 1})
    send = sqs_request(nimbus, nimbus.port, "SendMessage", {"QueueUrl": url, "MessageBody": "wake"})
    recv_conn = http.client.HTTPConnection(HOST, nimbus.port, timeout=60)
    send_conn = http.client.HTTPConnection(HOST, nimbus.port, timeout=60)
    samples: list[int] = []
    try:
        for _ in range(rounds):
            done: dict[str, int] = {}

            def waiter():
                status, _, data = timed_request(recv_conn, *receive)
                done["t"] = time.perf_counter_ns()
                done["ok"] = status == 200 and b"Messages" in data

            thread = threading.Thread(target=waiter)
            thread.start()
            time.sleep(0.05)  # the receive is parked
            t0 = time.perf_counter_ns()
            status, _, _ = timed_request(send_conn, *send)
            thread.join(30)
            if status != 200 or not done.get("ok"):
                raise RuntimeError("long-poll round failed")
            samples.append(done["t"] - t0)
            delete_all(nimbus, url)
        return samples
    finally:
        recv_conn.close()
        send_conn.close()


def delete_all(nimbus: Nimbus, url: str) -> None:
    while True:
        got = sqs_call(nimbus, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10})
        if not got.get("Messages"):
            return
        sqs_call(nimbus, "DeleteMessageBatch", {"QueueUrl": url, "Entries": [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got["Messages"])]})


def handler_zip() -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER)
    return base64.b64encode(buf.getvalue()).decode()


def event_latencies(nimbus: Nimbus, n: int) -> tuple[list[int], list[float]]:
    """Event acknowledgement (ns) and send → handler start (ms) for n sequential Event invokes."""
    records = sqs_call(nimbus, "CreateQueue", {"QueueName": "records"})["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{nimbus.account}:records"
    body = json.dumps({"FunctionName": "async", "Runtime": "python3.11", "Handler": "app.handler",
                       "Role": f"arn:aws:iam::{nimbus.account}:role/r", "MemorySize": 1769,
                       "Code": {"ZipFile": handler_zip()}}).encode()
    timed_loop(nimbus.port, 1, lambda i: ("POST", API, body, nimbus.signer.sign("POST", nimbus.port, API, body)), 201)
    config = json.dumps({"DestinationConfig": {"OnSuccess": {"Destination": arn}}}).encode()
    target = "/2019-09-25/functions/async/event-invoke-config"
    timed_loop(nimbus.port, 1, lambda i: ("PUT", target, config, nimbus.signer.sign("PUT", nimbus.port, target, config)),
               200)
    invoke = f"{API}/async/invocations"
    warm = b'{"sent": 0}'
    timed_loop(nimbus.port, 1, lambda i: ("POST", invoke, warm, nimbus.signer.sign("POST", nimbus.port, invoke, warm)),
               200)  # a warm sandbox first (synchronous)

    def event_request(gap: float):
        def make(i):
            time.sleep(gap)
            payload = json.dumps({"sent": time.time()}).encode()
            headers = nimbus.signer.sign("POST", nimbus.port, invoke, payload,
                                         headers={"Content-Type": "application/json", "X-Amz-Invocation-Type": "Event"})
            return "POST", invoke, payload, headers
        return make

    # Acknowledgements back to back (the events run meanwhile); then one at a time, 20 ms apart, for the
    # start latency of an event that finds its warm sandbox free.
    acks = timed_loop(nimbus.port, n, event_request(0), 202)
    collect_starts(nimbus, records, n)  # every acknowledged event ran and reported
    timed_loop(nimbus.port, n, event_request(0.02), 202)
    return acks, collect_starts(nimbus, records, n)


def collect_starts(nimbus: Nimbus, records: str, n: int) -> list[float]:
    """Reads n OnSuccess records (deleting them): send → handler start of each, in ms."""
    starts: list[float] = []
    deadline = time.time() + 120
    while len(starts) < n and time.time() < deadline:
        got = sqs_call(nimbus, "ReceiveMessage", {"QueueUrl": records, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1})
        messages = got.get("Messages", [])
        for m in messages:
            response = json.loads(m["Body"])["responsePayload"]
            starts.append((response["start"] - response["sent"]) * 1000)
        if messages:
            sqs_call(nimbus, "DeleteMessageBatch", {"QueueUrl": records, "Entries": [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]})
    if len(starts) < n:
        raise RuntimeError(f"only {len(starts)} of {n} events reported")
    return starts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nimbus", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    ensure_tools()
    n_send, n_batch, n_wake, n_events = (300, 200, 20, 50) if args.quick else (2000, 2000, 100, 300)
    rows, procs = [], []
    with tempfile.TemporaryDirectory(prefix="nimbus-queue-bench-") as tmp:
        os.chmod(tmp, 0o711)
        try:
            nginx_port = free_port()
            procs.append(start_nginx(tmp, nginx_port))
            nimbus = Nimbus(args.nimbus, tmp)
            procs.append(nimbus.proc)
            wait_http_200(nimbus.proc, nimbus.port, "/health", 30, nimbus.log)
            url = sqs_call(nimbus, "CreateQueue", {"QueueName": "bench"})["QueueUrl"]
            send = sqs_request(nimbus, nimbus.port, "SendMessage", {"QueueUrl": url, "MessageBody": "x" * 100})
            sends = timed_loop(nimbus.port, n_send, lambda i: send, 200)
            floor_send = sqs_request(nimbus, nginx_port, "SendMessage", {"QueueUrl": url, "MessageBody": "x" * 100})
            floor = timed_loop(nginx_port, n_send, lambda i: floor_send, 200)
            rows.append(("SendMessage p50 [ms]", pct(sends, 50)["p50"], pct(floor, 50)["p50"], GOALS["send_p50"]))
            rows.append(("SendMessageBatch, 1 connection [msgs/s]", batch_throughput(nimbus, url, n_batch, 1), None,
                         GOALS["batch"]))
            rows.append(("SendMessageBatch, 4 connections [msgs/s]", batch_throughput(nimbus, url, n_batch, 4), None,
                         GOALS["batch"]))
            sqs_call(nimbus, "PurgeQueue", {"QueueUrl": url})
            rows.append(("long-poll ReceiveMessage wake after send p50 [ms]",
                         pct(long_poll_wake(nimbus, url, n_wake), 50)["p50"], pct(floor, 50)["p50"], GOALS["wake_p50"]))
            if os.geteuid() == 0:
                acks, starts = event_latencies(nimbus, n_events)
                rows.append(("Event invoke acknowledgement p50 [ms]", pct(acks, 50)["p50"], pct(floor, 50)["p50"],
                             GOALS["ack_p50"]))
                starts.sort()
                rows.append(("Event invoke -> handler start, warm, p50 [ms]", starts[len(starts) // 2], None,
                             GOALS["start_p50"]))
        finally:
            for proc in reversed(procs):
                stop(proc)
    report(f"Nimbus queue / async benchmark: {args.nimbus}", rows, args.json, width=52)
    return 0


if __name__ == "__main__":
    sys.exit(main())
