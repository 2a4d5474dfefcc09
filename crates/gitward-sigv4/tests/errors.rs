//! Every error path, its AWS code and message; the clock-skew and presign boundaries.
//!
//! Fixed requests come from AWS's `get-vanilla` suite case (secret
//! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, signed at 2015-08-30T12:36:00Z).

use gitward_core::Secret;
use gitward_sigv4::{
    AuthLocation, HttpRequest, ParsedAuth, SigV4Error, SignatureMismatch, canonical_request,
    check_scope, parse, sha256_hex, signature, signing_key, string_to_sign, verify,
};
use time::OffsetDateTime;
use time::macros::datetime;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SIGNED_AT: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);
const VANILLA_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const VANILLA_PRESIGNED: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn get<'a>(query: &'a str, headers: &'a [(String, String)]) -> HttpRequest<'a> {
    HttpRequest {
        method: "GET",
        path: "/",
        query,
        headers,
        payload_sha256_hex: EMPTY_SHA256,
    }
}

fn vanilla_headers() -> Vec<(String, String)> {
    h(&[
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("Authorization", VANILLA_AUTH),
    ])
}

fn presigned_headers() -> Vec<(String, String)> {
    h(&[("Host", "example.amazonaws.com")])
}

/// parse + verify at `now`.
fn check(req: &HttpRequest, now: OffsetDateTime) -> Result<ParsedAuth, SigV4Error> {
    let parsed = parse(req)?;
    verify(req, &parsed, &Secret::new(SECRET), now)?;
    Ok(parsed)
}

/// Signs `headers` (which must hold an `Authorization` with a placeholder signature) with
/// this crate's own primitives, as a client would.
fn self_sign(req: &HttpRequest, headers: &mut [(String, String)]) {
    let parsed = parse(req).expect("placeholder parses");
    let creq = canonical_request(req, &parsed).expect("canonical request");
    let key = signing_key(
        &Secret::new(SECRET),
        &parsed.scope.date,
        &parsed.scope.region,
        &parsed.scope.service,
    );
    let sig = signature(&key, &string_to_sign(&parsed, &creq));
    for (name, value) in headers.iter_mut() {
        if name.eq_ignore_ascii_case("authorization") {
            *value = value.replace(&"0".repeat(64), &sig);
        }
    }
}

fn placeholder_auth(signed_headers: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed_headers}, Signature={}",
        "0".repeat(64)
    )
}

fn incomplete(e: &SigV4Error) -> &str {
    assert_eq!(e.code(), "IncompleteSignature", "{e:?}");
    assert_eq!(e.http_status(), 400);
    match e {
        SigV4Error::IncompleteSignature { message } => message,
        other => panic!("not IncompleteSignature: {other:?}"),
    }
}

fn query_error(e: &SigV4Error) -> String {
    assert_eq!(e.code(), "AuthorizationQueryParametersError", "{e:?}");
    assert_eq!(e.http_status(), 400);
    e.to_string()
}

#[test]
fn vanilla_requests_verify() {
    let headers = vanilla_headers();
    let parsed = check(&get("", &headers), SIGNED_AT).expect("header form");
    assert_eq!(parsed.location, AuthLocation::Header);
    assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
    assert_eq!(parsed.signed_headers, ["host", "x-amz-date"]);
    check_scope(&parsed, "service", Some("us-east-1")).expect("scope");
    check_scope(&parsed, "service", None).expect("any region");

    let headers = presigned_headers();
    let parsed = check(&get(VANILLA_PRESIGNED, &headers), SIGNED_AT).expect("query form");
    assert_eq!(parsed.location, AuthLocation::Query);
    assert_eq!(parsed.expires_seconds, Some(3600));
}

#[test]
fn missing_authentication_token() {
    let headers = h(&[("Host", "example.amazonaws.com")]);
    let e = parse(&get("Action=GetCallerIdentity&X-Amz-Date=x", &headers))
        .expect_err("must be refused");
    assert_eq!(e, SigV4Error::MissingAuthenticationToken);
    assert_eq!(e.code(), "MissingAuthenticationToken");
    assert_eq!(e.json_code(), "MissingAuthenticationTokenException");
    assert_eq!(e.http_status(), 403);
    assert_eq!(e.to_string(), "Request is missing Authentication Token");
}

#[test]
fn incomplete_authorization_header_names_what_is_missing() {
    let headers = h(&[
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
    ]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    let m = incomplete(&e);
    assert!(m.starts_with("Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders="), "{m}");
    assert_eq!(e.json_code(), "IncompleteSignatureException");

    let headers = h(&[("Host", "h"), ("Authorization", "AWS4-HMAC-SHA256")]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(
        incomplete(&e),
        "Authorization header requires 'Credential' parameter. \
         Authorization header requires 'Signature' parameter. \
         Authorization header requires 'SignedHeaders' parameter. \
         Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
         Authorization=AWS4-HMAC-SHA256"
    );
}

#[test]
fn foreign_schemes_are_refused_without_echo() {
    // `Basic` carries a password: it must not come back in the message.
    let headers = h(&[("Host", "h"), ("Authorization", "Basic QUtJRDpzM2NyM3Q=")]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    let m = incomplete(&e);
    assert!(!m.contains("QUtJRDpzM2NyM3Q"), "{m}");

    let headers = h(&[
        ("Host", "h"),
        ("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x"),
    ]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(
        incomplete(&e),
        "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'"
    );
}

#[test]
fn malformed_header_parts() {
    let with_auth = |auth: &str| {
        h(&[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            ("Authorization", auth),
        ])
    };
    let sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    let cases = [
        (
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, SignedHeaders=host;x-amz-date, Signature={sig}"),
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/service'",
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date;host, Signature={sig}"),
            "SignedHeaders must be lower-case header names, sorted and separated by ';', got 'x-amz-date;host'",
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=Host;x-amz-date, Signature={sig}"),
            "SignedHeaders must be lower-case header names, sorted and separated by ';', got 'Host;x-amz-date'",
        ),
        (
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature={sig}"),
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31".to_owned(),
            "Signature must be 64 lower-case hexadecimal characters.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa0".to_owned(),
            "Signature must be 64 lower-case hexadecimal characters.",
        ),
    ];
    for (auth, want) in cases {
        let headers = with_auth(&auth);
        let e = parse(&get("", &headers)).expect_err("must be refused");
        assert_eq!(incomplete(&e), want);
    }

    let headers = with_auth(&format!("{VANILLA_AUTH}, Signature={sig}"));
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert!(
        incomplete(&e).starts_with("Authorization header has more than one 'Signature' parameter.")
    );

    let headers = with_auth(&format!("{VANILLA_AUTH}, Extra=1"));
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert!(incomplete(&e).starts_with("Authorization header has an unknown parameter 'Extra'."));
}

#[test]
fn malformed_dates_and_repeats() {
    let headers = h(&[
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "2015-08-30T12:36:00Z"),
        ("Authorization", VANILLA_AUTH),
    ]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(
        incomplete(&e),
        "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"
    );

    let mut headers = vanilla_headers();
    headers.push(("authorization".to_owned(), VANILLA_AUTH.to_owned()));
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(
        incomplete(&e),
        "The request has more than one Authorization header."
    );

    let mut headers = vanilla_headers();
    headers.push(("x-amz-date".to_owned(), "20150830T123600Z".to_owned()));
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(
        incomplete(&e),
        "The request has more than one 'x-amz-date' header."
    );
}

#[test]
fn header_and_query_signature_at_once_is_refused() {
    let headers = vanilla_headers();
    let e = parse(&get(VANILLA_PRESIGNED, &headers)).expect_err("must be refused");
    assert!(incomplete(&e).starts_with("Only one auth mechanism allowed"));
}

#[test]
fn absent_signed_header_is_refused() {
    let headers = h(&[
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
        (
            "Authorization",
            &placeholder_auth("host;my-header;x-amz-date"),
        ),
    ]);
    let req = get("", &headers);
    let parsed = parse(&req).expect("parses");
    let e = verify(&req, &parsed, &Secret::new(SECRET), SIGNED_AT).expect_err("must be refused");
    assert_eq!(
        incomplete(&e),
        "Header 'my-header' is listed in SignedHeaders but is not present in the request."
    );
}

#[test]
fn signature_does_not_match() {
    let headers = vanilla_headers();
    let req = get("", &headers);
    let parsed = parse(&req).expect("parses");
    let e = verify(&req, &parsed, &Secret::new("not-the-secret"), SIGNED_AT)
        .expect_err("must be refused");
    assert_eq!(
        e,
        SigV4Error::SignatureDoesNotMatch(SignatureMismatch::Signature)
    );
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(e.json_code(), "InvalidSignatureException");
    assert_eq!(e.http_status(), 403);
    assert_eq!(
        e.to_string(),
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );

    // A changed request under the right secret.
    let req = HttpRequest {
        method: "POST",
        ..req
    };
    assert_eq!(
        verify(&req, &parsed, &Secret::new(SECRET), SIGNED_AT),
        Err(SignatureMismatch::Signature.into())
    );
}

#[test]
fn scope_errors() {
    let headers = vanilla_headers();
    let parsed = parse(&get("", &headers)).expect("parses");
    let e = check_scope(&parsed, "sts", None).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Credential should be scoped to correct service: 'sts'."
    );
    let e = check_scope(&parsed, "service", Some("eu-west-1")).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Credential should be scoped to a valid Region, not 'us-east-1'."
    );

    let auth = VANILLA_AUTH.replace("/20150830/", "/20150831/");
    let headers = h(&[
        ("Host", "h"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("Authorization", &auth),
    ]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."
    );

    let auth = VANILLA_AUTH.replace("/aws4_request", "/aws5_request");
    let headers = h(&[
        ("Host", "h"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("Authorization", &auth),
    ]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."
    );

    let auth = VANILLA_AUTH.replace("/us-east-1/", "/US_EAST/");
    let headers = h(&[
        ("Host", "h"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("Authorization", &auth),
    ]);
    let e = parse(&get("", &headers)).expect_err("must be refused");
    assert_eq!(
        e.to_string(),
        "Credential should be scoped to a valid Region, not 'US_EAST'."
    );
}

#[test]
fn clock_skew_boundary_is_fifteen_minutes() {
    let headers = vanilla_headers();
    let req = get("", &headers);
    let fifteen = time::Duration::minutes(15);
    let second = time::Duration::seconds(1);

    check(&req, SIGNED_AT + fifteen).expect("exactly 15 min late is fine");
    check(&req, SIGNED_AT - fifteen).expect("exactly 15 min early is fine");
    // Sub-second parts of `now` do not count.
    check(
        &req,
        SIGNED_AT + fifteen + time::Duration::milliseconds(999),
    )
    .expect("same second");

    let e = check(&req, SIGNED_AT + fifteen + second).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
    );
    let e = check(&req, SIGNED_AT - fifteen - second).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)"
    );
}

#[test]
fn presign_expiry() {
    let headers = presigned_headers();
    let req = get(VANILLA_PRESIGNED, &headers);
    let hour = time::Duration::hours(1);
    let second = time::Duration::seconds(1);
    check(&req, SIGNED_AT + hour).expect("valid for exactly X-Amz-Expires");
    check(&req, SIGNED_AT - time::Duration::minutes(15)).expect("skew allowed before");
    let e = check(&req, SIGNED_AT + hour + second).expect_err("must be refused");
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert_eq!(
        e.to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T133601Z - 3600 sec.)"
    );
    let e =
        check(&req, SIGNED_AT - time::Duration::minutes(15) - second).expect_err("must be refused");
    assert!(matches!(
        e,
        SigV4Error::SignatureDoesNotMatch(SignatureMismatch::NotYetCurrent { .. })
    ));
}

#[test]
fn authorization_query_parameters_errors() {
    let headers = presigned_headers();
    let cases = [
        (
            VANILLA_PRESIGNED.replace("&X-Amz-Expires=3600", ""),
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        ),
        (
            VANILLA_PRESIGNED.replace("X-Amz-Expires=3600", "X-Amz-Expires=0"),
            "X-Amz-Expires must be at least 1 second",
        ),
        (
            VANILLA_PRESIGNED.replace("X-Amz-Expires=3600", "X-Amz-Expires=604801"),
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ),
        (
            VANILLA_PRESIGNED.replace(
                "X-Amz-Expires=3600",
                "X-Amz-Expires=99999999999999999999999",
            ),
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ),
        (
            VANILLA_PRESIGNED.replace("X-Amz-Expires=3600", "X-Amz-Expires=-1"),
            "X-Amz-Expires should be a number of seconds",
        ),
        (
            format!("{VANILLA_PRESIGNED}&X-Amz-Date=20150830T123600Z"),
            "X-Amz-Date must not be repeated.",
        ),
        (
            VANILLA_PRESIGNED.replace(
                "X-Amz-Algorithm=AWS4-HMAC-SHA256",
                "X-Amz-Algorithm=AWS4-HMAC-SHA1",
            ),
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ),
        (
            VANILLA_PRESIGNED.replace("X-Amz-Date=20150830T123600Z", "X-Amz-Date=20150830"),
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ),
        (
            VANILLA_PRESIGNED.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-a"),
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
    ];
    for (query, want) in cases {
        let e = parse(&get(&query, &headers)).expect_err("must be refused");
        assert_eq!(query_error(&e), want, "{query}");
    }
    assert_eq!(
        parse(&get(
            &VANILLA_PRESIGNED.replace("X-Amz-Expires=3600", "X-Amz-Expires=604800"),
            &headers
        ))
        .expect("a week is allowed")
        .expires_seconds,
        Some(604_800)
    );
}

#[test]
fn content_sha256_header() {
    let body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let body_hash = sha256_hex(body);
    let post =
        |headers: &'_ [(String, String)], payload: &'_ str| -> Result<ParsedAuth, SigV4Error> {
            let req = HttpRequest {
                method: "POST",
                path: "/",
                query: "",
                headers,
                payload_sha256_hex: payload,
            };
            check(&req, SIGNED_AT)
        };
    let signed = |declared: &str| {
        let mut headers = h(&[
            ("Host", "sts.example"),
            ("X-Amz-Date", "20150830T123600Z"),
            ("X-Amz-Content-Sha256", declared),
            (
                "Authorization",
                &placeholder_auth("host;x-amz-content-sha256;x-amz-date"),
            ),
        ]);
        let snapshot = headers.clone();
        let req = HttpRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &snapshot,
            payload_sha256_hex: &body_hash,
        };
        self_sign(&req, &mut headers);
        headers
    };

    post(&signed(&body_hash), &body_hash).expect("matching hash");
    post(&signed("UNSIGNED-PAYLOAD"), &body_hash).expect("UNSIGNED-PAYLOAD verbatim");
    post(&signed("UNSIGNED-PAYLOAD"), EMPTY_SHA256).expect("body not covered");

    let e = post(&signed(&body_hash), EMPTY_SHA256).expect_err("must be refused");
    assert_eq!(e.code(), "XAmzContentSHA256Mismatch");
    assert_eq!(e.http_status(), 400);
    assert_eq!(
        e.to_string(),
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    );

    let streaming = h(&[
        ("Host", "sts.example"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        (
            "Authorization",
            &placeholder_auth("host;x-amz-content-sha256;x-amz-date"),
        ),
    ]);
    let e = post(&streaming, &body_hash).expect_err("must be refused");
    assert_eq!(e.code(), "IncompleteSignature");
}

#[test]
fn date_header_is_the_fallback_clock() {
    let mut headers = h(&[
        ("Host", "example.amazonaws.com"),
        ("Date", "Sun, 30 Aug 2015 12:36:00 GMT"),
        ("Authorization", &placeholder_auth("date;host")),
    ]);
    let snapshot = headers.clone();
    self_sign(&get("", &snapshot), &mut headers);
    let parsed = check(&get("", &headers), SIGNED_AT).expect("Date header");
    assert_eq!(parsed.amz_date, "20150830T123600Z");
    assert_eq!(parsed.request_time, SIGNED_AT);
    let e = check(&get("", &headers), SIGNED_AT + time::Duration::minutes(16))
        .expect_err("must be refused");
    assert!(
        e.to_string()
            .starts_with("Signature expired: 20150830T123600Z")
    );

    let bad = h(&[
        ("Host", "h"),
        ("Date", "yesterday"),
        ("Authorization", VANILLA_AUTH),
    ]);
    let e = parse(&get("", &bad)).expect_err("must be refused");
    assert!(incomplete(&e).starts_with("Date header must be an RFC 1123 date"));
}

#[test]
fn session_token_signed_or_not() {
    // Signed token header.
    let mut headers = h(&[
        ("Host", "example.amazonaws.com"),
        ("X-Amz-Date", "20150830T123600Z"),
        ("X-Amz-Security-Token", "tok/en+with=chars"),
        (
            "Authorization",
            &placeholder_auth("host;x-amz-date;x-amz-security-token"),
        ),
    ]);
    let snapshot = headers.clone();
    self_sign(&get("", &snapshot), &mut headers);
    let parsed = check(&get("", &headers), SIGNED_AT).expect("signed token");
    assert_eq!(parsed.security_token.as_deref(), Some("tok/en+with=chars"));
    // The token is never printed.
    assert!(!format!("{parsed:?}").contains("tok/en"));
    // Changing a signed token breaks the signature.
    headers[2].1 = "other".to_owned();
    assert_eq!(
        check(&get("", &headers), SIGNED_AT)
            .expect_err("must be refused")
            .code(),
        "SignatureDoesNotMatch"
    );

    // Token header added after signing.
    let mut headers = vanilla_headers();
    headers.push(("X-Amz-Security-Token".to_owned(), "added-later".to_owned()));
    let parsed = check(&get("", &headers), SIGNED_AT).expect("unsigned token");
    assert_eq!(parsed.security_token.as_deref(), Some("added-later"));

    // Presigned, token appended after signing.
    let headers = presigned_headers();
    let query = format!("{VANILLA_PRESIGNED}&X-Amz-Security-Token=added%2Flater");
    let parsed = check(&get(&query, &headers), SIGNED_AT).expect("unsigned query token");
    assert_eq!(parsed.security_token.as_deref(), Some("added/later"));
}

#[test]
fn tampered_parsed_auth_is_refused() {
    let headers = vanilla_headers();
    let req = get("", &headers);
    let mut parsed = parse(&req).expect("parses");
    parsed.request_time += time::Duration::minutes(1);
    assert_eq!(
        verify(&req, &parsed, &Secret::new(SECRET), SIGNED_AT)
            .expect_err("must be refused")
            .code(),
        "IncompleteSignature"
    );
}
