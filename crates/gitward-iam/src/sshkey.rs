//! SSH public keys as IAM's UploadSSHPublicKey takes them (FACTS §2.5): the OpenSSH one-line
//! form (`ssh-rsa AAAA… comment`) or PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo;
//! `-----BEGIN RSA PUBLIC KEY-----`, PKCS #1). RSA keys of at least 2048 bits, Ed25519 and
//! ECDSA (NIST P-256/384/521). Pure: parsing, the canonical SSH wire form, the MD5
//! fingerprint IAM shows, and PEM for `GetSSHPublicKey --encoding PEM`.

use data_encoding::BASE64;
use md5::{Digest as _, Md5};

/// The shortest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// The longest RSA modulus accepted, in bits (OpenSSH's limit).
pub const MAX_RSA_BITS: usize = 16384;

/// Why a key body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshKeyError {
    /// Neither the OpenSSH form nor PEM, or a key type gitward does not take
    /// (`UnrecognizedPublicKeyEncoding`).
    #[error("{0}")]
    UnrecognizedEncoding(String),
    /// The recognised form holds a malformed or too weak key (`InvalidPublicKey`).
    #[error("{0}")]
    Invalid(String),
}

fn invalid(why: &str) -> SshKeyError {
    SshKeyError::Invalid(format!("The public key is not valid: {why}."))
}

/// An ECDSA curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    fn ssh_name(self) -> &'static str {
        match self {
            Self::P256 => "nistp256",
            Self::P384 => "nistp384",
            Self::P521 => "nistp521",
        }
    }

    fn from_ssh_name(s: &[u8]) -> Option<Self> {
        match s {
            b"nistp256" => Some(Self::P256),
            b"nistp384" => Some(Self::P384),
            b"nistp521" => Some(Self::P521),
            _ => None,
        }
    }

    /// The DER body of the curve's object identifier.
    fn oid(self) -> &'static [u8] {
        match self {
            Self::P256 => &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
            Self::P384 => &[0x2b, 0x81, 0x04, 0x00, 0x22],
            Self::P521 => &[0x2b, 0x81, 0x04, 0x00, 0x23],
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        [Self::P256, Self::P384, Self::P521]
            .into_iter()
            .find(|c| c.oid() == oid)
    }

    /// Bytes of one coordinate.
    fn field_bytes(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
            Self::P521 => 66,
        }
    }

    fn bits(self) -> usize {
        match self {
            Self::P256 => 256,
            Self::P384 => 384,
            Self::P521 => 521,
        }
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// The key material.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Material {
    /// Modulus and public exponent, big-endian without leading zeros.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ed25519([u8; 32]),
    /// The uncompressed SEC1 point.
    Ecdsa {
        curve: Curve,
        point: Vec<u8>,
    },
}

/// A valid SSH public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKeyData {
    material: Material,
}

impl SshPublicKeyData {
    /// Parses a key body as UploadSSHPublicKey receives it.
    pub fn parse(body: &str) -> Result<Self, SshKeyError> {
        let body = body.trim();
        if body.starts_with("-----BEGIN ") {
            return Self::parse_pem(body);
        }
        let mut words = body.split_whitespace();
        let (Some(kind), Some(encoded)) = (words.next(), words.next()) else {
            return Err(unrecognized());
        };
        if !is_ssh_type(kind) {
            return Err(unrecognized());
        }
        let blob = BASE64
            .decode(encoded.as_bytes())
            .map_err(|_| invalid("the key data is not valid base64"))?;
        let key = Self::from_blob(&blob)?;
        if key.algorithm() != kind {
            return Err(invalid("the key type does not match the key data"));
        }
        Ok(key)
    }

    /// Parses the SSH wire form of a public key (RFC 4253 §6.6, RFC 5656, RFC 8709).
    pub fn from_blob(blob: &[u8]) -> Result<Self, SshKeyError> {
        let mut r = Reader(blob);
        let kind = r.string()?;
        let material = match kind {
            b"ssh-rsa" => {
                let e = r.mpint()?;
                let n = r.mpint()?;
                Material::Rsa { n, e }
            }
            b"ssh-ed25519" => {
                let k = r.string()?;
                let k: [u8; 32] = k
                    .try_into()
                    .map_err(|_| invalid("an Ed25519 key has 32 bytes"))?;
                Material::Ed25519(k)
            }
            _ => {
                let curve = kind
                    .strip_prefix(b"ecdsa-sha2-")
                    .and_then(Curve::from_ssh_name)
                    .ok_or_else(unrecognized)?;
                let name = r.string()?;
                if Curve::from_ssh_name(name) != Some(curve) {
                    return Err(invalid("the curve does not match the key type"));
                }
                Material::Ecdsa {
                    curve,
                    point: r.string()?.to_vec(),
                }
            }
        };
        if !r.0.is_empty() {
            return Err(invalid("unexpected data after the key"));
        }
        Self::checked(material)
    }

    fn checked(material: Material) -> Result<Self, SshKeyError> {
        match &material {
            Material::Rsa { n, e } => {
                let bits = bit_length(n);
                if bits < MIN_RSA_BITS {
                    return Err(invalid(&format!(
                        "an RSA key must have at least {MIN_RSA_BITS} bits, this one has {bits}"
                    )));
                }
                if bits > MAX_RSA_BITS {
                    return Err(invalid(&format!(
                        "an RSA key may have at most {MAX_RSA_BITS} bits"
                    )));
                }
                let odd = n.last().is_some_and(|b| b & 1 == 1);
                let e_ok = e.last().is_some_and(|b| b & 1 == 1) && bit_length(e) > 1;
                if !odd || !e_ok || e.len() > 8 {
                    return Err(invalid("the RSA modulus or exponent is malformed"));
                }
            }
            Material::Ed25519(_) => {}
            Material::Ecdsa { curve, point } => {
                if point.len() != 1 + 2 * curve.field_bytes() || point.first() != Some(&0x04) {
                    return Err(invalid("an ECDSA key must be an uncompressed curve point"));
                }
            }
        }
        Ok(Self { material })
    }

    fn parse_pem(body: &str) -> Result<Self, SshKeyError> {
        let mut lines = body.lines().map(str::trim).filter(|l| !l.is_empty());
        let begin = lines.next().unwrap_or_default();
        let label = begin
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
            .ok_or_else(unrecognized)?;
        let mut encoded = String::new();
        let mut ended = false;
        for line in lines.by_ref() {
            if line == format!("-----END {label}-----") {
                ended = true;
                break;
            }
            if line.contains(':') {
                return Err(unrecognized());
            }
            encoded.push_str(line);
        }
        if !ended || lines.next().is_some() {
            return Err(invalid("the PEM block is not terminated"));
        }
        let der = BASE64
            .decode(encoded.as_bytes())
            .map_err(|_| invalid("the PEM block is not valid base64"))?;
        match label {
            "PUBLIC KEY" => Self::from_spki(&der),
            "RSA PUBLIC KEY" => Self::from_pkcs1(&der),
            _ => Err(unrecognized()),
        }
    }

    /// SubjectPublicKeyInfo (RFC 5280 §4.1, RFC 5480, RFC 8410).
    fn from_spki(der: &[u8]) -> Result<Self, SshKeyError> {
        let spki = Der(der).only(TAG_SEQUENCE)?;
        let mut parts = Der(spki);
        let mut alg = Der(parts.next(TAG_SEQUENCE)?);
        let bits = parts.next(TAG_BIT_STRING)?;
        parts.end()?;
        let key = match bits.split_first() {
            Some((0, key)) => key,
            _ => return Err(invalid("the key bit string is malformed")),
        };
        let oid = alg.next(TAG_OID)?;
        if oid == OID_RSA {
            // Parameters: NULL (or absent).
            if !alg.0.is_empty() {
                alg.next(TAG_NULL)?;
                alg.end()?;
            }
            Self::from_pkcs1(key)
        } else if oid == OID_ED25519 {
            alg.end()?;
            let k: [u8; 32] = key
                .try_into()
                .map_err(|_| invalid("an Ed25519 key has 32 bytes"))?;
            Self::checked(Material::Ed25519(k))
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = Curve::from_oid(alg.next(TAG_OID)?).ok_or_else(|| {
                SshKeyError::UnrecognizedEncoding(
                    "The public key encoding format is unsupported or unrecognized: only the NIST P-256, P-384 and P-521 curves are supported.".into(),
                )
            })?;
            alg.end()?;
            Self::checked(Material::Ecdsa {
                curve,
                point: key.to_vec(),
            })
        } else {
            Err(unrecognized())
        }
    }

    /// PKCS #1 RSAPublicKey (RFC 8017 §A.1.1).
    fn from_pkcs1(der: &[u8]) -> Result<Self, SshKeyError> {
        let mut seq = Der(Der(der).only(TAG_SEQUENCE)?);
        let n = unsigned(seq.next(TAG_INTEGER)?)?;
        let e = unsigned(seq.next(TAG_INTEGER)?)?;
        seq.end()?;
        Self::checked(Material::Rsa { n, e })
    }

    /// The SSH key type: `ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-nistp256`, ….
    pub fn algorithm(&self) -> &'static str {
        match &self.material {
            Material::Rsa { .. } => "ssh-rsa",
            Material::Ed25519(_) => "ssh-ed25519",
            Material::Ecdsa { curve, .. } => match curve {
                Curve::P256 => "ecdsa-sha2-nistp256",
                Curve::P384 => "ecdsa-sha2-nistp384",
                Curve::P521 => "ecdsa-sha2-nistp521",
            },
        }
    }

    /// The key size in bits.
    pub fn bits(&self) -> usize {
        match &self.material {
            Material::Rsa { n, .. } => bit_length(n),
            Material::Ed25519(_) => 256,
            Material::Ecdsa { curve, .. } => curve.bits(),
        }
    }

    /// The canonical SSH wire form (what a client presents when it signs in).
    pub fn blob(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_string(&mut out, self.algorithm().as_bytes());
        match &self.material {
            Material::Rsa { n, e } => {
                put_string(&mut out, &mpint(e));
                put_string(&mut out, &mpint(n));
            }
            Material::Ed25519(k) => put_string(&mut out, k),
            Material::Ecdsa { curve, point } => {
                put_string(&mut out, curve.ssh_name().as_bytes());
                put_string(&mut out, point);
            }
        }
        out
    }

    /// `TYPE BASE64`: the OpenSSH form (`GetSSHPublicKey --encoding SSH`).
    pub fn openssh(&self) -> String {
        format!("{} {}", self.algorithm(), BASE64.encode(&self.blob()))
    }

    /// The fingerprint IAM shows: MD5 of the wire form, colon-separated hex
    /// (`c7:ec:…`, 47 characters).
    pub fn fingerprint(&self) -> String {
        let digest = Md5::digest(self.blob());
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// PEM SubjectPublicKeyInfo (`GetSSHPublicKey --encoding PEM`), lines of 64 characters.
    pub fn pem(&self) -> String {
        let (alg, key) = match &self.material {
            Material::Rsa { n, e } => {
                let mut ints = der_tlv(TAG_INTEGER, &mpint(n));
                ints.extend(der_tlv(TAG_INTEGER, &mpint(e)));
                let mut alg = der_tlv(TAG_OID, OID_RSA);
                alg.extend(der_tlv(TAG_NULL, &[]));
                (alg, der_tlv(TAG_SEQUENCE, &ints))
            }
            Material::Ed25519(k) => (der_tlv(TAG_OID, OID_ED25519), k.to_vec()),
            Material::Ecdsa { curve, point } => {
                let mut alg = der_tlv(TAG_OID, OID_EC_PUBLIC_KEY);
                alg.extend(der_tlv(TAG_OID, curve.oid()));
                (alg, point.clone())
            }
        };
        let mut bits = vec![0u8];
        bits.extend(key);
        let mut body = der_tlv(TAG_SEQUENCE, &alg);
        body.extend(der_tlv(TAG_BIT_STRING, &bits));
        let der = der_tlv(TAG_SEQUENCE, &body);
        let b64 = BASE64.encode(&der);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }
}

fn unrecognized() -> SshKeyError {
    SshKeyError::UnrecognizedEncoding(
        "The public key encoding format is unsupported or unrecognized: use the OpenSSH form (ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521) or PEM.".into(),
    )
}

fn is_ssh_type(kind: &str) -> bool {
    matches!(
        kind,
        "ssh-rsa"
            | "ssh-ed25519"
            | "ecdsa-sha2-nistp256"
            | "ecdsa-sha2-nistp384"
            | "ecdsa-sha2-nistp521"
    )
}

fn bit_length(n: &[u8]) -> usize {
    let n = strip_zeros(n);
    match n.first() {
        None => 0,
        Some(b) => n.len() * 8 - b.leading_zeros() as usize,
    }
}

fn strip_zeros(n: &[u8]) -> &[u8] {
    let start = n.iter().position(|b| *b != 0).unwrap_or(n.len());
    &n[start..]
}

/// The two's-complement form of a non-negative integer (SSH mpint, DER INTEGER contents).
fn mpint(n: &[u8]) -> Vec<u8> {
    let n = strip_zeros(n);
    let mut out = Vec::with_capacity(n.len() + 1);
    if n.first().is_some_and(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(n);
    out
}

/// A non-negative DER INTEGER's magnitude.
fn unsigned(contents: &[u8]) -> Result<Vec<u8>, SshKeyError> {
    if contents.first().is_none_or(|b| b & 0x80 != 0) {
        return Err(invalid("an RSA integer is negative or empty"));
    }
    Ok(strip_zeros(contents).to_vec())
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s);
}

/// Reads SSH wire strings.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn string(&mut self) -> Result<&'a [u8], SshKeyError> {
        let truncated = || invalid("the key data is truncated");
        let (len, rest) = self.0.split_first_chunk::<4>().ok_or_else(truncated)?;
        let len = usize::try_from(u32::from_be_bytes(*len)).map_err(|_| truncated())?;
        if len > rest.len() {
            return Err(truncated());
        }
        let (s, rest) = rest.split_at(len);
        self.0 = rest;
        Ok(s)
    }

    fn mpint(&mut self) -> Result<Vec<u8>, SshKeyError> {
        let s = self.string()?;
        if s.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(invalid("an RSA integer is negative"));
        }
        Ok(strip_zeros(s).to_vec())
    }
}

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// Reads DER elements (definite lengths only).
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn next(&mut self, tag: u8) -> Result<&'a [u8], SshKeyError> {
        let bad = || invalid("the DER structure is malformed");
        let (&t, rest) = self.0.split_first().ok_or_else(bad)?;
        if t != tag {
            return Err(bad());
        }
        let (&first, mut rest) = rest.split_first().ok_or_else(bad)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 3 || rest.len() < count {
                return Err(bad());
            }
            let (bytes, after) = rest.split_at(count);
            rest = after;
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 || bytes[0] == 0 {
                // Not the shortest form.
                return Err(bad());
            }
            len
        };
        if len > rest.len() {
            return Err(bad());
        }
        let (contents, after) = rest.split_at(len);
        self.0 = after;
        Ok(contents)
    }

    fn end(&self) -> Result<(), SshKeyError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(invalid("unexpected data in the DER structure"))
        }
    }

    /// The contents of the single element of `tag` that is the whole input.
    fn only(mut self, tag: u8) -> Result<&'a [u8], SshKeyError> {
        let contents = self.next(tag)?;
        self.end()?;
        Ok(contents)
    }
}

fn der_tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        let used = &bytes[skip..];
        out.push(0x80 | u8::try_from(used.len()).unwrap_or(0));
        out.extend_from_slice(used);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Generated with `ssh-keygen`; fingerprints from `ssh-keygen -l -E md5`, PEM from
    // `ssh-keygen -e -m PKCS8` / `-m PEM` (test material only).
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILHFpPR3cZ6xMd2wxtN4vOpyEHa93Omj5E/8el/vli8E test@example";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCt+0Oe7kG0O6POMPRitdhP9Peepe3vLnZHJOIgMAmWiBmiPXF0F/QenR/ybqt8PQKRist+760Krf8N+wumfOyZLQ94wKUGu3coFikM4ci3Lh96wkb7F+QdUkEqAJMXGfCHoKLEJcfpoa4KdsKnyGKRFMw56jAl9USTBZ/NYcsHW3fLndFAcqNAt9IrdqfuN0gq1j4VflF43x4TB3O0Qc0SlyaOhBab/GDM5yz5fDMEXSjoef54SrfQSDwhtJqaUdCsYflPoIMgjCnEOHBNSIsD+WDV0NlYrdLF+r3ZB43yqq5XQeMu7t5ixB0AG+Sy67BaWHB4n88JsMMQsDFJdmjv root@vm";
    const RSA_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArftDnu5BtDujzjD0YrXY
T/T3nqXt7y52RyTiIDAJlogZoj1xdBf0Hp0f8m6rfD0CkYrLfu+tCq3/DfsLpnzs
mS0PeMClBrt3KBYpDOHIty4fesJG+xfkHVJBKgCTFxnwh6CixCXH6aGuCnbCp8hi
kRTMOeowJfVEkwWfzWHLB1t3y53RQHKjQLfSK3an7jdIKtY+FX5ReN8eEwdztEHN
EpcmjoQWm/xgzOcs+XwzBF0o6Hn+eEq30Eg8IbSamlHQrGH5T6CDIIwpxDhwTUiL
A/lg1dDZWK3Sxfq92QeN8qquV0HjLu7eYsQdABvksuuwWlhweJ/PCbDDELAxSXZo
7wIDAQAB
-----END PUBLIC KEY-----
";
    const RSA_PKCS1: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEArftDnu5BtDujzjD0YrXYT/T3nqXt7y52RyTiIDAJlogZoj1xdBf0
Hp0f8m6rfD0CkYrLfu+tCq3/DfsLpnzsmS0PeMClBrt3KBYpDOHIty4fesJG+xfk
HVJBKgCTFxnwh6CixCXH6aGuCnbCp8hikRTMOeowJfVEkwWfzWHLB1t3y53RQHKj
QLfSK3an7jdIKtY+FX5ReN8eEwdztEHNEpcmjoQWm/xgzOcs+XwzBF0o6Hn+eEq3
0Eg8IbSamlHQrGH5T6CDIIwpxDhwTUiLA/lg1dDZWK3Sxfq92QeN8qquV0HjLu7e
YsQdABvksuuwWlhweJ/PCbDDELAxSXZo7wIDAQAB
-----END RSA PUBLIC KEY-----";

    #[test]
    fn real_keys_match_openssh() {
        let ed = SshPublicKeyData::parse(ED25519).expect("ed25519");
        assert_eq!(
            ed.fingerprint(),
            "52:96:de:ad:0e:ee:ff:53:b2:6b:12:c3:2d:d8:58:e6"
        );
        let rsa = SshPublicKeyData::parse(RSA).expect("rsa");
        assert_eq!(rsa.bits(), 2048);
        assert_eq!(
            rsa.fingerprint(),
            "c8:4e:40:02:ae:63:d9:bf:20:58:6a:ee:2a:8d:d1:2d"
        );
        assert_eq!(rsa.pem(), RSA_SPKI);
        assert_eq!(SshPublicKeyData::parse(RSA_SPKI), Ok(rsa.clone()));
        assert_eq!(SshPublicKeyData::parse(RSA_PKCS1), Ok(rsa.clone()));
        assert_eq!(
            Some(rsa.openssh().as_str()),
            RSA.rsplit_once(' ').map(|(a, _)| a)
        );
    }

    fn rsa_key(bits: usize) -> SshPublicKeyData {
        let mut n = vec![0xc5u8; bits / 8];
        if let Some(last) = n.last_mut() {
            *last |= 1;
        }
        SshPublicKeyData::checked(Material::Rsa {
            n,
            e: vec![1, 0, 1],
        })
        .expect("valid rsa")
    }

    #[test]
    fn openssh_ed25519_round_trips() {
        let k = SshPublicKeyData::parse(ED25519).expect("parse");
        assert_eq!(k.algorithm(), "ssh-ed25519");
        assert_eq!(k.bits(), 256);
        assert_eq!(
            k.openssh(),
            ED25519.rsplit_once(' ').map(|(a, _)| a).unwrap_or_default()
        );
        assert_eq!(SshPublicKeyData::from_blob(&k.blob()), Ok(k.clone()));
        let fp = k.fingerprint();
        assert_eq!(fp.len(), 47);
        assert_eq!(fp.matches(':').count(), 15);
        let pem = k.pem();
        assert!(
            pem.starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"),
            "{pem}"
        );
        assert_eq!(SshPublicKeyData::parse(&pem), Ok(k));
    }

    #[test]
    fn rsa_round_trips_through_every_form() {
        let k = rsa_key(2048);
        assert_eq!(k.bits(), 2048);
        assert_eq!(SshPublicKeyData::parse(&k.openssh()), Ok(k.clone()));
        assert_eq!(SshPublicKeyData::parse(&k.pem()), Ok(k.clone()));
        // PKCS #1 form.
        let Material::Rsa { n, e } = &k.material else {
            panic!("rsa")
        };
        let mut ints = der_tlv(TAG_INTEGER, &mpint(n));
        ints.extend(der_tlv(TAG_INTEGER, &mpint(e)));
        let der = der_tlv(TAG_SEQUENCE, &ints);
        let pem = format!(
            "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
            BASE64.encode(&der)
        );
        assert_eq!(SshPublicKeyData::parse(&pem), Ok(k));
    }

    #[test]
    fn ecdsa_round_trips() {
        let mut point = vec![4u8];
        point.extend([7u8; 64]);
        let k = SshPublicKeyData::checked(Material::Ecdsa {
            curve: Curve::P256,
            point,
        })
        .expect("valid");
        assert_eq!(k.algorithm(), "ecdsa-sha2-nistp256");
        assert_eq!(SshPublicKeyData::parse(&k.openssh()), Ok(k.clone()));
        assert_eq!(SshPublicKeyData::parse(&k.pem()), Ok(k));
    }

    #[test]
    fn refusals() {
        let weak = SshPublicKeyData::checked(Material::Rsa {
            n: vec![0xc5; 128],
            e: vec![3],
        });
        assert!(matches!(weak, Err(SshKeyError::Invalid(m)) if m.contains("2048")));
        for body in [
            "",
            "hello",
            "ssh-dss AAAA",
            "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----",
        ] {
            assert!(
                matches!(
                    SshPublicKeyData::parse(body),
                    Err(SshKeyError::UnrecognizedEncoding(_))
                ),
                "{body:?}"
            );
        }
        let k = rsa_key(2048).openssh();
        for body in [
            "ssh-rsa !!!!".to_owned(),
            "ssh-rsa AAAA".to_owned(),
            k.replacen("ssh-rsa", "ssh-ed25519", 1),
            format!("{}AAAA", &k[..k.len() - 4]),
            "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----".to_owned(),
            "-----BEGIN PUBLIC KEY-----\nMAA=".to_owned(),
        ] {
            assert!(
                matches!(SshPublicKeyData::parse(&body), Err(SshKeyError::Invalid(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_tlv(4, &[0; 3])[..2], [4, 3]);
        assert_eq!(der_tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(der_tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
        assert_eq!(
            Der(&der_tlv(4, &[9; 300])).only(4).map(<[u8]>::len),
            Ok(300)
        );
    }
}
