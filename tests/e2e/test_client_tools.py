"""gitward's own client tools: `gitward credential-helper` (drop-in for `aws codecommit
credential-helper`) and the Rust `git-remote-codecommit`, with long-term keys, session
credentials in the environment, and a profile that assumes a role (STS over TLS, trusting the
server's CA through AWS_CA_BUNDLE)."""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

import pytest

from gwtest import uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)
from test_git_remote_codecommit import _keys, _profile
from test_sts_roles import _allow, _make_role, _repo_arn, _trust

GIT_ACCESS = ["codecommit:GitPull", "codecommit:GitPush"]


@pytest.fixture
def tools(gitward_bin, server, tmp_path):
    """(helper config args, env) for a Git runner using gitward's client tools."""
    grc = Path(gitward_bin).parent / "git-remote-codecommit"
    assert grc.exists(), f"{grc} is built by scripts/test (cargo build -p gitward-client)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git-remote-codecommit").symlink_to(grc)
    env = {"AWS_ENDPOINT_URL": server.endpoint, "AWS_CA_BUNDLE": str(server.ca_bundle),
           "CODE_COMMIT_ENDPOINT": urllib.parse.urlsplit(server.endpoint).netloc,
           # Ours first, ahead of the PyPI helper that sits next to the aws CLI.
           "PATH": os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"])}

    def helper(profile: str | None = None) -> list[str]:
        flag = f" --profile {profile}" if profile else ""
        return ["-c", "credential.helper=", "-c", f"credential.helper=!'{gitward_bin}' credential-helper{flag}",
                "-c", "credential.UseHttpPath=true"]

    return helper, env


def _repo(root) -> str:
    name = uniq("MyDemoRepo")
    root.cc.create_repository(repositoryName=name)
    return name


def test_credential_helper_with_a_profile_and_with_session_credentials(server, root_a, make_user, git_for,
                                                                      tools, tmp_path):
    helper, env = tools
    _, me = make_user(inline={"git": json.loads(_allow(GIT_ACCESS + ["sts:GetSessionToken"]))})
    repo = _repo(root_a)
    git: Git = git_for(None)
    _profile(git, "mary", _keys(me))
    work = tmp_path / "w"
    git.ok(*helper("mary"), "clone", server.clone_url(repo), str(work), env=env)
    head = git.commit(work, {"a.txt": "one\n"}, "one")
    git.ok(*helper("mary"), "push", "origin", "main", cwd=work, env=env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head

    # Session credentials in the three environment variables, no profile named.
    c = me.sts.get_session_token(DurationSeconds=900)["Credentials"]
    session_env = dict(env, AWS_ACCESS_KEY_ID=c["AccessKeyId"], AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"],
                       AWS_SESSION_TOKEN=c["SessionToken"])
    other: Git = git_for(None)
    w2 = tmp_path / "w2"
    other.ok(*helper(), "clone", server.clone_url(repo), str(w2), env=session_env)
    assert other.head(w2) == head

    # Without credential.UseHttpPath the helper cannot sign and says why.
    without_path = [a for a in helper() if a not in ("-c", "credential.UseHttpPath=true")]
    p = other.run("-c", without_path[0], "-c", without_path[1], "ls-remote", server.clone_url(repo), env=session_env)
    assert p.returncode != 0 and "credential.UseHttpPath" in p.stderr, p.stderr


def test_credential_helper_with_a_role_profile(server, root_a, make_user, git_for, tools, tmp_path):
    helper, env = tools
    user_name, user = make_user()
    repo = _repo(root_a)
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user_name}"),
                      name=uniq("CodeCommitAccess"), policy=_allow(GIT_ACCESS, _repo_arn(root_a, repo)))
    git: Git = git_for(None)
    _profile(git, "default", _keys(user))
    _profile(git, "CodeAccess", {}, {"source_profile": "default", "role_session_name": "Maria Garcia",
                                     "role_arn": role["Arn"]})
    work = tmp_path / "w"
    git.ok(*helper("CodeAccess"), "clone", server.clone_url(repo), str(work), env=env)
    head = git.commit(work, {"r.txt": "role\n"}, "role")
    git.ok(*helper("CodeAccess"), "push", "origin", "main", cwd=work, env=env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    # The default profile's own key has no Git permission.
    out = git.fails(*helper("default"), "push", "origin", "main", cwd=work, env=env)
    assert "403" in out


def test_git_remote_codecommit_clones_pushes_and_pulls(server, root_a, make_user, git_for, tools, tmp_path):
    _, env = tools
    user_name, user = make_user(inline={"git": json.loads(_allow(GIT_ACCESS))})
    repo = _repo(root_a)
    git: Git = git_for(None)
    _profile(git, "demo-profile", _keys(user))
    work = tmp_path / "w"
    git.ok("clone", f"codecommit://demo-profile@{repo}", str(work), env=env)
    head = git.commit(work, {"g.txt": "grc\n"}, "grc")
    git.ok("push", "origin", "main", cwd=work, env=env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    # The remote URL Git keeps on disk holds no secret.
    assert git.ok("config", "remote.origin.url", cwd=work).strip() == f"codecommit://demo-profile@{repo}"
    other = tmp_path / "o"
    git.ok("clone", f"codecommit::us-east-1://demo-profile@{repo}", str(other), env=env)
    git.commit(other, {"h.txt": "more\n"}, "more")
    git.ok("push", cwd=other, env=env)
    git.ok("pull", "--ff-only", cwd=work, env=env)
    assert (work / "h.txt").read_text() == "more\n"

    # A profile that assumes a role (STS over TLS with the server's CA).
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user_name}"),
                      name=uniq("CodeCommitAccess"), policy=_allow(["codecommit:GitPull"], _repo_arn(root_a, repo)))
    _profile(git, "CodeAccess", {}, {"source_profile": "demo-profile", "role_session_name": "Maria Garcia",
                                     "role_arn": role["Arn"]})
    third = tmp_path / "t"
    git.ok("clone", f"codecommit://CodeAccess@{repo}", str(third), env=env)
    git.commit(third, {"i.txt": "x\n"}, "x")
    out = git.fails("push", "origin", "main", cwd=third, env=env)
    assert "403" in out  # the role only pulls

    # Clear errors for what cannot work.
    out = git.fails("clone", f"codecommit://nosuchprofile@{repo}", str(tmp_path / "n1"), env=env)
    assert "nosuchprofile" in out
    out = git.fails("clone", "codecommit://demo-profile@bad/name", str(tmp_path / "n2"), env=env)
    assert "malformed" in out
