"""Crash test for asynchronous invocation (issue 4): 1,000 `Event` invokes in flight, `nimbus serve`
killed with SIGKILL after about 30 % were acknowledged, restarted on the same data dir: every
acknowledged event runs at least once (0 lost). Repeated over three kill/restart rounds."""

from __future__ import annotations

import json
import subprocess
import time

from e2e_helpers import NIMBUS_BIN, call_until_killed, make_zip, role_arn, wait_active

TOTAL = 1_000
KILL_AFTER = 300
SENDERS = 8
ROUNDS = 3


def invoke_until_killed(server, name: str, round_no: int) -> set[str]:
    """Event invokes from several threads until SIGKILL; the request ids that were acknowledged."""
    def invoke(client, i):
        resp = client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"round": round_no, "i": i}))
        return resp["ResponseMetadata"]["RequestId"], True

    return set(call_until_killed(server, "lambda", invoke, total=TOTAL, kill_after=KILL_AFTER, senders=SENDERS))


def started_ids(server, name: str) -> set[str]:
    out = subprocess.run([NIMBUS_BIN, "logs", name, "--account-id", server.accounts["alice"].account_id,
                          "--data-dir", str(server.data_dir)], capture_output=True, text=True, timeout=30)
    return {line.split("START RequestId: ")[1].split()[0] for line in out.stdout.splitlines()
            if "START RequestId: " in line}


def test_acknowledged_events_run_after_sigkill(server_factory):
    server = server_factory()
    alice = server.accounts["alice"]
    server.client(alice).create_function(
        FunctionName="crash", Runtime="python3.12", Handler="app.handler", MemorySize=128,
        Role=role_arn(alice.account_id),
        Code={"ZipFile": make_zip({"app.py": "def handler(event, context):\n    return event\n"})})
    wait_active(server.client(alice), "crash")
    acked: set[str] = set()
    for round_no in range(ROUNDS):
        acked |= invoke_until_killed(server, "crash", round_no)
        server = server_factory.restart(server)
    deadline = time.time() + 240
    missing = acked
    while time.time() < deadline:
        missing = acked - started_ids(server, "crash")
        if not missing:
            break
        time.sleep(1)
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged events never ran"
