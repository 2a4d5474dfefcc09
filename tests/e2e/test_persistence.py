"""A8: everything survives a clean restart on the same data dir."""

from __future__ import annotations

import json
import signal

import pytest

from gwtest import POWER_USER, Creds, uniq

DOC = {"Version": "2012-10-17",
       "Statement": [{"Effect": "Allow", "Action": ["codecommit:Get*", "codecommit:List*"], "Resource": "*"}]}
DENY = {"Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "codecommit:DeleteRepository", "Resource": "*"}]}


@pytest.mark.slow
def test_restart_keeps_everything(new_server):
    srv = new_server()
    root_creds = srv.init()
    other_creds = srv.create_account()
    srv.start()
    root = srv.principal(root_creds)
    acct = root_creds.account_id

    user, group, pname, repo = uniq("keep-u"), uniq("keep-g"), uniq("keep-p"), uniq("keep-r")
    u = root.iam.create_user(UserName=user, Tags=[{"Key": "k", "Value": "v"}])["User"]
    g = root.iam.create_group(GroupName=group)["Group"]
    root.iam.add_user_to_group(GroupName=group, UserName=user)
    pol = root.iam.create_policy(PolicyName=pname, PolicyDocument=json.dumps(DOC))["Policy"]
    root.iam.create_policy_version(PolicyArn=pol["Arn"], PolicyDocument=json.dumps(DOC), SetAsDefault=True)
    root.iam.attach_group_policy(GroupName=group, PolicyArn=pol["Arn"])
    root.iam.attach_user_policy(UserName=user, PolicyArn=POWER_USER)
    root.iam.put_user_policy(UserName=user, PolicyName="no-delete", PolicyDocument=json.dumps(DENY))
    root.iam.put_group_policy(GroupName=group, PolicyName="g-inline", PolicyDocument=json.dumps(DOC))
    k = root.iam.create_access_key(UserName=user)["AccessKey"]
    inactive = root.iam.create_access_key(UserName=user)["AccessKey"]
    root.iam.update_access_key(UserName=user, AccessKeyId=inactive["AccessKeyId"], Status="Inactive")
    user_creds = Creds(acct, k["AccessKeyId"], k["SecretAccessKey"])
    md = srv.principal(user_creds).cc.create_repository(
        repositoryName=repo, repositoryDescription="persisted", tags={"t": "1"})["repositoryMetadata"]
    other_repo = srv.principal(other_creds).cc.create_repository(repositoryName=uniq("other"))["repositoryMetadata"]

    srv.stop_ok(signal.SIGTERM)
    srv.start()

    root = srv.principal(root_creds)
    me = srv.principal(user_creds)
    # The user's key still authenticates, its policies still apply.
    assert me.sts.get_caller_identity()["Arn"] == u["Arn"]
    got = me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]
    for key in ("repositoryId", "repositoryName", "repositoryDescription", "Arn", "accountId", "creationDate"):
        assert got[key] == md[key], (key, got, md)
    assert got["cloneUrlHttp"] == srv.clone_url(repo)  # new port, new URL
    assert me.cc.list_tags_for_resource(resourceArn=md["Arn"])["tags"] == {"t": "1"}
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        me.cc.delete_repository(repositoryName=repo)
    assert ei.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "explicit deny" in ei.value.response["Error"]["Message"]

    # IAM state.
    u2 = root.iam.get_user(UserName=user)["User"]
    assert (u2["UserId"], u2["Arn"], u2["CreateDate"]) == (u["UserId"], u["Arn"], u["CreateDate"])
    assert root.iam.list_user_tags(UserName=user)["Tags"] == [{"Key": "k", "Value": "v"}]
    members = root.iam.get_group(GroupName=group)
    assert members["Group"]["GroupId"] == g["GroupId"]
    assert [x["UserName"] for x in members["Users"]] == [user]
    keys = {m["AccessKeyId"]: m["Status"] for m in root.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
    assert keys == {k["AccessKeyId"]: "Active", inactive["AccessKeyId"]: "Inactive"}
    p2 = root.iam.get_policy(PolicyArn=pol["Arn"])["Policy"]
    assert (p2["PolicyId"], p2["DefaultVersionId"], p2["AttachmentCount"]) == (pol["PolicyId"], "v2", 1)
    assert root.iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v1")["PolicyVersion"]["Document"] == DOC
    assert root.iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"] == [
        {"PolicyName": pname, "PolicyArn": pol["Arn"]}]
    assert root.iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == [
        {"PolicyName": "AWSCodeCommitPowerUser", "PolicyArn": POWER_USER}]
    assert root.iam.get_user_policy(UserName=user, PolicyName="no-delete")["PolicyDocument"] == DENY
    assert root.iam.list_group_policies(GroupName=group)["PolicyNames"] == ["g-inline"]

    # The inactive key is still inactive.
    with pytest.raises(me.cc.exceptions.ClientError) as ei:
        srv.client("sts", Creds(acct, inactive["AccessKeyId"], inactive["SecretAccessKey"])).get_caller_identity()
    assert ei.value.response["Error"]["Code"] == "InvalidClientTokenId"

    # The second account survived too, still separate.
    other = srv.principal(other_creds)
    assert other.cc.get_repository(repositoryName=other_repo["repositoryName"])["repositoryMetadata"][
        "repositoryId"] == other_repo["repositoryId"]
    with pytest.raises(other.cc.exceptions.RepositoryDoesNotExistException):
        other.cc.get_repository(repositoryName=repo)

    # Deletions persist as well.
    root.cc.delete_repository(repositoryName=repo)
    root.iam.remove_user_from_group(GroupName=group, UserName=user)
    srv.stop_ok(signal.SIGTERM)
    srv.start()
    root = srv.principal(root_creds)
    with pytest.raises(root.cc.exceptions.RepositoryDoesNotExistException):
        root.cc.get_repository(repositoryName=repo)
    assert root.iam.get_group(GroupName=group)["Users"] == []
    srv.stop_ok(signal.SIGTERM)
