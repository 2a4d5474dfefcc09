//! The SigV4 `Authorization` header, query string and path as they arrive: parsing and
//! canonicalisation must never panic.
#![no_main]

use gitward_sigv4::HttpRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let auth = parts.next().unwrap_or_default().to_owned();
    let query = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or("/").to_owned();
    let headers = vec![
        ("authorization".to_owned(), auth),
        ("host".to_owned(), "127.0.0.1:8443".to_owned()),
        ("x-amz-date".to_owned(), "20261122T000000Z".to_owned()),
    ];
    let req = HttpRequest {
        method: "POST",
        path: &path,
        query: &query,
        headers: &headers,
        payload_sha256_hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    };
    if let Ok(parsed) = gitward_sigv4::parse(&req) {
        let _ = gitward_sigv4::canonical_request(&req, &parsed);
        let _ = gitward_sigv4::check_scope(&parsed, "iam", None);
    }
    let _ = gitward_sigv4::git_password::parse(&text);
});
