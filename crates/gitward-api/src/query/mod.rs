//! awsQuery (IAM, STS): form-encoded input, XML output.
//!
//! A request is `Action=<Op>&Version=<date>&…` in a `POST` body
//! (`application/x-www-form-urlencoded`) or a `GET` query string. [`parse_form`] splits it,
//! [`action`] reads the routing parameters, [`decode_input`] turns the rest into the
//! operation's input Value, [`encode_output`] / [`encode_error`] write the XML.

mod decode;
mod encode;

pub use decode::decode_input;
pub use encode::{CONTENT_TYPE, encode_error, encode_output};

/// Splits an `application/x-www-form-urlencoded` body or a URL query string into decoded
/// pairs, in order.
pub fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// The `Action` and `Version` parameters (first occurrence of each), for routing.
pub fn action(pairs: &[(String, String)]) -> (Option<&str>, Option<&str>) {
    let find = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    (find("Action"), find("Version"))
}

#[cfg(test)]
mod tests;
