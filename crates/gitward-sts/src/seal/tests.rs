//! Tests of `seal`.

use super::*;
use crate::claims::tests::{acct, role_claims};

fn ring() -> SealingKeyring {
    SealingKeyring::new(SealingKey::new(7, [7; 32]))
}

const AKID: &str = "ASIAAAAAAAAAAAAAAAAA";

#[test]
fn roundtrips_with_the_secret() {
    let c = role_claims();
    let t = seal(&c, &ring(), [1; 12]).expect("seal");
    assert!(!t.contains("wJalrXUt"));
    let back = open(&t, AKID, &ring()).expect("open");
    assert_eq!(back, c);
    assert_eq!(
        back.secret_access_key.expose(),
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    );
    assert!(t.len() < 1024, "a typical token stays small: {}", t.len());
}

#[test]
fn every_changed_byte_is_refused() {
    let t = seal(&role_claims(), &ring(), [2; 12]).expect("seal");
    let raw = STANDARD.decode(&t).expect("base64");
    let header_len = 6 + AKID.len();
    for i in 0..raw.len() {
        let mut b = raw.clone();
        b[i] ^= 0x01;
        let r = open(&STANDARD.encode(&b), AKID, &ring());
        if i >= header_len {
            assert_eq!(r, Err(TokenError::Tampered), "byte {i}");
        } else {
            assert!(r.is_err(), "byte {i}");
        }
    }
    // and every changed character of the text
    for i in 0..t.len() {
        let mut s = t.clone().into_bytes();
        s[i] = if s[i] == b'A' { b'B' } else { b'A' };
        let s = String::from_utf8(s).expect("ascii");
        assert!(open(&s, AKID, &ring()).is_err(), "char {i}");
    }
}

#[test]
fn header_changes_give_the_named_errors() {
    let t = seal(&role_claims(), &ring(), [3; 12]).expect("seal");
    let raw = STANDARD.decode(&t).expect("base64");
    let mut b = raw.clone();
    b[0] = 2;
    assert_eq!(
        open(&STANDARD.encode(&b), AKID, &ring()),
        Err(TokenError::Malformed)
    );
    let mut b = raw.clone();
    b[4] = 8; // key id 8: not in the ring
    assert_eq!(
        open(&STANDARD.encode(&b), AKID, &ring()),
        Err(TokenError::UnknownKey { key_id: 8 })
    );
    // re-labelled with a key id the ring does hold: authentication fails
    let mut r2 = ring();
    r2.previous.push(SealingKey::new(8, [7; 32]));
    assert_eq!(
        open(&STANDARD.encode(&b), AKID, &r2),
        Err(TokenError::Tampered)
    );
}

#[test]
fn wrong_key_and_another_servers_key_fail() {
    let t = seal(&role_claims(), &ring(), [4; 12]).expect("seal");
    let other = SealingKeyring::new(SealingKey::new(7, [9; 32]));
    assert_eq!(open(&t, AKID, &other), Err(TokenError::Tampered));
    let other = SealingKeyring::new(SealingKey::new(1, [7; 32]));
    assert_eq!(
        open(&t, AKID, &other),
        Err(TokenError::UnknownKey { key_id: 7 })
    );
}

#[test]
fn rotation_keeps_old_tokens_open() {
    let mut r = ring();
    let old = seal(&role_claims(), &r, [5; 12]).expect("seal");
    r.rotate(SealingKey::new(8, [8; 32]));
    let new = seal(&role_claims(), &r, [5; 12]).expect("seal");
    assert_eq!(STANDARD.decode(&new).expect("b64")[4], 8);
    assert!(open(&old, AKID, &r).is_ok());
    assert!(open(&new, AKID, &r).is_ok());
    // the old key retired: old tokens stop opening, new ones still do
    r.previous.clear();
    assert_eq!(
        open(&old, AKID, &r),
        Err(TokenError::UnknownKey { key_id: 7 })
    );
    assert!(open(&new, AKID, &r).is_ok());
}

#[test]
fn another_access_key_id_is_refused() {
    let t = seal(&role_claims(), &ring(), [6; 12]).expect("seal");
    assert_eq!(
        open(&t, "ASIABBBBBBBBBBBBBBBB", &ring()),
        Err(TokenError::AccessKeyMismatch)
    );
    assert_eq!(open(&t, "", &ring()), Err(TokenError::AccessKeyMismatch));
}

#[test]
fn expiry_is_checked_against_the_given_now() {
    let t = seal(&role_claims(), &ring(), [7; 12]).expect("seal");
    let at = |s| OffsetDateTime::from_unix_timestamp(s).expect("time");
    assert!(open_at(&t, AKID, &ring(), at(1_700_003_599)).is_ok());
    assert_eq!(
        open_at(&t, AKID, &ring(), at(1_700_003_600)),
        Err(TokenError::Expired {
            expired_at: 1_700_003_600
        })
    );
}

#[test]
fn oversized_and_garbage_input_is_malformed() {
    let long = "A".repeat(MAX_TOKEN_LEN + 4);
    assert_eq!(open(&long, AKID, &ring()), Err(TokenError::Malformed));
    assert_eq!(open("", AKID, &ring()), Err(TokenError::Malformed));
    assert_eq!(
        open("not base64!", AKID, &ring()),
        Err(TokenError::Malformed)
    );
    assert_eq!(open("AQAAAAcU", AKID, &ring()), Err(TokenError::Malformed));
}

#[test]
fn minted_credentials_look_like_aws_and_encode_the_account() {
    let (id, secret) = mint_session_credentials(&acct(), [0xa5; SESSION_CREDENTIAL_RANDOM_BYTES]);
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("ASIA"));
    assert_eq!(gitward_core::account_of_access_key_id(&id), Ok(acct()));
    assert_eq!(secret.expose().len(), 40);
}

#[test]
fn sealing_refuses_what_could_not_open() {
    let mut c = role_claims();
    c.access_key_id = String::new();
    assert_eq!(seal(&c, &ring(), [0; 12]), Err(SealError::BadAccessKeyId));
    let mut c = role_claims();
    c.v = 99;
    assert_eq!(seal(&c, &ring(), [0; 12]), Err(SealError::BadVersion(99)));
    let mut c = role_claims();
    // incompressible policy text far over any real limit
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: String = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect();
    c.policy = Some(noise);
    assert!(matches!(
        seal(&c, &ring(), [0; 12]),
        Err(SealError::TooLarge { .. })
    ));
}

#[test]
fn claims_at_the_packed_limit_still_seal_under_the_token_bound() {
    use crate::claims::SessionTag;
    use crate::packed::check_packed_policy_size;
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut noise = |n: usize, lo: u8, span: u64| -> String {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(lo + (x % span) as u8)
            })
            .collect()
    };
    let mut c = role_claims();
    c.kind = crate::claims::SessionKind::AssumedRole {
        role_arn: format!(
            "arn:aws:iam::123456789012:role/{}/{}",
            "p".repeat(500),
            "r".repeat(64)
        ),
        role_id: "AROA3XFRBF535PLBIFPI4".into(),
        role_name: "r".repeat(64),
        session_name: "s".repeat(64),
    };
    c.source_identity = Some("i".repeat(64));
    // printable ASCII noise: the least compressible valid policy text
    c.policy = Some(noise(2048, b' ', 95));
    c.policy_arns = (0..10)
        .map(|i| format!("arn:aws:iam::123456789012:policy/session-policy-{i}"))
        .collect();
    c.tags.clear();
    c.transitive_tag_keys.clear();
    loop {
        let mut more = c.tags.clone();
        more.push(SessionTag::new(
            format!("k{}{}", more.len(), noise(10, b'a', 26)),
            noise(40, b'a', 26),
        ));
        if more.len() > 50
            || check_packed_policy_size(c.policy.as_deref(), &c.policy_arns, &more, &[]).is_err()
        {
            break;
        }
        c.tags = more;
    }
    let pct =
        check_packed_policy_size(c.policy.as_deref(), &c.policy_arns, &c.tags, &[]).expect("fits");
    assert!(pct > 90, "{pct}");
    let t = seal(&c, &ring(), [8; 12]).expect("seal");
    assert!(
        t.len() < MAX_TOKEN_LEN / 2,
        "token of {} characters",
        t.len()
    );
    assert_eq!(open(&t, AKID, &ring()).expect("open"), c);
}

proptest::proptest! {
    #[test]
    fn open_never_panics(s in ".{0,600}", akid in "[A-Z0-9]{0,24}") {
        let _ = open(&s, &akid, &ring());
    }

    #[test]
    fn open_never_panics_on_base64(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
        let _ = open(&STANDARD.encode(&bytes), AKID, &ring());
    }

    #[test]
    fn open_never_panics_on_mutated_tokens(i in 0usize..400, x in 1u8..=255) {
        let t = seal(&role_claims(), &ring(), [9; 12]).expect("seal");
        let mut raw = STANDARD.decode(&t).expect("b64");
        let i = i % raw.len();
        raw[i] ^= x;
        proptest::prop_assert!(open(&STANDARD.encode(&raw), AKID, &ring()).is_err());
    }
}

/// A token sealed around `payload_json` exactly as before the deflate state was reused (a
/// fresh `DeflateEncoder` per token), or with the payload given raw as `deflated`.
fn seal_raw(secret: &str, deflated: &[u8]) -> String {
    let r = ring();
    let mut plain = vec![u8::try_from(secret.len()).expect("short")];
    plain.extend_from_slice(secret.as_bytes());
    plain.extend_from_slice(deflated);
    let mut out = header(r.current.id, AKID);
    let ct = Aes256Gcm::new((&r.current.key).into())
        .encrypt(
            Nonce::from_slice(&[5; 12]),
            Payload {
                msg: &plain,
                aad: &out,
            },
        )
        .expect("encrypt");
    out.extend_from_slice(&[5; 12]);
    out.extend_from_slice(&ct);
    STANDARD.encode(&out)
}

fn old_deflate(json: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(json).expect("write");
    enc.finish().expect("finish")
}

#[test]
fn tokens_sealed_with_a_fresh_encoder_still_open() {
    let c = role_claims();
    let json = serde_json::to_vec(&c).expect("json");
    let t = seal_raw(c.secret_access_key.expose(), &old_deflate(&json));
    assert_eq!(open(&t, AKID, &ring()).expect("open"), c);
    // and the reused state gives a stream the old decoder reads back
    let mut fresh = Vec::new();
    deflate_into(&json, &mut fresh).expect("deflate");
    let mut back = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::DeflateDecoder::new(fresh.as_slice()),
        &mut back,
    )
    .expect("inflate");
    assert_eq!(back, json);
}

#[test]
fn reused_states_give_the_same_answers_token_after_token() {
    let c = role_claims();
    let first = seal(&c, &ring(), [1; 12]).expect("seal");
    for _ in 0..3 {
        assert_eq!(seal(&c, &ring(), [1; 12]).expect("seal"), first);
        assert_eq!(open(&first, AKID, &ring()).expect("open"), c);
    }
    // A failed open in between leaves the states usable.
    let secret = c.secret_access_key.expose().to_owned();
    let json = serde_json::to_vec(&c).expect("json");
    let whole = old_deflate(&json);
    let truncated = seal_raw(&secret, &whole[..whole.len() / 2]);
    assert_eq!(open(&truncated, AKID, &ring()), Err(TokenError::Malformed));
    assert_eq!(open(&first, AKID, &ring()).expect("open"), c);
}

#[test]
fn payloads_inflating_past_the_bound_are_malformed() {
    let bomb = old_deflate(&vec![
        b' ';
        usize::try_from(MAX_CLAIMS_JSON).expect("fits") + 1
    ]);
    assert!(bomb.len() < 2048, "{}", bomb.len());
    let t = seal_raw("secret", &bomb);
    assert_eq!(open(&t, AKID, &ring()), Err(TokenError::Malformed));
    let not_deflate = seal_raw("secret", &[0xff; 40]);
    assert_eq!(
        open(&not_deflate, AKID, &ring()),
        Err(TokenError::Malformed)
    );
}

#[test]
fn small_claims_are_stored_and_large_ones_compressed() {
    use crate::claims::tests::role_claims;
    let mut small = role_claims();
    small.policy = None;
    small.policy_arns.clear();
    small.tags.clear();
    let json = serde_json::to_vec(&small).expect("json");
    assert!(json.len() <= STORED_MAX, "{}", json.len());
    let t = seal(&small, &ring(), [4; 12]).expect("seal");
    assert_eq!(open(&t, AKID, &ring()).expect("open"), small);
    // The stored block is what an ordinary raw-deflate decoder reads back.
    let mut block = Vec::new();
    stored_block(&json, &mut block);
    let mut back = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::DeflateDecoder::new(block.as_slice()),
        &mut back,
    )
    .expect("inflate");
    assert_eq!(back, json);
    assert!(
        t.len() < 1024,
        "a plain session's token stays small: {}",
        t.len()
    );

    let big = role_claims();
    assert!(serde_json::to_vec(&big).expect("json").len() > STORED_MAX);
    let t = seal(&big, &ring(), [4; 12]).expect("seal");
    assert_eq!(open(&t, AKID, &ring()).expect("open"), big);
}
