"""Issue 5 slice: GetSessionToken temporary credentials for the API and for Git (seeds 000/001:
"put the access key id, secret and session token in the environment, then clone, push and
pull; when they expire, Git gets 403 and the user fetches new ones")."""

from __future__ import annotations

import time
from pathlib import Path

import botocore.config
import botocore.exceptions
import pytest

from gwtest import POWER_USER, Creds, uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)


class SessionCreds(Creds):
    """Creds plus a session token, as the env vars carry them."""


def _sts_unvalidated(principal):
    """An STS client that lets the server, not botocore, check DurationSeconds."""
    return principal.client("sts", parameter_validation=False)


def _session(principal, **kw) -> dict:
    return principal.sts.get_session_token(**kw)["Credentials"]


def _env(c: dict) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
            "AWS_SESSION_TOKEN": c["SessionToken"]}


def _client(server, service: str, c: dict):
    import boto3
    return boto3.session.Session().client(
        service, endpoint_url=server.endpoint, region_name="us-east-1", verify=server.verify,
        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
        config=botocore.config.Config(retries={"max_attempts": 1}))


def test_session_token_works_for_the_api_and_is_limited(server, make_user):
    name, me = make_user(managed=[POWER_USER])
    c = _session(me)
    assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20
    assert len(c["SecretAccessKey"]) == 40
    sts = _client(server, "sts", c)
    who = sts.get_caller_identity()
    assert who["Arn"].endswith(f":user/{name}")
    cc = _client(server, "codecommit", c)
    repo = uniq("sess")
    cc.create_repository(repositoryName=repo)
    assert cc.get_repository(repositoryName=repo)["repositoryMetadata"]["repositoryName"] == repo
    # No IAM without MFA, no GetSessionToken from a session.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "iam", c).list_access_keys()
    assert ei.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts.get_session_token()
    assert ei.value.response["Error"]["Code"] == "AccessDenied"
    # A tampered token or a token under another key id is an invalid token.
    bad = dict(c, SessionToken=c["SessionToken"][:-8] + ("A" * 8 if not c["SessionToken"].endswith("A" * 8) else "B" * 8))
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", bad).get_caller_identity()
    assert ei.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "codecommit", dict(c, SessionToken="")).list_repositories()
    assert ei.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_session_token_duration_rules(root_a, make_user):
    _, me = make_user(managed=[POWER_USER])
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _sts_unvalidated(me).get_session_token(DurationSeconds=899)
    assert ei.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(DurationSeconds=129601)
    assert ei.value.response["Error"]["Code"] == "ValidationError"
    c = root_a.sts.get_session_token(DurationSeconds=7200)["Credentials"]
    left = c["Expiration"].timestamp() - time.time()
    assert 3000 < left <= 3600, "root sessions are clamped to one hour"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(SerialNumber="arn:aws:iam::123456789012:mfa/none", TokenCode="123456")
    assert ei.value.response["Error"]["Code"] == "AccessDenied"


def test_git_with_session_credentials_in_the_environment(server, root_a, make_user, git_for, tmp_path, cli):
    _, me = make_user(managed=[POWER_USER])
    repo = uniq("sess-git")
    root_a.cc.create_repository(repositoryName=repo)
    c = _session(me)
    git: Git = git_for(me.creds)
    env = _env(c)
    work = tmp_path / "w"
    git.ok("clone", server.clone_url(repo), str(work), env=env)
    head = git.commit(work, {"README.md": "temporary\n"}, "first")
    git.ok("push", "origin", "main", cwd=work, env=env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    # The CLI with the same environment.
    out = cli.run(me.creds, "sts", "get-caller-identity", "--output", "json")
    assert out.returncode == 0


def test_expired_session_credentials(new_server, git_for, tmp_path):
    srv = new_server(name="sts")
    creds = srv.init()
    srv.extra_args = ["--sts-min-duration-seconds", "2"]
    srv.start()
    root = srv.principal(creds)
    iam = root.iam
    name = uniq("exp")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=POWER_USER)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    user = Creds(creds.account_id, k["AccessKeyId"], k["SecretAccessKey"])
    repo = uniq("exp-repo")
    root.cc.create_repository(repositoryName=repo)
    c = _sts_unvalidated(srv.principal(user)).get_session_token(DurationSeconds=2)["Credentials"]
    git = Git(srv, tmp_path / "home", user)
    env = _env(c)
    # Works at once (a quick API call: git plus the CLI helper can take longer than two
    # seconds on a loaded machine), and is over three and a half seconds later.
    _client(srv, "codecommit", c).list_repositories()
    time.sleep(3.5)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(srv, "sts", c).get_caller_identity()
    assert ei.value.response["Error"]["Code"] == "ExpiredToken"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(srv, "codecommit", c).list_repositories()
    assert ei.value.response["Error"]["Code"] == "ExpiredTokenException"
    out = git.fails("ls-remote", srv.clone_url(repo), env=env)
    assert "403" in out and "credentials expired at" in out
    # New credentials work again.
    c2 = srv.principal(user).sts.get_session_token(DurationSeconds=900)["Credentials"]
    git.ok("ls-remote", srv.clone_url(repo), env=_env(c2))
    srv.stop_ok()
