"""Pre-initialised instances (issue 3, warm pool): runtimes start before any function exists and the first
invoke of a new function takes one. Shown by the runtime process's age: a process older than the function
it serves was started before that function was created. Python, Node.js and provided runtimes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time

import pytest

from e2e_helpers import make_zip
from test_invoke import executable_zip

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root (CI runs as root)")

PAUSE = 3.0  # after CreateFunction, before the first invoke
COLD_AGE_LIMIT = 1.0  # a runtime started by the invoke itself is far younger than this

PYTHON = """
import os, sys
def age():
    with open("/proc/self/stat") as f:
        start = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    return up - start / os.sysconf("SC_CLK_TCK")
def handler(event, context):
    return {"age": age(), "path": sys.path, "greeting": os.environ.get("GREETING"), "cwd": os.getcwd(),
            "fn": context.function_name, "memory": context.memory_limit_in_mb}
"""

NODE = """
exports.handler = async () => ({ age: process.uptime(), greeting: process.env.GREETING, cwd: process.cwd() });
"""

BOOTSTRAP = """#!/bin/sh
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
# whole seconds since this process started (clock ticks of 1/100 s; /usr/bin/awk is a host alternative)
age=$(( $(cut -d. -f1 /proc/uptime) - $(cut -d' ' -f22 /proc/$$/stat) / 100 ))
while true; do
  headers="$(mktemp)"
  curl -sS -D "$headers" -o /dev/null "$api/invocation/next"
  id="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\\r' | cut -d' ' -f2)"
  rm -f "$headers"
  curl -sS -o /dev/null -X POST -d "{\\"age\\":$age,\\"greeting\\":\\"$GREETING\\"}" "$api/invocation/$id/response"
done
"""


def first_invoke(client, name, event=None):
    time.sleep(PAUSE)
    resp = client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    assert resp["StatusCode"] == 200 and "FunctionError" not in resp, resp
    return json.loads(resp["Payload"].read())


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12"])
def test_python_first_invoke_takes_a_pre_initialised_instance(client, make_function, runtime):
    name = make_function(client, Runtime=runtime, Handler="app.handler", MemorySize=256,
                         Environment={"Variables": {"GREETING": "hello"}},
                         zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    out = first_invoke(client, name)
    assert out["age"] > COLD_AGE_LIMIT, out
    # configured after it started: the function's environment, code root, name and memory
    assert out["greeting"] == "hello" and out["cwd"] == "/var/task"
    assert out["fn"] == name and out["memory"] == "256"


ALLOCATING = PYTHON + """
BLOB = bytearray(200 * 1024 * 1024)  # at import: above the 128 MB an instance has while it waits
def walk():
    return sorted(os.path.relpath(os.path.join(d, f), "/var/task") for d, _, fs in os.walk("/var/task") for f in fs)
def allocate(event, context):
    return {"age": age(), "files": walk(), "allocated": len(BLOB)}
"""


@pytest.mark.parametrize("padding", [0, 64 * 1024], ids=["small-package", "large-package"])
def test_pre_initialised_instance_gets_the_whole_package_and_the_functions_memory(client, make_function, padding):
    # A small package is linked into the waiting instance on the invocation's event loop, a large one
    # (over Invoker.inPlaceAssignmentLimit, 16 KB) on the pool. Either way the handler, in a package, imports
    # (the waiter listed /var/task while it was empty) and its module's initialisation already has the
    # function's memory, not the 128 MB the instance had while it waited.
    files = {"pkg/__init__.py": "", "pkg/app.py": ALLOCATING, "pkg/data.bin": os.urandom(padding) or b"x"}
    name = make_function(client, Runtime="python3.11", Handler="pkg.app.allocate", MemorySize=512,
                         zip_bytes=make_zip(files, compression=0))["FunctionName"]
    out = first_invoke(client, name)
    assert out["age"] > COLD_AGE_LIMIT, out
    assert out["files"] == ["pkg/__init__.py", "pkg/app.py", "pkg/data.bin"]
    assert out["allocated"] == 200 * 1024 * 1024


def test_node_first_invoke_takes_a_pre_initialised_instance(client, make_function):
    name = make_function(client, Runtime="nodejs20.x", Handler="index.handler",
                         Environment={"Variables": {"GREETING": "hola"}},
                         zip_bytes=make_zip({"index.js": NODE}))["FunctionName"]
    out = first_invoke(client, name)
    assert out["age"] > COLD_AGE_LIMIT, out
    assert out["greeting"] == "hola" and out["cwd"] == "/var/task"


def test_provided_first_invoke_takes_a_pre_initialised_instance(client, make_function):
    name = make_function(client, Runtime="provided.al2023", Handler="unused",
                         Environment={"Variables": {"GREETING": "salut"}},
                         zip_bytes=executable_zip({"bootstrap": BOOTSTRAP}, {"bootstrap"}))["FunctionName"]
    out = first_invoke(client, name)
    assert out["age"] > COLD_AGE_LIMIT, out
    assert out["greeting"] == "salut"


def test_interpreter_start_up_variables_get_a_fresh_runtime(client, make_function):
    # PYTHONPATH only takes effect when Python starts: this function cannot use a waiting interpreter.
    name = make_function(client, Runtime="python3.11", Handler="app.handler",
                         Environment={"Variables": {"PYTHONPATH": "/opt/extra"}},
                         zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    out = first_invoke(client, name)
    assert "/opt/extra" in out["path"]
    assert out["age"] < COLD_AGE_LIMIT, out


IMPORTS = PYTHON + """
import builtins, importlib.util
def imports(event, context):
    out = {"age": age(), "path": sys.path, "finders": [getattr(f, "__name__", type(f).__name__) for f in sys.meta_path],
           "builtins": [n for n in ("exit", "quit", "help", "copyright", "credits", "license") if hasattr(builtins, n)]}
    out["found"] = [n for n in ["boto3", "awslambdaric", "json"] + event["host_only"] if importlib.util.find_spec(n)]
    import awslambdaric.bootstrap, inspect
    out["runtime_file"] = awslambdaric.bootstrap.__file__
    out["runtime_source"] = inspect.getsource(awslambdaric.bootstrap.handle_event_request).startswith("def ")
    return out
"""

# Run on the host by the interpreter sandboxes use, with the runtime on PYTHONPATH as in a sandbox: the site
# directories `site` would add, and up to five packages found only there (not in the runtime or the stdlib).
HOST_SITE = """
import importlib.util, json, os, site
names = []
for d in site.getsitepackages():
    for e in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if e.isidentifier() and os.path.isfile(os.path.join(d, e, "__init__.py")):
            spec = importlib.util.find_spec(e)
            if spec and spec.origin and spec.origin.startswith(d):
                names.append(e)
print(json.dumps({"dirs": site.getsitepackages(), "host_only": names[:5]}))
"""


def host_site():
    runtime = os.environ.get("NIMBUS_PYTHON_RUNTIME", "/opt/nimbus/runtimes/python")
    out = subprocess.run(["/usr/bin/python3", "-c", HOST_SITE], env={"PYTHONPATH": runtime}, cwd="/",
                         capture_output=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("variables", [{}, {"PYTHONPATH": "/opt/extra"}], ids=["waiting-instance", "fresh-runtime"])
def test_python_functions_import_only_what_lambda_has(client, make_function, variables):
    # On Lambda a function imports its code, the runtime's packages and the standard library; never the
    # host's site directories (Debian's dist-packages and their .pth hooks). Same for both ways a Python
    # runtime starts; site's builtins stay.
    name = make_function(client, Runtime="python3.11", Handler="app.imports",
                         Environment={"Variables": variables}, zip_bytes=make_zip({"app.py": IMPORTS}))["FunctionName"]
    host = host_site()
    assert host["dirs"], host  # Debian's python3 always names its dist-packages directories
    out = first_invoke(client, name, {"host_only": host["host_only"]})
    assert (out["age"] > COLD_AGE_LIMIT) == (not variables), out
    assert "/var/runtime" in out["path"] and "/var/task" in out["path"], out
    assert not set(out["path"]) & set(host["dirs"]), (out, host)
    assert "PathFinder" in out["finders"] and "DistutilsMetaFinder" not in out["finders"], out
    assert out["builtins"] == ["exit", "quit", "help", "copyright", "credits", "license"], out
    # the runtime's packages and the standard library are found; what only the host's site directories hold is not
    assert out["found"] == ["boto3", "awslambdaric", "json"], (out, host)
    # the runtime's modules are /var/runtime's, with their source, also in a runtime forked from the fork server
    assert out["runtime_file"] == "/var/runtime/awslambdaric/bootstrap.py" and out["runtime_source"], out


def test_function_environment_never_appears_on_a_host_command_line(client, make_function):
    secret = "s3cr3t-" + os.urandom(6).hex()
    name = make_function(client, Runtime="python3.11", Handler="app.handler",
                         Environment={"Variables": {"GREETING": secret}},
                         zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    assert first_invoke(client, name)["greeting"] == secret
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                assert secret.encode() not in f.read(), f"pid {pid} shows the function's environment"
        except OSError:
            pass


PROVISIONED = """
import os, time
LOADED = time.time()
if os.environ.get("FAIL_INIT"):
    raise RuntimeError("init refuses")
def handler(event, context):
    return {"loaded": LOADED, "now": time.time(), "init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]}
"""


def provisioned_status(client, name, qualifier, want, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        got = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if got["Status"] == want or time.monotonic() > deadline:
            return got
        time.sleep(0.25)


def test_provisioned_concurrency_initialises_before_the_first_invoke(client, make_function):
    name = make_function(client, Runtime="python3.11", Handler="app.handler",
                         zip_bytes=make_zip({"app.py": PROVISIONED}))["FunctionName"]
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    put = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)
    assert put["Status"] == "IN_PROGRESS" and put["AllocatedProvisionedConcurrentExecutions"] == 0
    got = provisioned_status(client, name, "live", "READY")
    assert got["Status"] == "READY", got
    assert got["AllocatedProvisionedConcurrentExecutions"] == got["AvailableProvisionedConcurrentExecutions"] == 2
    time.sleep(1.0)
    resp = client.invoke(FunctionName=name, Qualifier="live", Payload=b"{}", LogType="Tail")
    out = json.loads(resp["Payload"].read())
    assert out["init"] == "provisioned-concurrency"
    # the module was loaded (init code ran) well before this invocation
    assert out["now"] - out["loaded"] > 0.9, out
    report = [line for line in base64.b64decode(resp["LogResult"]).decode().splitlines() if line.startswith("REPORT")]
    assert report and "Init Duration" not in report[0]
    assert resp["ExecutedVersion"] == "1"
    # the second one too: both environments were initialised by the allocation
    again = json.loads(client.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")["Payload"].read())
    assert again["init"] == "provisioned-concurrency" and again["now"] - again["loaded"] > 0.9, again
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")


def test_provisioned_concurrency_whose_init_fails_is_reported_failed(client, make_function):
    name = make_function(client, Runtime="python3.11", Handler="app.handler",
                         Environment={"Variables": {"FAIL_INIT": "1"}},
                         zip_bytes=make_zip({"app.py": PROVISIONED}))["FunctionName"]
    client.publish_version(FunctionName=name)
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    got = provisioned_status(client, name, "1", "FAILED")
    assert got["Status"] == "FAILED", got
    assert got["StatusReason"] and got["AllocatedProvisionedConcurrentExecutions"] == 0
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")


def test_an_idle_server_does_not_spin_after_takes_and_events(nimbus, client, make_function):
    # Taking a pre-initialised instance and accepting an Event both ring a doorbell; a bell left rung
    # once made the waiting loops spin a core. Idle, the server must use a small fraction of one CPU.
    name = make_function(client, Runtime="python3.11", Handler="app.handler",
                         zip_bytes=make_zip({"app.py": PYTHON}))["FunctionName"]
    client.invoke(FunctionName=name, Payload=b"{}")
    client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    time.sleep(PAUSE)  # the event runs and the pool refills

    def cpu_seconds():
        with open(f"/proc/{nimbus.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before = cpu_seconds()
    time.sleep(3.0)
    assert cpu_seconds() - before < 0.75, "the server burns CPU while idle"
