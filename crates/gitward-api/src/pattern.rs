//! The models' `pattern` constraints are Java regular expressions matched against the whole
//! value (`String.matches`). This module translates them for the `regex` crate (falling back
//! to `fancy-regex` for look-around) and caches the compiled form on the shape.

use crate::model::Shape;

/// A compiled model pattern, anchored at both ends.
#[derive(Debug)]
pub(crate) enum Matcher {
    /// Most patterns: the `regex` crate (linear time).
    Plain(regex::Regex),
    /// Patterns with look-around (`accountAliasType`): `fancy-regex`.
    Fancy(fancy_regex::Regex),
}

impl Matcher {
    /// Compiles a Java pattern; `None` if neither engine accepts it.
    pub(crate) fn compile(java: &str) -> Option<Self> {
        let anchored = format!("^(?:{})$", translate(java));
        if let Ok(re) = regex::Regex::new(&anchored) {
            return Some(Self::Plain(re));
        }
        fancy_regex::Regex::new(&anchored).ok().map(Self::Fancy)
    }

    /// Whether `s` matches the whole pattern. A match that the backtracking engine gives up
    /// on (its step limit) counts as a match: the constraint cannot be shown broken.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        match self {
            Self::Plain(re) => re.is_match(s),
            Self::Fancy(re) => re.is_match(s).unwrap_or(true),
        }
    }
}

/// The shape's compiled pattern, compiled on first use. `None` when the shape has no pattern
/// or the pattern cannot be compiled (logged once; the unit tests assert every vendored
/// pattern compiles).
pub(crate) fn matcher(shape: &Shape) -> Option<&Matcher> {
    shape
        .compiled
        .get_or_init(|| {
            let java = shape.pattern.as_deref()?;
            let m = Matcher::compile(java);
            if m.is_none() {
                tracing::warn!(shape = %shape.name, pattern = java, "model pattern not enforced: it does not compile");
            }
            m
        })
        .as_ref()
}

/// Rewrites Java regex syntax the `regex` crate reads differently:
/// - `\uXXXX` → `\x{XXXX}`; the models also write supplementary code points with five or six
///   digits (`\u10000-\u10FFFF`), which are taken as meant;
/// - `\w \d \s` (and negations) are ASCII in Java, Unicode in `regex`: made ASCII classes;
/// - `\Q…\E` quoting.
///
/// Everything else (`\p{L}`, escaped punctuation, nested classes) passes through.
pub(crate) fn translate(java: &str) -> String {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len() + 16);
    let mut class_depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let e = chars[i + 1];
                i += 2;
                match e {
                    'u' => {
                        let (cp, used) = unicode_escape(&chars[i..]);
                        match cp {
                            Some(cp) => {
                                out.push_str(&format!("\\x{{{cp:X}}}"));
                                i += used;
                            }
                            None => out.push_str("\\u"),
                        }
                    }
                    'w' | 'd' | 's' | 'W' | 'D' | 'S' => {
                        let name = match e.to_ascii_lowercase() {
                            'w' => "word",
                            'd' => "digit",
                            _ => "space",
                        };
                        let neg = if e.is_ascii_uppercase() { "^" } else { "" };
                        if class_depth > 0 {
                            out.push_str(&format!("[:{neg}{name}:]"));
                        } else {
                            out.push_str(&format!("[[:{neg}{name}:]]"));
                        }
                    }
                    'Q' => {
                        let rest: String = chars[i..].iter().collect();
                        let (quoted, tail) = match rest.find("\\E") {
                            Some(end) => (&rest[..end], end + 2),
                            None => (&rest[..], rest.len()),
                        };
                        out.push_str(&regex::escape(quoted));
                        i += rest[..tail].chars().count();
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                // A leading `]` or `^]` is literal in both dialects; copy it verbatim.
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            // `regex` reads `--` and `~~` inside a class as set operators; Java does not.
            '-' | '~' if class_depth > 0 && chars.get(i + 1) == Some(&c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Reads the hex digits after `\u`: exactly four as Java does, except that five or six
/// digits naming a supplementary code point (U+10000..=U+10FFFF) are taken whole. Surrogate
/// code units (which `regex` cannot name) become U+FFFD.
fn unicode_escape(rest: &[char]) -> (Option<u32>, usize) {
    let hex: String = rest
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    for len in [6, 5] {
        if hex.len() >= len
            && let Ok(cp) = u32::from_str_radix(&hex[..len], 16)
            && (0x10000..=0x10FFFF).contains(&cp)
        {
            return (Some(cp), len);
        }
    }
    if hex.len() < 4 {
        return (None, 0);
    }
    let cp = u32::from_str_radix(&hex[..4], 16).unwrap_or(0xFFFD);
    let cp = if (0xD800..=0xDFFF).contains(&cp) {
        0xFFFD
    } else {
        cp
    };
    (Some(cp), 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Service, model};

    fn m(p: &str) -> Matcher {
        Matcher::compile(p).unwrap_or_else(|| panic!("{p} compiles"))
    }

    #[test]
    fn every_vendored_pattern_compiles() {
        for svc in Service::ALL {
            for shape in model(svc).shapes() {
                if let Some(p) = &shape.pattern {
                    assert!(matcher(shape).is_some(), "{svc:?} {}: {p}", shape.name);
                }
            }
        }
    }

    #[test]
    fn word_class_is_ascii_like_java() {
        let re = m(r"[\w+=,.@-]+");
        assert!(re.is_match("bob.smith@example=1,+-"));
        assert!(!re.is_match("héllo"));
        assert!(!re.is_match("a b"));
        assert!(!re.is_match(""));
        assert!(m(r"\d{12}").is_match("123456789012"));
        assert!(!m(r"\d{12}").is_match("١٢٣٤٥٦٧٨٩٠١٢"));
    }

    #[test]
    fn unicode_escapes_and_supplementary_ranges() {
        let re = m(
            r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+",
        );
        assert!(re.is_match("arn:aws:iam::123456789012:role/x"));
        assert!(re.is_match("emoji 😀"));
        assert!(!re.is_match("bell\u{7}"));
        let path = m(r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)");
        assert!(path.is_match("/"));
        assert!(path.is_match("/division_abc/"));
        assert!(!path.is_match("/a b/"));
    }

    #[test]
    fn unicode_properties_and_escaped_punctuation() {
        let re = m(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");
        assert!(re.is_match("Ünïcode tag: 1/2=+@-"));
        assert!(!re.is_match("semi;colon"));
        assert!(m(r"[\w+=,.@:\/-]*").is_match("a/b:c"));
        assert!(
            m(r"^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*")
                .is_match("o-abcdefghij/r-abcd/ou-x")
        );
    }

    #[test]
    fn lookahead_falls_back_to_fancy_regex() {
        let re = m(r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$");
        assert!(matches!(re, Matcher::Fancy(_)));
        assert!(re.is_match("my-alias"));
        assert!(!re.is_match("my--alias"));
        assert!(!re.is_match("-alias"));
    }

    #[test]
    fn match_is_whole_string() {
        let re = m("[A-Z0-9]+");
        assert!(re.is_match("AKIA123"));
        assert!(!re.is_match("AKIA123 "));
        assert!(!m("v[1-9][0-9]*").is_match("xv1"));
    }
}
