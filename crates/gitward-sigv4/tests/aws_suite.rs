//! AWS's SigV4 signing test suite, as shipped inside the `aws-sigv4` crate package.
//!
//! The suite is found through `cargo metadata` (never copied into this repository). Every
//! v4 case with `"normalize": true` runs in both forms: the canonical request and string
//! to sign must match AWS's files byte for byte, and `verify` must accept the signature.
//!
//! The request a server receives is the *signed* request (`header-signed-request.txt`,
//! `query-signed-request.txt`), so that is what is fed to the verifier.

use std::path::{Path, PathBuf};
use std::process::Command;

use gitward_core::Secret;
use gitward_sigv4::{
    AuthLocation, HttpRequest, ParsedAuth, QueryToken, SigV4Error, SignatureMismatch,
    canonical_request, canonical_request_with, canonical_uri, check_scope, parse, sha256_hex,
    string_to_sign, verify,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The v4 folder of the newest `aws-sigv4` package in the dependency graph.
fn suite_dir() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let mut dirs: Vec<(String, PathBuf)> = meta["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .filter(|p| p["name"] == "aws-sigv4")
        .filter_map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str()?);
            let dir = manifest.parent()?.join("aws-signing-test-suite").join("v4");
            Some((p["version"].as_str()?.to_owned(), dir))
        })
        .filter(|(_, dir)| dir.is_dir())
        .collect();
    dirs.sort();
    dirs.pop()
        .map(|(_, dir)| dir)
        .expect("aws-sigv4 (a dev-dependency) ships aws-signing-test-suite/v4")
}

/// One HTTP request as written in the suite's `.txt` files.
struct RawRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawRequest {
    fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).expect("request file is UTF-8");
        let (head, body) = match text.find("\n\n") {
            Some(i) => (&text[..i], &text[i + 2..]),
            None => (text.trim_end_matches('\n'), ""),
        };
        let mut lines = head.lines();
        let request_line = lines.next().expect("request line");
        let (method, rest) = request_line.split_once(' ').expect("method");
        // The target may contain raw spaces (get-space-*); the version is the last word.
        let target = match rest.rsplit_once(' ') {
            Some((target, version)) if version.starts_with("HTTP/") => target,
            _ => rest,
        };
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // obs-fold: the continuation belongs to the previous header's value.
                let last = headers.last_mut().expect("continuation follows a header");
                last.1.push_str(line);
            } else {
                let (name, value) = line.split_once(':').expect("header line");
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }
}

struct Context {
    secret: Secret,
    token: Option<String>,
    normalize: bool,
    omit_session_token: bool,
    region: String,
    service: String,
    expires: u32,
    time: OffsetDateTime,
}

impl Context {
    fn read(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).expect("context.json");
        let v: serde_json::Value = serde_json::from_str(&text).expect("context is JSON");
        let s = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
        Self {
            secret: Secret::new(s(&v["credentials"]["secret_access_key"])),
            token: v["credentials"]["token"].as_str().map(str::to_owned),
            normalize: v["normalize"].as_bool().unwrap_or(true),
            omit_session_token: v["omit_session_token"].as_bool().unwrap_or(false),
            region: s(&v["region"]),
            service: s(&v["service"]),
            expires: u32::try_from(v["expiration_in_seconds"].as_u64().expect("expiry"))
                .expect("fits"),
            time: OffsetDateTime::parse(&s(&v["timestamp"]), &Rfc3339).expect("timestamp"),
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one form of one case; `prefix` is `header` or `query`.
fn run_form(dir: &Path, ctx: &Context, prefix: &str) {
    let name = dir.file_name().expect("case name").to_string_lossy();
    let raw = RawRequest::read(&dir.join(format!("{prefix}-signed-request.txt")));
    let payload = sha256_hex(&raw.body);
    let req = HttpRequest {
        method: &raw.method,
        path: &raw.path,
        query: &raw.query,
        headers: &raw.headers,
        payload_sha256_hex: &payload,
    };
    let parsed: ParsedAuth =
        parse(&req).unwrap_or_else(|e| panic!("{name} {prefix}: parse failed: {e}"));
    let token_mode = if ctx.omit_session_token {
        QueryToken::Unsigned
    } else {
        QueryToken::Signed
    };
    match prefix {
        "header" => {
            assert_eq!(parsed.location, AuthLocation::Header, "{name}");
            assert_eq!(parsed.expires_seconds, None, "{name}");
        }
        _ => {
            assert_eq!(parsed.location, AuthLocation::Query, "{name}");
            assert_eq!(parsed.expires_seconds, Some(ctx.expires), "{name}");
        }
    }
    assert_eq!(parsed.security_token, ctx.token, "{name} {prefix}: token");

    let creq = canonical_request_with(&req, &parsed, token_mode)
        .unwrap_or_else(|e| panic!("{name} {prefix}: canonical request failed: {e}"));
    let want_creq = read(&dir.join(format!("{prefix}-canonical-request.txt")));
    assert_eq!(creq, want_creq, "{name} {prefix}: canonical request");
    let sts = string_to_sign(&parsed, &creq);
    let want_sts = read(&dir.join(format!("{prefix}-string-to-sign.txt")));
    assert_eq!(sts, want_sts, "{name} {prefix}: string to sign");
    let want_sig = read(&dir.join(format!("{prefix}-signature.txt")));
    assert_eq!(
        parsed.signature,
        want_sig.trim(),
        "{name} {prefix}: signature"
    );

    check_scope(&parsed, &ctx.service, Some(&ctx.region))
        .unwrap_or_else(|e| panic!("{name} {prefix}: scope refused: {e}"));
    verify(&req, &parsed, &ctx.secret, ctx.time)
        .unwrap_or_else(|e| panic!("{name} {prefix}: verify refused: {e}"));

    // And the negative twins: another secret, a clock far away.
    let wrong = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ");
    assert_eq!(
        verify(&req, &parsed, &wrong, ctx.time),
        Err(SigV4Error::SignatureDoesNotMatch(
            SignatureMismatch::Signature
        )),
        "{name} {prefix}: wrong secret accepted"
    );
    let late = ctx.time + time::Duration::seconds(i64::from(ctx.expires.max(900)) + 1);
    assert!(
        verify(&req, &parsed, &ctx.secret, late).is_err(),
        "{name} {prefix}: stale request accepted"
    );
}

#[test]
fn aws_signing_test_suite_v4() {
    let dir = suite_dir();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("suite dir readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();

    let (mut run, mut header_forms, mut query_forms, mut skipped, mut legacy) = (0, 0, 0, 0, 0);
    for case in &cases {
        let context = case.join("context.json");
        if !context.exists() {
            run_legacy(case);
            legacy += 1;
            continue;
        }
        let ctx = Context::read(&context);
        if !ctx.normalize {
            skipped += 1;
            continue;
        }
        run += 1;
        run_form(case, &ctx, "header");
        header_forms += 1;
        if case.join("query-signed-request.txt").exists() {
            run_form(case, &ctx, "query");
            query_forms += 1;
        }
    }
    println!(
        "aws-signing-test-suite v4 at {}: {run} normalize:true cases run \
         ({header_forms} header forms, {query_forms} query forms), \
         {skipped} normalize:false skipped, {legacy} legacy cases checked",
        dir.display()
    );
    assert!(run > 0, "no normalize:true case found in {}", dir.display());
    assert_eq!(header_forms, run);
}

/// The two cases smithy-rs migrated from the old suite have no context.json.
fn run_legacy(case: &Path) {
    let name = case
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let want_creq = read(&case.join("header-canonical-request.txt"));
    match name.as_str() {
        "double-url-encode" => {
            // Consistent files: check every step and the signature (example secret).
            let raw = RawRequest::read(&case.join("header-signed-request.txt"));
            let payload = sha256_hex(&raw.body);
            let req = HttpRequest {
                method: &raw.method,
                path: &raw.path,
                query: &raw.query,
                headers: &raw.headers,
                payload_sha256_hex: &payload,
            };
            let parsed = parse(&req).expect("parses");
            let creq = canonical_request(&req, &parsed).expect("canonical request");
            assert_eq!(creq, want_creq, "{name}");
            let want_sts = read(&case.join("header-string-to-sign.txt"));
            assert_eq!(
                string_to_sign(&parsed, &creq),
                want_sts.trim_end(),
                "{name}"
            );
            let secret = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
            verify(&req, &parsed, &secret, parsed.request_time).expect("verifies");
        }
        _ => {
            // double-encode-path: its files disagree on the date, only the URI is checked.
            let raw = RawRequest::read(&case.join("request.txt"));
            let want_uri = want_creq.lines().nth(1).expect("URI line");
            assert_eq!(canonical_uri(&raw.path), want_uri, "{name}");
        }
    }
}
