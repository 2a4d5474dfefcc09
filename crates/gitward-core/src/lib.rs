//! Pure shared types of gitward.
//!
//! Nothing here performs I/O, reads the clock or draws randomness: time arrives as a
//! [`Clock`] or a `now` value, random bytes arrive as parameters. Every other crate may
//! depend on this one.

pub mod clock;
pub mod ids;
pub mod secret;
pub mod store;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{
    AccountId, IdError, IdPrefix, account_of_access_key_id, mint_access_key_id, mint_unique_id,
};
pub use secret::Secret;
pub use store::StoreError;

/// The AWS partition gitward reports in every ARN.
pub const PARTITION: &str = "aws";

/// Formats `time` as ISO 8601 UTC with second precision (`2026-11-22T03:48:55Z`), the form
/// AWS uses in XML and that botocore parses.
pub fn iso8601(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_is_second_precision_utc() {
        let t = time::macros::datetime!(2015-08-30 12:36:00.123 UTC);
        assert_eq!(iso8601(t), "2015-08-30T12:36:00Z");
    }
}
