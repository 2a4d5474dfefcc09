//! Timestamp conversions between the handler convention (ISO 8601 strings) and the wire.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses what clients and handlers write for a timestamp: RFC 3339 / ISO 8601 with `Z` or an
/// offset, ISO 8601 without an offset (taken as UTC), or epoch seconds (fraction allowed).
pub(crate) fn parse(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if s.len() >= 19 && !s.ends_with('Z') && !s[10..].contains(['+', '-']) {
        let with_zone = format!("{s}Z");
        if let Ok(t) = OffsetDateTime::parse(&with_zone, &Rfc3339) {
            return Some(t);
        }
    }
    s.parse::<f64>().ok().and_then(from_epoch)
}

/// Epoch seconds (fraction allowed) as a point in time.
pub(crate) fn from_epoch(secs: f64) -> Option<OffsetDateTime> {
    if !secs.is_finite() {
        return None;
    }
    let nanos = (secs * 1e9).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// The handler form: ISO 8601 UTC, whole seconds as `gitward_core::iso8601` writes them,
/// with a fraction only when there is one.
pub(crate) fn to_iso(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    if t.nanosecond() == 0 {
        return gitward_core::iso8601(t);
    }
    t.format(&Rfc3339)
        .unwrap_or_else(|_| gitward_core::iso8601(t))
}

/// The JSON wire form: epoch seconds, an integer when whole, else with millisecond precision.
pub(crate) fn to_epoch_json(t: OffsetDateTime) -> serde_json::Value {
    let nanos = t.unix_timestamp_nanos();
    if nanos % 1_000_000_000 == 0 {
        serde_json::Value::from(t.unix_timestamp())
    } else {
        let millis = (nanos as f64 / 1e6).round();
        serde_json::Value::from(millis / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_clients_send() {
        let want = time::macros::datetime!(2019-11-09 13:34:41 UTC);
        assert_eq!(parse("2019-11-09T13:34:41Z"), Some(want));
        assert_eq!(parse("2019-11-09T13:34:41"), Some(want));
        assert_eq!(parse("2019-11-09T14:34:41+01:00"), Some(want));
        assert_eq!(parse("1573306481"), Some(want));
        assert_eq!(parse("nonsense"), None);
    }

    #[test]
    fn formats_iso_and_epoch() {
        let t = time::macros::datetime!(2019-11-09 13:34:41.25 UTC);
        assert_eq!(to_iso(t), "2019-11-09T13:34:41.25Z");
        assert_eq!(to_epoch_json(t), serde_json::json!(1573306481.25));
        let whole = time::macros::datetime!(2019-11-09 13:34:41 UTC);
        assert_eq!(to_iso(whole), "2019-11-09T13:34:41Z");
        assert_eq!(to_epoch_json(whole), serde_json::json!(1573306481));
    }
}
