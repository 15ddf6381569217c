"""Functions that call Nimbus (issue 4): inside the sandbox, AWS_ENDPOINT_URL reaches the Nimbus API
(Lambda and SQS) with temporary credentials scoped to the function's own account — never the account's
long-term keys — and nothing else on the host."""

from __future__ import annotations

import json

from e2e_helpers import make_zip, unique_name

CALLER = r'''
import json, os, socket, urllib.request
import boto3

def handler(event, context):
    out = {"env": {k: os.environ.get(k, "") for k in
                   ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}}
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
    out["sent"] = sqs.send_message(QueueUrl=url, MessageBody="from inside")["MessageId"]
    lam = boto3.client("lambda")
    out["invoked"] = json.loads(lam.invoke(FunctionName=event["echo"], Payload=b'{"hi": 1}')["Payload"].read())
    try:
        sqs.get_queue_url(QueueName=event["other_queue"], QueueOwnerAWSAccountId=event["other_account"])
        out["other"] = "visible"
    except Exception as e:
        out["other"] = type(e).__name__ + ": " + str(e)[:200]
    # Unsigned and wrongly signed requests to the relay are refused.
    req = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/2015-03-31/functions", method="GET")
    try:
        urllib.request.urlopen(req, timeout=5)
        out["unsigned"] = 200
    except urllib.error.HTTPError as e:
        out["unsigned"] = e.code
    forged = boto3.client("lambda", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"], aws_session_token="forged")
    try:
        forged.list_functions()
        out["forged_token"] = "accepted"
    except Exception as e:
        out["forged_token"] = type(e).__name__ + ": " + str(e)[:200]
    # Nothing else on the host: the server's real port and other host ports stay closed.
    def connect(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return "open"
        except OSError as e:
            return type(e).__name__
    out["ports"] = {str(p): connect(p) for p in event["ports"]}
    return out
'''

ECHO = "def handler(event, context):\n    return {'echo': event}\n"


def test_function_reaches_nimbus_with_scoped_temporary_credentials(
        nimbus, client, alice, bob, make_function):
    sqs = nimbus.client(alice, service="sqs")
    queue = unique_name("inside")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    bob_queue = unique_name("bobs")
    nimbus.client(bob, service="sqs").create_queue(QueueName=bob_queue)
    echo = make_function(client, Runtime="python3.12", Handler="app.handler",
                         zip_bytes=make_zip({"app.py": ECHO}))["FunctionName"]
    caller = make_function(client, Runtime="python3.12", Handler="app.handler", Timeout=30, MemorySize=256,
                           zip_bytes=make_zip({"app.py": CALLER}))["FunctionName"]
    resp = client.invoke(FunctionName=caller, Payload=json.dumps({
        "queue": queue, "echo": echo, "other_queue": bob_queue, "other_account": bob.account_id,
        "ports": [nimbus.port, 22]}))
    body = json.loads(resp["Payload"].read())
    assert "FunctionError" not in resp, body
    env = body["env"]
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9000"
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and len(env["AWS_SESSION_TOKEN"]) > 100
    # Never the account's long-term keys.
    assert env["AWS_ACCESS_KEY_ID"] != alice.access_key_id
    assert env["AWS_SECRET_ACCESS_KEY"] != alice.secret_access_key
    assert body["invoked"] == {"echo": {"hi": 1}}
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "from inside" and message["MessageId"] == body["sent"]
    assert "NonExistentQueue" in body["other"] or "QueueDoesNotExist" in body["other"], body["other"]
    assert body["unsigned"] == 403
    assert "UnrecognizedClient" in body["forged_token"] or "invalid" in body["forged_token"], body["forged_token"]
    assert body["ports"] == {str(nimbus.port): "ConnectionRefusedError", "22": "ConnectionRefusedError"}
    # The temporary credentials act for alice's account from anywhere, and only with their token.
    import boto3
    import botocore.config
    temp = boto3.session.Session().client(
        "sqs", endpoint_url=nimbus.endpoint, region_name="us-east-1", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], aws_session_token=env["AWS_SESSION_TOKEN"],
        config=botocore.config.Config(retries={"max_attempts": 1}))
    assert temp.get_queue_url(QueueName=queue)["QueueUrl"].endswith(f"/{alice.account_id}/{queue}")


LEAKY = """
import os, time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {k: os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
"""


def test_credentials_die_with_their_sandbox(nimbus, client, make_function):
    import boto3
    import botocore.config
    from botocore.exceptions import ClientError

    name = make_function(client, Runtime="python3.12", Handler="app.handler", Timeout=2,
                         zip_bytes=make_zip({"app.py": LEAKY}))["FunctionName"]
    creds = json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
    leaked = boto3.session.Session().client(
        "lambda", endpoint_url=nimbus.endpoint, region_name="us-east-1", aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"], aws_session_token=creds["AWS_SESSION_TOKEN"],
        config=botocore.config.Config(retries={"max_attempts": 1}))
    assert leaked.get_function_configuration(FunctionName=name)["FunctionName"] == name
    # A timeout destroys the sandbox; its credentials go with it.
    timed_out = client.invoke(FunctionName=name, Payload=json.dumps({"sleep": 5}))
    assert timed_out.get("FunctionError") == "Unhandled"
    try:
        leaked.get_function_configuration(FunctionName=name)
        raise AssertionError("revoked credentials still work")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "UnrecognizedClientException"
