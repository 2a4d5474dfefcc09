"""Issue 5: IAM roles, AssumeRole (same and cross account), GetFederationToken, and Git with
the resulting rotating credentials, following seeds 000 (temporary credentials in the
credentials file or the environment) and 001 (a profile with role_arn / source_profile /
role_session_name that the AWS CLI assumes by itself)."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import pytest

from gwtest import POWER_USER, Creds, Principal, uniq
from test_git_http import HELPER, Git, git_for  # noqa: F401  (git_for is a fixture)

ROLE_ID_PREFIX = "AROA"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: str | dict, **condition) -> str:
    stmt = {"Effect": "Allow", "Principal": {"AWS": principal} if isinstance(principal, str) else principal,
            "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return _doc(stmt)


def _allow(actions, resources="*") -> str:
    return _doc({"Effect": "Allow", "Action": actions, "Resource": resources})


def _code(ei) -> str:
    return ei.value.response["Error"]["Code"]


def _client(server, service: str, c: dict, **kw):
    return boto3.session.Session().client(
        service, endpoint_url=server.endpoint, region_name="us-east-1", verify=server.verify,
        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c.get("SessionToken"),
        config=botocore.config.Config(retries={"max_attempts": 1}, **kw))


def _make_role(root: Principal, trust: str, *, policy: str | None = None, name: str | None = None,
               **kw) -> dict:
    name = name or uniq("role")
    role = root.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, **kw)["Role"]
    if policy:
        root.iam.put_role_policy(RoleName=name, PolicyName="access", PolicyDocument=policy)
    return role


def _repo_arn(root: Principal, repo: str) -> str:
    return f"arn:aws:codecommit:us-east-1:{root.account_id}:{repo}"


# -- IAM roles ------------------------------------------------------------------------------

def test_role_crud_tags_policies_boundary(root_a):
    iam = root_a.iam
    name = uniq("crud")
    trust = _trust(f"arn:aws:iam::{root_a.account_id}:root")
    r = iam.create_role(RoleName=name, Path="/team/", AssumeRolePolicyDocument=trust,
                        Description="for tests", MaxSessionDuration=7200,
                        Tags=[{"Key": "Department", "Value": "Eng"}])["Role"]
    assert r["RoleId"].startswith(ROLE_ID_PREFIX) and len(r["RoleId"]) == 21
    assert r["Arn"] == f"arn:aws:iam::{root_a.account_id}:role/team/{name}"
    assert r["AssumeRolePolicyDocument"] == json.loads(trust)  # botocore URL-decodes and parses
    got = iam.get_role(RoleName=name.upper())["Role"]  # names are case-insensitive
    assert got["RoleName"] == name and got["MaxSessionDuration"] == 7200
    assert got["Description"] == "for tests" and got["Tags"] == [{"Key": "Department", "Value": "Eng"}]
    assert "RoleLastUsed" in got
    assert any(x["RoleName"] == name for x in iam.list_roles(PathPrefix="/team/")["Roles"])
    assert not any(x["RoleName"] == name for x in iam.list_roles(PathPrefix="/other/")["Roles"])

    iam.update_role(RoleName=name, Description="changed", MaxSessionDuration=3600)
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "changed"
    assert iam.update_role_description(RoleName=name, Description="again")["Role"]["Description"] == "again"
    iam.tag_role(RoleName=name, Tags=[{"Key": "Team", "Value": "x"}])
    iam.untag_role(RoleName=name, TagKeys=["Department"])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "Team", "Value": "x"}]

    iam.attach_role_policy(RoleName=name, PolicyArn=POWER_USER)
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"][0]["PolicyArn"] == POWER_USER
    ents = iam.list_entities_for_policy(PolicyArn=POWER_USER, EntityFilter="Role")["PolicyRoles"]
    assert {"RoleName": name, "RoleId": r["RoleId"]} in ents
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=_allow("codecommit:GitPull"))
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["inline"]
    assert iam.get_role_policy(RoleName=name, PolicyName="inline")["PolicyDocument"]["Statement"][0]["Action"] == "codecommit:GitPull"
    iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=POWER_USER)
    assert iam.get_role(RoleName=name)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == POWER_USER
    iam.delete_role_permissions_boundary(RoleName=name)
    assert "PermissionsBoundary" not in iam.get_role(RoleName=name)["Role"]

    new_trust = _trust({"Service": "codecommit.amazonaws.com"})
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=new_trust)
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == json.loads(new_trust)

    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.delete_role(RoleName=name)
    assert _code(ei) == "DeleteConflict"
    iam.detach_role_policy(RoleName=name, PolicyArn=POWER_USER)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.delete_role(RoleName=name)
    assert _code(ei) == "DeleteConflict"
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    iam.delete_role(RoleName=name)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.get_role(RoleName=name)
    assert _code(ei) == "NoSuchEntity"


def test_role_creation_is_validated(root_a):
    iam = root_a.iam
    unvalidated = root_a.client("iam", parameter_validation=False)
    name = uniq("bad")
    for doc, code in [
        ("{not json", "MalformedPolicyDocument"),
        (_allow("sts:AssumeRole"), "MalformedPolicyDocument"),  # no Principal in a trust policy
        (_doc({"Effect": "Allow", "Principal": {"AWS": "not-an-arn"}, "Action": "sts:AssumeRole"}),
         "MalformedPolicyDocument"),
    ]:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
        assert _code(ei) == code, doc
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        unvalidated.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(root_a.account_id),
                                MaxSessionDuration=43201)
    assert _code(ei) in ("ValidationError", "InvalidInput")
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_role(RoleName=name)  # nothing was stored
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust({"Service": "codecommit.amazonaws.com"}))
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(root_a.account_id))
    assert _code(ei) == "EntityAlreadyExists"
    iam.delete_role(RoleName=name)


# -- AssumeRole -----------------------------------------------------------------------------

def test_same_account_trust_naming_the_user_needs_no_identity_policy(root_a, make_user, server):
    user, me = make_user()  # no policies at all
    user_arn = f"arn:aws:iam::{root_a.account_id}:user/{user}"
    repo = uniq("r")
    root_a.cc.create_repository(repositoryName=repo)
    role = _make_role(root_a, _trust(user_arn), policy=_allow("codecommit:GetRepository"))
    c = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dev1")
    creds = c["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert c["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{root_a.account_id}:assumed-role/{role['RoleName']}/dev1"
    assert c["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:dev1"
    left = creds["Expiration"].timestamp() - time.time()
    assert 3500 < left <= 3600, "the default session lasts an hour"
    who = _client(server, "sts", creds).get_caller_identity()
    assert who["Arn"] == c["AssumedRoleUser"]["Arn"] and who["UserId"] == f"{role['RoleId']}:dev1"
    assert who["Account"] == root_a.account_id
    cc = _client(server, "codecommit", creds)
    cc.get_repository(repositoryName=repo)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cc.delete_repository(repositoryName=repo)
    msg = ei.value.response["Error"]["Message"]
    assert f"assumed-role/{role['RoleName']}/dev1 is not authorized to perform: codecommit:DeleteRepository" in msg
    # GetRole now shows the role was used.
    assert root_a.iam.get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"]["Region"] == "us-east-1"


def test_trust_naming_the_account_needs_the_callers_permission(root_a, make_user):
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:root"))
    _, plain = make_user()
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        plain.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    assert _code(ei) == "AccessDenied"
    assert ei.value.response["Error"]["Message"] == (
        f"User: {plain.sts.get_caller_identity()['Arn']} is not authorized to perform: "
        f"sts:AssumeRole on resource: {role['Arn']}")
    _, allowed = make_user(inline={"assume": json.loads(_allow("sts:AssumeRole", role["Arn"]))})
    allowed.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    # An explicit deny in the caller's policies wins even when the trust policy names them.
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": role["Arn"]}]}
    user, denied = make_user(inline={"d": deny})
    root_a.iam.update_assume_role_policy(
        RoleName=role["RoleName"], PolicyDocument=_trust(f"arn:aws:iam::{root_a.account_id}:user/{user}"))
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        denied.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    assert _code(ei) == "AccessDenied"
    # A role that does not exist is refused the same way (no existence oracle), and root
    # users cannot assume roles at all.
    missing = role["Arn"] + "-missing"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        allowed.sts.assume_role(RoleArn=missing, RoleSessionName="s1")
    assert _code(ei) == "AccessDenied" and missing in ei.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_a.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    assert _code(ei) == "AccessDenied"


def test_role_changes_apply_to_live_sessions(root_a, make_user, server):
    user, me = make_user()
    repo = uniq("live")
    root_a.cc.create_repository(repositoryName=repo)
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user}"),
                      policy=_allow("codecommit:GetRepository"))
    creds = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="live")["Credentials"]
    cc = _client(server, "codecommit", creds)
    cc.get_repository(repositoryName=repo)
    root_a.iam.put_role_policy(RoleName=role["RoleName"], PolicyName="access",
                               PolicyDocument=_doc({"Effect": "Deny", "Action": "codecommit:*", "Resource": "*"}))
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cc.get_repository(repositoryName=repo)
    assert "explicit deny" in ei.value.response["Error"]["Message"]
    root_a.iam.delete_role_policy(RoleName=role["RoleName"], PolicyName="access")
    root_a.iam.delete_role(RoleName=role["RoleName"])
    # A role re-created under the same name is another role: the old session gets nothing.
    _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user}"),
               policy=_allow("codecommit:*"), name=role["RoleName"])
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cc.get_repository(repositoryName=repo)
    assert _code(ei) == "AccessDeniedException"


def test_session_policies_tags_and_chaining(root_a, make_user, server):
    user, me = make_user()
    acct = root_a.account_id
    repo = uniq("tags")
    root_a.cc.create_repository(repositoryName=repo, tags={"Team": "blue"})
    trust = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{user}"},
                  "Action": ["sts:AssumeRole", "sts:TagSession"]})
    # The role reads repositories whose Team tag equals the session's Team tag.
    policy = _doc({"Effect": "Allow", "Action": "codecommit:GetRepository", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:ResourceTag/Team": "${aws:PrincipalTag/Team}"}}},
                  {"Effect": "Allow", "Action": ["sts:AssumeRole", "codecommit:ListRepositories"],
                   "Resource": "*"})
    role = _make_role(root_a, trust, policy=policy, Tags=[{"Key": "Team", "Value": "red"}])
    red = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="red")["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError):
        _client(server, "codecommit", red).get_repository(repositoryName=repo)
    out = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="blue",
                             Tags=[{"Key": "team", "Value": "blue"}], TransitiveTagKeys=["team"])
    assert 0 < out["PackedPolicySize"] <= 100
    blue = out["Credentials"]
    _client(server, "codecommit", blue).get_repository(repositoryName=repo)
    # A session policy only narrows: ListRepositories is allowed by the role but not by it.
    narrow = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow",
                                Tags=[{"Key": "Team", "Value": "blue"}],
                                Policy=_allow("codecommit:GetRepository"))["Credentials"]
    ncc = _client(server, "codecommit", narrow)
    ncc.get_repository(repositoryName=repo)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        ncc.list_repositories()
    assert "session polic" in ei.value.response["Error"]["Message"]
    # Chaining: the transitive tag follows; a chained session is capped at one hour and may
    # not re-set an inherited transitive tag.
    role2 = _make_role(root_a, _doc({"Effect": "Allow", "Principal": {"AWS": role["Arn"]},
                                     "Action": ["sts:AssumeRole", "sts:TagSession"]}), policy=policy)
    sts_blue = _client(server, "sts", blue, parameter_validation=False)
    chained = sts_blue.assume_role(RoleArn=role2["Arn"], RoleSessionName="hop")["Credentials"]
    _client(server, "codecommit", chained).get_repository(repositoryName=repo)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts_blue.assume_role(RoleArn=role2["Arn"], RoleSessionName="hop", DurationSeconds=3601)
    assert _code(ei) == "ValidationError"
    assert "1 hour session limit for roles assumed by role chaining" in ei.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts_blue.assume_role(RoleArn=role2["Arn"], RoleSessionName="hop", Tags=[{"Key": "TEAM", "Value": "red"}])
    assert _code(ei) == "ValidationError"
    # Role sessions cannot ask for GetSessionToken / GetFederationToken.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts_blue.get_session_token()
    assert _code(ei) == "AccessDenied"


def test_parameter_errors_have_the_aws_codes(root_a, make_user):
    user, me = make_user()
    acct = root_a.account_id
    trust = _trust(f"arn:aws:iam::{acct}:user/{user}", StringEquals={"sts:ExternalId": "ext-12345"})
    role = _make_role(root_a, trust)
    sts = me.client("sts", parameter_validation=False)
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ok", ExternalId="ext-12345")
    cases = [
        (dict(ExternalId="ext-99999"), "AccessDenied", None),
        (dict(), "AccessDenied", None),  # the trust policy requires an external id
        (dict(ExternalId="ext-12345", RoleSessionName="bad/name"), "ValidationError", "roleSessionName"),
        (dict(ExternalId="ext-12345", RoleSessionName="x"), "ValidationError", "roleSessionName"),
        (dict(ExternalId="ext-12345", DurationSeconds=3601), "ValidationError", "MaxSessionDuration"),
        (dict(ExternalId="ext-12345", DurationSeconds=600), "ValidationError", "durationSeconds"),
        (dict(ExternalId="ext-12345", Policy="{nope"), "MalformedPolicyDocument", None),
        (dict(ExternalId="ext-12345", Policy=_allow("codecommit:GitPull", "x" * 2100)), "ValidationError", "policy"),
    ]
    for extra, code, words in cases:
        kw = dict(RoleArn=role["Arn"], RoleSessionName="s1")
        kw.update(extra)
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            sts.assume_role(**kw)
        assert _code(ei) == code, (extra, ei.value.response["Error"])
        if words:
            assert words in ei.value.response["Error"]["Message"], ei.value.response["Error"]
    tags = [{"Key": f"k{i}", "Value": "v" * 256} for i in range(50)]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", ExternalId="ext-12345", Tags=tags)
    assert _code(ei) in ("PackedPolicyTooLarge", "AccessDenied")


def test_tampered_foreign_and_mismatched_session_tokens(server, root_a, make_user, new_server):
    user, me = make_user()
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user}"))
    c = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="t1")["Credentials"]
    tok = c["SessionToken"]
    mid = len(tok) // 2
    flipped = tok[:mid] + ("A" if tok[mid] != "A" else "B") + tok[mid + 1:]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", dict(c, SessionToken=flipped)).get_caller_identity()
    assert _code(ei) == "InvalidClientTokenId"
    other = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="t2")["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", dict(c, SecretAccessKey=other["SecretAccessKey"])).get_caller_identity()
    assert _code(ei) == "SignatureDoesNotMatch"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", dict(c, SessionToken=other["SessionToken"])).get_caller_identity()
    assert _code(ei) == "InvalidClientTokenId"
    # A token sealed by another server (another key) opens nowhere else.
    srv = new_server(name="foreign")
    foreign_root = srv.init()
    srv.start()
    fc = srv.principal(foreign_root).sts.get_session_token(DurationSeconds=900)["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", fc).get_caller_identity()
    assert _code(ei) == "InvalidClientTokenId"


FEDERATE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}]}


def test_get_access_key_info_and_federation_identity(server, root_a, make_user):
    _, me = make_user(managed=[POWER_USER], inline={"federate": FEDERATE})
    assert root_a.sts.get_access_key_info(AccessKeyId=me.creds.access_key_id)["Account"] == root_a.account_id
    fed = me.sts.get_federation_token(Name="bob", Policy=_allow("codecommit:GitPull"))
    assert fed["FederatedUser"]["Arn"] == f"arn:aws:sts::{root_a.account_id}:federated-user/bob"
    assert fed["FederatedUser"]["FederatedUserId"] == f"{root_a.account_id}:bob"
    fc = fed["Credentials"]
    assert root_a.sts.get_access_key_info(AccessKeyId=fc["AccessKeyId"])["Account"] == root_a.account_id
    fsts = _client(server, "sts", fc)
    assert fsts.get_caller_identity()["Arn"] == fed["FederatedUser"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fsts.get_session_token()
    assert _code(ei) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "iam", fc).list_users()
    assert _code(ei) == "AccessDenied"
    # Without a policy a federated user can do nothing.
    bare = me.sts.get_federation_token(Name="nobody")["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "codecommit", bare).list_repositories()
    assert _code(ei) == "AccessDeniedException"


# -- Git with rotating credentials (the seeds) ------------------------------------------------

def _cross_account_setup(root_a, root_b, make_user, repo: str):
    """Seed 000's cross-account shape: account B's role CodeCommitAccess trusts account A and
    allows Git on B's repository; a user of A may assume it."""
    root_b.cc.create_repository(repositoryName=repo)
    role_name = uniq("CodeCommitAccess")
    role = _make_role(root_b, _trust(f"arn:aws:iam::{root_a.account_id}:root"), name=role_name,
                      policy=_allow(["codecommit:GitPull", "codecommit:GitPush", "codecommit:GetRepository"],
                                    _repo_arn(root_b, repo)))
    _, user = make_user(inline={"assume": json.loads(_allow("sts:AssumeRole", role["Arn"]))})
    return role, user


def test_seed_000_cross_account_with_named_profile_and_environment(server, root_a, root_b, make_user,
                                                                   git_for, cli, tmp_path):
    repo = uniq("MyDemoRepo")
    role, user = _cross_account_setup(root_a, root_b, make_user, repo)
    # The user runs `aws sts assume-role` (the real CLI)...
    out = cli.ok(user.creds, "sts", "assume-role", "--role-arn", role["Arn"], "--role-session-name", "Mary")
    c = out["Credentials"]
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{root_b.account_id}:assumed-role/{role['RoleName']}/Mary"
    # ...writes the three values into ~/.aws/credentials under a named profile...
    git: Git = git_for(None)
    (git.home / ".aws" / "credentials").write_text(
        "[CrossAccountAccess]\n"
        f"aws_access_key_id = {c['AccessKeyId']}\n"
        f"aws_secret_access_key = {c['SecretAccessKey']}\n"
        f"aws_session_token = {c['SessionToken']}\n")
    helper = ["-c", "credential.helper=!aws --profile CrossAccountAccess codecommit credential-helper --ignore-host-check $@",
              "-c", "credential.UseHttpPath=true"]
    work = tmp_path / "clone"
    # The clone URL names no account: the session's account, B, owns the repository.
    git.ok(*helper, "clone", server.clone_url(repo), str(work))
    head = git.commit(work, {"README.md": "cross-account\n"}, "first")
    git.ok(*helper, "push", "origin", "main", cwd=work)
    assert root_b.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head
    # ...and, separately, in the three environment variables with the `default` profile (which
    # `aws configure` created when the CLI was set up: seed 000, step 1).
    git2: Git = git_for(None)
    (git2.home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    env = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
           "AWS_SESSION_TOKEN": c["SessionToken"]}
    # "Specify `default` as the profile name": the helper of the default profile. (With an
    # explicit `--profile default` the AWS CLI itself ignores the environment variables.)
    helper2 = ["-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true"]
    work2 = tmp_path / "clone2"
    git2.ok(*helper2, "clone", server.clone_url(repo), str(work2), env=env)
    assert git2.head(work2) == head
    git2.commit(work2, {"b.txt": "second\n"}, "second")
    git2.ok(*helper2, "push", "origin", "main", cwd=work2, env=env)
    git.ok(*helper, "pull", "--ff-only", cwd=work)
    assert (work / "b.txt").read_text() == "second\n"
    # A's own key cannot reach B's repository.
    git3: Git = git_for(user.creds)
    git3.fails("clone", server.clone_url(repo), str(tmp_path / "nope"))


def test_seed_001_profile_assumes_the_role(server, root_a, make_user, git_for, tmp_path):
    user_name, user = make_user()
    repo = uniq("MyDemoRepo")
    root_a.cc.create_repository(repositoryName=repo)
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user_name}"),
                      name=uniq("CodeCommitAccess"),
                      policy=_allow(["codecommit:GitPull", "codecommit:GitPush"], _repo_arn(root_a, repo)))
    git: Git = git_for(None)
    aws_env = {"AWS_ENDPOINT_URL": server.endpoint, "AWS_CA_BUNDLE": str(server.ca_bundle)}
    (git.home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {user.creds.access_key_id}\n"
        f"aws_secret_access_key = {user.creds.secret_access_key}\n")
    aws = str(Path(__import__("gwtest").aws_cli_path()))
    import subprocess
    for args in (["role_arn", role["Arn"]], ["source_profile", "default"], ["role_session_name", "Maria Garcia"]):
        subprocess.run([aws, "configure", "set", *args, "--profile", "CodeAccess"], env=git.env(aws_env),
                       check=True, capture_output=True)
    config = (git.home / ".aws" / "config").read_text()
    assert "[profile CodeAccess]" in config and "role_session_name = Maria Garcia" in config
    who = subprocess.run([aws, "sts", "get-caller-identity", "--profile", "CodeAccess", "--output", "json"],
                         env=git.env(aws_env), capture_output=True, text=True)
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"] == \
        f"arn:aws:sts::{root_a.account_id}:assumed-role/{role['RoleName']}/Maria Garcia"
    helper = ["-c", "credential.helper=!aws --profile CodeAccess codecommit credential-helper --ignore-host-check $@",
              "-c", "credential.UseHttpPath=true"]
    work = tmp_path / "w"
    git.ok(*helper, "clone", server.clone_url(repo), str(work), env=aws_env)
    head = git.commit(work, {"f.txt": "rotating\n"}, "rotating")
    git.ok(*helper, "push", "origin", "main", cwd=work, env=aws_env)
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == head


def test_federation_token_with_pull_only_policy(server, root_a, make_user, git_for, tmp_path):
    _, me = make_user(managed=[POWER_USER], inline={"federate": FEDERATE})
    repo = uniq("fed")
    root_a.cc.create_repository(repositoryName=repo)
    seed: Git = git_for(me.creds)
    w = tmp_path / "seed"
    seed.ok("clone", server.clone_url(repo), str(w))
    seed.commit(w, {"a": "1\n"}, "one")
    seed.ok("push", "origin", "main", cwd=w)
    c = me.sts.get_federation_token(Name="reader", Policy=_allow("codecommit:GitPull", _repo_arn(root_a, repo)),
                                    DurationSeconds=900)["Credentials"]
    git: Git = git_for(None)
    env = {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
           "AWS_SESSION_TOKEN": c["SessionToken"]}
    helper = ["-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true"]
    work = tmp_path / "fed"
    git.ok(*helper, "clone", server.clone_url(repo), str(work), env=env)
    git.commit(work, {"b": "2\n"}, "two")
    out = git.fails(*helper, "push", "origin", "main", cwd=work, env=env)
    assert "403" in out


def test_expired_role_session(new_server, git_for, tmp_path):
    srv = new_server(name="role-exp")
    creds = srv.init()
    srv.extra_args = ["--sts-min-duration-seconds", "2"]
    srv.start()
    root = srv.principal(creds)
    name = uniq("exp")
    root.iam.create_user(UserName=name)
    k = root.iam.create_access_key(UserName=name)["AccessKey"]
    user = srv.principal(Creds(creds.account_id, k["AccessKeyId"], k["SecretAccessKey"]))
    repo = uniq("exp-repo")
    root.cc.create_repository(repositoryName=repo)
    role = _make_role(root, _trust(f"arn:aws:iam::{creds.account_id}:user/{name}"),
                      policy=_allow(["codecommit:*"], "*"))
    fresh = lambda seconds: user.client("sts", parameter_validation=False).assume_role(  # noqa: E731
        RoleArn=role["Arn"], RoleSessionName="short", DurationSeconds=seconds)["Credentials"]
    git = Git(srv, tmp_path / "home", None)
    helper = ["-c", f"credential.helper={HELPER}", "-c", "credential.UseHttpPath=true"]
    env = lambda c: {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],  # noqa: E731
                     "AWS_SESSION_TOKEN": c["SessionToken"]}
    work = tmp_path / "w"
    git.ok(*helper, "clone", srv.clone_url(repo), str(work), env=env(fresh(900)))
    # The 2-second session works at once (a quick API call: git plus the CLI helper can take
    # longer than two seconds on a loaded machine), and three seconds later it is over.
    c = fresh(2)
    _client(srv, "codecommit", c).get_repository(repositoryName=repo)
    time.sleep(3)
    out = git.fails(*helper, "fetch", cwd=work, env=env(c))
    assert "403" in out and "expired" in out
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(srv, "codecommit", c).get_repository(repositoryName=repo)
    assert _code(ei) in ("ExpiredTokenException", "ExpiredToken")
    c2 = fresh(900)
    git.ok(*helper, "fetch", cwd=work, env=env(c2))
    _client(srv, "codecommit", c2).get_repository(repositoryName=repo)


def test_source_identity_is_set_once_and_follows_the_chain(server, root_a, make_user):
    user, me = make_user()
    acct = root_a.account_id
    repo = uniq("si")
    root_a.cc.create_repository(repositoryName=repo)
    trust_no_si = _trust(f"arn:aws:iam::{acct}:user/{user}")
    role_plain = _make_role(root_a, trust_no_si)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.assume_role(RoleArn=role_plain["Arn"], RoleSessionName="s1", SourceIdentity="maria")
    assert _code(ei) == "AccessDenied", "setting a source identity needs sts:SetSourceIdentity"
    # The role reads repositories only for sessions whose source identity is maria.
    policy = _doc({"Effect": "Allow", "Action": ["codecommit:GetRepository", "sts:AssumeRole"], "Resource": "*",
                   "Condition": {"StringEquals": {"aws:SourceIdentity": "maria"}}})
    role = _make_role(root_a, _doc({"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{acct}:user/{user}",
                                                                             f"arn:aws:iam::{acct}:root"]},
                                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}), policy=policy)
    out = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", SourceIdentity="maria")
    assert out["SourceIdentity"] == "maria"
    c = out["Credentials"]
    _client(server, "codecommit", c).get_repository(repositoryName=repo)
    other = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s2", SourceIdentity="bob")["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError):
        _client(server, "codecommit", other).get_repository(repositoryName=repo)
    # Chained: the source identity is inherited and cannot be changed.
    sts = _client(server, "sts", c)
    chained = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="hop")
    assert chained["SourceIdentity"] == "maria"
    _client(server, "codecommit", chained["Credentials"]).get_repository(repositoryName=repo)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="hop", SourceIdentity="bob")
    assert _code(ei) == "ValidationError"


def test_managed_session_policies_narrow_the_role(server, root_a, make_user):
    from gwtest import READ_ONLY
    user, me = make_user()
    repo = uniq("arns")
    role = _make_role(root_a, _trust(f"arn:aws:iam::{root_a.account_id}:user/{user}"))
    root_a.iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=POWER_USER)
    full = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="full")["Credentials"]
    _client(server, "codecommit", full).create_repository(repositoryName=repo)
    out = me.sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ro", PolicyArns=[{"arn": READ_ONLY}])
    assert 0 < out["PackedPolicySize"] <= 100
    ro = _client(server, "codecommit", out["Credentials"])
    ro.get_repository(repositoryName=repo)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        ro.create_repository(repositoryName=uniq("nope"))
    assert _code(ei) == "AccessDeniedException"
    assert "session polic" in ei.value.response["Error"]["Message"]
