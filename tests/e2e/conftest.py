"""Fixtures of the gitward end-to-end suite.

- `server`: one session-wide `gitward serve` (TLS) with two accounts, A (from `gitward init`)
  and B (from `gitward account create`). Tests on it use unique names (`uniq`) and never
  assert on the whole content of a list, so they do not interfere.
- `new_server`: a factory for servers of a test's own (fresh dir, restart, --insecure-http).
- `root_a` / `root_b`: boto3 clients (`.iam`, `.sts`, `.cc`) for the accounts' root users.
- `make_user`: creates an IAM user in account A (or B) with policies/groups and an access key.
- `cli`: the real `aws` CLI with a clean environment.

Set GITWARD_BIN to test another binary (default: target/debug/gitward of this repository).
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from gwtest import (
    AwsCli,
    Creds,
    Principal,
    Server,
    aws_cli_path,
    find_binary,
    uniq,
)

_RUNNING: list[Server] = []


@pytest.fixture(scope="session")
def gitward_bin() -> Path:
    path = find_binary()
    if not path.exists():
        pytest.fail(
            f"gitward binary not found at {path}: build it (cargo build -p gitward-server) "
            "or set GITWARD_BIN",
            pytrace=False,
        )
    return path


class Accounts:
    def __init__(self, a: Creds, b: Creds):
        self.a = a
        self.b = b


@pytest.fixture(scope="session")
def session_server(gitward_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Accounts]]:
    base = tmp_path_factory.mktemp("session-server")
    srv = Server(gitward_bin, base / "data", base / "logs", name="session")
    a = srv.init()
    b = srv.create_account()
    assert a.account_id != b.account_id
    srv.start()
    _RUNNING.append(srv)
    yield srv, Accounts(a, b)
    _RUNNING.remove(srv)
    if srv.alive:
        srv.stop_ok(signal.SIGTERM)


@pytest.fixture
def server(session_server: tuple[Server, Accounts]) -> Server:
    """The session server, checked alive and listening before each test that uses it."""
    srv, _ = session_server
    assert srv.alive, f"the session server exited ({srv.proc and srv.proc.returncode})\n{srv.log_tail()}"
    assert srv.endpoint and srv.accepts_connections(srv.endpoint), \
        f"the session server no longer accepts connections at {srv.endpoint}\n{srv.log_tail()}"
    return srv


@pytest.fixture(scope="session")
def accounts(session_server: tuple[Server, Accounts]) -> Accounts:
    return session_server[1]


@pytest.fixture
def root_a(server: Server, accounts: Accounts) -> Principal:
    return server.principal(accounts.a)


@pytest.fixture
def root_b(server: Server, accounts: Accounts) -> Principal:
    return server.principal(accounts.b)


@pytest.fixture
def new_server(gitward_bin: Path, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Factory: `new_server(insecure_http=False, data_dir=None, region=None)` → a Server not yet
    started (killed at teardown if the test left it running)."""
    made: list[Server] = []

    def make(insecure_http: bool = False, data_dir: Path | None = None, name: str = "own",
             region: str | None = None) -> Server:
        srv = Server(gitward_bin, data_dir or (tmp_path / f"data-{len(made)}"), tmp_path / "logs",
                     insecure_http=insecure_http, region=region, name=f"{name}{len(made)}")
        made.append(srv)
        _RUNNING.append(srv)
        return srv

    yield make
    for srv in made:
        _RUNNING.remove(srv)
        if srv.alive:
            srv.kill()


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("aws-home")


@pytest.fixture
def cli(server: Server, cli_home: Path) -> AwsCli:
    return AwsCli(server, cli_home)


def create_user(root: Principal, *, name: str | None = None, managed: list[str] = (),
                inline: dict[str, dict[str, Any]] | None = None, groups: list[str] = (),
                key: bool = True) -> tuple[str, Creds | None]:
    """Creates a user in root's account; returns (name, its access key or None)."""
    import json

    name = name or uniq("u")
    root.iam.create_user(UserName=name)
    for arn in managed:
        root.iam.attach_user_policy(UserName=name, PolicyArn=arn)
    for pname, doc in (inline or {}).items():
        root.iam.put_user_policy(UserName=name, PolicyName=pname, PolicyDocument=json.dumps(doc))
    for g in groups:
        root.iam.add_user_to_group(GroupName=g, UserName=name)
    if not key:
        return name, None
    ak = root.iam.create_access_key(UserName=name)["AccessKey"]
    return name, Creds(root.account_id, ak["AccessKeyId"], ak["SecretAccessKey"])


@pytest.fixture
def make_user(server: Server, root_a: Principal) -> Callable[..., tuple[str, Principal]]:
    """`make_user(managed=[...], inline={name: doc}, groups=[...], root=root_a)` →
    (user name, Principal for the user's new access key)."""

    def make(root: Principal | None = None, **kw: Any) -> tuple[str, Principal]:
        name, creds = create_user(root or root_a, **kw)
        assert creds is not None
        return name, server.principal(creds)

    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and _RUNNING:
        for srv in list(_RUNNING):
            report.sections.append((f"gitward server {srv.name} (data dir {srv.data_dir})", srv.log_tail(40)))


def pytest_report_header(config: pytest.Config) -> list[str]:
    try:
        aws = aws_cli_path()
    except AssertionError as e:
        aws = str(e)
    return [f"gitward binary: {find_binary()}", f"aws CLI: {aws}"]
