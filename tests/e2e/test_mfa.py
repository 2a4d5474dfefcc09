"""Issue 5 (point 4, acceptance 3): IAM virtual MFA devices, and MFA in STS.

Codes are computed here from the seed the server returned (RFC 6238: HMAC-SHA1, 30-second
steps, 6 digits). The server accepts ±1 step and each code once per device, so the tests
never wait for a step to pass: enabling takes the codes of steps T-1 and T, the next sign-in
the code of T+1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import pytest

from gwtest import POWER_USER, uniq
from test_git_http import Git, git_for  # noqa: F401  (git_for is a fixture)

INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
UNKNOWN_SERIAL = ("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify "
                  "your MFA serial number is valid and associated with this user.")


def totp(seed_b32: str, step: int) -> str:
    key = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[19] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def now_step() -> int:
    return int(time.time()) // 30


def test_totp_helper_matches_rfc6238():
    seed = base64.b32encode(b"12345678901234567890").decode()
    assert totp(seed, 59 // 30) == "287082"
    assert totp(seed, 1111111109 // 30) == "081804"
    assert totp(seed, 1234567890 // 30) == "005924"


def _err(ei) -> tuple[str, str]:
    e = ei.value.response["Error"]
    return e["Code"], e.get("Message", "")


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _client(server, service: str, c: dict):
    return boto3.session.Session().client(
        service, endpoint_url=server.endpoint, region_name="us-east-1", verify=server.verify,
        aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c.get("SessionToken"),
        config=botocore.config.Config(retries={"max_attempts": 1}))


def _env(c: dict) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": c["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"],
            "AWS_SESSION_TOKEN": c["SessionToken"]}


def _device(root, user: str) -> tuple[str, str, int]:
    """A virtual device enabled for `user`: (serial, seed, the last step used)."""
    dev = root.iam.create_virtual_mfa_device(VirtualMFADeviceName=uniq("dev"))["VirtualMFADevice"]
    seed = dev["Base32StringSeed"].decode()
    t = now_step()
    root.iam.enable_mfa_device(UserName=user, SerialNumber=dev["SerialNumber"],
                               AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))
    return dev["SerialNumber"], seed, t


def test_virtual_mfa_device_lifecycle(root_a):
    iam = root_a.iam
    acct = root_a.account_id
    user = uniq("mfa-u")
    iam.create_user(UserName=user)
    name = uniq("phone")
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName=name, Path="/team/",
                                        Tags=[{"Key": "owner", "Value": user}])["VirtualMFADevice"]
    serial = dev["SerialNumber"]
    assert serial == f"arn:aws:iam::{acct}:mfa/team/{name}"
    seed = dev["Base32StringSeed"].decode()
    assert len(seed) == 64 and base64.b32decode(seed)
    png = dev["QRCodePNG"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IHDR" in png[:16]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.create_virtual_mfa_device(VirtualMFADeviceName=name, Path="/team/")
    assert _err(ei)[0] == "EntityAlreadyExists"

    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert serial in [d["SerialNumber"] for d in unassigned]
    assert "Base32StringSeed" not in json.dumps(unassigned, default=str)

    # Wrong codes: not consecutive, the same code twice, codes far from now.
    t = now_step()
    for c1, c2 in [(totp(seed, t), totp(seed, t)), (totp(seed, t - 1), totp(seed, t + 1)),
                   (totp(seed, t + 20), totp(seed, t + 21))]:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                                  AuthenticationCode1=c1, AuthenticationCode2=c2)
        code, _ = _err(ei)
        assert code == "InvalidAuthenticationCode"
        assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.enable_mfa_device(UserName="nobody-" + user, SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))
    assert _err(ei)[0] == "NoSuchEntity"

    iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                          AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t), AuthenticationCode2=totp(seed, t + 1))
    assert _err(ei)[0] == "EntityAlreadyExists"
    listed = iam.list_mfa_devices(UserName=user)["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [(user, serial)]
    assert abs(listed[0]["EnableDate"].timestamp() - time.time()) < 300
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    mine = [d for d in assigned if d["SerialNumber"] == serial]
    assert mine and mine[0]["User"]["UserName"] == user and "EnableDate" in mine[0]
    assert serial not in [d["SerialNumber"] for d in
                          iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]]

    # Assigned: neither the device nor the user can be deleted.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert _err(ei)[0] == "DeleteConflict"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.delete_user(UserName=user)
    assert _err(ei) == ("DeleteConflict", "Cannot delete entity, must delete MFA device first.")

    # Resync: two fresh consecutive codes; used ones are refused.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.resync_mfa_device(UserName=user, SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))
    assert _err(ei)[0] == "InvalidAuthenticationCode"
    iam.resync_mfa_device(UserName=user, SerialNumber=serial,
                          AuthenticationCode1=totp(seed, t + 1), AuthenticationCode2=totp(seed, t + 2))

    iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    assert iam.list_mfa_devices(UserName=user)["MFADevices"] == []
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    assert _err(ei)[0] == "NoSuchEntity"
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert _err(ei) == ("NoSuchEntity", f"VirtualMFADevice with serial number {serial} doesn't exist.")
    iam.delete_user(UserName=user)


def test_mfa_device_tags(root_a, make_user):
    iam = root_a.iam
    dev = iam.create_virtual_mfa_device(VirtualMFADeviceName=uniq("tagged"),
                                        Tags=[{"Key": "team", "Value": "a"}])["VirtualMFADevice"]
    serial = dev["SerialNumber"]
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "Team", "Value": "b"}, {"Key": "env", "Value": "x"}])
    tags = iam.list_mfa_device_tags(SerialNumber=serial)["Tags"]
    # Keys compare case-insensitively: "Team" replaced "team".
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("Team", "b"), ("env", "x")]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["ENV", "absent"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "Team", "Value": "b"}]
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}])
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.list_mfa_device_tags(SerialNumber=serial + "nope")
    # aws:ResourceTag on the device: a user may tag only devices of its own team.
    _, me = make_user(inline={"tag": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["iam:TagMFADevice", "iam:ListMFADeviceTags"], "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/Team": "b"}}}]}})
    me.iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "owner", "Value": "me"}])
    other = iam.create_virtual_mfa_device(VirtualMFADeviceName=uniq("other"))["VirtualMFADevice"]
    with pytest.raises(me.iam.exceptions.ClientError) as ei:
        me.iam.tag_mfa_device(SerialNumber=other["SerialNumber"], Tags=[{"Key": "owner", "Value": "me"}])
    assert _err(ei)[0] == "AccessDenied"
    for d in (serial, other["SerialNumber"]):
        iam.delete_virtual_mfa_device(SerialNumber=d)


def test_cli_creates_a_device_and_limits_and_authorization(server, root_a, make_user, cli, tmp_path):
    acct = root_a.account_id
    name = uniq("cli-dev")
    seed_file = tmp_path / "seed.txt"
    out = cli.ok(root_a.creds, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", name,
                 "--outfile", str(seed_file), "--bootstrap-method", "Base32StringSeed")
    serial = out["VirtualMFADevice"]["SerialNumber"]
    assert serial == f"arn:aws:iam::{acct}:mfa/{name}"
    seed = seed_file.read_text().strip()
    assert len(seed) == 64
    qr_file = tmp_path / "qr.png"
    cli.ok(root_a.creds, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", name + "-qr",
           "--outfile", str(qr_file), "--bootstrap-method", "QRCodePNG")
    assert qr_file.read_bytes().startswith(b"\x89PNG")
    user = uniq("cli-u")
    root_a.iam.create_user(UserName=user)
    t = now_step()
    cli.ok(root_a.creds, "iam", "enable-mfa-device", "--user-name", user, "--serial-number", serial,
           "--authentication-code1", totp(seed, t - 1), "--authentication-code2", totp(seed, t))
    listed = cli.ok(root_a.creds, "iam", "list-mfa-devices", "--user-name", user)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]

    # Up to 8 devices per user.
    for i in range(7):
        _device(root_a, user)
    assert len(root_a.iam.list_mfa_devices(UserName=user)["MFADevices"]) == 8
    extra = root_a.iam.create_virtual_mfa_device(VirtualMFADeviceName=uniq("ninth"))["VirtualMFADevice"]
    s9 = extra["Base32StringSeed"].decode()
    t = now_step()
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        root_a.iam.enable_mfa_device(UserName=user, SerialNumber=extra["SerialNumber"],
                                     AuthenticationCode1=totp(s9, t - 1), AuthenticationCode2=totp(s9, t))
    assert _err(ei)[0] == "LimitExceeded"

    # IAM authorization: the policy pipeline with mfa/NAME and user/NAME resources.
    own = uniq("own")
    me_name, me = make_user(inline={"own-mfa": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
         "Resource": f"arn:aws:iam::{acct}:mfa/{own}"},
        {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ListMFADevices"],
         "Resource": f"arn:aws:iam::{acct}:user/${{aws:username}}"}]}})
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.create_virtual_mfa_device(VirtualMFADeviceName=own + "x")
    assert _err(ei)[0] == "AccessDenied" and "iam:CreateVirtualMFADevice" in _err(ei)[1]
    mine = me.iam.create_virtual_mfa_device(VirtualMFADeviceName=own)["VirtualMFADevice"]
    ms = mine["Base32StringSeed"].decode()
    t = now_step()
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.enable_mfa_device(UserName=user, SerialNumber=mine["SerialNumber"],
                                 AuthenticationCode1=totp(ms, t - 1), AuthenticationCode2=totp(ms, t))
    assert _err(ei)[0] == "AccessDenied"
    me.iam.enable_mfa_device(UserName=me_name, SerialNumber=mine["SerialNumber"],
                             AuthenticationCode1=totp(ms, t - 1), AuthenticationCode2=totp(ms, t))
    # ListMFADevices without a user name lists the caller's.
    assert [d["SerialNumber"] for d in me.iam.list_mfa_devices()["MFADevices"]] == [mine["SerialNumber"]]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.iam.list_virtual_mfa_devices()
    assert _err(ei)[0] == "AccessDenied"


def test_session_token_with_mfa(server, root_a, make_user):
    # Listing repositories is denied to sessions without MFA (Bool, not BoolIfExists: long-term
    # keys carry no MFA key at all, so the condition does not apply to them) and to MFA
    # sessions authenticated more than an hour ago.
    name, me = make_user(managed=[POWER_USER],
                         inline={"mfa-self": {"Version": "2012-10-17", "Statement": [
                             {"Effect": "Allow", "Action": "iam:ListMFADevices", "Resource": "*"},
                             {"Effect": "Deny", "Action": "codecommit:ListRepositories", "Resource": "*",
                              "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
                             {"Effect": "Deny", "Action": "codecommit:ListRepositories", "Resource": "*",
                              "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}}]}})
    me.cc.list_repositories()
    serial, seed, t = _device(root_a, name)
    # Wrong code, unknown serial, another user's device.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, t + 15))
    assert _err(ei) == ("AccessDenied", INVALID_CODE)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(SerialNumber=serial + "x", TokenCode=totp(seed, t + 1))
    assert _err(ei) == ("AccessDenied", UNKNOWN_SERIAL)
    other, _ = make_user()
    o_serial, o_seed, o_t = _device(root_a, other)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(SerialNumber=o_serial, TokenCode=totp(o_seed, o_t + 1))
    assert _err(ei) == ("AccessDenied", UNKNOWN_SERIAL)
    # A code already used to enable the device is refused.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, t))
    assert _err(ei) == ("AccessDenied", INVALID_CODE)

    c = me.sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, t + 1))["Credentials"]
    # With MFA the session may call IAM (without, it may not).
    devices = _client(server, "iam", c).list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [serial]
    _client(server, "codecommit", c).list_repositories()
    plain = me.sts.get_session_token()["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "iam", plain).list_mfa_devices()
    assert _err(ei)[0] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "codecommit", plain).list_repositories()
    assert _err(ei)[0] == "AccessDeniedException"
    # The same code again: refused.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        me.sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, t + 1))
    assert _err(ei) == ("AccessDenied", INVALID_CODE)


def test_acceptance_assume_role_requires_mfa(server, root_a, make_user, cli):
    """Acceptance 3: a role whose trust policy requires MFA."""
    acct = root_a.account_id
    name, me = make_user()
    serial, seed, t = _device(root_a, name)
    role = uniq("mfa-role")
    arn = root_a.iam.create_role(RoleName=role, AssumeRolePolicyDocument=_doc({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{name}"},
        "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
    )["Role"]["Arn"]
    root_a.iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "codecommit:ListRepositories", "Resource": "*"}))

    # Without MFA: refused.
    err = cli.fails(me.creds, "AccessDenied", "sts", "assume-role", "--role-arn", arn,
                    "--role-session-name", "nomfa")
    assert f"is not authorized to perform: sts:AssumeRole on resource: {arn}" in err
    # With a code from the enabled device: a working session.
    code = totp(seed, t + 1)
    out = cli.ok(me.creds, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "withmfa",
                 "--serial-number", serial, "--token-code", code)
    c = out["Credentials"]
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{acct}:assumed-role/{role}/withmfa"
    assert "repositories" in _client(server, "codecommit", c).list_repositories()
    # The same code twice: refused.
    err = cli.fails(me.creds, "AccessDenied", "sts", "assume-role", "--role-arn", arn,
                    "--role-session-name", "again", "--serial-number", serial, "--token-code", code)
    assert INVALID_CODE in err
    # A role session has no MFA devices of its own.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", c).assume_role(RoleArn=arn, RoleSessionName="chain",
                                              SerialNumber=serial, TokenCode=totp(seed, t + 2))
    assert _err(ei) == ("AccessDenied", UNKNOWN_SERIAL)


def test_mfa_session_carries_into_assume_role(server, root_a, make_user):
    """GetSessionToken with MFA, then AssumeRole with those credentials and no code: the trust
    policy sees MFA present (as on AWS)."""
    acct = root_a.account_id
    name, me = make_user()
    serial, seed, t = _device(root_a, name)
    role = uniq("carry")
    arn = root_a.iam.create_role(RoleName=role, AssumeRolePolicyDocument=_doc({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/{name}"},
        "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
    )["Role"]["Arn"]
    plain = me.sts.get_session_token()["Credentials"]
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        _client(server, "sts", plain).assume_role(RoleArn=arn, RoleSessionName="plain")
    assert _err(ei)[0] == "AccessDenied"
    with_mfa = me.sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, t + 1))["Credentials"]
    out = _client(server, "sts", with_mfa).assume_role(RoleArn=arn, RoleSessionName="carried")
    assert out["AssumedRoleUser"]["Arn"].endswith(f"assumed-role/{role}/carried")


MFA_FOR_MAIN = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Action": "codecommit:GitPush",
        "Resource": "*",
        "Condition": {
            "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
            "StringEqualsIfExists": {"codecommit:References": ["refs/heads/main"]},
            "Null": {"codecommit:References": "false"},
        },
    }],
}


def test_acceptance_push_to_main_needs_an_mfa_session(server, root_a, make_user, git_for, tmp_path):
    """Acceptance 3: a Deny on pushes to main unless MFA is present, honoured for
    get-session-token credentials driving the real git."""
    repo = uniq("mfa-git")
    root_a.cc.create_repository(repositoryName=repo)
    name, me = make_user(managed=[POWER_USER], inline={"mfa-for-main": MFA_FOR_MAIN})
    serial, seed, t = _device(root_a, name)
    git: Git = git_for(me.creds)

    plain = me.sts.get_session_token()["Credentials"]
    work = tmp_path / "w"
    git.ok("clone", server.clone_url(repo), str(work), env=_env(plain))
    first = git.commit(work, {"README.md": "one\n"}, "first")
    out = git.fails("push", "origin", "main", cwd=work, env=_env(plain))
    assert "! [remote rejected] main -> main (refs/heads/main denied by IAM policy" in out, out
    # Other branches need no MFA.
    git.ok("push", "origin", "main:feature", cwd=work, env=_env(plain))

    mfa = me.sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed, t + 1))["Credentials"]
    git.ok("push", "origin", "main", cwd=work, env=_env(mfa))
    assert root_a.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == first
    # Long-term keys carry no MFA key at all: BoolIfExists denies them too.
    git.commit(work, {"README.md": "two\n"}, "second")
    out = git.fails("push", "origin", "main", cwd=work)
    assert "refs/heads/main denied by IAM policy" in out, out
