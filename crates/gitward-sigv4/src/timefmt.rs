//! The two date forms SigV4 uses: ISO 8601 basic (`20150830T123600Z`) and the HTTP `Date`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Formats `t` in UTC as `YYYYMMDDTHHMMSSZ` (sub-seconds dropped).
pub fn format_amz_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses `YYYYMMDDTHHMMSSZ` (exactly 16 characters, UTC). `None` if malformed.
pub fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[4..6])?;
    let day = digits(&b[6..8])?;
    let hour = digits(&b[9..11])?;
    let minute = digits(&b[11..13])?;
    let second = digits(&b[13..15])?;
    build(year, month, day, hour, minute, second, 0)
}

/// Parses an HTTP `Date` header: RFC 1123 (`Sun, 30 Aug 2015 12:36:00 GMT`) or the
/// RFC 2822 form botocore sends (`Sun, 30 Aug 2015 12:36:00 -0000`); the weekday is optional
/// and not checked. `None` if malformed.
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    // Drop an optional "Sun," prefix.
    let rest = match s.split_once(',') {
        Some((weekday, rest))
            if weekday.len() <= 9 && weekday.bytes().all(|c| c.is_ascii_alphabetic()) =>
        {
            rest
        }
        Some(_) => return None,
        None => s,
    };
    let mut parts = rest.split_ascii_whitespace();
    let day = digits(parts.next()?.as_bytes())?;
    let month = month_number(parts.next()?)?;
    let year = digits(parts.next()?.as_bytes())?;
    let clock = parts.next()?;
    let zone = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let mut hms = clock.split(':');
    let hour = digits(hms.next()?.as_bytes())?;
    let minute = digits(hms.next()?.as_bytes())?;
    let second = digits(hms.next()?.as_bytes())?;
    if hms.next().is_some() {
        return None;
    }
    let offset_seconds = zone_offset_seconds(zone)?;
    build(year, month, day, hour, minute, second, offset_seconds)
}

fn zone_offset_seconds(zone: &str) -> Option<i32> {
    match zone {
        "GMT" | "UT" | "UTC" | "Z" => Some(0),
        _ => {
            let b = zone.as_bytes();
            if b.len() != 5 {
                return None;
            }
            let sign = match b[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours = i32::try_from(digits(&b[1..3])?).ok()?;
            let minutes = i32::try_from(digits(&b[3..5])?).ok()?;
            if minutes >= 60 {
                return None;
            }
            Some(sign * (hours * 3600 + minutes * 60))
        }
    }
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let index = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name))?;
    u32::try_from(index + 1).ok()
}

/// Parses 1..=4 ASCII digits.
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

fn build(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    offset_seconds: i32,
) -> Option<OffsetDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let clock = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let offset = UtcOffset::from_whole_seconds(offset_seconds).ok()?;
    let local = PrimitiveDateTime::new(date, clock).assume_offset(offset);
    local.checked_to_offset(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn amz_date_round_trips() {
        let t = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(format_amz_date(t), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(t));
    }

    #[test]
    fn amz_date_rejects_malformed() {
        for bad in [
            "",
            "20150830T123600",
            "20150830 123600Z",
            "2015083aT123600Z",
            "20151330T123600Z",
            "20150230T123600Z",
            "20150830T243600Z",
            "+0150830T123600Z",
            "20150830T123600Zx",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates() {
        let t = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), Some(t));
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 -0000"), Some(t));
        assert_eq!(parse_http_date("30 Aug 2015 14:36:00 +0200"), Some(t));
        assert_eq!(parse_http_date("Sun, 30 Foo 2015 12:36:00 GMT"), None);
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36 GMT"), None);
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT extra"), None);
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 +9999"), None);
    }
}
