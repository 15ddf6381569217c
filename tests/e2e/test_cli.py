"""The `aws lambda` CLI against Nimbus, and Nimbus's own `accounts` commands."""

from __future__ import annotations

import json

import pytest

from e2e_helpers import (
    fn_arn,
    list_accounts,
    make_zip,
    role_arn,
    run_nimbus,
    sha256_b64,
    unique_name,
)


def ok(result):
    assert result.returncode == 0, f"aws exited {result.returncode}: {result.stderr}"
    return result.json


def failed(result, code: str, message: str | None = None):
    # awscli v1 exits 255 on a service error, v2 254
    assert result.returncode in (254, 255), (result.returncode, result.stdout, result.stderr)
    assert f"An error occurred ({code})" in result.stderr, result.stderr
    if message is not None:
        assert message in result.stderr, result.stderr


def test_function_lifecycle_through_the_aws_cli(aws_cli, alice, tmp_path):
    code = make_zip({"app.py": "def handler(event, context):\n    return 'cli'\n"})
    zip_path = tmp_path / "function.zip"
    zip_path.write_bytes(code)
    name = unique_name("cli")
    arn = fn_arn(alice.account_id, name)

    created = ok(
        aws_cli(
            alice,
            "create-function",
            "--function-name", name,
            "--runtime", "python3.12",
            "--handler", "app.handler",
            "--role", role_arn(alice.account_id),
            "--zip-file", f"fileb://{zip_path}",
            "--description", "from the cli",
        )
    )
    assert created["FunctionName"] == name
    assert created["FunctionArn"] == arn
    assert created["CodeSha256"] == sha256_b64(code)
    assert created["CodeSize"] == len(code)
    assert created["State"] == "Pending"

    assert aws_cli(alice, "wait", "function-active-v2", "--function-name", name).returncode == 0
    got = ok(aws_cli(alice, "get-function", "--function-name", name))
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["Description"] == "from the cli"
    assert got["Code"]["RepositoryType"] == "S3"

    listed = ok(aws_cli(alice, "list-functions"))
    assert name in [f["FunctionName"] for f in listed["Functions"]]

    v1 = ok(aws_cli(alice, "publish-version", "--function-name", name))
    assert v1["Version"] == "1"
    assert v1["FunctionArn"] == f"{arn}:1"
    ok(aws_cli(alice, "update-function-configuration", "--function-name", name, "--description", "second"))
    assert aws_cli(alice, "wait", "function-updated-v2", "--function-name", name).returncode == 0
    v2 = ok(aws_cli(alice, "publish-version", "--function-name", name))
    assert v2["Version"] == "2"

    alias = ok(
        aws_cli(
            alice,
            "create-alias",
            "--function-name", name,
            "--name", "live",
            "--function-version", "1",
            "--routing-config", json.dumps({"AdditionalVersionWeights": {"2": 0.25}}),
        )
    )
    assert alias["AliasArn"] == f"{arn}:live"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    alias2 = ok(
        aws_cli(alice, "create-alias", "--function-name", name, "--name", "shorthand", "--function-version", "2",
                "--routing-config", "AdditionalVersionWeights={1=0.5}")
    )
    assert alias2["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.5}}

    perm = ok(
        aws_cli(
            alice,
            "add-permission",
            "--function-name", name,
            "--statement-id", "s3-invoke",
            "--action", "lambda:InvokeFunction",
            "--principal", "s3.amazonaws.com",
        )
    )
    stmt = json.loads(perm["Statement"])
    assert stmt["Principal"] == {"Service": "s3.amazonaws.com"}
    assert stmt["Resource"] == arn
    policy = ok(aws_cli(alice, "get-policy", "--function-name", name))
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["s3-invoke"]

    conc = ok(aws_cli(alice, "put-function-concurrency", "--function-name", name, "--reserved-concurrent-executions", "5"))
    assert conc == {"ReservedConcurrentExecutions": 5}

    tag = aws_cli(alice, "tag-resource", "--resource", arn, "--tags", "team=core,env=dev")
    assert tag.returncode == 0, tag.stderr
    assert ok(aws_cli(alice, "list-tags", "--resource", arn))["Tags"] == {"team": "core", "env": "dev"}

    versions = ok(aws_cli(alice, "list-versions-by-function", "--function-name", name))
    assert [v["Version"] for v in versions["Versions"]] == ["$LATEST", "1", "2"]

    deleted = aws_cli(alice, "delete-function", "--function-name", name)
    assert deleted.returncode == 0, deleted.stderr
    failed(aws_cli(alice, "get-function", "--function-name", name), "ResourceNotFoundException", f"Function not found: {arn}")


def test_cli_update_function_code(aws_cli, alice, tmp_path, make_function, client):
    name = make_function(client)["FunctionName"]
    new = make_zip({"app.py": "def handler(e, c):\n    return 'new'\n"})
    path = tmp_path / "new.zip"
    path.write_bytes(new)
    upd = ok(aws_cli(alice, "update-function-code", "--function-name", name, "--zip-file", f"fileb://{path}"))
    assert upd["CodeSha256"] == sha256_b64(new)
    assert upd["LastUpdateStatus"] == "InProgress"


def test_cli_error_exit_codes_and_messages(aws_cli, alice, bob, make_function, client, tmp_path):
    name = make_function(client)["FunctionName"]
    zip_path = tmp_path / "f.zip"
    zip_path.write_bytes(make_zip())
    failed(
        aws_cli(alice, "create-function", "--function-name", name, "--runtime", "python3.12", "--handler", "app.handler",
                "--role", role_arn(alice.account_id), "--zip-file", f"fileb://{zip_path}"),
        "ResourceConflictException",
        f"Function already exist: {name}",
    )
    failed(
        aws_cli(alice, "update-function-configuration", "--function-name", name, "--timeout", "901"),
        "ValidationException",
        "Member must have value less than or equal to 900",
    )
    failed(aws_cli(bob, "get-function", "--function-name", fn_arn(alice.account_id, name)), "AccessDeniedException")
    failed(aws_cli(alice.with_key("AKIAUNKNOWNKEY000002"), "list-functions"), "UnrecognizedClientException")
    failed(aws_cli(alice.with_secret("not-the-secret"), "list-functions"), "InvalidSignatureException")


# --------------------------------------------------------------------------------------------
# nimbus accounts


def test_accounts_list_shows_the_accounts(nimbus, alice, bob):
    accounts = list_accounts(nimbus.data_dir)
    by_id = {a["AccountId"]: a for a in accounts}
    assert alice.account_id in by_id
    assert bob.account_id in by_id
    assert "alice" in by_id[alice.account_id].values()
    assert "bob" in by_id[bob.account_id].values()
    assert bob.account_id == "222233334444"


def test_accounts_create_while_serving_works_at_once(nimbus, account_factory, alice, bob):
    dave = account_factory("dave")
    assert dave.account_id not in (alice.account_id, bob.account_id)
    assert len({dave.access_key_id, alice.access_key_id, bob.access_key_id}) == 3
    assert dave.secret_access_key not in (alice.secret_access_key, bob.secret_access_key)
    c = nimbus.client(dave)
    assert c.list_functions()["Functions"] == []
    assert dave.account_id in [a["AccountId"] for a in list_accounts(nimbus.data_dir)]


def test_accounts_create_with_explicit_id(account_factory):
    acct = account_factory("erin", "555566667777")
    assert acct.account_id == "555566667777"


@pytest.mark.parametrize("bad", ["123", "abcdefghijkl", "1234567890123", "12345678901a"])
def test_accounts_create_rejects_bad_ids(nimbus, bad):
    before = list_accounts(nimbus.data_dir)
    proc = run_nimbus(["accounts", "create", "mallet", "--account-id", bad, "--data-dir", str(nimbus.data_dir)])
    assert proc.returncode != 0, proc.stdout
    assert list_accounts(nimbus.data_dir) == before


def test_accounts_create_rejects_a_taken_id(nimbus, bob):
    before = list_accounts(nimbus.data_dir)
    proc = run_nimbus(["accounts", "create", "bob2", "--account-id", bob.account_id, "--data-dir", str(nimbus.data_dir)])
    assert proc.returncode != 0, proc.stdout
    assert list_accounts(nimbus.data_dir) == before


def test_accounts_create_makes_a_missing_data_dir(tmp_path):
    data_dir = tmp_path / "does" / "not" / "exist"
    proc = run_nimbus(["accounts", "create", "zed", "--data-dir", str(data_dir)])
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [a["AccountId"] for a in list_accounts(data_dir)] == [doc["AccountId"]]
