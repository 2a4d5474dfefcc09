//! Policy size and character rules as IAM quotas apply them (FACTS §6.1).

/// Length of a policy as IAM quotas count it: characters, with whitespace not counted.
///
/// Whitespace between JSON tokens is not counted; characters inside string literals
/// (including spaces) are. Text that is not valid JSON is counted the same way, treating
/// every `"` as opening or closing a string, so the function is total.
pub fn policy_size(json: &str) -> usize {
    let mut count = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            count += 1;
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !c.is_whitespace() {
            count += 1;
            in_string = c == '"';
        }
    }
    count
}

/// True if every character is one IAM accepts in a policy document: TAB, LF, CR and
/// U+0020..=U+00FF (IAM-model `policyDocumentType`).
pub fn policy_chars_valid(json: &str) -> bool {
    json.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_outside_strings_is_free() {
        let compact = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let pretty = "{\n  \"Version\": \"2012-10-17\",\n\t\"Statement\": [ ]\n}\n";
        assert_eq!(policy_size(compact), compact.len());
        assert_eq!(policy_size(pretty), compact.len());
        assert_eq!(policy_size(r#"{"Sid": "a b"}"#), r#"{"Sid":"a b"}"#.len());
        assert_eq!(policy_size(r#"["a\" b"] "#), 9);
        assert_eq!(policy_size("é"), 1);
    }

    #[test]
    fn allowed_characters() {
        assert!(policy_chars_valid("{\"a\":\t\"é\"}\r\n"));
        assert!(!policy_chars_valid("\u{1}"));
        assert!(!policy_chars_valid("€"));
    }
}
