//! Untrusted input never panics: arbitrary headers, queries, paths, passwords and clocks.

use gitward_core::Secret;
use gitward_sigv4::{
    HttpRequest, canonical_query_string, canonical_request, canonical_uri, check_scope,
    git_password, parse, parse_amz_date, parse_http_date, verify,
};
use proptest::prelude::*;

/// Header names the parser looks at, and others.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Authorization".to_owned()),
        Just("authorization".to_owned()),
        Just("X-Amz-Date".to_owned()),
        Just("Date".to_owned()),
        Just("Host".to_owned()),
        Just("X-Amz-Security-Token".to_owned()),
        Just("x-amz-content-sha256".to_owned()),
        "\\PC{0,12}",
    ]
}

/// Values from nothing-like-it to almost-valid.
fn header_value() -> impl Strategy<Value = String> {
    let almost = (
        prop_oneof![Just("AWS4-HMAC-SHA256".to_owned()), "\\PC{0,20}"],
        prop_oneof![
            Just("AKIDEXAMPLE/20150830/us-east-1/service/aws4_request".to_owned()),
            "[A-Za-z0-9/_é-]{0,60}",
        ],
        prop_oneof![Just("host;x-amz-date".to_owned()), "[a-z;A-Z -]{0,30}"],
        prop_oneof!["[0-9a-f]{64}", "\\PC{0,70}"],
        "[ ,\t]{0,3}",
    )
        .prop_map(|(alg, cred, signed, sig, sep)| {
            format!("{alg} Credential={cred},{sep}SignedHeaders={signed}{sep}, Signature={sig}")
        });
    prop_oneof![
        almost,
        Just("20150830T123600Z".to_owned()),
        Just("Sun, 30 Aug 2015 12:36:00 GMT".to_owned()),
        "[0-9TZ]{0,17}",
        "\\PC{0,80}",
        ".{0,40}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("X-Amz-Algorithm".to_owned()),
        Just("X-Amz-Credential".to_owned()),
        Just("X-Amz-Date".to_owned()),
        Just("X-Amz-Expires".to_owned()),
        Just("X-Amz-SignedHeaders".to_owned()),
        Just("X-Amz-Signature".to_owned()),
        Just("X-Amz-Security-Token".to_owned()),
        "[^&=]{0,8}",
    ];
    let value = prop_oneof![
        Just("AWS4-HMAC-SHA256".to_owned()),
        Just("AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request".to_owned()),
        Just("20150830T123600Z".to_owned()),
        "[0-9]{0,12}",
        "[0-9a-f]{64}",
        "\\PC{0,20}",
        "(%[0-9A-Fa-fzZ]{0,2}){0,6}",
    ];
    prop_oneof![
        prop::collection::vec((key, value), 0..10).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        }),
        ".{0,60}",
    ]
}

const SIGNED_AT: time::OffsetDateTime = time::macros::datetime!(2015-08-30 12:36:00 UTC);
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const VANILLA_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const VANILLA_PRESIGNED: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d";

/// Runs every entry point on `req`; errors are fine, panics are not.
fn exercise(
    req: &HttpRequest,
    now: time::OffsetDateTime,
    region: Option<&str>,
) -> Result<(), TestCaseError> {
    let _ = canonical_uri(req.path);
    let _ = canonical_query_string(req.query);
    match parse(req) {
        Ok(parsed) => {
            let _ = check_scope(&parsed, "service", region);
            let _ = canonical_request(req, &parsed);
            let _ = verify(req, &parsed, &Secret::new("secret"), now);
            let _ = verify(
                req,
                &parsed,
                &Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                now,
            );
        }
        Err(e) => {
            // Every error carries a code and a message.
            prop_assert!(!e.code().is_empty());
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

fn clock() -> impl Strategy<Value = time::OffsetDateTime> {
    // The whole range `time` supports (years -9999..=9999).
    (-377_705_116_800i64..=253_402_300_799)
        .prop_map(|s| time::OffsetDateTime::from_unix_timestamp(s).expect("in range"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn parse_and_verify_never_panic(
        headers in prop::collection::vec((header_name(), header_value()), 0..8),
        query in query(),
        path in prop_oneof![".{0,40}", "(/|\\.|\\.\\.|%2[eE]|[a-z]){0,12}"],
        method in ".{0,8}",
        payload in prop_oneof!["[0-9a-f]{64}", ".{0,70}"],
        now in clock(),
        region in prop_oneof![Just(None), Just(Some("us-east-1")), Just(Some(""))],
    ) {
        let req = HttpRequest {
            method: &method,
            path: &path,
            query: &query,
            headers: &headers,
            payload_sha256_hex: &payload,
        };
        let _ = canonical_uri(&path);
        let _ = canonical_query_string(&query);
        exercise(&req, now, region)?;
    }

    #[test]
    fn edited_valid_requests_never_panic(
        edits in prop::collection::vec((0usize..4, any::<prop::sample::Index>(), 0usize..3, "\\PC{0,3}"), 1..6),
        presigned in any::<bool>(),
        now in prop_oneof![Just(SIGNED_AT), clock()],
    ) {
        // Start from AWS's get-vanilla request (valid) and damage it a little.
        let mut parts = [
            "/".to_owned(),
            if presigned { VANILLA_PRESIGNED.to_owned() } else { String::new() },
            if presigned { String::new() } else { VANILLA_AUTH.to_owned() },
            "20150830T123600Z".to_owned(),
        ];
        for (which, at, op, text) in edits {
            let part = &mut parts[which];
            let boundaries: Vec<usize> = (0..=part.len()).filter(|i| part.is_char_boundary(*i)).collect();
            let start = boundaries[at.index(boundaries.len())];
            let end = boundaries.iter().copied().find(|b| *b > start).unwrap_or(start);
            match op {
                0 => part.insert_str(start, &text),
                1 => part.replace_range(start..end, ""),
                _ => part.replace_range(start..end, &text),
            }
        }
        let [path, query, auth, date] = parts;
        let mut headers = vec![("Host".to_owned(), "example.amazonaws.com".to_owned())];
        if !presigned {
            headers.push(("X-Amz-Date".to_owned(), date));
            headers.push(("Authorization".to_owned(), auth));
        }
        let req = HttpRequest {
            method: "GET",
            path: &path,
            query: &query,
            headers: &headers,
            payload_sha256_hex: EMPTY_SHA256,
        };
        exercise(&req, now, Some("us-east-1"))?;
    }

    #[test]
    fn date_parsers_never_panic(s in ".{0,40}", amz in "[0-9T Z+-]{0,17}") {
        let _ = parse_amz_date(&s);
        let _ = parse_amz_date(&amz);
        let _ = parse_http_date(&s);
        let _ = parse_http_date(&format!("Sun, {amz} GMT"));
    }

    #[test]
    fn git_password_never_panics(
        password in prop_oneof![
            ".{0,90}",
            "[0-9]{8}T[0-9]{6}Z[0-9a-f]{64}",
            "[0-9]{8}T[0-9]{6}Z.{64}",
        ],
        hosts in prop::collection::vec(".{0,20}", 0..3),
        now in clock(),
        timestamp in ".{0,20}",
    ) {
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        let secret = Secret::new("secret");
        let _ = git_password::parse(&password);
        let _ = git_password::verify(&password, &secret, "us-east-1", &hosts, "/v1/repos/r", now);
        let _ = git_password::compute(&secret, &timestamp, "us-east-1", "h", "/");
    }
}
