//! Finding and parsing the signature: the `Authorization` header or a presigned query.

use crate::canonical::{Q_SECURITY_TOKEN, Q_SIGNATURE, query_pairs};
use crate::fields::{
    Form, echo, parse_credential, parse_expires, parse_signature, parse_signed_headers,
};
use crate::timefmt::{format_amz_date, parse_amz_date, parse_http_date};
use crate::{ALGORITHM, AuthLocation, HttpRequest, ParsedAuth, SigV4Error};

/// Longest `Authorization` header value accepted (real ones are a few hundred bytes).
const MAX_AUTHORIZATION_LEN: usize = 16 * 1024;

const Q_ALGORITHM: &[u8] = b"X-Amz-Algorithm";
const Q_CREDENTIAL: &[u8] = b"X-Amz-Credential";
const Q_DATE: &[u8] = b"X-Amz-Date";
const Q_EXPIRES: &[u8] = b"X-Amz-Expires";
const Q_SIGNED_HEADERS: &[u8] = b"X-Amz-SignedHeaders";

/// Finds and parses the request's signature; no secret is needed.
///
/// Exactly one of an `Authorization` header and presigned query parameters must be
/// present: neither is [`SigV4Error::MissingAuthenticationToken`], both is
/// [`SigV4Error::IncompleteSignature`]. The request time comes from `X-Amz-Date`, else
/// from the `Date` header (header form only). The credential scope date must be the
/// date of the request time. Nothing is verified yet: call [`check_scope`] and
/// [`verify`] next.
///
/// [`check_scope`]: crate::check_scope
/// [`verify`]: crate::verify
pub fn parse(req: &HttpRequest) -> Result<ParsedAuth, SigV4Error> {
    let mut authorization = header_values(req, "authorization");
    let first = authorization.next();
    let repeated = authorization.next().is_some();
    let presigned = query_pairs(req.query).any(|(key, _)| {
        [Q_ALGORITHM, Q_CREDENTIAL, Q_SIGNED_HEADERS, Q_SIGNATURE].contains(&key.as_slice())
    });
    match (first, presigned) {
        (None, false) => Err(SigV4Error::MissingAuthenticationToken),
        (Some(_), true) => Err(SigV4Error::incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.",
        )),
        (Some(_), false) if repeated => Err(SigV4Error::incomplete(
            "The request has more than one Authorization header.",
        )),
        (Some(value), false) => parse_header_form(req, value),
        (None, true) => parse_query_form(req),
    }
}

fn parse_header_form(req: &HttpRequest, value: &str) -> Result<ParsedAuth, SigV4Error> {
    let value = value.trim_matches([' ', '\t']);
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(SigV4Error::incomplete(
            "The Authorization header is too long.",
        ));
    }
    let (algorithm, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        // Never echo a foreign scheme's value: `Basic` carries a password.
        return Err(SigV4Error::incomplete(if algorithm.starts_with("AWS4-") {
            format!("Unsupported AWS 'algorithm': '{}'", echo(algorithm))
        } else {
            format!(
                "Authorization header requires the '{ALGORITHM}' algorithm; other authorization schemes are not supported."
            )
        }));
    }
    let shown = || format!(" Authorization={}", echo(value));

    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for piece in rest.split(',').map(|p| p.trim_matches([' ', '\t'])) {
        if piece.is_empty() {
            continue;
        }
        let Some((name, val)) = piece.split_once('=') else {
            return Err(SigV4Error::incomplete(format!(
                "Authorization header parameter '{}' is not of the form name=value.{}",
                echo(piece),
                shown()
            )));
        };
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(SigV4Error::incomplete(format!(
                    "Authorization header has an unknown parameter '{}'.{}",
                    echo(name),
                    shown()
                )));
            }
        };
        if slot.replace(val).is_some() {
            return Err(SigV4Error::incomplete(format!(
                "Authorization header has more than one '{name}' parameter.{}",
                shown()
            )));
        }
    }

    let date = request_date(req)?;
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if date.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    let (Some(credential), Some(signature), Some(signed_headers), Some((amz_date, request_time))) =
        (credential, signature, signed_headers, date)
    else {
        return Err(SigV4Error::incomplete(format!(
            "{}{}",
            missing.join(" "),
            shown()
        )));
    };

    let (access_key_id, scope) = parse_credential(credential, Form::Header, &amz_date)?;
    let signed_headers = parse_signed_headers(signed_headers, Form::Header)?;
    let signature = parse_signature(signature, Form::Header)?;
    let security_token = single_header(req, "x-amz-security-token")?.map(str::to_owned);
    Ok(ParsedAuth {
        access_key_id,
        scope,
        signed_headers,
        signature,
        amz_date,
        request_time,
        security_token,
        location: AuthLocation::Header,
        expires_seconds: None,
    })
}

/// The request time from `X-Amz-Date`, else from `Date`; `None` if neither is present.
fn request_date(req: &HttpRequest) -> Result<Option<(String, time::OffsetDateTime)>, SigV4Error> {
    if let Some(value) = single_header(req, "x-amz-date")? {
        let Some(t) = parse_amz_date(value) else {
            return Err(SigV4Error::incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                echo(value)
            )));
        };
        return Ok(Some((value.to_owned(), t)));
    }
    if let Some(value) = single_header(req, "date")? {
        let Some(t) = parse_http_date(value) else {
            return Err(SigV4Error::incomplete(format!(
                "Date header must be an RFC 1123 date such as 'Sun, 30 Aug 2015 12:36:00 GMT'. Got '{}'.",
                echo(value)
            )));
        };
        return Ok(Some((format_amz_date(t), t)));
    }
    Ok(None)
}

fn parse_query_form(req: &HttpRequest) -> Result<ParsedAuth, SigV4Error> {
    let names: [&[u8]; 7] = [
        Q_ALGORITHM,
        Q_CREDENTIAL,
        Q_DATE,
        Q_EXPIRES,
        Q_SIGNED_HEADERS,
        Q_SIGNATURE,
        Q_SECURITY_TOKEN,
    ];
    let mut values: [Option<Vec<u8>>; 7] = Default::default();
    for (key, value) in query_pairs(req.query) {
        let Some(index) = names.iter().position(|n| *n == key.as_slice()) else {
            continue;
        };
        if let Some(slot) = values.get_mut(index)
            && slot.replace(value).is_some()
        {
            return Err(SigV4Error::query_params(format!(
                "{} must not be repeated.",
                String::from_utf8_lossy(&key)
            )));
        }
    }
    let text = |index: usize| -> Result<Option<String>, SigV4Error> {
        match values.get(index).cloned().flatten() {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
                SigV4Error::query_params(format!(
                    "{} is not valid UTF-8.",
                    String::from_utf8_lossy(names.get(index).copied().unwrap_or_default())
                ))
            }),
        }
    };
    let (algorithm, credential, date, expires, signed_headers, signature, token) = (
        text(0)?,
        text(1)?,
        text(2)?,
        text(3)?,
        text(4)?,
        text(5)?,
        text(6)?,
    );
    let (
        Some(algorithm),
        Some(credential),
        Some(date),
        Some(expires),
        Some(signed_headers),
        Some(signature),
    ) = (
        algorithm,
        credential,
        date,
        expires,
        signed_headers,
        signature,
    )
    else {
        return Err(SigV4Error::query_params(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::query_params(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    let Some(request_time) = parse_amz_date(&date) else {
        return Err(SigV4Error::query_params(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ));
    };
    let expires_seconds = parse_expires(&expires)?;
    let (access_key_id, scope) = parse_credential(&credential, Form::Query, &date)?;
    let signed_headers = parse_signed_headers(&signed_headers, Form::Query)?;
    let signature = parse_signature(&signature, Form::Query)?;
    Ok(ParsedAuth {
        access_key_id,
        scope,
        signed_headers,
        signature,
        amz_date: date,
        request_time,
        security_token: token,
        location: AuthLocation::Query,
        expires_seconds: Some(expires_seconds),
    })
}

/// Values of the headers called `name` (ASCII case-insensitive), in arrival order.
fn header_values<'a>(req: &HttpRequest<'a>, name: &'a str) -> impl Iterator<Item = &'a str> {
    req.headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim_matches([' ', '\t']))
}

/// The value of a header that may appear at most once.
fn single_header<'a>(req: &HttpRequest<'a>, name: &'a str) -> Result<Option<&'a str>, SigV4Error> {
    let mut values = header_values(req, name);
    let first = values.next();
    if values.next().is_some() {
        return Err(SigV4Error::incomplete(format!(
            "The request has more than one '{name}' header."
        )));
    }
    Ok(first)
}
