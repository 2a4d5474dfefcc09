"""Issue 6 slice: Git credentials (IAM service-specific credentials) over HTTPS, and the
throttling of repeated failed sign-ins."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from gwtest import POWER_USER, READ_ONLY, uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)

SERVICE = "codecommit.amazonaws.com"


def _url(server, user: str, password: str, repo: str) -> str:
    base = urllib.parse.urlsplit(server.clone_url(repo))
    q = urllib.parse.quote
    return f"{base.scheme}://{q(user, safe='')}:{q(password, safe='')}@{base.netloc}{base.path}"


def _repo(root) -> str:
    name = uniq("gc")
    root.cc.create_repository(repositoryName=name)
    return name


def test_git_credentials_clone_push_pull_reset_inactive(server, root_a, make_user, git_for, tmp_path):
    name, me = make_user(managed=[POWER_USER])
    repo = _repo(root_a)
    cred = root_a.iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)["ServiceSpecificCredential"]
    acct = root_a.account_id
    assert cred["ServiceUserName"] == f"{name}-at-{acct}"
    assert cred["Status"] == "Active" and cred["ServiceSpecificCredentialId"].startswith("ACCA")
    password = cred["ServicePassword"]
    assert len(password) >= 40

    git: Git = git_for(None)
    url = _url(server, cred["ServiceUserName"], password, repo)
    work = git.clone(repo, tmp_path / "w", url=url)
    first = git.commit(work, {"README.md": "hi\n"}, "first")
    git.ok("push", "origin", "main", cwd=work)
    assert me.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == first
    assert me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]["defaultBranch"] == "main"

    # git's own `store` helper with the credentials in ~/.git-credentials.
    store = git_for(None)
    base = urllib.parse.urlsplit(server.clone_url(repo))
    (store.home / ".git-credentials").write_text(
        f"{base.scheme}://{urllib.parse.quote(cred['ServiceUserName'], safe='')}:"
        f"{urllib.parse.quote(password, safe='')}@{base.netloc}\n")
    other = tmp_path / "o"
    store.ok("-c", "credential.helper=store", "clone", server.clone_url(repo), str(other))
    second = git.commit(work, {"b.txt": "more\n"}, "second")
    git.ok("push", cwd=work)
    store.ok("-c", "credential.helper=store", "pull", "--ff-only", cwd=other)
    assert store.head(other) == second

    listed = me.iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [cred["ServiceSpecificCredentialId"]]
    assert "ServicePassword" not in listed[0]

    # Reset: the old password stops working at once, the new one works.
    new = root_a.iam.reset_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])["ServiceSpecificCredential"]
    assert new["ServicePassword"] != password
    out = git.fails("ls-remote", url)
    assert "403" in out
    git.ok("ls-remote", _url(server, cred["ServiceUserName"], new["ServicePassword"], repo))

    # Inactive: 403; active again: works.
    root_a.iam.update_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"], Status="Inactive")
    new_url = _url(server, cred["ServiceUserName"], new["ServicePassword"], repo)
    assert "403" in git.fails("ls-remote", new_url)
    root_a.iam.update_service_specific_credential(
        UserName=name, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"], Status="Active")
    git.ok("ls-remote", new_url)


def test_git_credentials_are_authorized_as_the_user(server, root_a, make_user, git_for, tmp_path):
    name, _ = make_user(managed=[READ_ONLY])
    repo = _repo(root_a)
    cred = root_a.iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)["ServiceSpecificCredential"]
    git = git_for(None)
    url = _url(server, cred["ServiceUserName"], cred["ServicePassword"], repo)
    work = git.clone(repo, tmp_path / "w", url=url)
    git.commit(work, {"x": "y"}, "c")
    out = git.fails("push", "origin", "main", cwd=work)
    assert "not authorized to perform: codecommit:GitPush" in out


def test_aws_cli_creates_git_credentials_for_mary(server, root_a, cli, git_for, tmp_path):
    # The seed's command, verbatim but for the endpoint, with the real aws CLI.
    name = uniq("Mary")
    root_a.iam.create_user(UserName=name)
    root_a.iam.attach_user_policy(UserName=name, PolicyArn=POWER_USER)
    repo = _repo(root_a)
    out = cli.ok(root_a.creds, "iam", "create-service-specific-credential", "--user-name", name,
                 "--service-name", SERVICE)["ServiceSpecificCredential"]
    assert out["ServiceUserName"] == f"{name}-at-{root_a.account_id}"
    git = git_for(None)
    work = git.clone(repo, tmp_path / "w", url=_url(server, out["ServiceUserName"], out["ServicePassword"], repo))
    head = git.commit(work, {"m.txt": "mary\n"}, "mary")
    git.ok("push", "origin", "main", cwd=work)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    listed = cli.ok(root_a.creds, "iam", "list-service-specific-credentials", "--user-name", name)
    assert "ServicePassword" not in json.dumps(listed)


def test_git_credentials_follow_a_renamed_user(server, root_a, make_user, git_for, tmp_path):
    name, _ = make_user(managed=[READ_ONLY])
    repo = _repo(root_a)
    cred = root_a.iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)["ServiceSpecificCredential"]
    renamed = name + "-Renamed"
    root_a.iam.update_user(UserName=name, NewUserName=renamed)
    listed = root_a.iam.list_service_specific_credentials(UserName=renamed)["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [cred["ServiceSpecificCredentialId"]]
    assert listed[0]["ServiceUserName"] == f"{renamed}-at-{root_a.account_id}"
    git = git_for(None)
    git.ok("ls-remote", _url(server, listed[0]["ServiceUserName"], cred["ServicePassword"], repo))
    # The old login name names no user any more.
    git.fails("ls-remote", _url(server, cred["ServiceUserName"], cred["ServicePassword"], repo))


def test_git_credentials_rules(root_a, root_b, make_user):
    iam = root_a.iam
    name, me = make_user(managed=[POWER_USER])
    with pytest.raises(iam.exceptions.ServiceNotSupportedException):
        iam.create_service_specific_credential(UserName=name, ServiceName="s3.amazonaws.com")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.create_service_specific_credential(UserName="root", ServiceName=SERVICE)
    # The user manages its own (AWSCodeCommitPowerUser allows it on its own user only).
    me.iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)
    iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)
    other, _ = make_user()
    with pytest.raises(me.iam.exceptions.ClientError) as ei:
        me.iam.create_service_specific_credential(UserName=other, ServiceName=SERVICE)
    assert ei.value.response["Error"]["Code"] == "AccessDenied"
    # DeleteUser refuses while they exist.
    for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=name, PolicyArn=p["PolicyArn"])
    for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_user(UserName=name)
    for c in iam.list_service_specific_credentials(UserName=name)["ServiceSpecificCredentials"]:
        iam.delete_service_specific_credential(UserName=name,
                                               ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"])
    iam.delete_user(UserName=name)
    # Another account cannot see them.
    with pytest.raises(root_b.iam.exceptions.NoSuchEntityException):
        root_b.iam.list_service_specific_credentials(UserName=other)


def test_git_credentials_do_not_cross_accounts(server, root_a, root_b, make_user, git_for, tmp_path):
    name, _ = make_user(managed=[POWER_USER])
    cred = root_a.iam.create_service_specific_credential(UserName=name, ServiceName=SERVICE)["ServiceSpecificCredential"]
    repo_b = _repo(root_b)
    git = git_for(None)
    # The URL names B's repository, but Git credentials always act in their own account (A).
    out = git.fails("ls-remote", _url(server, cred["ServiceUserName"], cred["ServicePassword"], repo_b))
    assert "not found" in out or "404" in out


def test_repeated_failures_are_throttled_without_blocking_others(server, root_a, make_user, git_for, tmp_path):
    victim, _ = make_user(managed=[POWER_USER])
    good, _ = make_user(managed=[POWER_USER])
    repo = _repo(root_a)
    acct = root_a.account_id
    good_cred = root_a.iam.create_service_specific_credential(UserName=good, ServiceName=SERVICE)["ServiceSpecificCredential"]
    victim_cred = root_a.iam.create_service_specific_credential(UserName=victim, ServiceName=SERVICE)["ServiceSpecificCredential"]
    import http.client
    import base64
    import ssl

    def status(user: str, password: str) -> int:
        ctx = ssl.create_default_context(cafile=str(server.ca_bundle))
        host = urllib.parse.urlsplit(server.endpoint).netloc
        conn = http.client.HTTPSConnection(host, context=ctx, timeout=30)
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn.request("GET", f"/v1/repos/{repo}/info/refs?service=git-upload-pack",
                     headers={"Authorization": f"Basic {auth}"})
        r = conn.getresponse()
        r.read()
        conn.close()
        return r.status

    codes = [status(f"{victim}-at-{acct}", f"wrong-{i}") for i in range(50)]
    assert codes[0] == 403
    assert 429 in codes, codes
    assert codes[-1] == 429
    # Even the right password is refused for that name while it is locked out...
    assert status(victim_cred["ServiceUserName"], victim_cred["ServicePassword"]) == 429
    # ...but another user from the same address gets in at once.
    assert status(good_cred["ServiceUserName"], good_cred["ServicePassword"]) == 200
