//! The HTTP `Authorization: Basic …` header of Git over HTTPS: the parser must never panic,
//! and what it accepts has a non-empty user without `:` (the first `:` splits).
#![no_main]

use gitward_git::parse_basic_auth;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((user, _password)) = parse_basic_auth(data) {
        assert!(!user.is_empty());
        assert!(!user.contains(':'));
    }
});
