"""Issue 4, acceptance 2: the CodeCommit identity-based policy examples from AWS's guide, end to
end with the aws CLI and git: branch protection, tag-based access with
`${aws:PrincipalTag/Department}`, a deny outside a source IP range, read-only by name prefix."""

from __future__ import annotations

import json
from pathlib import Path

from gwtest import POWER_USER, uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _push_main(git: Git, work: Path) -> str:
    return git.commit(work, {uniq("f"): "x\n"}, "c")


def test_branch_protection_blocks_api_branch_deletion_too(root_a, make_user, cli, git_for, tmp_path):
    # CC-UG how-to-conditional-branch.html: deny GitPush/DeleteBranch/PutFile/Merge* on main.
    deny = _doc({
        "Effect": "Deny",
        "Action": ["codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile",
                   "codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash",
                   "codecommit:MergeBranchesByThreeWay", "codecommit:MergePullRequestByFastForward",
                   "codecommit:MergePullRequestBySquash", "codecommit:MergePullRequestByThreeWay"],
        "Resource": "*",
        "Condition": {"StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
                      "Null": {"codecommit:References": "false"}},
    })
    name, me = make_user(managed=[POWER_USER], inline={"protect-main": deny})
    repo = uniq("bp")
    root_a.cc.create_repository(repositoryName=repo)
    admin = git_for(root_a.creds)
    work = admin.clone(repo, tmp_path / "admin")
    commit = _push_main(admin, work)
    admin.ok("push", "origin", "main", cwd=work)
    cli.ok(me.creds, "codecommit", "create-branch", "--repository-name", repo, "--branch-name", "feature",
           "--commit-id", commit)
    cli.fails(me.creds, "AccessDeniedException", "codecommit", "delete-branch", "--repository-name", repo,
              "--branch-name", "main")
    out = cli.ok(me.creds, "codecommit", "delete-branch", "--repository-name", repo, "--branch-name", "feature")
    assert out["deletedBranch"]["branchName"] == "feature"
    # And over git, the push to main is refused naming the ref.
    git = git_for(me.creds)
    mine = git.clone(repo, tmp_path / "mine")
    _push_main(git, mine)
    out = git.fails("push", "origin", "main", cwd=mine)
    assert "refs/heads/main" in out and "explicit deny" in out


def test_access_by_department_tag(root_a, cli, git_for, tmp_path):
    # CC-UG identity-based policy example: repositories whose Department tag matches the user's.
    iam = root_a.iam
    name = uniq("dept")
    iam.create_user(UserName=name, Tags=[{"Key": "Department", "Value": "Engineering"}])
    iam.put_user_policy(UserName=name, PolicyName="by-department", PolicyDocument=json.dumps(_doc({
        "Effect": "Allow",
        "Action": ["codecommit:*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Department": "${aws:PrincipalTag/Department}"}},
    })))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    from gwtest import Creds
    creds = Creds(root_a.account_id, key["AccessKeyId"], key["SecretAccessKey"])
    eng, fin = uniq("eng"), uniq("fin")
    root_a.cc.create_repository(repositoryName=eng, tags={"Department": "Engineering"})
    root_a.cc.create_repository(repositoryName=fin, tags={"Department": "Finance"})
    assert cli.ok(creds, "codecommit", "get-repository", "--repository-name", eng)["repositoryMetadata"]
    cli.fails(creds, "AccessDeniedException", "codecommit", "get-repository", "--repository-name", fin)
    git = git_for(creds)
    git.clone(eng, tmp_path / "eng")
    assert "403" in git.fails("clone", root_a_clone_url(git, fin), str(tmp_path / "fin"))


def root_a_clone_url(git: Git, name: str) -> str:
    return git.server.clone_url(name)


def test_deny_outside_source_ip_range(root_a, make_user, cli, git_for, tmp_path):
    # IAM-UG example: deny everything unless the request comes from the corporate range.
    repo = uniq("ip")
    root_a.cc.create_repository(repositoryName=repo)
    outside = _doc({"Effect": "Deny", "Action": "codecommit:*", "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}})
    _, far = make_user(managed=[POWER_USER], inline={"corp-only": outside})
    cli.fails(far.creds, "AccessDeniedException", "codecommit", "get-repository", "--repository-name", repo)
    git = git_for(far.creds)
    out = git.fails("clone", git.server.clone_url(repo), str(tmp_path / "far"))
    assert "403" in out
    inside = _doc({"Effect": "Deny", "Action": "codecommit:*", "Resource": "*",
                   "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}})
    _, near = make_user(managed=[POWER_USER], inline={"corp-only": inside})
    cli.ok(near.creds, "codecommit", "get-repository", "--repository-name", repo)
    git_for(near.creds).clone(repo, tmp_path / "near")


def test_read_only_by_name_prefix(root_a, make_user, cli, git_for, tmp_path):
    acct = root_a.account_id
    prefix = uniq("MyDemo")
    readable, other = prefix + "Repo", uniq("Other")
    for r in (readable, other):
        root_a.cc.create_repository(repositoryName=r)
    policy = _doc({"Effect": "Allow",
                   "Action": ["codecommit:BatchGet*", "codecommit:Get*", "codecommit:List*", "codecommit:GitPull"],
                   "Resource": f"arn:aws:codecommit:us-east-1:{acct}:{prefix}*"})
    _, me = make_user(inline={"read-prefix": policy})
    cli.ok(me.creds, "codecommit", "get-repository", "--repository-name", readable)
    cli.fails(me.creds, "AccessDeniedException", "codecommit", "get-repository", "--repository-name", other)
    git = git_for(me.creds)
    work = git.clone(readable, tmp_path / "r")
    git.commit(work, {"a": "b"}, "c")
    assert "GitPush" in git.fails("push", "origin", "main", cwd=work)
    assert "403" in git.fails("clone", git.server.clone_url(other), str(tmp_path / "o"))
