"""A nimbus serve killed with SIGKILL leaves no sandbox processes, and its restart leaves no cgroups."""

from __future__ import annotations

import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from e2e_helpers import make_zip, role_arn

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root (CI runs as root)")


def cgroup_scope(data_dir: Path) -> str:
    """The server's cgroup scope: FNV-1a of the data directory's path, as NimbusPlatform computes it."""
    h = 0xCBF29CE484222325
    for b in str(data_dir.resolve()).encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "x")


CONTROLLERS = ("memory", "cpu", "cpuacct", "pids", "freezer")  # CgroupV1.controllers


def sandboxes(scope: str, controller: str = "pids") -> list[str]:
    parent = Path(f"/sys/fs/cgroup/{controller}/nimbus/{scope}")
    return [p.name for p in parent.iterdir() if p.is_dir()] if parent.exists() else []


def host_mounts_under(path: Path) -> list[str]:
    """Mount points in the host's mount namespace at or below `path` (sandboxes mount only in their own)."""
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    return [p for p in points if p == str(path) or p.startswith(f"{path}/")]


def scope_pids(scope: str) -> list[int]:
    """Every process in the server's sandboxes (pre-initialised instances included)."""
    pids = []
    for name in sandboxes(scope):
        try:
            pids += [int(p) for p in Path(f"/sys/fs/cgroup/pids/nimbus/{scope}/{name}/cgroup.procs").read_text().split()]
        except OSError:
            pass
    return pids


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def test_sigkill_leaves_no_strays_and_restart_sweeps(server_factory):
    server = server_factory()
    alice = server.accounts["alice"]
    client = server.client(alice)
    module = f"probe_{uuid.uuid4().hex}"
    client.create_function(FunctionName="probe", Runtime="python3.12", Handler=f"{module}.handler",
                           Role=role_arn(alice.account_id),
                           Code={"ZipFile": make_zip({f"{module}.py": "def handler(e, c):\n    return e\n"})})
    assert json.loads(client.invoke(FunctionName="probe", Payload=b'{"a":1}')["Payload"].read()) == {"a": 1}
    scope = cgroup_scope(server.data_dir)
    before = set(sandboxes(scope))
    pids = scope_pids(scope)
    # the function's sandbox and the pre-initialised instances waiting beside it, in every controller
    assert len(before) >= 2 and pids
    assert all(before <= set(sandboxes(scope, c)) for c in CONTROLLERS)
    assert host_mounts_under(server.data_dir) == []
    assert before & set(os.listdir(server.data_dir / "instances")), "task directories are named by sandbox"

    server.kill()  # SIGKILL: no graceful shutdown
    deadline = time.time() + 10
    while alive(pids) and time.time() < deadline:
        time.sleep(0.1)
    assert not alive(pids), "bwrap --die-with-parent takes every sandbox down with the server"

    restarted = server_factory.restart(server)
    for controller in CONTROLLERS:
        assert not before & set(sandboxes(scope, controller)), f"the restart swept its predecessor's {controller} cgroups"
    assert host_mounts_under(server.data_dir) == []
    assert not before & set(os.listdir(restarted.data_dir / "instances")), "and its sandboxes' task directories"
    client = restarted.client(alice)
    assert json.loads(client.invoke(FunctionName="probe", Payload=b'{"b":2}')["Payload"].read()) == {"b": 2}


def one_function_server(server_factory, monkeypatch, name: str, source: str):
    """A private server with no pre-initialised instances (only the function's own sandbox in its cgroup
    scope) and one Python function `name` of alice's: (server, alice, client)."""
    monkeypatch.setenv("NIMBUS_PREINITIALISED", "")
    server = server_factory()
    alice = server.accounts["alice"]
    client = server.client(alice)
    client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                           Role=role_arn(alice.account_id), Code={"ZipFile": make_zip({"app.py": source})})
    return server, alice, client


def wait_for_no_sandboxes(scope: str, seconds: float = 15) -> list[str]:
    deadline = time.time() + seconds
    while sandboxes(scope) and time.time() < deadline:
        time.sleep(0.1)
    return sandboxes(scope)


def test_idle_sandboxes_are_torn_down_after_the_idle_timeout(server_factory, monkeypatch):
    monkeypatch.setenv("NIMBUS_IDLE_TIMEOUT", "1")
    server, _, client = one_function_server(server_factory, monkeypatch, "idle", "def handler(e, c):\n    return e\n")
    client.invoke(FunctionName="idle", Payload=b"{}")
    scope = cgroup_scope(server.data_dir)
    assert len(sandboxes(scope)) == 1
    assert wait_for_no_sandboxes(scope) == [], "the idle sandbox was reaped"
    assert client.invoke(FunctionName="idle", Payload=b'{"again":1}')["StatusCode"] == 200


DIES_AFTER_ANSWERING = """
import os, threading, time
def handler(event, context):
    def die():
        time.sleep(0.2)
        print("runtime exiting while idle", flush=True)
        os._exit(0)
    if event.get("die"):
        threading.Thread(target=die).start()
    return event
"""


def test_a_sandbox_whose_runtime_exits_while_idle_is_torn_down_at_once(server_factory, monkeypatch):
    """Its cgroups go (its memory is free again) long before the idle timeout, what the runtime wrote is in the
    function's log, and the next invocation gets a fresh sandbox."""
    server, alice, client = one_function_server(server_factory, monkeypatch, "dies", DIES_AFTER_ANSWERING)
    assert json.loads(client.invoke(FunctionName="dies", Payload=b'{"die":1}')["Payload"].read()) == {"die": 1}
    scope = cgroup_scope(server.data_dir)
    first = sandboxes(scope)
    assert len(first) == 1
    assert wait_for_no_sandboxes(scope) == [], "the dead sandbox was torn down (the idle timeout is 300 s)"
    log = (server.data_dir / "logs" / alice.account_id / "us-east-1" / "dies.log").read_text()
    assert "runtime exiting while idle" in log
    assert json.loads(client.invoke(FunctionName="dies", Payload=b'{"n":2}')["Payload"].read()) == {"n": 2}
    assert sandboxes(scope) != first


SLEEPS = "import time\ndef handler(e, c):\n    time.sleep(e.get('sleep', 0))\n    return e\n"


def test_reaping_while_invocations_take_and_return_sandboxes(server_factory, monkeypatch):
    """The reaper tears expired sandboxes of several functions down while two callers keep taking and returning
    sandboxes of another whose idle list holds both expired and fresh ones: no busy sandbox is handed out twice
    and no torn-down one comes back (every answer is right), and once all is quiet every sandbox goes."""
    monkeypatch.setenv("NIMBUS_IDLE_TIMEOUT", "2")
    server, alice, client = one_function_server(server_factory, monkeypatch, "busy", SLEEPS)
    names = ["busy"] + [f"idle{i}" for i in range(3)]
    for name in names[1:]:
        client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                               Role=role_arn(alice.account_id), Code={"ZipFile": make_zip({"app.py": SLEEPS})})

    def invoke(name: str, event: dict) -> dict:
        resp = server.client(alice).invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return {"error": resp.get("FunctionError"), "body": json.loads(resp["Payload"].read())}

    with ThreadPoolExecutor(16) as pool:  # four sandboxes of each function
        warmed = list(pool.map(lambda job: invoke(*job), [(n, {"sleep": 1.5, "n": i}) for n in names for i in range(4)]))
    assert all(w["error"] is None for w in warmed), warmed
    scope = cgroup_scope(server.data_dir)
    assert len(sandboxes(scope)) == 16

    answers, until = [], time.monotonic() + 13  # two reaper rounds (every 5 s) after the first expiry
    def keep_invoking(caller: int) -> None:
        n = 0
        while time.monotonic() < until:
            event = {"caller": caller, "n": n}
            answers.append((event, invoke("busy", event)))
            n += 1
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(keep_invoking, range(2)))
    wrong = [(event, answer) for event, answer in answers if answer != {"error": None, "body": event}]
    assert answers and not wrong, wrong[:5]
    assert server.alive()
    assert wait_for_no_sandboxes(scope, seconds=20) == [], "every sandbox was reaped once all was quiet"
    assert invoke("busy", {"again": 1}) == {"error": None, "body": {"again": 1}}
