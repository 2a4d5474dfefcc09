//! Random requests signed by the real `aws-sigv4` crate must verify; any one-byte change
//! to a signed part must not.

use std::borrow::Cow;
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SessionTokenMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use gitward_core::Secret;
use gitward_sigv4::{
    HttpRequest, SigV4Error, canonical_query_string, canonical_uri, check_scope, parse, sha256_hex,
    verify,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use proptest::sample::Index;

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Characters a client may leave raw in a path segment.
const PATH_SEGMENT: &AsciiSet = &UNRESERVED
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// A request as the server receives it, plus what the verifier is given.
#[derive(Debug, Clone)]
struct Case {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    payload: String,
    secret: String,
    region: String,
    service: String,
    now: time::OffsetDateTime,
    presigned: bool,
    /// Presigned, with a session token added after signing.
    unsigned_query_token: bool,
}

impl Case {
    fn check(&self) -> Result<(), SigV4Error> {
        let req = HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            payload_sha256_hex: &self.payload,
        };
        let parsed = parse(&req)?;
        check_scope(&parsed, &self.service, Some(&self.region))?;
        verify(&req, &parsed, &Secret::new(self.secret.clone()), self.now)
    }

    fn signed_header_names(&self) -> Vec<String> {
        let req = HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            payload_sha256_hex: &self.payload,
        };
        parse(&req).expect("original parses").signed_headers
    }
}

#[derive(Debug, Clone)]
struct Input {
    method: String,
    segments: Vec<String>,
    trailing_slash: bool,
    query: Vec<(String, String, u32)>,
    headers: Vec<(String, String)>,
    host: String,
    body: Vec<u8>,
    region: String,
    service: String,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    unix_time: u64,
    skew: i64,
    expires: u64,
    sha256_header: bool,
    token_signed: bool,
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        6 => "\\PC{1,6}".prop_map(|s| utf8_percent_encode(&s, PATH_SEGMENT).to_string()),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    ("[a-z][a-z0-9-]{0,10}", any::<u16>())
        .prop_filter("reserved header", |(n, _)| {
            !(n.starts_with("x-amz")
                || [
                    "host",
                    "authorization",
                    "user-agent",
                    "transfer-encoding",
                    "date",
                ]
                .contains(&n.as_str()))
        })
        .prop_map(|(n, mask)| {
            // Random capitalisation: names arrive in any case.
            n.chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask & (1 << (i % 16)) != 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        })
}

fn input(presigned: bool) -> impl Strategy<Value = Input> {
    let names = prop::collection::vec(header_name(), 1..4);
    let values = prop::collection::vec("[ !-~é€]{0,16}", 0..6);
    let headers = (names, values, prop::collection::vec(any::<Index>(), 0..6)).prop_map(
        |(names, values, picks)| {
            // Draw names from a small pool so repeats (any case) happen.
            values
                .into_iter()
                .zip(picks)
                .map(|(v, i)| (names[i.index(names.len())].clone(), v))
                .collect::<Vec<_>>()
        },
    );
    let query_key = "\\PC{0,6}".prop_filter("auth parameter", |k| {
        !k.to_ascii_lowercase().starts_with("x-amz-")
    });
    let parts = (
        (
            prop_oneof!["GET", "POST", "PUT", "DELETE", "HEAD", "[A-Z]{3,7}"],
            prop::collection::vec(segment(), 0..5),
            any::<bool>(),
            prop::collection::vec((query_key, "\\PC{0,6}", any::<u32>()), 0..5),
            headers,
            prop_oneof![
                "[a-z]{1,10}\\.example\\.com",
                "localhost:[1-9][0-9]{3}",
                "127\\.0\\.0\\.1:[1-9][0-9]{1,3}",
            ],
            prop::collection::vec(any::<u8>(), 0..64),
        ),
        (
            "[a-z]{2}-[a-z]{4,9}-[1-9]",
            "[a-z][a-z0-9-]{1,15}",
            "AKIA[A-Z0-9]{16}",
            "[A-Za-z0-9/+]{40}",
            prop::option::of("[A-Za-z0-9/+=]{16,64}"),
            946_684_800u64..4_102_444_800,
            -900i64..=900,
            1u64..=604_800,
            any::<bool>(),
            any::<bool>(),
        ),
    );
    parts.prop_map(
        move |(
            (method, segments, trailing_slash, query, headers, host, body),
            (region, service, access_key_id, secret, token, unix_time, skew, expires, sha, ts),
        )| Input {
            method,
            segments,
            trailing_slash,
            query,
            headers,
            host,
            body,
            region,
            service,
            access_key_id,
            secret,
            token,
            unix_time,
            // A presigned request is good from X-Amz-Date - 15 min to X-Amz-Date + expires.
            skew: if presigned {
                (skew.rem_euclid(i64::try_from(expires).unwrap_or(1) + 900)) - 900
            } else {
                skew
            },
            expires,
            sha256_header: sha && !presigned,
            token_signed: ts,
        },
    )
}

/// Encodes a query component, choosing per character between equivalent spellings.
fn encode_query_component(s: &str, flags: u32) -> String {
    let mut out = String::new();
    for (i, b) in s.bytes().enumerate() {
        let bit = flags.rotate_right(u32::try_from(i % 32).unwrap_or(0)) & 1 == 1;
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' if bit => out.push('+'),
            _ if bit => out.push_str(&format!("%{b:02x}")),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Signs `input` with aws-sigv4 and returns the request the server would see.
fn sign_with_sdk(input: &Input, presigned: bool) -> Case {
    let mut path = String::new();
    for s in &input.segments {
        path.push('/');
        path.push_str(s);
    }
    if path.is_empty() || input.trailing_slash {
        path.push('/');
    }
    let mut query = String::new();
    for (k, v, flags) in &input.query {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&encode_query_component(k, *flags));
        if !v.is_empty() || flags & 0x8000_0000 == 0 {
            query.push('=');
            query.push_str(&encode_query_component(v, flags.rotate_left(7)));
        }
    }
    let uri = if query.is_empty() {
        format!("https://{}{path}", input.host)
    } else {
        format!("https://{}{path}?{query}", input.host)
    };

    let identity: Identity = Credentials::new(
        &input.access_key_id,
        &input.secret,
        input.token.clone(),
        None,
        "proptest",
    )
    .into();
    let mut settings = SigningSettings::default();
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(input.expires));
    }
    if input.sha256_header {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    if !input.token_signed {
        settings.session_token_mode = SessionTokenMode::Exclude;
    }
    let time = UNIX_EPOCH + Duration::from_secs(input.unix_time);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&input.region)
        .name(&input.service)
        .time(time)
        .settings(settings)
        .build()
        .expect("complete signing params")
        .into();
    let signable = SignableRequest::new(
        &input.method,
        uri.clone(),
        input.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&input.body),
    )
    .unwrap_or_else(|e| panic!("aws-sigv4 refused {uri}: {e}"));
    let (instructions, _signature) = sign(signable, &params)
        .expect("aws-sigv4 signs")
        .into_parts();

    // The Host header a client sends for this URI: HTTP clients (hyper, urllib3) and aws-sigv4
    // alike leave out the scheme's default port, so `https://h:443/` is sent and signed as `h`.
    let host_header = input
        .host
        .strip_suffix(":443")
        .unwrap_or(&input.host)
        .to_owned();
    let mut headers = vec![("Host".to_owned(), host_header)];
    headers.extend(input.headers.iter().cloned());
    // An unsigned header a proxy could add.
    headers.push(("User-Agent".to_owned(), "proptest/1.0".to_owned()));
    for (name, value) in instructions.headers() {
        headers.push((name.to_owned(), value.to_owned()));
    }
    for (name, value) in instructions.params() {
        let value: &Cow<'_, str> = value;
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        query.push_str(&utf8_percent_encode(value, UNRESERVED).to_string());
    }
    let now = time::OffsetDateTime::from_unix_timestamp(
        i64::try_from(input.unix_time).expect("fits") + input.skew,
    )
    .expect("in range");
    Case {
        method: input.method.clone(),
        path,
        query,
        headers,
        payload: sha256_hex(&input.body),
        secret: input.secret.clone(),
        region: input.region.clone(),
        service: input.service.clone(),
        now,
        presigned,
        unsigned_query_token: presigned && input.token.is_some() && !input.token_signed,
    }
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Method,
    Path,
    Query,
    SignedHeaderValue,
    BodyHash,
    Date,
    Signature,
    Scope,
}

const TARGETS: [Target; 8] = [
    Target::Method,
    Target::Path,
    Target::Query,
    Target::SignedHeaderValue,
    Target::BodyHash,
    Target::Date,
    Target::Signature,
    Target::Scope,
];

const PRINTABLE: &[u8] = b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";

/// Replaces the ASCII byte at `pos` of `s` with a different byte from `alphabet`.
fn replace_byte(s: &mut String, pos: usize, alphabet: &[u8], pick: Index) {
    let old = s.as_bytes()[pos];
    let mut i = pick.index(alphabet.len());
    if alphabet[i] == old {
        i = (i + 1) % alphabet.len();
    }
    s.replace_range(pos..=pos, &char::from(alphabet[i]).to_string());
}

/// Byte range of the raw value of query parameter `key`.
fn query_value_range(query: &str, key: &str) -> Option<(usize, usize)> {
    let mut start = 0;
    for piece in query.split('&') {
        if let Some(rest) = piece.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
            let value_start = start + piece.len() - rest.len();
            return Some((value_start, start + piece.len()));
        }
        start += piece.len() + 1;
    }
    None
}

fn header_index(case: &Case, name: &str) -> Option<usize> {
    case.headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
}

fn ascii_positions(s: &str, range: (usize, usize)) -> Vec<usize> {
    (range.0..range.1)
        .filter(|&i| s.as_bytes()[i].is_ascii())
        .collect()
}

/// Applies `target` to a copy of `case`; `None` if the case has nothing to mutate there or
/// the change is an equivalent spelling the canonical form cannot tell apart.
fn mutate(case: &Case, target: Target, at: Index, pick: Index) -> Option<Case> {
    let mut m = case.clone();
    let query_param = |m: &mut Case, key: &str, skip_prefix: usize, alphabet: &[u8]| {
        let (a, b) = query_value_range(&m.query, key)?;
        let positions = ascii_positions(&m.query, ((a + skip_prefix).min(b), b));
        if positions.is_empty() {
            return None;
        }
        replace_byte(
            &mut m.query,
            positions[at.index(positions.len())],
            alphabet,
            pick,
        );
        Some(())
    };
    match target {
        Target::Method => {
            let pos = at.index(m.method.len());
            replace_byte(&mut m.method, pos, PRINTABLE, pick);
        }
        Target::Path => {
            let positions = ascii_positions(&m.path, (0, m.path.len()));
            replace_byte(
                &mut m.path,
                positions[at.index(positions.len())],
                PRINTABLE,
                pick,
            );
            if canonical_uri(&m.path) == canonical_uri(&case.path) {
                return None;
            }
        }
        Target::Query => {
            let token = if case.unsigned_query_token {
                query_value_range(&case.query, "X-Amz-Security-Token")
            } else {
                None
            };
            let positions: Vec<usize> = ascii_positions(&m.query, (0, m.query.len()))
                .into_iter()
                .filter(|p| token.is_none_or(|(a, b)| *p < a || *p >= b))
                .collect();
            if positions.is_empty() {
                return None;
            }
            replace_byte(
                &mut m.query,
                positions[at.index(positions.len())],
                PRINTABLE,
                pick,
            );
        }
        Target::SignedHeaderValue => {
            let signed = case.signed_header_names();
            let spots: Vec<(usize, usize)> = m
                .headers
                .iter()
                .enumerate()
                .filter(|(_, (n, _))| signed.contains(&n.to_ascii_lowercase()))
                .flat_map(|(h, (_, v))| {
                    v.bytes()
                        .enumerate()
                        .filter(|(_, b)| b.is_ascii())
                        .map(move |(i, _)| (h, i))
                })
                .collect();
            let (h, i) = spots[at.index(spots.len())];
            replace_byte(&mut m.headers[h].1, i, PRINTABLE, pick);
        }
        Target::BodyHash => {
            let pos = at.index(m.payload.len());
            replace_byte(&mut m.payload, pos, HEX, pick);
        }
        Target::Date if case.presigned => query_param(&mut m, "X-Amz-Date", 0, DIGITS)?,
        Target::Date => {
            let h = header_index(&m, "x-amz-date")?;
            let positions = ascii_positions(&m.headers[h].1, (0, m.headers[h].1.len()))
                .into_iter()
                .filter(|&i| m.headers[h].1.as_bytes()[i].is_ascii_digit())
                .collect::<Vec<_>>();
            replace_byte(
                &mut m.headers[h].1,
                positions[at.index(positions.len())],
                DIGITS,
                pick,
            );
        }
        Target::Signature if case.presigned => query_param(&mut m, "X-Amz-Signature", 0, HEX)?,
        Target::Signature => {
            let h = header_index(&m, "authorization")?;
            let start = m.headers[h].1.find("Signature=")? + "Signature=".len();
            let pos = start + at.index(64);
            replace_byte(&mut m.headers[h].1, pos, HEX, pick);
        }
        Target::Scope if case.presigned => {
            // Skip the access key id: it is not signed in the header form, and the
            // caller's key lookup (not the signature) is what binds it.
            let (a, _) = query_value_range(&m.query, "X-Amz-Credential")?;
            let skip = m.query[a..].find("%2F")?;
            query_param(&mut m, "X-Amz-Credential", skip, PRINTABLE)?
        }
        Target::Scope => {
            let h = header_index(&m, "authorization")?;
            let value = &m.headers[h].1;
            let start = value.find("Credential=")? + "Credential=".len();
            let start = start + value[start..].find('/')?;
            let end = start + value[start..].find(',')?;
            let positions = ascii_positions(value, (start, end));
            replace_byte(
                &mut m.headers[h].1,
                positions[at.index(positions.len())],
                PRINTABLE,
                pick,
            );
        }
    }
    if m.query != case.query
        && canonical_query_string(&m.query) == canonical_query_string(&case.query)
    {
        // e.g. `%2F` → `%2f`: the same query, spelled differently.
        return None;
    }
    Some(m)
}

fn run(input: Input, presigned: bool, mutations: Vec<(Index, Index)>) -> Result<(), TestCaseError> {
    let case = sign_with_sdk(&input, presigned);
    if let Err(e) = case.check() {
        return Err(TestCaseError::fail(format!(
            "signed request refused: {e} ({})\n{case:#?}",
            e.code()
        )));
    }
    for (target, (at, pick)) in TARGETS.iter().zip(mutations) {
        let Some(mutated) = mutate(&case, *target, at, pick) else {
            continue;
        };
        prop_assert!(
            mutated.check().is_err(),
            "mutation {target:?} accepted\noriginal: {case:#?}\nmutated: {mutated:#?}"
        );
    }
    Ok(())
}

fn mutations() -> impl Strategy<Value = Vec<(Index, Index)>> {
    prop::collection::vec((any::<Index>(), any::<Index>()), TARGETS.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn header_form_signed_by_aws_sigv4_verifies(input in input(false), m in mutations()) {
        run(input, false, m)?;
    }

    #[test]
    fn query_form_signed_by_aws_sigv4_verifies(input in input(true), m in mutations()) {
        run(input, true, m)?;
    }
}
