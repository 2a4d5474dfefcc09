//! Scope and time checks, key derivation, and the constant-time signature comparison.

use gitward_core::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};
use time::{Duration, OffsetDateTime, UtcOffset};
use zeroize::Zeroizing;

use crate::canonical::{QueryToken, canonical_request_with};
use crate::timefmt::{format_amz_date, parse_amz_date};
use crate::{
    ALGORITHM, AuthLocation, HttpRequest, ParsedAuth, SCOPE_TERMINATOR, SigV4Error,
    SignatureMismatch,
};

/// How far a (non-presigned) request time may be from the server's clock: 15 minutes.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// Largest `X-Amz-Expires` of a presigned request: 7 days, in seconds.
pub const MAX_PRESIGN_EXPIRES: u32 = 604_800;

/// Checks the credential scope against what the route expects.
///
/// The scope date must be the date of the request time; the service must be
/// `expected_service`; the region must be `expected_region` when it is `Some` (e.g. the
/// configured region for `codecommit`; `None` accepts any well-formed region, as for
/// `sts`/`iam`). Errors are `SignatureDoesNotMatch` with AWS's messages.
pub fn check_scope(
    parsed: &ParsedAuth,
    expected_service: &str,
    expected_region: Option<&str>,
) -> Result<(), SigV4Error> {
    check_scope_date(parsed)?;
    if parsed.scope.service != expected_service {
        return Err(SignatureMismatch::Service {
            expected: expected_service.to_owned(),
        }
        .into());
    }
    if let Some(region) = expected_region
        && parsed.scope.region != region
    {
        return Err(SignatureMismatch::Region {
            region: parsed.scope.region.clone(),
        }
        .into());
    }
    Ok(())
}

fn check_scope_date(parsed: &ParsedAuth) -> Result<(), SigV4Error> {
    let day = parsed.amz_date.get(..8).unwrap_or(&parsed.amz_date);
    if parsed.scope.date != day {
        return Err(SignatureMismatch::ScopeDate {
            scope_date: parsed.scope.date.clone(),
            date: day.to_owned(),
            amz_date: parsed.amz_date.clone(),
        }
        .into());
    }
    Ok(())
}

/// Verifies the signature of `req` with `secret` at time `now`.
///
/// Checks, in order: the request time (within ±15 minutes of `now`; a presigned request
/// instead must satisfy `X-Amz-Date ≤ now + 15 min` and `now ≤ X-Amz-Date + X-Amz-Expires`
/// with `X-Amz-Expires` in 1..=604800), the scope date, then rebuilds the canonical
/// request and compares signatures in constant time. A presigned request's session token
/// may have been signed or added after signing; both are accepted.
pub fn verify(
    req: &HttpRequest,
    parsed: &ParsedAuth,
    secret: &Secret,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    if parse_amz_date(&parsed.amz_date) != Some(parsed.request_time) {
        return Err(SigV4Error::incomplete(
            "The request time does not match X-Amz-Date.",
        ));
    }
    check_time(parsed, now)?;
    check_scope_date(parsed)?;
    let provided = parsed.signature.as_bytes();
    if provided.len() != 64 {
        return Err(SignatureMismatch::Signature.into());
    }
    let key = signing_key(
        secret,
        &parsed.scope.date,
        &parsed.scope.region,
        &parsed.scope.service,
    );
    let matches = |token: QueryToken| -> Result<Choice, SigV4Error> {
        let creq = canonical_request_with(req, parsed, token)?;
        let computed = signature(&key, &string_to_sign(parsed, &creq));
        Ok(computed.as_bytes().ct_eq(provided))
    };
    let mut ok = matches(QueryToken::Signed)?;
    if parsed.location == AuthLocation::Query && parsed.security_token.is_some() {
        ok |= matches(QueryToken::Unsigned)?;
    }
    if bool::from(ok) {
        Ok(())
    } else {
        Err(SignatureMismatch::Signature.into())
    }
}

fn check_time(parsed: &ParsedAuth, now: OffsetDateTime) -> Result<(), SigV4Error> {
    let now = now.to_offset(UtcOffset::UTC);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let t = parsed.request_time;
    if let Some(latest) = now.checked_add(MAX_CLOCK_SKEW)
        && t > latest
    {
        return Err(SignatureMismatch::NotYetCurrent {
            amz_date: parsed.amz_date.clone(),
            latest: format_amz_date(latest),
            now: format_amz_date(now),
        }
        .into());
    }
    match parsed.location {
        AuthLocation::Header => {
            if let Some(earliest) = now.checked_sub(MAX_CLOCK_SKEW)
                && t < earliest
            {
                return Err(SignatureMismatch::Expired {
                    amz_date: parsed.amz_date.clone(),
                    earliest: format_amz_date(earliest),
                    now: format_amz_date(now),
                }
                .into());
            }
        }
        AuthLocation::Query => {
            let expires = match parsed.expires_seconds {
                Some(e) if (1..=MAX_PRESIGN_EXPIRES).contains(&e) => e,
                _ => {
                    return Err(SigV4Error::query_params(
                        "X-Amz-Expires must be between 1 and 604800 seconds",
                    ));
                }
            };
            let lifetime = Duration::seconds(i64::from(expires));
            if let Some(deadline) = t.checked_add(lifetime)
                && now > deadline
            {
                return Err(SignatureMismatch::PresignExpired {
                    amz_date: parsed.amz_date.clone(),
                    earliest: now
                        .checked_sub(lifetime)
                        .map(format_amz_date)
                        .unwrap_or_default(),
                    now: format_amz_date(now),
                    expires,
                }
                .into());
            }
        }
    }
    Ok(())
}

/// The string to sign: algorithm, request time, scope, and the canonical request's hash.
pub fn string_to_sign(parsed: &ParsedAuth, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        parsed.amz_date,
        parsed.scope.to_scope_string(),
        crate::sha256_hex(canonical_request.as_bytes())
    )
}

/// The SigV4 signing key: `HMAC` chained over date, region, service and `aws4_request`.
pub fn signing_key(secret: &Secret, date: &str, region: &str, service: &str) -> [u8; 32] {
    // The seed holds the secret: `Zeroizing` wipes it when it is dropped.
    let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret.expose().len()));
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret.expose().as_bytes());
    let k_date = hmac(&seed, date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, SCOPE_TERMINATOR.as_bytes())
}

/// The hex signature of `string_to_sign` under `signing_key`.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac(signing_key, string_to_sign.as_bytes()))
}

pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}
