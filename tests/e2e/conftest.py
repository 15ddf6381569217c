"""Fixtures for the Nimbus end-to-end suite.

Session: one `nimbus serve` on a temp data dir with two accounts made by the CLI before start
(`alice` with a generated id, `bob` with id 222233334444). Function scope: private servers for
restart/kill tests, function factories, fresh accounts made while the server runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from e2e_helpers import (
    HANDLER,
    REGION,
    RUNTIME,
    Account,
    NimbusServer,
    create_account,
    make_traversable,
    make_zip,
    role_arn,
    run_aws,
    unique_name,
    wait_active,
)

# No ambient AWS configuration may leak into boto3 clients made in this process.
for _k in [k for k in os.environ if k.startswith("AWS_")]:
    del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_k, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# Asynchronous retries 0.5 s and 1 s apart instead of Lambda's 1 and 2 minutes.
os.environ["NIMBUS_ASYNC_RETRY_BASE"] = "0.5"

BOB_ACCOUNT_ID = "222233334444"


def _keep_dirs() -> bool:
    return os.environ.get("NIMBUS_E2E_KEEP") == "1"


@pytest.fixture(scope="session")
def nimbus():
    """The shared server. Attributes: endpoint, host, port, data_dir, log_path, accounts
    {'alice','bob'}, pid, proc; methods client(account), raw(account), create_account(name)."""
    root = Path(tempfile.mkdtemp(prefix="nimbus-e2e-"))
    os.chmod(root, 0o711)  # sandbox uids must traverse to the code directory (no listing)
    data_dir = root / "data"
    data_dir.mkdir()
    alice = create_account(data_dir, "alice")
    bob = create_account(data_dir, "bob", account_id=BOB_ACCOUNT_ID)
    assert alice.account_id != bob.account_id
    server = NimbusServer(data_dir, root / "server.log", {"alice": alice, "bob": bob})
    server.start(timeout=30)
    try:
        yield server
    finally:
        server.stop(signal.SIGTERM, timeout=10)
        if not _keep_dirs():
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _shared_server_survives(request):
    """A test that used the shared server fails if the server died under it, with the server's last output
    (a crash otherwise shows only as refused connections in every later test)."""
    yield
    if "nimbus" not in request.fixturenames:
        return
    server = request.getfixturevalue("nimbus")
    if server.proc is None or server.proc.poll() is None or getattr(server, "death_reported", False):
        return
    server.death_reported = True
    pytest.fail(f"the shared nimbus serve exited ({server.proc.returncode}) during this test; its log ends:\n"
                f"{server.log_tail(12000)}")


@pytest.fixture(scope="session")
def alice(nimbus) -> Account:
    return nimbus.accounts["alice"]


@pytest.fixture(scope="session")
def bob(nimbus) -> Account:
    return nimbus.accounts["bob"]


@pytest.fixture(scope="session")
def alice_client(nimbus, alice):
    return nimbus.client(alice)


@pytest.fixture(scope="session")
def bob_client(nimbus, bob):
    return nimbus.client(bob)


@pytest.fixture(scope="session")
def client(alice_client):
    """Alice's lambda client (the default actor of most tests)."""
    return alice_client


@pytest.fixture(scope="session")
def raw(nimbus, alice):
    """Raw SigV4-signed HTTP as alice: raw.request(method, path, body, query=, headers=, ...)."""
    return nimbus.raw(alice)


@pytest.fixture(scope="session")
def raw_bob(nimbus, bob):
    return nimbus.raw(bob)


@pytest.fixture(scope="session")
def account_factory(nimbus):
    """new_account(name=None, account_id=None) -> Account, made with the CLI while serving."""
    counter = iter(range(10**6))

    def new_account(name: str | None = None, account_id: str | None = None) -> Account:
        return nimbus.create_account(name or f"acct{next(counter)}", account_id)

    return new_account


@pytest.fixture
def fresh_account(account_factory) -> Account:
    return account_factory()


@pytest.fixture
def fresh_client(nimbus, fresh_account):
    return nimbus.client(fresh_account)


def _make_function(client, name=None, *, zip_bytes=None, wait=True, **overrides):
    account = getattr(client, "_nimbus_account", None)
    acct_id = account.account_id if account else "123456789012"
    params = dict(
        FunctionName=name or unique_name(),
        Runtime=RUNTIME,
        Handler=HANDLER,
        Role=role_arn(acct_id),
        Code={"ZipFile": zip_bytes if zip_bytes is not None else make_zip()},
    )
    params.update(overrides)
    resp = client.create_function(**params)
    if wait:
        wait_active(client, resp["FunctionName"])
    return resp


@pytest.fixture(scope="session")
def make_function():
    """make_function(client, name=None, *, zip_bytes=None, wait=True, **overrides) -> the
    CreateFunction response. Unique uuid-based name, python3.12, app.handler, role of the
    client's account; waits for State=Active unless wait=False."""
    return _make_function


@pytest.fixture(scope="session")
def aws_cli(nimbus):
    """aws_cli(account, *args) -> CliResult(returncode, stdout, stderr, .json)."""

    def run(account: Account, *args: str, region: str = REGION, service: str = "lambda"):
        return run_aws(nimbus.endpoint, account, *args, region=region, service=service)

    return run


class ServerFactory:
    """Starts private servers for one test; each is stopped (SIGTERM, then SIGKILL) at the end.

    factory(data_dir=None, accounts=("alice",)) -> NimbusServer: a new data dir with accounts
    made by the CLI before the first start (an entry may be (name, account_id)); pass
    accounts=() for an empty data dir.
    factory.restart(server) -> NimbusServer: a new process on the same data dir (new port),
    knowing the same accounts. The old process must have exited (stop() or kill()).
    """

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.started: list[NimbusServer] = []
        self._n = 0

    def _log(self) -> Path:
        self._n += 1
        return self.tmp_path / f"server{self._n}.log"

    def new_data_dir(self) -> Path:
        self._n += 1
        d = self.tmp_path / f"data{self._n}"
        d.mkdir()
        return d

    def __call__(self, data_dir: Path | None = None, accounts=("alice",)) -> NimbusServer:
        made: dict[str, Account] = {}
        if data_dir is None:
            data_dir = self.new_data_dir()
            for acct in accounts:
                if isinstance(acct, tuple):
                    made[acct[0]] = create_account(data_dir, acct[0], acct[1])
                else:
                    made[acct] = create_account(data_dir, acct)
        server = NimbusServer(data_dir, self._log(), made)
        self.started.append(server)
        server.start(timeout=30)
        return server

    def restart(self, old: NimbusServer) -> NimbusServer:
        assert not old.alive(), "stop or kill the old process first"
        server = NimbusServer(old.data_dir, self._log(), old.accounts)
        self.started.append(server)
        server.start(timeout=30)
        return server

    def close(self) -> None:
        for s in self.started:
            try:
                s.stop(signal.SIGTERM, timeout=10)
            except Exception:
                s.kill()


@pytest.fixture
def server_factory(tmp_path):
    make_traversable(tmp_path)  # private servers run sandboxes too (provisioned concurrency, invokes)
    factory = ServerFactory(tmp_path)
    yield factory
    factory.close()


@pytest.fixture
def private_server(server_factory):
    """A private server with accounts alice (generated id) and bob (222233334444)."""
    return server_factory(accounts=("alice", ("bob", BOB_ACCOUNT_ID)))


@pytest.fixture
def fn(client, make_function):
    """A function with version 1 and alias 'live' -> 1."""
    name = make_function(client, Publish=True)["FunctionName"]
    wait_active(client, name, qualifier="1")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name
