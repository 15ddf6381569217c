"""`aws lambda invoke` (the aws CLI) against real sandboxes, for a Python, a Node.js and a provided function:
the result file, ExecutedVersion, FunctionError with the error document, and the Tail log."""

from __future__ import annotations

import base64
import json
import os

import pytest

from e2e_helpers import make_zip, role_arn, unique_name
from test_invoke import executable_zip, shell_runtime

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandboxes need root (CI runs as root)")

PYTHON = """
def handler(event, context):
    if event.get("fail"):
        raise KeyError("python says no")
    print("python-log-line")
    return {"doubled": event["n"] * 2, "version": context.function_version}
"""

NODE = """
exports.handler = async (event, context) => {
  if (event.fail) { throw new RangeError("node says no"); }
  console.log("node-log-line");
  return { doubled: event.n * 2, version: context.functionVersion };
};
"""

# A custom runtime in shell: the event goes to the handler script named by _HANDLER, which prints the answer
# or exits non-zero; a failure is posted to /error with an error type, as custom runtimes do.
BOOTSTRAP = shell_runtime("""  echo "provided-log-line"
  if out="$(./"$_HANDLER" "$event")"; then
    curl -sS -o /dev/null -X POST -d "$out" "$api/invocation/$id/response"
  else
    curl -sS -o /dev/null -X POST -H "Lambda-Runtime-Function-Error-Type: Handler.Failed" \\
      -d '{"errorType":"Handler.Failed","errorMessage":"provided says no"}' "$api/invocation/$id/error"
  fi
""")

HANDLER = """#!/bin/sh
case "$1" in *fail*) exit 3 ;; esac
n="$(echo "$1" | tr -dc 0-9)"
echo "{\\"doubled\\": $((n * 2)), \\"version\\": \\"$AWS_LAMBDA_FUNCTION_VERSION\\"}"
"""

RUNTIMES = {
    "python3.12": ("app.handler", {"app.py": PYTHON}, set(), "python-log-line", "KeyError"),
    "nodejs20.x": ("index.handler", {"index.js": NODE}, set(), "node-log-line", "RangeError"),
    "provided.al2023": ("handler.sh", {"bootstrap": BOOTSTRAP, "handler.sh": HANDLER}, {"bootstrap", "handler.sh"},
                        "provided-log-line", "Handler.Failed"),
}


@pytest.fixture(scope="module", params=sorted(RUNTIMES))
def cli_function(request, aws_cli, alice, tmp_path_factory):
    runtime = request.param
    handler, files, executables, log_line, error_type = RUNTIMES[runtime]
    zip_path = tmp_path_factory.mktemp("cli") / "function.zip"
    zip_path.write_bytes(executable_zip(files, executables) if executables else make_zip(files))
    name = unique_name("cli-invoke")
    created = aws_cli(alice, "create-function", "--function-name", name, "--runtime", runtime, "--handler", handler,
                      "--role", role_arn(alice.account_id), "--zip-file", f"fileb://{zip_path}", "--publish")
    assert created.returncode == 0, created.stderr
    assert aws_cli(alice, "wait", "function-active-v2", "--function-name", name).returncode == 0
    return name, log_line, error_type


def cli_invoke(aws_cli, alice, tmp_path, name, payload, *extra):
    out = tmp_path / "out.json"
    result = aws_cli(alice, "invoke", "--function-name", name, "--payload", json.dumps(payload), *extra, str(out))
    assert result.returncode == 0, result.stderr
    return result.json, json.loads(out.read_bytes())


def test_aws_lambda_invoke_writes_the_result_and_the_executed_version(aws_cli, alice, tmp_path, cli_function):
    name, log_line, _ = cli_function
    meta, body = cli_invoke(aws_cli, alice, tmp_path, name, {"n": 21})
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in meta
    assert body == {"doubled": 42, "version": "$LATEST"}
    meta, body = cli_invoke(aws_cli, alice, tmp_path, name, {"n": 5}, "--qualifier", "1", "--log-type", "Tail")
    assert meta["ExecutedVersion"] == "1" and body == {"doubled": 10, "version": "1"}
    log = base64.b64decode(meta["LogResult"]).decode()
    assert "START RequestId: " in log and " Version: 1\n" in log and log_line in log and "REPORT RequestId: " in log


def test_aws_lambda_invoke_reports_a_function_error(aws_cli, alice, tmp_path, cli_function):
    name, _, error_type = cli_function
    meta, body = cli_invoke(aws_cli, alice, tmp_path, name, {"fail": True})
    assert meta["StatusCode"] == 200 and meta["FunctionError"] == "Unhandled", meta
    assert body["errorType"] == error_type and "says no" in body["errorMessage"], body
    # the function keeps working after its error
    assert cli_invoke(aws_cli, alice, tmp_path, name, {"n": 2})[1]["doubled"] == 4
