#!/usr/bin/env python3
"""gitward vs moto_server: AssumeRole and a session-signed request (GetCallerIdentity with
the temporary credentials), each on 1 and on N concurrent connections, in one run. Run
through `bench/sts`; see docs/performance.md.

Both servers get the same requests from `gitward-loadgen` (signed with the aws-sigv4 crate,
byte for byte the same but for Host), then the same boto3 calls in a plain Python loop.
Everything listens on 127.0.0.1 and lives under a temporary directory, removed at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import boto3
import botocore.config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from gwtest import Server  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
REGION = "us-east-1"
ROLE = "bench-role"
USER = "bench"
SESSION = "bench-session"


def log(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` (all its threads), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def config() -> botocore.config.Config:
    return botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1},
                                  connect_timeout=10, read_timeout=60)


def client(endpoint: str, service: str, creds: dict[str, str]) -> object:
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=REGION, config=config(),
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"))


def trust_policy(account: str) -> str:
    # The account as principal: AssumeRole then needs the user's own policy too (FACTS §3.3),
    # so gitward evaluates both the trust policy and the caller's identity policies.
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "sts:AssumeRole"}]})


def setup(endpoint: str, admin: dict[str, str], account: str) -> tuple[dict[str, str], str]:
    """The user `bench` (allowed sts:AssumeRole on the role) and the role; the user's keys."""
    iam = client(endpoint, "iam", admin)
    role_arn = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust_policy(account))["Role"]["Arn"]
    iam.create_user(UserName=USER)
    iam.put_user_policy(UserName=USER, PolicyName="assume-bench-role", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]}))
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}, role_arn


class Gitward:
    label = "gitward"

    def __init__(self, binary: Path, tmp: Path):
        self.srv = Server(binary, tmp / "gw-data", tmp / "gw-logs", insecure_http=True, name="gitward")
        root = self.srv.init()
        self.endpoint = self.srv.start()
        admin = {"AccessKeyId": root.access_key_id, "SecretAccessKey": root.secret_access_key}
        self.user, self.role_arn = setup(self.endpoint, admin, root.account_id)

    @property
    def pid(self) -> int:
        assert self.srv.proc is not None
        return self.srv.proc.pid

    def stop(self) -> None:
        if self.srv.proc is not None:
            self.srv.stop()


class Moto:
    label = "moto"

    def __init__(self, venv: Path, tmp: Path):
        port = free_port()
        self.log = open(tmp / "moto.log", "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.proc = subprocess.Popen([str(venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        wait_port(port)
        self.endpoint = f"http://127.0.0.1:{port}"
        # moto's default account; any keys are accepted for the set-up calls.
        admin = {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
        account = client(self.endpoint, "sts", admin).get_caller_identity()["Account"]
        self.user, self.role_arn = setup(self.endpoint, admin, account)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def assume_body(role_arn: str) -> str:
    return urllib.parse.urlencode({"Action": "AssumeRole", "Version": "2011-06-15",
                                   "RoleArn": role_arn, "RoleSessionName": SESSION})


GCI_BODY = "Action=GetCallerIdentity&Version=2011-06-15"


def loadgen(binary: Path, endpoint: str, body: str, creds: dict[str, str], conc: int,
            seconds: float, warmup: float, pid: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
    env["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]
    if creds.get("SessionToken"):
        env["AWS_SESSION_TOKEN"] = creds["SessionToken"]
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    p = subprocess.run([str(binary), "--endpoint", endpoint, "--body", body, "-c", str(conc),
                        "--duration", str(seconds), "--warmup", str(warmup)],
                       env=env, capture_output=True, text=True, timeout=seconds + warmup + 60)
    cpu, wall = cpu_seconds(pid) - cpu0, time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"loadgen failed ({p.returncode}): {p.stderr}")
    r = json.loads(p.stdout)
    if r["ok"] != r["requests"] or r["requests"] == 0:
        raise RuntimeError(f"{endpoint}: not every request succeeded: {r}")
    r["server_cores"] = round(cpu / wall, 2)
    return r


def boto_loop(endpoint: str, op: str, creds: dict[str, str], role_arn: str, seconds: float) -> float:
    """Calls per second of one boto3 client calling `op` in a loop for `seconds`."""
    sts = client(endpoint, "sts", creds)
    call = (lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION)) if op == "AssumeRole" \
        else sts.get_caller_identity
    call()  # connection and client warm-up
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        call()
        n += 1
    return n / (time.monotonic() - t0)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gitward", type=Path, required=True)
    ap.add_argument("--loadgen", type=Path, required=True)
    ap.add_argument("--moto-venv", type=Path, default=CACHE / "sts-venv")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--concurrency", default="1,8")
    ap.add_argument("--boto-seconds", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=CACHE / "sts-results.json")
    a = ap.parse_args()
    conc = [int(c) for c in a.concurrency.split(",") if c]
    started = time.monotonic()

    results: dict = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release(),
                    "python": platform.python_version(), "boto3": boto3.__version__,
                    "moto": moto_version(a.moto_venv)},
        "loadavg_start": Path("/proc/loadavg").read_text().strip(),
        "reps": a.reps, "seconds": a.seconds, "warmup": a.warmup,
    }
    tmp = Path(tempfile.mkdtemp(prefix="gitward-stsbench-"))
    servers: list = []
    try:
        servers.append(Gitward(a.gitward, tmp))
        servers.append(Moto(a.moto_venv, tmp))
        for s in servers:
            s.session = client(s.endpoint, "sts", s.user).assume_role(
                RoleArn=s.role_arn, RoleSessionName=SESSION, DurationSeconds=3600)["Credentials"]
            log(f"{s.label} at {s.endpoint} (pid {s.pid})")
        scenarios = [("AssumeRole", lambda s: (assume_body(s.role_arn), s.user)),
                     ("GetCallerIdentity (session)", lambda s: (GCI_BODY, s.session))]
        raw: dict = {}
        for rep in range(a.reps):
            order = servers if rep % 2 == 0 else servers[::-1]
            for name, what in scenarios:
                for c in conc:
                    for s in order:
                        body, creds = what(s)
                        r = loadgen(a.loadgen, s.endpoint, body, creds, c, a.seconds, a.warmup, s.pid)
                        raw.setdefault(name, {}).setdefault(f"c={c}", {}).setdefault(s.label, []).append(r)
                        log(f"rep {rep + 1} {name} c={c} {s.label}: {r['ok_rps']:.0f} req/s, "
                            f"p50 {r['latency_us']['p50']} us, p99 {r['latency_us']['p99']} us, "
                            f"server {r['server_cores']} cores")
        boto: dict = {}
        for rep in range(a.reps):
            order = servers if rep % 2 == 0 else servers[::-1]
            for name, op in (("AssumeRole", "AssumeRole"), ("GetCallerIdentity (session)", "GetCallerIdentity")):
                for s in order:
                    creds = s.user if op == "AssumeRole" else s.session
                    rate = boto_loop(s.endpoint, op, creds, s.role_arn, a.boto_seconds)
                    boto.setdefault(name, {}).setdefault(s.label, []).append(rate)
                    log(f"rep {rep + 1} boto3 loop {name} {s.label}: {rate:.0f} calls/s")

        summary: dict = {}
        for name, by_c in raw.items():
            for ckey, by_server in by_c.items():
                row = {}
                for label, runs in by_server.items():
                    row[label] = {
                        "rps_median": round(median([r["ok_rps"] for r in runs]), 1),
                        "rps_all": [round(r["ok_rps"], 1) for r in runs],
                        "p50_us_median": median([r["latency_us"]["p50"] for r in runs]),
                        "p99_us_median": median([r["latency_us"]["p99"] for r in runs]),
                        "server_cores_median": median([r["server_cores"] for r in runs]),
                    }
                row["ratio"] = round(row["gitward"]["rps_median"] / row["moto"]["rps_median"], 1)
                summary.setdefault(name, {})[ckey] = row
        for name, by_server in boto.items():
            row = {label: {"calls_per_s_median": round(median(v), 1), "all": [round(x, 1) for x in v]}
                   for label, v in by_server.items()}
            row["ratio"] = round(row["gitward"]["calls_per_s_median"] / row["moto"]["calls_per_s_median"], 1)
            summary.setdefault(name, {})["boto3 loop c=1"] = row
        results["summary"] = summary
        results["raw"] = raw
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results["loadavg_end"] = Path("/proc/loadavg").read_text().strip()
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in ("started", "machine", "summary", "elapsed_s")}, indent=2))
    log("")
    log(f"{'':30} {'':14} {'gitward':>10} {'moto':>8} {'ratio':>7}")
    for name, rows in summary.items():
        for ckey, row in rows.items():
            key = "rps_median" if "rps_median" in row["gitward"] else "calls_per_s_median"
            log(f"{name:30} {ckey:14} {row['gitward'][key]:>10.0f} {row['moto'][key]:>8.0f} {row['ratio']:>6.1f}x")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def moto_version(venv: Path) -> str:
    p = subprocess.run([str(venv / "bin" / "python"), "-c", "import moto; print(moto.__version__)"],
                       capture_output=True, text=True)
    return p.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
