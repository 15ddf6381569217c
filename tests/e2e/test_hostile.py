"""Hostile function code (issue 3): every attack is contained and other functions keep working.
Runs real sandboxes through boto3; skipped only where sandboxes cannot run (not root)."""

from __future__ import annotations

import json
import os

import pytest

from e2e_helpers import make_zip

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root (CI runs as root)")

HOSTILE = r'''
import os, socket, time, signal

def attempt(fn):
    try:
        return "allowed:" + str(fn())
    except Exception as e:
        return "denied:" + type(e).__name__

def handler(event, context):
    action = event["action"]
    if action == "read":
        return {p: attempt(lambda p=p: len(open(p, "rb").read())) for p in event["paths"]}
    if action == "list-root":
        return sorted(os.listdir("/"))
    if action == "processes":
        return len([p for p in os.listdir("/proc") if p.isdigit()])
    if action == "write":
        return {p: attempt(lambda p=p: open(p, "w").write("x")) for p in ["/var/task/x", "/usr/x", "/etc/x", "/tmp/ok"]}
    if action == "fill-tmp":
        written = 0
        try:
            with open("/tmp/fill", "wb") as f:
                while True:
                    f.write(b"\0" * (1 << 20))
                    written += 1
        except OSError as e:
            return {"written_mb": written, "error": type(e).__name__}
    if action == "fork-bomb":
        children = 0
        try:
            while children < 5000:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                children += 1
        except OSError as e:
            return {"children": children, "error": type(e).__name__}
        return {"children": children, "error": None}
    if action == "allocate":
        blocks = [bytearray(64 << 20) for _ in range(64)]
        return len(blocks)
    if action == "spin":
        while True:
            pass
    if action == "kill":
        return {str(pid): attempt(lambda pid=pid: os.kill(pid, signal.SIGKILL)) for pid in event["pids"]}
    if action == "connect":
        def connect(port):
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.close()
            return port
        return {str(p): attempt(lambda p=p: connect(p)) for p in event["ports"]}
    if action == "userns":
        return attempt(lambda: os.unshare(os.CLONE_NEWUSER))
    return "unknown"
'''

ECHO = "def handler(event, context):\n    return {'ok': event}\n"


@pytest.fixture(scope="module")
def hostile(nimbus, alice):
    client = nimbus.client(alice)
    from e2e_helpers import role_arn, unique_name

    name = unique_name("hostile")
    client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role_arn(alice.account_id),
                           Code={"ZipFile": make_zip({"app.py": HOSTILE})}, Timeout=3, MemorySize=128)
    bystander = unique_name("bystander")
    client.create_function(FunctionName=bystander, Runtime="python3.12", Handler="app.handler",
                           Role=role_arn(alice.account_id), Code={"ZipFile": make_zip({"app.py": ECHO})})
    return client, name, bystander


def run(client, name, event):
    resp = client.invoke(FunctionName=name, Payload=json.dumps(event))
    return resp.get("FunctionError"), json.loads(resp["Payload"].read())


def bystander_ok(client, bystander):
    assert run(client, bystander, {"x": 1}) == (None, {"ok": {"x": 1}})


def test_cannot_read_host_files_or_other_code(nimbus, hostile):
    client, name, bystander = hostile
    data = str(nimbus.data_dir)
    err, out = run(client, name, {"action": "read", "paths": [
        f"{data}/nimbus.sqlite", "/etc/shadow", "/root/.bashrc", "/proc/1/environ", "/var/task/app.py"]})
    assert err is None
    assert out[f"{data}/nimbus.sqlite"].startswith("denied")
    assert out["/etc/shadow"].startswith("denied") and out["/root/.bashrc"].startswith("denied")
    assert out["/proc/1/environ"] in ("allowed:0", "denied:PermissionError")  # bwrap's env is empty
    assert out["/var/task/app.py"].startswith("allowed")  # its own code
    _, root = run(client, name, {"action": "list-root"})
    assert "work" not in root and "root" not in root or root.count("root") == 0
    bystander_ok(client, bystander)


def test_sees_only_its_own_processes_and_cannot_kill_the_host(hostile):
    client, name, bystander = hostile
    _, count = run(client, name, {"action": "processes"})
    assert count < 10
    _, out = run(client, name, {"action": "kill", "pids": [os.getpid(), 1 + os.getpid()]})
    assert all(v.startswith("denied") for v in out.values())
    bystander_ok(client, bystander)


def test_cannot_write_outside_tmp_or_make_namespaces(hostile):
    client, name, bystander = hostile
    _, out = run(client, name, {"action": "write"})
    assert out["/var/task/x"].startswith("denied") and out["/usr/x"].startswith("denied")
    assert out["/etc/x"].startswith("denied") and out["/tmp/ok"].startswith("allowed")
    _, userns = run(client, name, {"action": "userns"})
    assert userns.startswith("denied")
    bystander_ok(client, bystander)


def test_cannot_reach_the_nimbus_api_or_host_loopback(nimbus, hostile):
    client, name, bystander = hostile
    _, out = run(client, name, {"action": "connect", "ports": [nimbus.port, 22, 5432]})
    assert all(v.startswith("denied") for v in out.values()), out
    bystander_ok(client, bystander)


def test_fork_bomb_is_stopped_by_the_pids_limit(hostile):
    client, name, bystander = hostile
    err, out = run(client, name, {"action": "fork-bomb"})
    # Stopped by pids.max (fork fails) or, with 128 MB, by the memory limit first, or by the timeout.
    if err is None:
        assert out["error"] == "BlockingIOError" and out["children"] < 5000, out
    else:
        assert out["errorType"] in ("Runtime.OutOfMemory", "Sandbox.Timedout", "Runtime.ExitError"), out
    bystander_ok(client, bystander)
    # and the function itself works again, in a fresh environment if its sandbox was destroyed
    assert run(client, name, {"action": "processes"})[0] is None


def test_filling_tmp_and_allocating_past_memory_are_contained(hostile):
    client, name, bystander = hostile
    err, out = run(client, name, {"action": "allocate"})
    assert err == "Unhandled" and out["errorType"] in ("Runtime.OutOfMemory", "MemoryError"), out
    err, out = run(client, name, {"action": "fill-tmp"})
    # tmpfs /tmp counts against the 128 MB memory limit: the runtime is OOM-killed or gets ENOSPC
    assert (err == "Unhandled" and out["errorType"] == "Runtime.OutOfMemory") or out.get("error") == "OSError", out
    bystander_ok(client, bystander)


def test_spinning_past_the_timeout_is_stopped(hostile):
    client, name, bystander = hostile
    err, out = run(client, name, {"action": "spin"})
    assert err == "Unhandled" and out["errorType"] == "Sandbox.Timedout"
    bystander_ok(client, bystander)
