//! Typed condition values: dates (ISO 8601 or epoch seconds), numbers, IP ranges, binary.

use std::net::IpAddr;

use base64::Engine as _;
use ipnet::IpNet;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// Parses a date as IAM accepts it: W3C ISO 8601 (`2024-01-31`, `2024-01-31T12:00:00Z`,
/// `2024-01-31T12:00:00.5+02:00`, …) or epoch seconds (`1706702400`, `1706702400.25`).
/// Returns nanoseconds since the Unix epoch.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if !text.contains(['-', 'T', 't']) {
        return parse_epoch(text);
    }
    let (date_part, time_part) = match text.find(['T', 't']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut fields = date_part.split('-');
    let year: i32 = digits(fields.next()?, 4, 4)?.try_into().ok()?;
    let month = fields.next().map_or(Some(1), |m| digits(m, 2, 2))?;
    let day = fields.next().map_or(Some(1), |d| digits(d, 2, 2))?;
    if fields.next().is_some() {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let (time, offset) = match time_part {
        Some(t) => parse_time(t)?,
        None => (Time::MIDNIGHT, UtcOffset::UTC),
    };
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .unix_timestamp_nanos(),
    )
}

/// `hh[:mm[:ss[.fff]]]` followed by `Z`, `±hh[:mm]` or nothing (UTC).
fn parse_time(text: &str) -> Option<(Time, UtcOffset)> {
    let (clock, offset) = match text.find(['Z', 'z', '+', '-']) {
        Some(i) => (&text[..i], parse_offset(&text[i..])?),
        None => (text, UtcOffset::UTC),
    };
    let mut fields = clock.split(':');
    let hour = digits(fields.next()?, 2, 2)?;
    let minute = fields.next().map_or(Some(0), |m| digits(m, 2, 2))?;
    let (second, nanos) = match fields.next() {
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            let second = digits(whole, 2, 2)?;
            let nanos = fraction_nanos(frac)?;
            (second, nanos)
        }
        None => (0, 0),
    };
    if fields.next().is_some() {
        return None;
    }
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        u32::try_from(nanos).ok()?,
    )
    .ok()?;
    Some((time, offset))
}

fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = if text.starts_with('-') { -1 } else { 1 };
    let rest = &text[1..];
    if !rest.is_ascii() {
        return None;
    }
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (&rest[..2], &rest[2..]),
        None => (rest, "00"),
    };
    let h = i8::try_from(digits(h, 2, 2)?).ok()?;
    let m = i8::try_from(digits(m, 2, 2)?).ok()?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

fn parse_epoch(text: &str) -> Option<i128> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let seconds = i128::from(digits(whole, 1, 19)?);
    Some(seconds * 1_000_000_000 + i128::from(fraction_nanos(frac)?))
}

/// Nanoseconds of a decimal fraction's digits (`"25"` → 250 000 000); digits past the
/// ninth are ignored.
fn fraction_nanos(frac: &str) -> Option<u64> {
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kept = &frac[..frac.len().min(9)];
    if kept.is_empty() {
        return Some(0);
    }
    Some(digits(kept, 1, 9)? * 10u64.pow(9 - kept.len() as u32))
}

/// A run of `min..=max` ASCII digits.
fn digits(text: &str, min: usize, max: usize) -> Option<u64> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses a number as IAM's Numeric operators read it (integers and decimals).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let looks_numeric = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    looks_numeric
        .then(|| text.parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite())
}

/// Parses a CIDR block; a bare address is a /32 (IPv4) or /128 (IPv6).
pub(crate) fn parse_cidr(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Parses a request's IP address value.
pub(crate) fn parse_ip(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

/// Decodes base64 (standard alphabet, padding optional).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i128 = 1_000_000_000;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("1970-01-02T00:00:00+01:00"),
            Some(23 * 3600 * SEC)
        );
        assert_eq!(
            parse_date("2024-01-31T12:00:00Z"),
            Some(1_706_702_400 * SEC)
        );
        assert_eq!(parse_date("1706702400"), Some(1_706_702_400 * SEC));
        assert_eq!(
            parse_date("1706702400.5"),
            Some(1_706_702_400 * SEC + SEC / 2)
        );
        assert_eq!(
            parse_date("2024-01-31T12:00:00.250Z"),
            Some(1_706_702_400 * SEC + SEC / 4)
        );
        assert_eq!(parse_date("2024-01-31t12:00Z"), Some(1_706_702_400 * SEC));
        assert_eq!(parse_date("1970-01-01T01:00:00-0100"), Some(2 * 3600 * SEC));
        for bad in [
            "",
            "2024-13-01",
            "2024-02-30",
            "yesterday",
            "2024-01-01T25:00:00Z",
            "-5",
            "2024-01-01T00:00:00.12345678é",
            "1.12345678é",
            "2024-01-01T00:00:00+aé1",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_ips_binary() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("ten"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_cidr("10.0.0.1"), "10.0.0.1/32".parse::<IpNet>().ok());
        assert_eq!(
            parse_cidr("2001:db8::/32"),
            "2001:db8::/32".parse::<IpNet>().ok()
        );
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
        assert_eq!(decode_base64("QmluYXJ5"), Some(b"Binary".to_vec()));
        assert_eq!(decode_base64("QmluYXI"), Some(b"Binar".to_vec()));
    }
}
