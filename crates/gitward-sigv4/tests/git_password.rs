//! The CodeCommit git password: the test vectors of `FACTS.md` §2.1 and the verifier.

use gitward_core::Secret;
use gitward_sigv4::git_password::{self, GitPasswordError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const PATH: &str = "/v1/repos/MyDemoRepo";
const TIMESTAMP: &str = "20150830T123600";
const SIGNED_AT: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);

const AWS_HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
const PW_AWS_HOST: &str =
    "20150830T123600Z088fec8c788f892e6cb940f22a736b224a5a5de18925fa5f02413a1bb215c389";
const PW_LOCALHOST: &str =
    "20150830T123600Z073c6522052709de3318c956452075214fa44b2407e1b52f2525aac43cebd3e8";
const PW_LOCALHOST_PORT: &str =
    "20150830T123600Z3e02f58b517124336db4a874522dae7fc5d67df8f2a798fdd69622be9de7603b";

fn secret() -> Secret {
    Secret::new(SECRET)
}

#[test]
fn facts_vectors_are_reproduced_byte_for_byte() {
    let s = secret();
    assert_eq!(
        git_password::compute(&s, TIMESTAMP, REGION, AWS_HOST, PATH),
        PW_AWS_HOST
    );
    assert_eq!(
        git_password::compute(&s, TIMESTAMP, REGION, "localhost", PATH),
        PW_LOCALHOST
    );
    assert_eq!(
        git_password::compute(&s, TIMESTAMP, REGION, "localhost:8443", PATH),
        PW_LOCALHOST_PORT
    );
    assert_eq!(PW_AWS_HOST.len(), git_password::PASSWORD_LEN);
}

#[test]
fn facts_string_to_sign() {
    assert_eq!(
        git_password::string_to_sign(TIMESTAMP, REGION, AWS_HOST, PATH),
        "AWS4-HMAC-SHA256\n20150830T123600\n20150830/us-east-1/codecommit/aws4_request\n956504f984c57eae87a4d346014b4f0ecfc62a9cc354b2434e0408ec253be706"
    );
}

#[test]
fn parse_splits_the_password() {
    let (t, ts, sig) = git_password::parse(PW_AWS_HOST).expect("parses");
    assert_eq!(t, SIGNED_AT);
    assert_eq!(ts, TIMESTAMP);
    assert_eq!(sig, &PW_AWS_HOST[16..]);

    let upper = format!("{}{}", &PW_AWS_HOST[..16], PW_AWS_HOST[16..].to_uppercase());
    let non_ascii = format!("{}é{}", &PW_AWS_HOST[..15], &PW_AWS_HOST[17..]);
    for bad in [
        "",
        "hunter2",
        &PW_AWS_HOST[..79],
        &format!("{PW_AWS_HOST}0"),
        &PW_AWS_HOST.replacen('Z', "X", 1),
        &PW_AWS_HOST.replacen("0830", "0832", 1),
        &upper,
        &non_ascii,
    ] {
        assert_eq!(git_password::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn verify_tries_every_host_variant() {
    let s = secret();
    let hosts = ["localhost", "localhost:8443"];
    for pw in [PW_LOCALHOST, PW_LOCALHOST_PORT] {
        git_password::verify(pw, &s, REGION, &hosts, PATH, SIGNED_AT).expect("a variant matches");
    }
    git_password::verify(PW_AWS_HOST, &s, REGION, &[AWS_HOST], PATH, SIGNED_AT).expect("aws host");
    assert_eq!(
        git_password::verify(
            PW_LOCALHOST_PORT,
            &s,
            REGION,
            &["localhost"],
            PATH,
            SIGNED_AT
        ),
        Err(GitPasswordError::SignatureMismatch)
    );
    assert_eq!(
        git_password::verify(PW_LOCALHOST, &s, REGION, &[], PATH, SIGNED_AT),
        Err(GitPasswordError::SignatureMismatch)
    );
}

#[test]
fn verify_window_is_fifteen_minutes_either_way() {
    let s = secret();
    let hosts = [AWS_HOST];
    let ok = |now| git_password::verify(PW_AWS_HOST, &s, REGION, &hosts, PATH, now);
    ok(SIGNED_AT + Duration::minutes(15)).expect("15 min late");
    ok(SIGNED_AT - Duration::minutes(15)).expect("15 min early");

    let e =
        ok(SIGNED_AT + Duration::minutes(15) + Duration::seconds(1)).expect_err("must be refused");
    assert_eq!(
        e,
        GitPasswordError::Expired {
            signed: "2015-08-30T12:36:00Z".to_owned(),
            now: "2015-08-30T12:51:01Z".to_owned()
        }
    );
    assert_eq!(
        e.to_string(),
        "the password expired: it was signed at 2015-08-30T12:36:00Z, more than 15 minutes before the server time 2015-08-30T12:51:01Z; ask the credential helper for a new one"
    );
    let e =
        ok(SIGNED_AT - Duration::minutes(15) - Duration::seconds(1)).expect_err("must be refused");
    assert!(matches!(e, GitPasswordError::NotYetValid { .. }), "{e:?}");
}

#[test]
fn verify_refuses_tampering() {
    let s = secret();
    let hosts = [AWS_HOST];
    let check = |pw: &str, secret: &Secret, region: &str, path: &str| {
        git_password::verify(pw, secret, region, &hosts, path, SIGNED_AT)
    };
    // Every signature character matters.
    for i in 16..80 {
        let mut bytes = PW_AWS_HOST.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(bytes).expect("ascii");
        assert_eq!(
            check(&tampered, &s, REGION, PATH),
            Err(GitPasswordError::SignatureMismatch),
            "position {i}"
        );
    }
    // Another time inside the window, the same signature.
    let shifted = PW_AWS_HOST.replacen("123600Z", "123601Z", 1);
    assert_eq!(
        check(&shifted, &s, REGION, PATH),
        Err(GitPasswordError::SignatureMismatch)
    );
    assert_eq!(
        check(PW_AWS_HOST, &s, "eu-west-1", PATH),
        Err(GitPasswordError::SignatureMismatch)
    );
    assert_eq!(
        check(PW_AWS_HOST, &s, REGION, "/v1/repos/Other"),
        Err(GitPasswordError::SignatureMismatch)
    );
    let wrong = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ");
    let e = check(PW_AWS_HOST, &wrong, REGION, PATH).expect_err("must be refused");
    assert_eq!(e, GitPasswordError::SignatureMismatch);
    assert!(
        !e.to_string().contains("EXAMPLEKE"),
        "no secret in messages"
    );
    assert_eq!(
        check("hunter2", &s, REGION, PATH),
        Err(GitPasswordError::Malformed)
    );
}
