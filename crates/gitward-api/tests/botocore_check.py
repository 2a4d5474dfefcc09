"""Cross-checks gitward-api's wire format with botocore, the client AWS CLI and boto3 use.

Driven by tests/botocore.rs. Two modes:

  serialize MANIFEST OUTDIR  botocore serializes each case's params as a client would send
                             them; the bodies are written to OUTDIR/<name>.body for the Rust
                             decoder to read.
  parse MANIFEST DIR         botocore parses each body the Rust encoder wrote and compares
                             the result with the expected dict.

Markers in the manifest: {"$datetime": "<ISO 8601>"} is a timezone-aware datetime,
{"$bytes": "<base64>"} is bytes.
"""

import base64
import datetime
import json
import os
import sys

import botocore.parsers
import botocore.serialize
import botocore.session
import botocore.utils

SESSION = botocore.session.get_session()


def unmark(v):
    if isinstance(v, dict):
        if set(v) == {"$datetime"}:
            return datetime.datetime.fromisoformat(v["$datetime"].replace("Z", "+00:00"))
        if set(v) == {"$bytes"}:
            return base64.b64decode(v["$bytes"])
        return {k: unmark(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unmark(x) for x in v]
    return v


def operation(case):
    return SESSION.get_service_model(case["service"]).operation_model(case["op"])


def serialize(cases, outdir):
    for case in cases:
        op = operation(case)
        ser = botocore.serialize.create_serializer(case["protocol"], include_validation=False)
        req = ser.serialize_to_request(unmark(case["params"]), op)
        body = req["body"]
        if isinstance(body, dict):
            body = botocore.utils.percent_encode_sequence(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        target = req["headers"].get("X-Amz-Target")
        with open(os.path.join(outdir, case["name"] + ".body"), "wb") as f:
            f.write(body)
        with open(os.path.join(outdir, case["name"] + ".target"), "w") as f:
            f.write(target or "")
    print(f"serialized {len(cases)} requests")


def exception_name(case, code):
    client = SESSION.create_client(
        case["service"],
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    try:
        return client.exceptions.from_code(code).__name__
    finally:
        client.close()


def parse(cases, directory):
    failures = []
    for case in cases:
        with open(os.path.join(directory, case["name"] + ".body"), "rb") as f:
            body = f.read()
        op = operation(case)
        parser = botocore.parsers.create_parser(case["protocol"])
        response = {"body": body, "headers": {}, "status_code": case["status"]}
        try:
            parsed = parser.parse(response, op.output_shape)
        except Exception as e:  # a body botocore cannot read is a failure, not a crash
            failures.append(f"{case['name']}: botocore raised {e!r}")
            continue
        meta = parsed.pop("ResponseMetadata", {})
        if case["protocol"] == "query" and meta.get("RequestId") != case.get("request_id"):
            failures.append(f"{case['name']}: RequestId {meta.get('RequestId')!r}")
        if "expected_error" in case:
            want = case["expected_error"]
            got = parsed.get("Error", {})
            for key in ("Code", "Message", "Type"):
                if key in want and got.get(key) != want[key]:
                    failures.append(f"{case['name']}: Error.{key} {got.get(key)!r} != {want[key]!r}")
            if "exception" in want:
                name = exception_name(case, got.get("Code"))
                if name != want["exception"]:
                    failures.append(f"{case['name']}: exception {name} != {want['exception']}")
        else:
            want = unmark(case["expected"])
            if parsed != want:
                failures.append(f"{case['name']}:\n  got  {parsed!r}\n  want {want!r}")
    for f in failures:
        print("FAIL", f)
    print(f"botocore parsed {len(cases) - len(failures)} of {len(cases)} bodies as expected")
    return 1 if failures else 0


def main():
    mode, manifest, directory = sys.argv[1:4]
    with open(manifest) as f:
        cases = json.load(f)
    if mode == "serialize":
        serialize(cases, directory)
        return 0
    return parse(cases, directory)


if __name__ == "__main__":
    sys.exit(main())
