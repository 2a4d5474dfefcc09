//! Compiled string patterns: literals, `*`/`?` wildcards and `${…}` policy variables.
//!
//! A pattern is compiled once when the policy is parsed; matching walks the tokens against
//! the request text without allocating. Variables are looked up in the [`RequestContext`]
//! while matching; an unresolvable variable (no such single-valued key, no default) makes
//! the whole pattern match nothing (FACTS §6.3).

use crate::context::RequestContext;

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Literal text (already lowercased when the pattern is case-insensitive).
    Lit(Box<str>),
    /// `*`: any run of characters, including none.
    Star,
    /// `?`: exactly one character.
    One,
    /// `${key}` or `${key, 'default'}`.
    Var(Variable),
}

/// A policy variable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variable {
    /// Context key, lowercased (keys are case-insensitive).
    key: Box<str>,
    /// Value used when the key is absent.
    default: Option<Box<str>>,
}

/// How a pattern's text is read when compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (otherwise literal characters).
    pub wildcards: bool,
    /// `${…}` are variables (only with Version 2012-10-17 and where AWS allows them).
    pub variables: bool,
    /// Compare case-insensitively (literals are stored lowercased).
    pub fold_case: bool,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    repr: Repr,
    fold_case: bool,
}

/// The pattern's tokens, in the cheapest form that can hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// Exactly `*`: matches everything.
    Any,
    /// No wildcard or variable: plain comparison.
    Literal(Box<str>),
    /// Anything else.
    General {
        tokens: Box<[Token]>,
        /// Whether any token is a variable (which must resolve before matching).
        has_vars: bool,
    },
}

impl Pattern {
    /// Compiles `text` under `syntax`.
    pub(crate) fn compile(text: &str, syntax: Syntax) -> Self {
        let mut tokens: Vec<Token> = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some(end) = rest.find('}')
            {
                let inner = &rest[2..end];
                rest = &rest[end + 1..];
                match inner {
                    "*" | "?" | "$" => lit.push_str(inner),
                    _ => {
                        flush(&mut tokens, &mut lit, syntax.fold_case);
                        tokens.push(Token::Var(parse_variable(inner)));
                    }
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut tokens, &mut lit, syntax.fold_case);
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' if syntax.wildcards => {
                    flush(&mut tokens, &mut lit, syntax.fold_case);
                    tokens.push(Token::One);
                }
                _ => lit.push(c),
            }
        }
        flush(&mut tokens, &mut lit, syntax.fold_case);
        let repr = match tokens.as_slice() {
            [] => Repr::Literal("".into()),
            [Token::Star] => Repr::Any,
            [Token::Lit(lit)] => Repr::Literal(lit.clone()),
            _ => Repr::General {
                has_vars: tokens.iter().any(|t| matches!(t, Token::Var(_))),
                tokens: tokens.into_boxed_slice(),
            },
        };
        Self {
            repr,
            fold_case: syntax.fold_case,
        }
    }

    /// Matches `text`; with `fold_case`, case-insensitively.
    pub(crate) fn matches(&self, text: &str, ctx: &RequestContext) -> bool {
        match &self.repr {
            Repr::Any => true,
            Repr::Literal(lit) => {
                if self.fold_case {
                    literal_prefix(lit, text, true) == Some(text.len())
                } else {
                    **lit == *text
                }
            }
            Repr::General { tokens, has_vars } => {
                let resolvable = !has_vars
                    || tokens.iter().all(|t| match t {
                        Token::Var(v) => v.resolve(ctx).is_some(),
                        _ => true,
                    });
                resolvable && self.walk(tokens, text, ctx)
            }
        }
    }

    /// Glob walk with single-point backtracking to the last `*` (classic wildcard
    /// matching: every non-star token has a fixed length in characters, so retrying from
    /// one character further after the last star is complete).
    fn walk(&self, tokens: &[Token], text: &str, ctx: &RequestContext) -> bool {
        let (mut ti, mut pos) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        loop {
            if let Some(token) = tokens.get(ti) {
                let advanced = match token {
                    Token::Star => {
                        star = Some((ti + 1, pos));
                        ti += 1;
                        continue;
                    }
                    Token::One => text[pos..].chars().next().map(char::len_utf8),
                    Token::Lit(lit) => literal_prefix(lit, &text[pos..], self.fold_case),
                    Token::Var(var) => var
                        .resolve(ctx)
                        .and_then(|value| literal_prefix(value, &text[pos..], self.fold_case)),
                };
                if let Some(n) = advanced {
                    pos += n;
                    ti += 1;
                    continue;
                }
            } else if pos == text.len() {
                return true;
            }
            // Mismatch: let the last `*` swallow one more character and retry.
            match star {
                Some((after, from)) => match text[from..].chars().next() {
                    Some(c) => {
                        let next = from + c.len_utf8();
                        star = Some((after, next));
                        ti = after;
                        pos = next;
                    }
                    None => return false,
                },
                None => return false,
            }
        }
    }
}

impl Variable {
    /// The value the variable stands for in this request, if any.
    fn resolve<'c>(&'c self, ctx: &'c RequestContext) -> Option<&'c str> {
        ctx.single_lower(&self.key).or(self.default.as_deref())
    }
}

/// Parses the inside of `${…}`: `key` or `key, 'default'`.
fn parse_variable(inner: &str) -> Variable {
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let default = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(default);
            (key, Some(default.into()))
        }
        None => (inner, None),
    };
    Variable {
        key: key.trim().to_lowercase().into(),
        default,
    }
}

fn flush(tokens: &mut Vec<Token>, lit: &mut String, fold_case: bool) {
    if !lit.is_empty() {
        tokens.push(Token::Lit(fold(lit, fold_case).into()));
        lit.clear();
    }
}

fn fold(s: &str, fold_case: bool) -> String {
    if fold_case {
        s.to_lowercase()
    } else {
        s.to_owned()
    }
}

/// If `text` starts with `lit`, the number of bytes of `text` it covers.
/// With `fold_case`, `lit` is lowercase and `text` is compared char by char, lowercased.
fn literal_prefix(lit: &str, text: &str, fold_case: bool) -> Option<usize> {
    if !fold_case {
        return text.starts_with(lit).then_some(lit.len());
    }
    if lit.is_ascii() {
        // ASCII fast path (one byte for one byte); non-ASCII text (e.g. KELVIN SIGN, which
        // lowercases to `k`) takes the slow path below.
        let head = text.as_bytes().get(..lit.len())?;
        if head.is_ascii() {
            return head
                .eq_ignore_ascii_case(lit.as_bytes())
                .then_some(lit.len());
        }
    }
    let mut covered = 0;
    let mut text_chars = text.chars();
    for want in lit.chars() {
        let got = text_chars.next()?;
        if got != want && !got.to_lowercase().eq(want.to_lowercase()) {
            return None;
        }
        covered += got.len_utf8();
    }
    Some(covered)
}

/// Matches `text` against a pattern where `*` is any run of characters and `?` exactly one
/// character, every other character literal (no variables, case-sensitive). Allocation-free.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                b'?' if ti < t.len() => {
                    ti += utf8_len(t[ti]);
                    pi += 1;
                    continue;
                }
                b if ti < t.len() && t[ti] == b => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        } else if ti == t.len() {
            return true;
        }
        match star {
            Some((after, from)) if from < t.len() => {
                let next = from + utf8_len(t[from]);
                star = Some((after, next));
                pi = after;
                ti = next;
            }
            _ => return false,
        }
    }
}

/// Length of the UTF-8 sequence starting with `lead`.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Case-insensitive equality (char by char, Unicode lowercase), without allocating.
pub(crate) fn eq_fold(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
        || a.chars().count() == b.chars().count()
            && a.chars()
                .zip(b.chars())
                .all(|(x, y)| x == y || x.to_lowercase().eq(y.to_lowercase()))
}

/// Splits `text` at its first five colons that are not inside `${…}`; missing trailing
/// parts are `None`.
pub(crate) fn split_arn(text: &str) -> [Option<&str>; 6] {
    let mut parts: [Option<&str>; 6] = [None; 6];
    let mut start = 0;
    let mut index = 0;
    let mut depth = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && index < 5 {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => depth = true,
            b'}' => depth = false,
            b':' if !depth => {
                parts[index] = Some(&text[start..i]);
                index += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts[index] = Some(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOB: Syntax = Syntax {
        wildcards: true,
        variables: true,
        fold_case: false,
    };

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern, GLOB).matches(text, &RequestContext::new("s:a", "*"))
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("a*c", "abbbc"));
        assert!(m("a*c", "ac"));
        assert!(!m("a*c", "abcd"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*/test/*", "B/1/2/test/3/x"));
        assert!(m("é?", "éü"));
        assert!(m("a*b*c*d", "aXbYcZd"));
        assert!(!m("a*b*c*d", "aXbYcZ"));
        assert!(m("Repo", "Repo"));
        assert!(!m("Repo", "repo"));
    }

    #[test]
    fn plain_wildcards() {
        for (p, t, want) in [
            ("codecommit:get*", "codecommit:getrepository", true),
            ("codecommit:get*", "codecommit:gitpush", false),
            ("*", "", true),
            ("iam:*accesskey*", "iam:createaccesskey", true),
            ("iam:*accesskey*", "iam:createaccesskeys", true),
            ("iam:*accesskey", "iam:createaccesskeys", false),
            ("s3:get?bject", "s3:getobject", true),
            ("a?c", "aéc", true),
            ("a*?", "aé", true),
            ("", "a", false),
        ] {
            assert_eq!(wildcard_match(p, t), want, "{p} {t}");
        }
    }

    #[test]
    fn escapes_are_literal() {
        assert!(m("a${*}b", "a*b"));
        assert!(!m("a${*}b", "axb"));
        assert!(m("${?}${$}", "?$"));
    }

    #[test]
    fn variables_and_defaults() {
        let mut ctx = RequestContext::new("s:a", "*");
        ctx.set("aws:username", "alice");
        let p = Pattern::compile("home/${aws:UserName}/*", GLOB);
        assert!(p.matches("home/alice/x", &ctx));
        assert!(!p.matches("home/bob/x", &ctx));
        let d = Pattern::compile("team/${aws:PrincipalTag/team, 'all'}", GLOB);
        assert!(d.matches("team/all", &ctx));
        let u = Pattern::compile("team/${aws:PrincipalTag/team}", GLOB);
        assert!(!u.matches("team/", &ctx));
        assert!(!u.matches("team/${aws:PrincipalTag/team}", &ctx));
    }

    #[test]
    fn fold_case() {
        let p = Pattern::compile(
            "CodeCommit:Get*",
            Syntax {
                wildcards: true,
                variables: false,
                fold_case: true,
            },
        );
        let ctx = RequestContext::new("s:a", "*");
        assert!(p.matches("codecommit:getrepository", &ctx));
        assert!(p.matches("CODECOMMIT:GETREPOSITORY", &ctx));
        assert!(eq_fold("ÄbC", "äBc"));
        assert!(!eq_fold("abc", "abd"));
    }

    #[test]
    fn arn_split() {
        assert_eq!(
            split_arn("arn:aws:s3:::b/c:d"),
            [
                Some("arn"),
                Some("aws"),
                Some("s3"),
                Some(""),
                Some(""),
                Some("b/c:d")
            ]
        );
        assert_eq!(split_arn("arn:aws")[2], None);
        assert_eq!(
            split_arn("arn:aws:iam::${aws:PrincipalAccount}:role/x")[4],
            Some("${aws:PrincipalAccount}")
        );
    }
}
