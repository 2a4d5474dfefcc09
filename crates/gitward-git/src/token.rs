//! Continuation tokens: opaque to clients, a keyset position to us.
//!
//! A token is base64url of `<kind>\n<field>\n…`; the last field is the last item of the
//! page (a name), so later insertions and deletions never repeat or skip other items.
//! Tokens carry no secret, so forging one only moves a caller within its own listing.

use crate::error::RepoError;
use data_encoding::BASE64URL_NOPAD;

/// Encodes the fields of a token of `kind`; no field may contain a newline.
pub fn encode(kind: &str, fields: &[&str]) -> String {
    let mut text = kind.to_owned();
    for f in fields {
        text.push('\n');
        text.push_str(f);
    }
    BASE64URL_NOPAD.encode(text.as_bytes())
}

/// Decodes a token of `kind` with exactly `n` fields.
pub fn decode(kind: &str, n: usize, token: &str) -> Result<Vec<String>, RepoError> {
    let bytes = BASE64URL_NOPAD
        .decode(token.as_bytes())
        .map_err(|_| RepoError::InvalidContinuationToken)?;
    let text = String::from_utf8(bytes).map_err(|_| RepoError::InvalidContinuationToken)?;
    // Names never contain a newline (repository and branch name rules), so split fully.
    let mut parts = text.split('\n');
    if parts.next() != Some(kind) {
        return Err(RepoError::InvalidContinuationToken);
    }
    let fields: Vec<String> = parts.map(str::to_owned).collect();
    if fields.len() != n {
        return Err(RepoError::InvalidContinuationToken);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let t = encode("repos1", &["repositoryName", "ascending", "0", "my-repo"]);
        assert_eq!(
            decode("repos1", 4, &t).ok(),
            Some(vec![
                "repositoryName".to_owned(),
                "ascending".to_owned(),
                "0".to_owned(),
                "my-repo".to_owned()
            ])
        );
        assert!(decode("branches1", 4, &t).is_err());
        assert!(decode("repos1", 3, &t).is_err());
        assert!(decode("repos1", 4, "!!!").is_err());
        assert!(decode("repos1", 4, "").is_err());
    }
}
