"""Issue 6: SSH public keys (IAM UploadSSHPublicKey and friends) and Git over SSH, with the
real OpenSSH client (`ssh`, `ssh-keygen`), the real `aws` CLI and the real git.

Every ssh run is isolated from the machine: its own config file (`ssh -F`), known_hosts in
the test's tmp dir, `StrictHostKeyChecking accept-new`, only the test's key.
"""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import socket
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from gwtest import POWER_USER, READ_ONLY, Server, uniq
from test_git_http import BRANCH_PROTECTION, Git

GREETING = "You have successfully authenticated over SSH. You can use Git to interact with CodeCommit."

pytestmark = pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                                reason="OpenSSH client not installed")


def keygen(path: Path, kind: str = "ed25519", bits: int | None = None) -> Path:
    """A new key pair at `path` (no passphrase); returns the public key's path."""
    args = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "test@gitward", "-f", str(path)]
    if bits:
        args += ["-b", str(bits)]
    subprocess.run(args, check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    return path.with_name(path.name + ".pub")


class SshClient:
    """`ssh` with its own config: Host `gitward` is the server's SSH endpoint, `User` the key id."""

    def __init__(self, server: Server, home: Path, key: Path, key_id: str):
        home.mkdir(parents=True, exist_ok=True)
        host, port = server.ssh_endpoint.rsplit(":", 1)
        self.host, self.port, self.key, self.key_id = host, int(port), key, key_id
        self.config = home / "ssh_config"
        self.config.write_text(
            "Host gitward\n"
            f"  HostName {host}\n"
            f"  Port {port}\n"
            f"  User {key_id}\n"
            "Host *\n"
            f"  IdentityFile {key}\n"
            "  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {home / 'known_hosts'}\n"
            "  StrictHostKeyChecking accept-new\n"
            "  BatchMode yes\n"
            "  PasswordAuthentication no\n"
            "  KbdInteractiveAuthentication no\n"
            "  ConnectTimeout 30\n"
            "  LogLevel ERROR\n")
        self.command = f"ssh -F {self.config}"

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ssh", "-F", str(self.config), *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def url(self, repo: str) -> str:
        return f"ssh://gitward/v1/repos/{repo}"


class SshGit(Git):
    """The real git over SSH: GIT_SSH_COMMAND is `ssh -F <the test's config>`."""

    def __init__(self, server: Server, home: Path, ssh: SshClient, protocol: int = 2):
        super().__init__(server, home, None, protocol)
        self.ssh = ssh

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = super().env(extra)
        env["GIT_SSH_COMMAND"] = self.ssh.command
        return env

    def clone(self, name: str, dest: Path, url: str | None = None) -> Path:
        self.ok("clone", url or self.ssh.url(name), str(dest))
        return dest


@pytest.fixture
def ssh_user(server, root_a, make_user, cli, tmp_path):
    """`ssh_user(managed=[...], inline={...}, kind="ed25519")` → (user name, Principal,
    SshClient), the key uploaded with the real aws CLI."""
    made = [0]

    def make(kind: str = "ed25519", bits: int | None = None, **kw: Any):
        made[0] += 1
        name, me = make_user(**kw)
        home = tmp_path / f"ssh-{made[0]}"
        home.mkdir()
        pub = keygen(home / "id", kind, bits)
        out = cli.ok(root_a.creds, "iam", "upload-ssh-public-key", "--user-name", name,
                     "--ssh-public-key-body", f"file://{pub}")
        key = out["SSHPublicKey"]
        assert key["UserName"] == name and key["Status"] == "Active"
        return name, me, SshClient(server, home, home / "id", key["SSHPublicKeyId"])

    return make


def _repo(root) -> str:
    name = uniq("ssh")
    root.cc.create_repository(repositoryName=name)
    return name


@pytest.mark.parametrize("protocol", [2, 0])
def test_clone_push_pull_over_ssh(server, root_a, ssh_user, tmp_path, protocol):
    repo = _repo(root_a)
    name, me, ssh = ssh_user(managed=[POWER_USER])
    assert ssh.key_id.startswith("APKA") and len(ssh.key_id) == 20

    git = SshGit(server, tmp_path / "g1", ssh, protocol)
    work = git.clone(repo, tmp_path / "one")
    first = git.commit(work, {"README.md": "hello over ssh\n"}, "first")
    out = git.ok("push", "origin", "main", cwd=work)
    assert "main -> main" in out
    assert me.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == first
    assert me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]["defaultBranch"] == "main"

    # A second clone, through the URL form with the key id and port in it.
    url = f"ssh://{ssh.key_id}@{ssh.host}:{ssh.port}/v1/repos/{repo}"
    other = git.clone(repo, tmp_path / "two", url=url)
    assert git.head(other) == first
    second = git.commit(work, {"b.txt": "more\n"}, "second")
    git.ok("push", cwd=work)
    trace = git.run("pull", "--ff-only", cwd=other, env={"GIT_TRACE_PACKET": "1"})
    assert trace.returncode == 0, trace.stderr
    assert git.head(other) == second
    if protocol == 2:
        assert "version 2" in trace.stderr
    else:
        assert "version 2" not in trace.stderr

    # A branch and a tag, then their deletion.
    git.ok("push", "origin", "HEAD:refs/heads/feature", cwd=work)
    git.ok("tag", "v1", cwd=work)
    git.ok("push", "origin", "v1", cwd=work)
    assert sorted(me.cc.list_branches(repositoryName=repo)["branches"]) == ["feature", "main"]
    git.ok("push", "origin", "--delete", "feature", cwd=work)
    assert me.cc.list_branches(repositoryName=repo)["branches"] == ["main"]
    refs = git.ok("ls-remote", ssh.url(repo), cwd=work)
    assert f"{second}\trefs/heads/main" in refs and "refs/tags/v1" in refs
    # Nothing to push: fine.
    git.ok("push", "origin", "main", cwd=work)

    # The clone URL the API gives names the SSH listener.
    md = me.cc.get_repository(repositoryName=repo)["repositoryMetadata"]
    assert md["cloneUrlSsh"] == f"ssh://{server.ssh_endpoint}/v1/repos/{repo}"


def test_interactive_login_prints_the_greeting(ssh_user):
    _, _, ssh = ssh_user(managed=[POWER_USER])
    p = ssh.run("gitward")
    assert p.returncode == 0, p.stderr
    assert GREETING in p.stdout
    # Commands other than git's are refused.
    p = ssh.run("gitward", "cat /etc/passwd")
    assert p.returncode != 0
    assert "only git-upload-pack and git-receive-pack" in p.stderr
    p = ssh.run("gitward", "git-upload-pack '/etc'")
    assert p.returncode != 0 and "/v1/repos/NAME" in p.stderr


def test_read_only_and_branch_protection_over_ssh(server, root_a, ssh_user, tmp_path):
    repo = _repo(root_a)
    _, admin, admin_ssh = ssh_user(managed=[POWER_USER])
    ag = SshGit(server, tmp_path / "admin", admin_ssh)
    seed = ag.clone(repo, tmp_path / "seed")
    base = ag.commit(seed, {"x": "1"}, "base")
    ag.ok("push", "origin", "main", cwd=seed)

    # ReadOnly: clone yes, push no, with the same reason text as over HTTPS.
    _, reader, reader_ssh = ssh_user(managed=[READ_ONLY])
    rg = SshGit(server, tmp_path / "reader", reader_ssh)
    work = rg.clone(repo, tmp_path / "ro")
    assert rg.head(work) == base
    rg.commit(work, {"y": "2"}, "not allowed")
    out = rg.fails("push", "origin", "main", cwd=work)
    assert "is not authorized to perform: codecommit:GitPush on resource: arn:aws:codecommit:" in out, out
    assert "Encoded authorization failure message: " in out, out
    assert reader.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == base

    # Branch protection: a Deny on refs/heads/main, exactly as over HTTPS.
    _, dev, dev_ssh = ssh_user(managed=[POWER_USER], inline={"protect-main": BRANCH_PROTECTION})
    dg = SshGit(server, tmp_path / "dev", dev_ssh)
    work = dg.clone(repo, tmp_path / "dev-work")
    dg.commit(work, {"y": "2"}, "on main")
    out = dg.fails("push", "origin", "main", cwd=work)
    assert "! [remote rejected] main -> main (refs/heads/main denied by IAM policy" in out, out
    assert "explicit deny" in out, out
    assert dev.cc.get_branch(repositoryName=repo, branchName="main")["branch"]["commitId"] == base
    dg.ok("branch", "feature", cwd=work)
    out = dg.fails("push", "origin", "main", "feature", cwd=work)
    assert "! [remote rejected] feature -> feature (rejected because another ref was denied)" in out, out
    assert dev.cc.list_branches(repositoryName=repo)["branches"] == ["main"]
    out = dg.ok("push", "origin", "feature", cwd=work)
    assert "feature -> feature" in out

    # A repository that does not exist: not found (after authorization, as over HTTPS).
    out = ag.fails("clone", admin_ssh.url("no-such-repo-" + uniq("x")), str(tmp_path / "none"))
    assert "repository not found" in out, out


def test_identity_rules(server, root_a, ssh_user, make_user, tmp_path):
    iam = root_a.iam
    name, me, ssh = ssh_user(managed=[POWER_USER])
    body = Path(str(ssh.key) + ".pub").read_text()

    # The root user and roles cannot have SSH keys.
    with pytest.raises(iam.exceptions.NoSuchEntityException) as ei:
        iam.upload_ssh_public_key(UserName="root", SSHPublicKeyBody=body)
    assert "root user cannot have SSH public keys" in str(ei.value)
    role = uniq("r")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
              "Principal": {"AWS": f"arn:aws:iam::{root_a.account_id}:root"}}]}
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(iam.exceptions.NoSuchEntityException) as ei:
        iam.upload_ssh_public_key(UserName=role, SSHPublicKeyBody=body)
    assert "roles cannot have SSH public keys" in str(ei.value)
    # The root user's own list is empty rather than an error.
    assert iam.list_ssh_public_keys()["SSHPublicKeys"] == []

    assert ssh.run("gitward").returncode == 0

    # An unknown key for a real key id, and an unknown key id, fail.
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    keygen(stranger / "id")
    wrong = SshClient(server, stranger, stranger / "id", ssh.key_id)
    p = wrong.run("gitward")
    assert p.returncode == 255 and "Permission denied (publickey)" in p.stderr, p.stderr
    nobody = SshClient(server, tmp_path / "nobody", ssh.key, "APKAAAAAAAAAAAAAAAAA")
    p = nobody.run("gitward")
    assert p.returncode == 255 and "Permission denied (publickey)" in p.stderr, p.stderr

    # Inactive keys fail; active again, they work.
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=ssh.key_id, Status="Inactive")
    listed = me.iam.list_ssh_public_keys(UserName=name)["SSHPublicKeys"]
    assert [(k["SSHPublicKeyId"], k["Status"]) for k in listed] == [(ssh.key_id, "Inactive")]
    p = ssh.run("gitward")
    assert p.returncode == 255 and "Permission denied (publickey)" in p.stderr, p.stderr
    iam.update_ssh_public_key(UserName=name, SSHPublicKeyId=ssh.key_id, Status="Active")
    assert ssh.run("gitward").returncode == 0

    # The user manages its own keys (AWSCodeCommitPowerUser), not another's.
    other, _ = make_user()
    with pytest.raises(me.iam.exceptions.ClientError) as ei:
        me.iam.upload_ssh_public_key(UserName=other, SSHPublicKeyBody=body)
    assert ei.value.response["Error"]["Code"] == "AccessDenied"

    # DeleteUser refuses while the user has SSH keys.
    for p_ in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
        iam.detach_user_policy(UserName=name, PolicyArn=p_["PolicyArn"])
    for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_user(UserName=name)
    iam.delete_ssh_public_key(UserName=name, SSHPublicKeyId=ssh.key_id)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=ssh.key_id, Encoding="SSH")
    iam.delete_user(UserName=name)
    p = ssh.run("gitward")
    assert p.returncode == 255 and "Permission denied (publickey)" in p.stderr, p.stderr


def test_key_formats_and_limits(root_a, make_user, cli, tmp_path):
    iam = root_a.iam
    name, _ = make_user()

    def upload(body: str) -> dict[str, Any]:
        return iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=body)["SSHPublicKey"]

    def md5(pub: Path) -> str:
        out = subprocess.run(["ssh-keygen", "-l", "-E", "md5", "-f", str(pub)], check=True,
                             capture_output=True, text=True).stdout
        return out.split()[1].removeprefix("MD5:")

    rsa = keygen(tmp_path / "rsa", "rsa", 2048)
    ed = keygen(tmp_path / "ed", "ed25519")
    ec = keygen(tmp_path / "ec", "ecdsa", 256)
    ids = {}
    for pub in (rsa, ed, ec):
        k = upload(pub.read_text())
        assert k["Fingerprint"] == md5(pub)
        assert len(k["Fingerprint"]) == 47
        assert k["SSHPublicKeyBody"] == " ".join(pub.read_text().split()[:2])
        ids[pub] = k["SSHPublicKeyId"]

    # GetSSHPublicKey in both encodings; the PEM form is what ssh-keygen exports.
    got = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=ids[rsa], Encoding="PEM")["SSHPublicKey"]
    pem = subprocess.run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(rsa)], check=True,
                         capture_output=True, text=True).stdout
    assert got["SSHPublicKeyBody"].strip() == pem.strip()
    got = iam.get_ssh_public_key(UserName=name, SSHPublicKeyId=ids[ec], Encoding="SSH")["SSHPublicKey"]
    assert got["SSHPublicKeyBody"] == " ".join(ec.read_text().split()[:2])
    # The aws CLI agrees.
    out = cli.ok(root_a.creds, "iam", "get-ssh-public-key", "--user-name", name,
                 "--ssh-public-key-id", ids[ed], "--encoding", "PEM")
    assert out["SSHPublicKey"]["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")

    # Refusals with IAM's error codes.
    with pytest.raises(iam.exceptions.DuplicateSSHPublicKeyException):
        upload(rsa.read_text())
    with pytest.raises(iam.exceptions.DuplicateSSHPublicKeyException):
        upload(pem)  # the same key in PEM form
    weak = keygen(tmp_path / "weak", "rsa", 1024)
    with pytest.raises(iam.exceptions.InvalidPublicKeyException) as ei:
        upload(weak.read_text())
    assert "2048" in str(ei.value)
    with pytest.raises(iam.exceptions.UnrecognizedPublicKeyEncodingException):
        upload("not a key at all")
    with pytest.raises(iam.exceptions.InvalidPublicKeyException):
        upload("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC= broken")

    # A PEM upload (PKCS #8 from ssh-keygen) of a new key, then the quota of 5.
    rsa2 = keygen(tmp_path / "rsa2", "rsa", 3072)
    pem2 = subprocess.run(["ssh-keygen", "-e", "-m", "PKCS8", "-f", str(rsa2)], check=True,
                          capture_output=True, text=True).stdout
    k = upload(pem2)
    assert k["Fingerprint"] == md5(rsa2)
    ec2 = keygen(tmp_path / "ec2", "ecdsa", 384)
    upload(ec2.read_text())
    extra = keygen(tmp_path / "extra", "ed25519")
    with pytest.raises(iam.exceptions.LimitExceededException):
        upload(extra.read_text())
    listed = iam.list_ssh_public_keys(UserName=name)
    assert len(listed["SSHPublicKeys"]) == 5 and listed["IsTruncated"] is False
    page = iam.list_ssh_public_keys(UserName=name, MaxItems=2)
    assert len(page["SSHPublicKeys"]) == 2 and page["IsTruncated"] is True
    rest = iam.list_ssh_public_keys(UserName=name, Marker=page["Marker"])
    assert len(rest["SSHPublicKeys"]) == 3


def test_repeated_ssh_failures_are_throttled_without_blocking_others(server, ssh_user, tmp_path):
    _, _, victim = ssh_user(managed=[POWER_USER])
    _, _, good = ssh_user(managed=[POWER_USER])
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    keygen(attacker / "id")
    wrong = SshClient(server, attacker, attacker / "id", victim.key_id)
    assert victim.run("gitward").returncode == 0

    def attempt(_: int) -> int:
        return wrong.run("gitward").returncode

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
        codes = list(pool.map(attempt, range(50)))
    took = time.monotonic() - start
    assert set(codes) == {255}, codes
    # Locked out: even the right key is refused for that key id for a while...
    p = victim.run("gitward")
    assert p.returncode == 255 and "Permission denied (publickey)" in p.stderr, p.stderr
    # ...while another user from the same address gets in at once.
    start = time.monotonic()
    p = good.run("gitward")
    assert p.returncode == 0 and GREETING in p.stdout, p.stderr
    assert time.monotonic() - start < 10
    assert "too many failed sign-ins" in server.log_tail(400)
    print(f"50 failed SSH sign-ins took {took:.1f}s")


def test_an_agent_offering_several_keys_is_one_failure(new_server, tmp_path):
    # ssh offers every identity it has before the right one; that is one failed sign-in for
    # the throttle, not one per key, or a user with a full agent would lock themself out.
    srv = new_server(name="agent")
    creds = srv.init()
    srv.extra_args = ["--auth-max-failures", "3"]
    srv.start()
    root = srv.principal(creds)
    name = uniq("agent")
    root.iam.create_user(UserName=name)
    home = tmp_path / "home"
    home.mkdir()
    pub = keygen(home / "id")
    key_id = root.iam.upload_ssh_public_key(UserName=name, SSHPublicKeyBody=pub.read_text())["SSHPublicKey"][
        "SSHPublicKeyId"]
    client = SshClient(srv, home, home / "id", key_id)
    others = [str(keygen(home / f"other{i}").with_suffix("")) for i in range(3)]
    offered = [a for o in others for a in ("-i", o)]
    for _ in range(2):
        p = client.run(*offered, "gitward")
        assert p.returncode == 0 and GREETING in p.stdout, p.stderr
    # Each connection's refused offers are one audited sign-in refusal for that key id.
    ssh_refusals = lambda events: [e for e in events if e["event"] == "authentication" and e["action"] == "ssh"]  # noqa: E731
    refused = ssh_refusals(srv.audit_events(lambda events: len(ssh_refusals(events)) >= 2))
    assert [e["principal"] for e in refused] == [key_id, key_id], refused


def test_host_key_persists_and_ssh_can_be_switched_off(new_server, tmp_path):
    srv = new_server()
    creds = srv.init()
    srv.start()
    key = srv.data_dir / "keys" / "ssh_host_ed25519_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600, oct(key.stat().st_mode)
    first = key.read_text()
    assert first.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    host, port = srv.ssh_endpoint.rsplit(":", 1)
    scan = subprocess.run(["ssh-keyscan", "-t", "ed25519", "-p", port, host], capture_output=True,
                          text=True, timeout=60)
    pub = subprocess.run(["ssh-keygen", "-y", "-f", str(key)], capture_output=True, text=True,
                         check=True).stdout.split()[1]
    assert pub in scan.stdout, scan
    srv.stop_ok()
    # The same host key on the next start; with --ssh-listen off, no SSH listener at all.
    srv.extra_args = ["--ssh-listen", "off"]
    srv.start()
    assert key.read_text() == first
    assert not (srv.data_dir / "run" / "ssh-endpoint").exists()
    md = srv.client("codecommit", creds).create_repository(repositoryName="r")["repositoryMetadata"]
    assert md["cloneUrlSsh"].startswith("ssh://127.0.0.1:2222/v1/repos/r")
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((host, int(port))) != 0
    srv.stop_ok()
