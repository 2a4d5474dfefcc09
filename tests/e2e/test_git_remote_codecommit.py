"""AWS's own `git-remote-codecommit` (from PyPI, unmodified) against gitward: the
`codecommit://profile@repo` steps of seeds 001 and 002, with long-term keys, with a profile
that assumes a role (`role_arn` / `source_profile` / `role_session_name`), and with temporary
credentials written into the credentials file (seed 000). The only setting that differs from
AWS is the endpoint: `CODE_COMMIT_ENDPOINT` for Git, `AWS_ENDPOINT_URL` for STS."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from gwtest import Principal, aws_cli_path, uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)
from test_sts_roles import _allow, _make_role, _repo_arn, _trust


@pytest.fixture
def grc_git(server, git_for):
    """A Git runner whose `codecommit://` URLs reach this server through git-remote-codecommit."""
    # Git finds the helper on PATH, next to the pinned aws CLI (Git.env puts that dir first).
    helper = Path(aws_cli_path()).parent / "git-remote-codecommit"
    assert helper.exists(), "git-remote-codecommit is pinned in tests/e2e/requirements.txt"
    host = urllib.parse.urlsplit(server.endpoint).netloc
    env = {"CODE_COMMIT_ENDPOINT": host, "AWS_ENDPOINT_URL": server.endpoint,
           "AWS_CA_BUNDLE": str(server.ca_bundle)}

    def make() -> tuple[Git, dict[str, str]]:
        git: Git = git_for(None)
        return git, env

    return make


def _profile(git: Git, name: str, creds: dict[str, str], config: dict[str, str] | None = None) -> None:
    with (git.home / ".aws" / "credentials").open("a") as f:
        f.write(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in creds.items()))
    section = "default" if name == "default" else f"profile {name}"
    with (git.home / ".aws" / "config").open("a") as f:
        f.write(f"[{section}]\nregion = us-east-1\n" + "".join(f"{k} = {v}\n" for k, v in (config or {}).items()))


def _keys(p: Principal) -> dict[str, str]:
    return {"aws_access_key_id": p.creds.access_key_id, "aws_secret_access_key": p.creds.secret_access_key}


def test_clone_push_pull_with_a_long_term_profile(server, root_a, make_user, grc_git, tmp_path):
    _, me = make_user(inline={"git": json.loads(_allow(["codecommit:GitPull", "codecommit:GitPush"]))})
    repo = uniq("MyDemoRepo")
    root_a.cc.create_repository(repositoryName=repo)
    git, env = grc_git()
    _profile(git, "demo-profile", _keys(me))
    work = tmp_path / "w"
    git.ok("clone", f"codecommit://demo-profile@{repo}", str(work), env=env)
    head = git.commit(work, {"README.md": "hello\n"}, "first")
    git.ok("push", "origin", "main", cwd=work, env=env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    # The region-qualified form, as the seeds show it, pulls what was pushed.
    other = tmp_path / "o"
    git.ok("clone", f"codecommit::us-east-1://demo-profile@{repo}", str(other), env=env)
    assert git.head(other) == head


def test_seed_001_profile_that_assumes_the_role(server, root_a, make_user, grc_git, tmp_path):
    user_name, user = make_user()
    repo = uniq("MyDemoRepo")
    root_a.cc.create_repository(repositoryName=repo)
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user_name}"),
                      name=uniq("CodeCommitAccess"),
                      policy=_allow(["codecommit:GitPull", "codecommit:GitPush"], _repo_arn(root_a, repo)))
    git, env = grc_git()
    _profile(git, "default", _keys(user))
    _profile(git, "CodeAccess", {}, {"source_profile": "default", "role_session_name": "Maria Garcia",
                                     "role_arn": role["Arn"]})
    work = tmp_path / "w"
    git.ok("clone", f"codecommit://CodeAccess@{repo}", str(work), env=env)
    head = git.commit(work, {"f.txt": "rotating\n"}, "rotating")
    git.ok("push", "origin", "main", cwd=work, env=env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    git.commit(work, {"g.txt": "again\n"}, "again")
    git.ok("push", cwd=work, env=env)
    git.ok("pull", "--ff-only", cwd=work, env=env)
    # The default profile's own key has no Git permission: the role is what grants it.
    out = git.fails("clone", f"codecommit://default@{repo}", str(tmp_path / "nope"), env=env)
    assert "403" in out


def test_seed_000_temporary_credentials_in_the_credentials_file(server, root_a, root_b, make_user,
                                                                grc_git, tmp_path):
    # Account B's role trusts account A; A's user assumes it and writes the three values into
    # a named profile, then clones B's repository by that profile.
    repo = uniq("MyDemoRepo")
    root_b.cc.create_repository(repositoryName=repo)
    role = _make_role(root_b, _trust(f"arn:aws:iam::{root_a.account_id}:root"), name=uniq("CodeCommitAccess"),
                      policy=_allow(["codecommit:GitPull", "codecommit:GitPush"], _repo_arn(root_b, repo)))
    _, user = make_user(inline={"assume": json.loads(_allow("sts:AssumeRole", role["Arn"]))})
    c = user.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="MyDemoSession")["Credentials"]
    git, env = grc_git()
    _profile(git, "CrossAccountAccess", {"aws_access_key_id": c["AccessKeyId"],
                                         "aws_secret_access_key": c["SecretAccessKey"],
                                         "aws_session_token": c["SessionToken"]})
    work = tmp_path / "w"
    git.ok("clone", f"codecommit://CrossAccountAccess@{repo}", str(work), env=env)
    head = git.commit(work, {"x.txt": "cross\n"}, "cross")
    git.ok("push", "origin", "main", cwd=work, env=env)
    assert root_b.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    # A token with one character changed is refused (403), and nothing is written.
    token = c["SessionToken"]
    bad = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    git2, _ = grc_git()
    _profile(git2, "Tampered", {"aws_access_key_id": c["AccessKeyId"],
                                "aws_secret_access_key": c["SecretAccessKey"], "aws_session_token": bad})
    out = git2.fails("clone", f"codecommit://Tampered@{repo}", str(tmp_path / "bad"), env=env)
    assert "403" in out
    assert root_b.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
