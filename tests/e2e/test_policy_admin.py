"""Issue 4 slice: policy versions, entities, permissions boundaries, aws:ResourceTag, and the
policy simulator, through boto3 and the aws CLI."""

from __future__ import annotations

import json

import pytest

from gwtest import POWER_USER, READ_ONLY, uniq

ALLOW_ALL_CC = json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "codecommit:*", "Resource": "*"}]})
ALLOW_GET = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "codecommit:GetRepository", "Resource": "*"}]})
PROTECT_MAIN = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": ["codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:PutFile"],
        "Resource": "*",
        "Condition": {"StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
                      "Null": {"codecommit:References": "false"}},
    }],
})


def test_policy_versions_and_entities(root_a):
    iam = root_a.iam
    name = uniq("pv")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=ALLOW_GET)["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_ALL_CC)["PolicyVersion"]
    assert v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is False
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", False), ("v1", True)]

    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.set_default_policy_version(PolicyArn=arn, VersionId="v9")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v2"]

    user, group = uniq("pv-user"), uniq("pv-group")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in ents["PolicyUsers"]] == [user]
    assert [g["GroupName"] for g in ents["PolicyGroups"]] == [group]
    assert ents["PolicyRoles"] == []
    only_users = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="User")
    assert only_users["PolicyGroups"] == [] and len(only_users["PolicyUsers"]) == 1


def test_permissions_boundary_limits_a_power_user(root_a, make_user):
    name, me = make_user(managed=[POWER_USER])
    repo = uniq("pb")
    root_a.cc.create_repository(repositoryName=repo)
    root_a.iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=READ_ONLY)
    got = root_a.iam.get_user(UserName=name)["User"]["PermissionsBoundary"]
    assert got["PermissionsBoundaryArn"] == READ_ONLY

    assert me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]["repositoryName"] == repo
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.create_repository(repositoryName=uniq("pb-new"))
    err = ei.value.response["Error"]
    assert err["Code"] == "AccessDeniedException"
    assert "because no permissions boundary allows the codecommit:CreateRepository action" in err["Message"]

    root_a.iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in root_a.iam.get_user(UserName=name)["User"]
    me.cc.create_repository(repositoryName=uniq("pb-ok"))


def test_resource_tags_in_conditions(root_a, make_user):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "codecommit:GetRepository", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]})
    _, me = make_user(inline={"blue-only": json.loads(policy)})
    blue, plain = uniq("blue"), uniq("plain")
    root_a.cc.create_repository(repositoryName=blue, tags={"team": "blue"})
    root_a.cc.create_repository(repositoryName=plain)
    assert me.cc.get_repository(repositoryName=blue)["repositoryMetadata"]["repositoryName"] == blue
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.get_repository(repositoryName=plain)
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"
    # Retagging takes effect at the next request.
    arn = root_a.cc.get_repository(repositoryName=plain)["repositoryMetadata"]["Arn"]
    root_a.cc.tag_resource(resourceArn=arn, tags={"team": "blue"})
    me.cc.get_repository(repositoryName=plain)


def test_simulate_principal_policy_with_the_cli(root_a, make_user, cli):
    name, _ = make_user(managed=[POWER_USER], inline={"protect-main": json.loads(PROTECT_MAIN)})
    acct = root_a.account_id
    user_arn = f"arn:aws:iam::{acct}:user/{name}"
    repo_arn = f"arn:aws:codecommit:us-east-1:{acct}:MyDemoRepo"
    out = cli.ok(root_a.creds, "iam", "simulate-principal-policy", "--policy-source-arn", user_arn,
                 "--action-names", "codecommit:GetRepository", "codecommit:DeleteRepository",
                 "--resource-arns", repo_arn)
    by_action = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert by_action["codecommit:GetRepository"]["EvalDecision"] == "allowed"
    assert by_action["codecommit:GetRepository"]["MatchedStatements"][0]["SourcePolicyId"] == "AWSCodeCommitPowerUser"
    assert by_action["codecommit:DeleteRepository"]["EvalDecision"] == "implicitDeny"
    assert by_action["codecommit:DeleteRepository"]["MatchedStatements"] == []

    def push(ref: str | None) -> dict:
        args = ["iam", "simulate-principal-policy", "--policy-source-arn", user_arn,
                "--action-names", "codecommit:GitPush", "--resource-arns", repo_arn]
        if ref:
            args += ["--context-entries",
                     f"ContextKeyName=codecommit:References,ContextKeyValues={ref},ContextKeyType=string"]
        return cli.ok(root_a.creds, *args)["EvaluationResults"][0]

    assert push(None)["EvalDecision"] == "allowed"
    main = push("refs/heads/main")
    assert main["EvalDecision"] == "explicitDeny"
    assert main["MatchedStatements"] == [{"SourcePolicyId": "protect-main", "SourcePolicyType": "user"}]
    assert push("refs/heads/feature")["EvalDecision"] == "allowed"


def test_simulate_custom_policy(root_a):
    res = root_a.iam.simulate_custom_policy(
        PolicyInputList=[ALLOW_GET, PROTECT_MAIN],
        ActionNames=["codecommit:GetRepository", "codecommit:CreateRepository", "codecommit:GitPush"],
        ContextEntries=[{"ContextKeyName": "codecommit:References", "ContextKeyValues": ["refs/heads/main"],
                         "ContextKeyType": "string"}],
    )["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in res}
    assert decisions == {"codecommit:GetRepository": "allowed", "codecommit:CreateRepository": "implicitDeny",
                         "codecommit:GitPush": "explicitDeny"}
    deny = next(r for r in res if r["EvalActionName"] == "codecommit:GitPush")
    assert deny["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.2"
    with pytest.raises(root_a.iam.exceptions.MalformedPolicyDocumentException):
        root_a.iam.simulate_custom_policy(PolicyInputList=['{"Statement": []'], ActionNames=["s3:GetObject"])


def test_simulator_is_itself_authorized(make_user, root_a):
    _, me = make_user(managed=[READ_ONLY])
    with pytest.raises(me.iam.exceptions.ClientError) as ei:
        me.iam.simulate_custom_policy(PolicyInputList=[ALLOW_GET], ActionNames=["codecommit:GetRepository"])
    assert ei.value.response["Error"]["Code"] == "AccessDenied"
