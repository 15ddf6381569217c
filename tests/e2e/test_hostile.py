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
    if action == "credentials":
        wanted = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")
        lines = [line.split(":", 1) for line in open("/proc/self/status").read().splitlines()]
        return {key: value.strip() for key, value in lines if key in wanted}
    if action == "pid1-environment":
        return attempt(lambda: sorted(v.split(b"=")[0].decode() for v in open("/proc/1/environ", "rb").read().split(b"\0") if v))
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
                    f.flush()
                    written += 1
        except OSError as e:
            return {"written_mb": written, "error": type(e).__name__}
        finally:
            os.unlink("/tmp/fill")
    if action == "fork-bomb":
        children, error = [], None
        try:
            while len(children) < 5000:
                pid = os.fork()
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
        except OSError as e:
            error = type(e).__name__
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        return {"children": len(children), "error": error}
    if action == "allocate":
        blocks = [b"x" * (64 << 20) for _ in range(64)]
        return len(blocks)
    if action == "kill-all":
        return attempt(lambda: os.kill(-1, signal.SIGKILL))
    if action == "scan":
        def is_open(port):
            with socket.socket() as s:
                s.settimeout(0.5)
                # a connect from an ephemeral port to that same port meets itself (TCP simultaneous open)
                return s.connect_ex(("127.0.0.1", port)) == 0 and s.getsockname() != s.getpeername()
        return {"open": [p for p in range(1, 65536) if is_open(p)],
                "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"], "endpoint": os.environ.get("AWS_ENDPOINT_URL")}
    if action == "post-for":
        import urllib.request, urllib.error
        api = os.environ["AWS_LAMBDA_RUNTIME_API"]
        req = urllib.request.Request(f"http://{api}/2018-06-01/runtime/invocation/{event['id']}/response",
                                     data=b'"hijacked"', method="POST")
        try:
            return urllib.request.urlopen(req, timeout=2).status
        except urllib.error.HTTPError as e:
            return e.code
    if action == "walk":
        found, marker = [], event["marker"].encode()
        for top in ["/etc", "/opt", "/tmp", "/var", "/home", "/root", "/srv", "/mnt", "/work"]:
            for d, _, files in os.walk(top):
                for f in files:
                    try:
                        with open(os.path.join(d, f), "rb") as fh:
                            if marker in fh.read(1 << 20):
                                found.append(os.path.join(d, f))
                    except OSError:
                        pass
        return {"found": found, "reads": {p: attempt(lambda p=p: len(open(p, "rb").read())) for p in event["paths"]},
                "lists": {p: attempt(lambda p=p: os.listdir(p)) for p in event["dirs"]}}
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


@pytest.fixture(scope="module")
def big_hostile(nimbus, alice, hostile):
    """The same code with a full vCPU and room in memory, so that only the limit under test can stop it."""
    from e2e_helpers import role_arn, unique_name

    client, _, bystander = hostile
    name = unique_name("hostile-big")
    client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role_arn(alice.account_id),
                           Code={"ZipFile": make_zip({"app.py": HOSTILE})}, Timeout=30, MemorySize=1769,
                           EphemeralStorage={"Size": 512})
    return client, name, bystander


def run(client, name, event):
    resp = client.invoke(FunctionName=name, Payload=json.dumps(event))
    return resp.get("FunctionError"), json.loads(resp["Payload"].read())


def bystander_ok(client, bystander):
    assert run(client, bystander, {"x": 1}) == (None, {"ok": {"x": 1}})


# What a sandbox's root holds: the host's /usr (and the links into it), its own /tmp, /proc and /dev, /etc with
# three host files, and /var/task and /var/runtime.
SANDBOX_ROOT = {"bin", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr", "var"}


def test_cannot_read_host_files_or_other_code(nimbus, hostile):
    client, name, bystander = hostile
    data = str(nimbus.data_dir)
    err, out = run(client, name, {"action": "read", "paths": [
        f"{data}/nimbus.sqlite", "/etc/shadow", "/root/.bashrc", "/var/task/app.py"]})
    assert err is None
    assert out[f"{data}/nimbus.sqlite"].startswith("denied")
    assert out["/etc/shadow"].startswith("denied") and out["/root/.bashrc"].startswith("denied")
    # pid 1 (bwrap, or Nimbus's init when the runtime was forked in) has no environment but bwrap's PWD
    _, pid1 = run(client, name, {"action": "pid1-environment"})
    assert pid1 in ("allowed:[]", "allowed:['PWD']", "denied:PermissionError"), pid1
    assert out["/var/task/app.py"].startswith("allowed")  # its own code
    _, root = run(client, name, {"action": "list-root"})
    assert set(root) <= SANDBOX_ROOT, root
    bystander_ok(client, bystander)


def test_cannot_find_another_accounts_code_or_the_data_directory(server_factory):
    """The shared server's data directory is under /tmp, which a sandbox's own /tmp hides anyway: this server's is
    not. Bob's function runs first, so its code sits in the code store and in a task directory on the host; Alice's
    function then looks for it by its host paths and by a marker in its text, everywhere it can read."""
    import shutil
    import tempfile
    import uuid
    from pathlib import Path

    from e2e_helpers import make_traversable, role_arn

    data_dir = Path(tempfile.mkdtemp(prefix="nimbus-e2e-hostile-", dir="/var/tmp"))
    try:
        make_traversable(data_dir)
        server = server_factory(data_dir=data_dir)
        alice, bob = server.create_account("alice"), server.create_account("bob")
        marker = f"bob-secret-{uuid.uuid4().hex}"
        bob_client = server.client(bob)
        bob_client.create_function(FunctionName="secret", Runtime="python3.12", Handler="app.handler",
                                   Role=role_arn(bob.account_id),
                                   Code={"ZipFile": make_zip({"app.py": f"def handler(e, c):\n    return '{marker}'\n"})})
        assert json.loads(bob_client.invoke(FunctionName="secret", Payload=b"{}")["Payload"].read()) == marker
        on_host = [str(p) for p in data_dir.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]
        assert len(on_host) >= 2, on_host  # the stored package and the running sandbox's extracted code

        client = server.client(alice)
        client.create_function(FunctionName="explorer", Runtime="python3.12", Handler="app.handler",
                               Role=role_arn(alice.account_id), Code={"ZipFile": make_zip({"app.py": HOSTILE})},
                               Timeout=60, MemorySize=1769)
        err, out = run(client, "explorer", {"action": "walk", "marker": marker,
                                            "paths": on_host + [f"{data_dir}/nimbus.sqlite"],
                                            "dirs": [str(data_dir), f"{data_dir}/instances"]})
        assert err is None, out
        assert out["found"] == [], out["found"]
        assert all(v.startswith("denied") for v in out["reads"].values()), out["reads"]
        assert all(v.startswith("denied") for v in out["lists"].values()), out["lists"]
        assert json.loads(bob_client.invoke(FunctionName="secret", Payload=b"{}")["Payload"].read()) == marker
    finally:
        server_factory.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_sees_only_its_own_processes_and_cannot_kill_the_host(nimbus, hostile):
    client, name, bystander = hostile
    _, count = run(client, name, {"action": "processes"})
    assert count < 10
    _, out = run(client, name, {"action": "kill", "pids": [os.getpid(), 1 + os.getpid(), nimbus.pid]})
    assert all(v.startswith("denied") for v in out.values())
    # kill(-1) signals every process the caller may signal: inside its pid namespace there is none but init
    err, out = run(client, name, {"action": "kill-all"})
    assert err is None and out in ("allowed:None", "denied:ProcessLookupError"), out
    assert nimbus.alive()
    bystander_ok(client, bystander)
    assert run(client, name, {"action": "processes"})[0] is None


def test_cannot_write_outside_tmp_or_make_namespaces(hostile):
    client, name, bystander = hostile
    _, out = run(client, name, {"action": "write"})
    assert out["/var/task/x"].startswith("denied") and out["/usr/x"].startswith("denied")
    assert out["/etc/x"].startswith("denied") and out["/tmp/ok"].startswith("allowed")
    _, userns = run(client, name, {"action": "userns"})
    assert userns.startswith("denied")
    bystander_ok(client, bystander)


@pytest.mark.parametrize("variables", [{}, {"PYTHONDONTWRITEBYTECODE": "1"}], ids=["forked", "started"])
def test_the_runtime_holds_no_privilege(hostile, variables):
    """Python runtimes are forked in from a root fork server (a PYTHON* variable makes the runtime start in its
    sandbox instead): either way the runtime is the sandbox user with no capability, no-new-privileges and the
    seccomp filter."""
    client, name, bystander = hostile
    client.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    err, out = run(client, name, {"action": "credentials"})
    assert err is None, out
    assert out["Uid"].split() == ["993"] * 4 and out["Gid"].split() == ["993"] * 4 and out["Groups"] == "", out
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(out[key], 16) == 0, out
    assert out["NoNewPrivs"] == "1" and out["Seccomp"] == "2", out
    _, userns = run(client, name, {"action": "userns"})
    assert userns.startswith("denied")
    client.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
    client.get_waiter("function_updated_v2").wait(FunctionName=name)
    bystander_ok(client, bystander)


def test_cannot_reach_the_nimbus_api_or_host_loopback(nimbus, hostile):
    client, name, bystander = hostile
    _, out = run(client, name, {"action": "connect", "ports": [nimbus.port, 22, 5432]})
    assert all(v.startswith("denied") for v in out.values()), out
    bystander_ok(client, bystander)


SLEEPER = """
import time
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=context.aws_request_id)  # tells the test who it is
    time.sleep(event["sleep"])
    return context.aws_request_id
"""


def test_reaches_no_runtime_api_but_its_own(nimbus, alice, big_hostile):
    """While another sandbox runs an invocation, the hostile function posts a result for that invocation's
    request id to the only Runtime API it has, then tries every loopback port: the only ones open are its own
    Runtime API and its relay to the Nimbus API, and the other invocation ends with its own answer."""
    import concurrent.futures
    import time
    from urllib.parse import urlsplit

    from e2e_helpers import role_arn, unique_name

    client, name, bystander = big_hostile
    sqs = nimbus.client(alice, service="sqs")
    queue = unique_name("ids")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    sleeper = unique_name("sleeper")
    client.create_function(FunctionName=sleeper, Runtime="python3.12", Handler="app.handler",
                           Role=role_arn(alice.account_id), Code={"ZipFile": make_zip({"app.py": SLEEPER})},
                           Timeout=60, MemorySize=1769)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        busy = pool.submit(run, nimbus.client(alice), sleeper, {"queue": queue, "sleep": 4})
        deadline, sleeper_id = time.time() + 30, None
        while sleeper_id is None and time.time() < deadline and not busy.done():
            messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            sleeper_id = messages[0]["Body"] if messages else None
        assert sleeper_id, "the sleeper did not report its request id"
        err, status = run(client, name, {"action": "post-for", "id": sleeper_id})
        assert not busy.done(), "the sleeper was meant to be in flight during the attempt"
        assert err is None and status == 400, status
        err, out = run(client, name, {"action": "scan"})
        assert busy.result() == (None, sleeper_id)  # its own answer, not the hijacker's
    assert err is None, out
    api = urlsplit(f"http://{out['runtime_api']}")
    assert api.hostname == "127.0.0.1"
    expected = {api.port} | ({urlsplit(out["endpoint"]).port} if out["endpoint"] else set())
    assert set(out["open"]) == expected, out
    bystander_ok(client, bystander)


def test_fork_bomb_is_stopped_by_the_pids_limit(big_hostile):
    client, name, bystander = big_hostile
    err, out = run(client, name, {"action": "fork-bomb"})
    # Lambda's limit is 1,024 processes and threads: the runtime's own take a few of them
    assert err is None and out["error"] == "BlockingIOError", out
    assert 1000 <= out["children"] < 1024, out
    bystander_ok(client, bystander)
    err, count = run(client, name, {"action": "processes"})
    assert err is None and count < 10, count  # every child was reaped


def test_allocating_past_memory_is_an_out_of_memory_error(hostile):
    client, name, bystander = hostile
    err, out = run(client, name, {"action": "allocate"})
    assert err == "Unhandled" and out["errorType"] == "Runtime.OutOfMemory", out
    bystander_ok(client, bystander)
    assert run(client, name, {"action": "processes"})[0] is None  # a fresh environment


def test_filling_tmp_stops_at_its_ephemeral_storage(big_hostile):
    client, name, bystander = big_hostile
    err, out = run(client, name, {"action": "fill-tmp"})
    # tmpfs /tmp is EphemeralStorage (512 MB) big: ENOSPC there, long before the 1,769 MB memory limit
    assert err is None and out["error"] == "OSError" and 500 <= out["written_mb"] <= 512, out
    bystander_ok(client, bystander)


def test_filling_tmp_counts_against_memory(hostile):
    client, name, bystander = hostile
    err, out = run(client, name, {"action": "fill-tmp"})
    # 128 MB of memory and 512 MB of /tmp: tmpfs pages are charged to the sandbox's memory cgroup
    assert err == "Unhandled" and out["errorType"] == "Runtime.OutOfMemory", out
    bystander_ok(client, bystander)


def test_spinning_past_the_timeout_is_stopped(hostile):
    client, name, bystander = hostile
    err, out = run(client, name, {"action": "spin"})
    assert err == "Unhandled" and out["errorType"] == "Sandbox.Timedout"
    bystander_ok(client, bystander)
