//! Virtual MFA: RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits), checked with a ±1
//! step window and single use, plus the seed, `otpauth://` URI and QR code PNG that
//! `CreateVirtualMFADevice` returns (FACTS §3.6).
//!
//! Time comes in as `now`; the caller stores the last step a device accepted and passes it
//! back, so a code (or an older one) cannot be used twice.

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// Seconds per TOTP step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps either side of the current one that [`verify`] accepts.
pub const WINDOW_STEPS: u64 = 1;
/// Bytes of a virtual MFA seed (gives AWS's 64-character Base32 seed).
pub const SEED_BYTES: usize = 40;

/// AWS's `AccessDenied` text for a wrong or reused code (FACTS §3.6).
pub const MFA_INVALID_CODE_MESSAGE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code.";
/// AWS's `AccessDenied` text for an unknown or foreign serial number (two spaces, as AWS).
pub const MFA_UNKNOWN_SERIAL_MESSAGE: &str = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.";

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// The code is not six ASCII digits.
    #[error("the code is not six digits")]
    Format,
    /// The code matches no step in the window.
    #[error("the code is not valid now")]
    Invalid,
    /// The code matches a step at or before the last one used.
    #[error("the code was already used")]
    Reused,
    /// The Base32 seed does not decode.
    #[error("the seed is not Base32")]
    BadSeed,
    /// The text does not fit in a QR code.
    #[error("the text is too long for a QR code")]
    QrTooLong,
}

/// HOTP (RFC 4226) value of `secret` at `counter`, truncated to `digits` digits (at most 9).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC takes keys of any length; this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[19] & 0x0f);
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    bin % 10u32.pow(digits.min(9))
}

/// The TOTP step containing `now` (unix time / 30; 0 before 1970).
pub fn step_at(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp().div_euclid(STEP_SECONDS)).unwrap_or(0)
}

/// The 6-digit code of `step`, zero-padded.
pub fn code_at_step(secret: &[u8], step: u64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, step, DIGITS),
        width = DIGITS as usize
    )
}

fn six_digits(code: &str) -> Result<(), TotpError> {
    if code.len() == DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(TotpError::Format)
    }
}

fn matches(secret: &[u8], code: &str, step: u64) -> bool {
    code_at_step(secret, step)
        .as_bytes()
        .ct_eq(code.as_bytes())
        .into()
}

/// Checks `code` at `now` within ±1 step. Returns the step it matched, which the caller
/// stores as the device's last used step; a code whose step is at or before
/// `last_used_step` is [`TotpError::Reused`].
pub fn verify(
    secret: &[u8],
    code: &str,
    now: OffsetDateTime,
    last_used_step: Option<u64>,
) -> Result<u64, TotpError> {
    six_digits(code)?;
    let cur = step_at(now);
    let mut reused = false;
    for step in cur.saturating_sub(WINDOW_STEPS)..=cur + WINDOW_STEPS {
        if matches(secret, code, step) {
            if last_used_step.is_some_and(|last| step <= last) {
                reused = true;
                continue;
            }
            return Ok(step);
        }
    }
    Err(if reused {
        TotpError::Reused
    } else {
        TotpError::Invalid
    })
}

/// Checks two consecutive codes (`EnableMFADevice`, `ResyncMFADevice`): `code1` at some
/// step `s` and `code2` at `s + 1`, with `s + 1` within `window` steps of `now`'s step
/// (1 for enabling; a resync may pass a wider window). Returns `s + 1`, the last used step.
pub fn verify_consecutive(
    secret: &[u8],
    code1: &str,
    code2: &str,
    now: OffsetDateTime,
    window: u64,
) -> Result<u64, TotpError> {
    six_digits(code1)?;
    six_digits(code2)?;
    let cur = step_at(now);
    for second in cur.saturating_sub(window).max(1)..=cur + window {
        if matches(secret, code2, second) && matches(secret, code1, second - 1) {
            return Ok(second);
        }
    }
    Err(TotpError::Invalid)
}

/// `EnableMFADevice`'s check: [`verify_consecutive`] with a ±1 step window.
pub fn verify_enable(
    secret: &[u8],
    code1: &str,
    code2: &str,
    now: OffsetDateTime,
) -> Result<u64, TotpError> {
    verify_consecutive(secret, code1, code2, now, WINDOW_STEPS)
}

/// A virtual MFA seed from fresh random bytes, as AWS's 64-character Base32 text
/// (`Base32StringSeed`, RFC 4648 alphabet, no padding).
pub fn seed_base32(random: [u8; SEED_BYTES]) -> String {
    BASE32_NOPAD.encode(&random)
}

/// The seed bytes of a Base32 seed (as stored or shown), ignoring padding and case.
pub fn decode_seed(base32: &str) -> Result<Vec<u8>, TotpError> {
    let clean: String = base32
        .trim_end_matches('=')
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    BASE32_NOPAD
        .decode(clean.as_bytes())
        .map_err(|_| TotpError::BadSeed)
}

fn uri_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text the QR code encodes, in AWS's documented form
/// `otpauth://totp/$virtualMFADeviceName@$AccountName?secret=$Base32String`, where the
/// account name is the user name if the device is assigned, else the account id.
pub fn otpauth_uri(device_name: &str, account_name: &str, seed_base32: &str) -> String {
    format!(
        "otpauth://totp/{}@{}?secret={}",
        uri_escape(device_name),
        uri_escape(account_name),
        seed_base32
    )
}

/// A black-on-white PNG of the QR code of `text` (4 pixels per module, 4-module quiet
/// zone, 8-bit grayscale), written without an image library.
pub fn qr_png(text: &str) -> Result<Vec<u8>, TotpError> {
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| TotpError::QrTooLong)?;
    let w = code.width();
    let colors = code.to_colors();
    let px = (w + 2 * QUIET) * SCALE;
    let mut raw = Vec::with_capacity(px * (px + 1));
    for y in 0..px {
        raw.push(0); // filter: none
        for x in 0..px {
            let (mx, my) = (x / SCALE, y / SCALE);
            let dark = mx >= QUIET
                && my >= QUIET
                && mx < QUIET + w
                && my < QUIET + w
                && colors[(my - QUIET) * w + (mx - QUIET)] == qrcode::Color::Dark;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let side = u32::try_from(px).map_err(|_| TotpError::QrTooLong)?;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit, grayscale, deflate, no filter, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &raw).map_err(|_| TotpError::QrTooLong)?;
    let idat = z.finish().map_err(|_| TotpError::QrTooLong)?;
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    Ok(png)
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    png.extend_from_slice(&len.to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA1 seed is the ASCII "12345678901234567890".
    const RFC_SEED: &[u8] = b"12345678901234567890";

    fn at(t: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(t).expect("valid time")
    }

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let vectors: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (t, eight) in vectors {
            let step = step_at(at(t));
            assert_eq!(format!("{:08}", hotp(RFC_SEED, step, 8)), eight, "T={t}");
            assert_eq!(code_at_step(RFC_SEED, step), &eight[2..], "T={t}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let expected = [755224, 287082, 359152, 969429, 338314];
        for (c, e) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SEED, c as u64, 6), *e);
        }
    }

    #[test]
    fn window_and_single_use() {
        let now = at(1_234_567_890);
        let cur = step_at(now);
        let code = code_at_step(RFC_SEED, cur);
        assert_eq!(verify(RFC_SEED, &code, now, None), Ok(cur));
        assert_eq!(
            verify(RFC_SEED, &code, now, Some(cur)),
            Err(TotpError::Reused)
        );
        let prev = code_at_step(RFC_SEED, cur - 1);
        assert_eq!(verify(RFC_SEED, &prev, now, Some(cur - 2)), Ok(cur - 1));
        assert_eq!(
            verify(RFC_SEED, &prev, now, Some(cur)),
            Err(TotpError::Reused)
        );
        let next = code_at_step(RFC_SEED, cur + 1);
        assert_eq!(verify(RFC_SEED, &next, now, Some(cur)), Ok(cur + 1));
        let old = code_at_step(RFC_SEED, cur - 2);
        assert_eq!(verify(RFC_SEED, &old, now, None), Err(TotpError::Invalid));
        assert_eq!(verify(RFC_SEED, "12345", now, None), Err(TotpError::Format));
        assert_eq!(
            verify(RFC_SEED, "12345a", now, None),
            Err(TotpError::Format)
        );
    }

    #[test]
    fn enabling_needs_two_consecutive_codes() {
        let now = at(1_700_000_000);
        let cur = step_at(now);
        let c = |s| code_at_step(RFC_SEED, s);
        assert_eq!(verify_enable(RFC_SEED, &c(cur - 1), &c(cur), now), Ok(cur));
        assert_eq!(
            verify_enable(RFC_SEED, &c(cur), &c(cur + 1), now),
            Ok(cur + 1)
        );
        assert_eq!(
            verify_enable(RFC_SEED, &c(cur - 2), &c(cur - 1), now),
            Ok(cur - 1)
        );
        assert_eq!(
            verify_enable(RFC_SEED, &c(cur), &c(cur), now),
            Err(TotpError::Invalid)
        );
        assert_eq!(
            verify_enable(RFC_SEED, &c(cur - 1), &c(cur + 1), now),
            Err(TotpError::Invalid)
        );
        assert_eq!(
            verify_enable(RFC_SEED, &c(cur - 10), &c(cur - 9), now),
            Err(TotpError::Invalid)
        );
        assert_eq!(
            verify_consecutive(RFC_SEED, &c(cur - 10), &c(cur - 9), now, 10),
            Ok(cur - 9)
        );
    }

    #[test]
    fn seed_uri_and_qr() {
        let seed = seed_base32([0x42; SEED_BYTES]);
        assert_eq!(seed.len(), 64);
        assert_eq!(decode_seed(&seed), Ok(vec![0x42; SEED_BYTES]));
        assert_eq!(
            decode_seed(&seed.to_lowercase()),
            Ok(vec![0x42; SEED_BYTES])
        );
        assert_eq!(decode_seed("not base32!"), Err(TotpError::BadSeed));
        let uri = otpauth_uri("maria phone", "maria", &seed);
        assert_eq!(
            uri,
            format!("otpauth://totp/maria%20phone@maria?secret={seed}")
        );

        let png = qr_png(&uri).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let side = u32::from_be_bytes([png[16], png[17], png[18], png[19]]) as usize;
        assert_eq!(side % 4, 0);
        let idat_len = u32::from_be_bytes([png[33], png[34], png[35], png[36]]) as usize;
        assert_eq!(&png[37..41], b"IDAT");
        let mut raw = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::ZlibDecoder::new(&png[41..41 + idat_len]),
            &mut raw,
        )
        .expect("zlib");
        assert_eq!(raw.len(), side * (side + 1));
        assert!(png.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]));
        assert_eq!(qr_png(&"x".repeat(10_000)), Err(TotpError::QrTooLong));
    }
}
