"""Persistence: state acknowledged before a SIGKILL is all there after a restart on the same
data dir (accounts, functions, versions, aliases, policies, configs, code)."""

from __future__ import annotations

import hashlib
import json
import signal
import uuid

from e2e_helpers import (
    fn_arn,
    http_session,
    list_accounts,
    sha256_b64,
    sqs_arn,
    strip_meta,
    unique_name,
    unique_zip,
    wait_active,
    wait_for,
    wait_updated,
)


def _url_id(config):
    config = dict(config)
    config["FunctionUrl"] = config["FunctionUrl"].split("/lambda-url/", 1)[1]
    return config


def _code_digest(client, **kw) -> str:
    loc = client.get_function(**kw)["Code"]["Location"]
    r = http_session().get(loc, timeout=60)
    assert r.status_code == 200
    return hashlib.sha256(r.content).hexdigest()


def populate(server, make_function) -> dict:
    alice, bob = server.accounts["alice"], server.accounts["bob"]
    ca, cb = server.client(alice), server.client(bob)
    name = unique_name("persist")
    make_function(
        ca,
        name,
        zip_bytes=unique_zip("v1"),
        Description="first",
        Timeout=42,
        MemorySize=256,
        Environment={"Variables": {"KK": "V"}},
        Tags={"team": "core"},
        Architectures=["arm64"],
        EphemeralStorage={"Size": 1024},
    )
    ca.publish_version(FunctionName=name)
    wait_active(ca, name, qualifier="1")
    ca.update_function_code(FunctionName=name, ZipFile=unique_zip("v2"))
    wait_updated(ca, name)
    ca.publish_version(FunctionName=name, Description="second")
    wait_active(ca, name, qualifier="2")
    ca.update_function_configuration(FunctionName=name, Description="latest", Environment={"Variables": {"KK": "V2"}})
    wait_updated(ca, name)
    ca.create_alias(FunctionName=name, Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    ca.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST", Description="tip")
    ca.add_permission(FunctionName=name, StatementId="bob-get", Action="lambda:GetFunction", Principal=bob.account_id)
    ca.add_permission(FunctionName=name, Qualifier="live", StatementId="sns", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    ca.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    ca.put_function_event_invoke_config(FunctionName=name, Qualifier="live", MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120)
    ca.create_function_url_config(FunctionName=name, AuthType="NONE", Cors={"AllowOrigins": ["*"]})
    m = ca.create_event_source_mapping(EventSourceArn=sqs_arn(alice.account_id, f"q-{uuid.uuid4().hex[:8]}"), FunctionName=name, BatchSize=5)
    wait_for(lambda: ca.get_event_source_mapping(UUID=m["UUID"])["State"] == "Enabled", what="mapping Enabled")
    ca.tag_resource(Resource=m["EventSourceMappingArn"], Tags={"src": "sqs"})
    ca.put_provisioned_concurrency_config(FunctionName=name, Qualifier="2", ProvisionedConcurrentExecutions=1)
    wait_for(
        lambda: ca.get_provisioned_concurrency_config(FunctionName=name, Qualifier="2")["Status"] == "READY",
        timeout=20,
        what="provisioned READY",
    )
    bname = unique_name("bobs")
    make_function(cb, bname, Description="bob's")
    cb.add_permission(FunctionName=bname, StatementId="any", Action="lambda:InvokeFunction", Principal="*")
    return {"alice_fn": name, "bob_fn": bname, "esm": m["UUID"], "esm_arn": m["EventSourceMappingArn"]}


def snapshot(server, names: dict) -> dict:
    alice, bob = server.accounts["alice"], server.accounts["bob"]
    ca, cb = server.client(alice), server.client(bob)
    n = names["alice_fn"]
    snap = {
        "accounts": sorted(json_key(a) for a in list_accounts(server.data_dir)),
        "functions_all": sorted(
            (strip_meta(f) for p in ca.get_paginator("list_functions").paginate(FunctionVersion="ALL") for f in p["Functions"]),
            key=lambda f: f["FunctionArn"],
        ),
        "bob_functions": [f for p in cb.get_paginator("list_functions").paginate() for f in p["Functions"]],
        "latest": strip_meta(ca.get_function_configuration(FunctionName=n)),
        "v1": strip_meta(ca.get_function_configuration(FunctionName=n, Qualifier="1")),
        "v2": strip_meta(ca.get_function_configuration(FunctionName=n, Qualifier="2")),
        "via_alias": strip_meta(ca.get_function_configuration(FunctionName=n, Qualifier="live")),
        "get_function_extras": {k: v for k, v in ca.get_function(FunctionName=n).items() if k in ("Tags", "Concurrency")},
        "code_latest": _code_digest(ca, FunctionName=n),
        "code_v1": _code_digest(ca, FunctionName=n, Qualifier="1"),
        "versions": ca.list_versions_by_function(FunctionName=n)["Versions"],
        "aliases": ca.list_aliases(FunctionName=n)["Aliases"],
        "policy": strip_meta(ca.get_policy(FunctionName=n)),
        "policy_live": strip_meta(ca.get_policy(FunctionName=n, Qualifier="live")),
        "concurrency": strip_meta(ca.get_function_concurrency(FunctionName=n)),
        "eic": strip_meta(ca.get_function_event_invoke_config(FunctionName=n, Qualifier="live")),
        # The URL id must survive; its host:port is wherever the restarted server listens.
        "url": _url_id(strip_meta(ca.get_function_url_config(FunctionName=n))),
        "esm": strip_meta(ca.get_event_source_mapping(UUID=names["esm"])),
        "esm_tags": ca.list_tags(Resource=names["esm_arn"])["Tags"],
        "tags": ca.list_tags(Resource=fn_arn(alice.account_id, n))["Tags"],
        "prov": strip_meta(ca.get_provisioned_concurrency_config(FunctionName=n, Qualifier="2")),
        "settings": strip_meta(ca.get_account_settings()),
        "bob_fn": strip_meta(cb.get_function_configuration(FunctionName=names["bob_fn"])),
        "bob_policy": strip_meta(cb.get_policy(FunctionName=names["bob_fn"])),
        "bob_reads_alice": cb.get_function(FunctionName=fn_arn(alice.account_id, n))["Configuration"]["RevisionId"],
    }
    return snap


def json_key(obj) -> str:
    return json.dumps(obj, sort_keys=True)


def test_everything_survives_sigkill(private_server, server_factory, make_function):
    names = populate(private_server, make_function)
    before = snapshot(private_server, names)
    assert before["latest"]["Description"] == "latest"
    assert before["v2"]["Description"] == "second"
    private_server.kill()
    restarted = server_factory.restart(private_server)
    after = snapshot(restarted, names)
    for key in before:
        assert after[key] == before[key], f"{key} changed across SIGKILL + restart"


def test_acknowledged_writes_just_before_sigkill(private_server, server_factory, make_function):
    srv = private_server
    c = srv.client(srv.accounts["alice"])
    settled = make_function(c)["FunctionName"]
    code = unique_zip()
    c.update_function_configuration(FunctionName=settled, Description="last words")
    c.tag_resource(Resource=fn_arn(srv.accounts["alice"].account_id, settled), Tags={"k": "v"})
    fresh = unique_name()
    c.create_function(
        FunctionName=fresh,
        Runtime="python3.12",
        Handler="app.handler",
        Role=f"arn:aws:iam::{srv.accounts['alice'].account_id}:role/r",
        Code={"ZipFile": code},
    )
    srv.kill()
    new = server_factory.restart(srv)
    c2 = new.client(new.accounts["alice"])
    assert wait_updated(c2, settled)["Description"] == "last words"
    assert c2.list_tags(Resource=fn_arn(new.accounts["alice"].account_id, settled))["Tags"] == {"k": "v"}
    cfg = wait_active(c2, fresh)
    assert cfg["CodeSha256"] == sha256_b64(code)
    assert cfg["CodeSize"] == len(code)
    assert _code_digest(c2, FunctionName=fresh) == hashlib.sha256(code).hexdigest()


def test_accounts_and_numbering_survive_restarts(private_server, server_factory, make_function):
    srv = private_server
    carol = srv.create_account("carol")  # created while the server runs
    c = srv.client(carol)
    name = make_function(c)["FunctionName"]
    c.publish_version(FunctionName=name)
    c.update_function_configuration(FunctionName=name, Description="two")
    wait_updated(c, name)
    c.publish_version(FunctionName=name)
    wait_active(c, name, qualifier="2")
    c.delete_function(FunctionName=name, Qualifier="2")
    ids_before = sorted(a["AccountId"] for a in list_accounts(srv.data_dir))
    assert carol.account_id in ids_before
    srv.kill()
    new = server_factory.restart(srv)
    assert sorted(a["AccountId"] for a in list_accounts(new.data_dir)) == ids_before
    c2 = new.client(carol)
    for who in ("alice", "bob"):
        assert "Functions" in new.client(new.accounts[who]).list_functions()
    c2.update_function_configuration(FunctionName=name, Description="three")
    wait_updated(c2, name)
    assert c2.publish_version(FunctionName=name)["Version"] == "3"  # 2 was deleted, never reused


def test_graceful_restart_keeps_state(private_server, server_factory, make_function):
    srv = private_server
    c = srv.client(srv.accounts["bob"])
    name = make_function(c, Description="graceful")["FunctionName"]
    before = strip_meta(c.get_function_configuration(FunctionName=name))
    assert srv.stop(signal.SIGTERM, timeout=15) == 0
    new = server_factory.restart(srv)
    after = strip_meta(new.client(new.accounts["bob"]).get_function_configuration(FunctionName=name))
    assert after == before
