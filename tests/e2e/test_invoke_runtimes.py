"""Node.js and provided functions through real sandboxes, as deep as the Python ones in test_invoke.py: context
fields, callback handlers, init errors, exits, timeouts, out-of-memory kills and the 6 MB payload limits."""

from __future__ import annotations

import json
import os
import time

import pytest

from e2e_helpers import make_zip
from test_invoke import executable_zip, invoke, shell_runtime

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root (CI runs as root)")

NODE = """
let calls = 0;
exports.handler = async (event, context) => {
  calls += 1;
  if (event.sleep) { await new Promise((r) => setTimeout(r, event.sleep * 1000)); }
  if (event.exit !== undefined) { process.exit(event.exit); }
  if (event.allocate) { const kept = []; for (;;) { kept.push(Buffer.alloc(64 << 20, 1)); } }
  if (event.big) { return "x".repeat(event.big); }
  return { event, calls, fn: context.functionName, version: context.functionVersion,
           memory: context.memoryLimitInMB, requestId: context.awsRequestId, arn: context.invokedFunctionArn,
           remaining: context.getRemainingTimeInMillis() };
};
exports.callback = (event, context, callback) => {
  setTimeout(() => callback(event.fail ? new Error("callback says no") : null, { via: "callback" }), 10);
};
"""

NODE_INIT_ERRORS = {
    "thrown": ("throw new TypeError('broken at load');\n", "TypeError", "broken at load"),
    "syntax": ("exports.handler = (;\n", "Runtime.UserCodeSyntaxError", "SyntaxError"),
}


@pytest.fixture
def node_fn(client, make_function):
    return make_function(client, Runtime="nodejs20.x", Handler="index.handler", Timeout=3, Publish=True,
                         zip_bytes=make_zip({"index.js": NODE}))["FunctionName"]


def test_node_context_fields(client, alice, node_fn):
    resp, body = invoke(client, node_fn, {"a": 1}, Qualifier="1")
    out = json.loads(body)
    assert resp["ExecutedVersion"] == "1"
    assert out["event"] == {"a": 1} and out["fn"] == node_fn and out["version"] == "1" and out["memory"] == "128"
    assert out["requestId"] == resp["ResponseMetadata"]["RequestId"]
    assert out["arn"] == f"arn:aws:lambda:us-east-1:{alice.account_id}:function:{node_fn}:1"
    assert 1500 < out["remaining"] <= 3000, out  # Timeout=3
    assert json.loads(invoke(client, node_fn, {}, Qualifier="1")[1])["calls"] == 2  # the same warm module


def test_node_callback_handler(client, make_function):
    name = make_function(client, Runtime="nodejs20.x", Handler="index.callback",
                         zip_bytes=make_zip({"index.js": NODE}))["FunctionName"]
    assert json.loads(invoke(client, name, {})[1]) == {"via": "callback"}
    resp, body = invoke(client, name, {"fail": True})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == "Error" and json.loads(body)["errorMessage"] == "callback says no"


@pytest.mark.parametrize("case", sorted(NODE_INIT_ERRORS))
def test_node_init_error_is_returned_on_the_invoke(client, make_function, case):
    source, error_type, message = NODE_INIT_ERRORS[case]
    name = make_function(client, Runtime="nodejs20.x", Handler="index.handler",
                         zip_bytes=make_zip({"index.js": source}))["FunctionName"]
    resp, body = invoke(client, name, {})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == error_type and message in json.loads(body)["errorMessage"], body


def test_node_exit_and_timeout_then_a_fresh_environment(client, node_fn):
    resp, body = invoke(client, node_fn, {"exit": 3})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body) == {"errorType": "Runtime.ExitError", "errorMessage":
                                f"RequestId: {resp['ResponseMetadata']['RequestId']} Error: Runtime exited with error: exit status 3"}
    assert json.loads(invoke(client, node_fn, {})[1])["calls"] == 1  # module state is gone
    resp, body = invoke(client, node_fn, {"sleep": 6})
    assert resp["FunctionError"] == "Unhandled" and json.loads(body)["errorType"] == "Sandbox.Timedout"
    assert json.loads(invoke(client, node_fn, {})[1])["calls"] == 1


def test_node_out_of_memory_then_a_fresh_environment(client, make_function):
    # 128 MB gets 7 % of a vCPU: the timeout leaves room to fill the memory at that pace
    name = make_function(client, Runtime="nodejs20.x", Handler="index.handler", Timeout=30,
                         zip_bytes=make_zip({"index.js": NODE}))["FunctionName"]
    assert json.loads(invoke(client, name, {})[1])["calls"] == 1
    resp, body = invoke(client, name, {"allocate": True})
    assert resp["FunctionError"] == "Unhandled" and json.loads(body)["errorType"] == "Runtime.OutOfMemory", body
    assert json.loads(invoke(client, name, {})[1])["calls"] == 1


PROVIDED = shell_runtime(first="""if [ "$MODE" = init-error ]; then
  curl -sS -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: Runtime.NoConfig" \\
    -d '{"errorType":"Runtime.NoConfig","errorMessage":"no configuration"}' "$api/init/error"
  exit 1
fi
""", each_event="""  case "$event" in *exit*) exit 7 ;; esac
  curl -sS -o /dev/null -X POST -d "{\\"id\\":\\"$id\\",\\"deadline\\":$deadline,\\"fn\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\"}" \\
    "$api/invocation/$id/response"
""")


def provided_fn(client, make_function, **config):
    return make_function(client, Runtime="provided.al2023", Handler="unused", Timeout=3,
                         zip_bytes=executable_zip({"bootstrap": PROVIDED}, {"bootstrap"}), **config)["FunctionName"]


def test_provided_request_id_deadline_and_exit(client, make_function):
    name = provided_fn(client, make_function)
    before = time.time() * 1000
    resp, body = invoke(client, name, {})
    out = json.loads(body)
    assert out["id"] == resp["ResponseMetadata"]["RequestId"] and out["fn"] == name
    assert before + 2000 < out["deadline"] <= time.time() * 1000 + 3000, out  # Timeout=3, epoch ms
    resp, body = invoke(client, name, {"exit": True})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body)["errorType"] == "Runtime.ExitError" and "exit status 7" in json.loads(body)["errorMessage"]
    assert json.loads(invoke(client, name, {})[1])["fn"] == name  # a fresh bootstrap


def test_provided_init_error(client, make_function):
    name = provided_fn(client, make_function, Environment={"Variables": {"MODE": "init-error"}})
    resp, body = invoke(client, name, {})
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body) == {"errorType": "Runtime.NoConfig", "errorMessage": "no configuration"}


# 6 MB is Lambda's synchronous limit both ways; a response may be up to 6,291,556 bytes.
NEAR_LIMIT = 6_000_000


@pytest.mark.parametrize("runtime", ["python3.12", "nodejs20.x"])
def test_payloads_near_6_mb_pass_and_larger_responses_are_an_error(client, make_function, runtime):
    if runtime == "python3.12":
        code = {"app.py": "def handler(e, c):\n    return e if 'echo' in e else 'x' * e['big']\n"}
        handler = "app.handler"
    else:
        code = {"index.js": "exports.handler = async (e) => ('echo' in e ? e : 'x'.repeat(e.big));\n"}
        handler = "index.handler"
    name = make_function(client, Runtime=runtime, Handler=handler, MemorySize=512,
                         zip_bytes=make_zip(code))["FunctionName"]
    event = {"echo": "y" * NEAR_LIMIT}
    resp, body = invoke(client, name, event)
    assert "FunctionError" not in resp and len(body) > NEAR_LIMIT and json.loads(body) == event
    resp, body = invoke(client, name, {"big": 6_291_556})  # a JSON string: two quotes more than the limit
    assert resp["FunctionError"] == "Unhandled"
    assert json.loads(body) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge"}
    assert json.loads(invoke(client, name, {"big": 3})[1]) == "xxx"  # and the function still answers
