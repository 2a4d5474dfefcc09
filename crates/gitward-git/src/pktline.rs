//! The small part of git's pkt-line protocol gitward handles itself (git's
//! `gitprotocol-common`/`gitprotocol-pack` documents): reading the ref-update commands at the
//! start of a `git-receive-pack` request, so each ref can be authorized before git sees the
//! push, and writing the report-status answer of a push refused as a whole.
//!
//! Pure: the caller feeds bytes as they arrive ([`CommandReader::advance`] answers "complete"
//! or "need more"), no I/O. Packfiles are never parsed here; `git receive-pack` does that.

/// The largest pkt-line, length header included (git's `LARGE_PACKET_MAX`).
pub const MAX_PKT_LEN: usize = 65520;

/// Largest side-band packet with `side-band` (not `-64k`), header included.
const SMALL_SIDEBAND_PKT_LEN: usize = 1000;

/// One pkt-line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    /// `0000`.
    Flush,
    /// `0001` (protocol v2).
    Delim,
    /// `0002` (protocol v2).
    ResponseEnd,
    /// A data line, without its length header.
    Data(&'a [u8]),
}

/// Why bytes are not a valid pkt-line stream or command list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PktError {
    /// The 4-byte length is not hex, is 3 (reserved) or exceeds [`MAX_PKT_LEN`].
    #[error("invalid pkt-line length header {0:?}")]
    BadLength(String),
    /// A command line is not `<old-id> SP <new-id> SP <ref>`.
    #[error("invalid ref update command {0:?}")]
    BadCommand(String),
    /// The request asks for something receive-pack was not offered (a signed push).
    #[error("unsupported push request: {0}")]
    Unsupported(&'static str),
    /// The command section is larger than allowed.
    #[error("the ref update commands exceed {max} bytes")]
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
}

/// Decodes the pkt-line at the start of `buf`: `Ok(Some((packet, bytes used)))`, or
/// `Ok(None)` if `buf` does not hold the whole packet yet.
pub fn decode(buf: &[u8]) -> Result<Option<(Packet<'_>, usize)>, PktError> {
    let Some(head) = buf.get(..4) else {
        return Ok(None);
    };
    let bad = || PktError::BadLength(String::from_utf8_lossy(head).into_owned());
    let text = std::str::from_utf8(head).map_err(|_| bad())?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let len = usize::from_str_radix(text, 16).map_err(|_| bad())?;
    match len {
        0 => Ok(Some((Packet::Flush, 4))),
        1 => Ok(Some((Packet::Delim, 4))),
        2 => Ok(Some((Packet::ResponseEnd, 4))),
        3 => Err(bad()),
        n if n > MAX_PKT_LEN => Err(bad()),
        n => Ok(buf.get(4..n).map(|data| (Packet::Data(data), n))),
    }
}

/// `data` framed as one pkt-line; data longer than a pkt-line allows is cut.
pub fn encode(data: &[u8]) -> Vec<u8> {
    let data = data.get(..MAX_PKT_LEN - 4).unwrap_or(data);
    let mut out = format!("{:04x}", data.len() + 4).into_bytes();
    out.extend_from_slice(data);
    out
}

/// The flush packet.
pub const FLUSH: &[u8] = b"0000";

/// One ref update of a push: `old` and `new` object ids (all zeros for create/delete).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The id the client believes the ref has now.
    pub old: String,
    /// The id the ref should get.
    pub new: String,
    /// The full ref name, e.g. `refs/heads/main`.
    pub name: String,
}

/// The command section of a receive-pack request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commands {
    /// The ref updates, in request order.
    pub updates: Vec<RefUpdate>,
    /// The capabilities the client asked for (after the NUL of the first command).
    pub capabilities: Vec<String>,
    /// Bytes of the request the section occupies, the closing flush included.
    pub len: usize,
}

impl Commands {
    /// Whether the client asked for capability `name` (exactly, or as `name=value`).
    pub fn has(&self, name: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c == name || c.strip_prefix(name).is_some_and(|r| r.starts_with('=')))
    }
}

/// Reads the command section of a receive-pack request incrementally: call
/// [`advance`](Self::advance) with everything received so far until it returns the commands.
/// `shallow <id>` lines before the commands are accepted and skipped.
#[derive(Debug)]
pub struct CommandReader {
    pos: usize,
    max_bytes: usize,
    commands: Commands,
    first: bool,
}

impl CommandReader {
    /// A reader refusing a command section of more than `max_bytes` (the caller limits the
    /// number of updates: it answers a push with too many with a report naming each ref).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            pos: 0,
            max_bytes,
            commands: Commands::default(),
            first: true,
        }
    }

    /// Continues reading `buf` (all bytes received so far, a prefix of the request body).
    /// `Ok(Some(commands))` once the flush closing the list has been read; `Ok(None)` if more
    /// bytes are needed. After an error or completion the reader must not be used again.
    pub fn advance(&mut self, buf: &[u8]) -> Result<Option<Commands>, PktError> {
        loop {
            let rest = buf.get(self.pos..).unwrap_or_default();
            let Some((packet, used)) = decode(rest)? else {
                if buf.len() > self.max_bytes {
                    return Err(PktError::TooLarge {
                        max: self.max_bytes,
                    });
                }
                return Ok(None);
            };
            self.pos += used;
            if self.pos > self.max_bytes {
                return Err(PktError::TooLarge {
                    max: self.max_bytes,
                });
            }
            match packet {
                Packet::Flush => {
                    let mut done = std::mem::take(&mut self.commands);
                    done.len = self.pos;
                    return Ok(Some(done));
                }
                Packet::Delim | Packet::ResponseEnd => {
                    return Err(PktError::BadCommand(
                        "unexpected protocol v2 packet".to_owned(),
                    ));
                }
                Packet::Data(data) => self.line(data)?,
            }
        }
    }

    fn line(&mut self, data: &[u8]) -> Result<(), PktError> {
        let (command, caps) = match data.iter().position(|&b| b == 0) {
            Some(nul) if self.first => (&data[..nul], Some(&data[nul + 1..])),
            Some(_) => {
                return Err(PktError::BadCommand(lossy(data)));
            }
            None => (data, None),
        };
        let command = command.strip_suffix(b"\n").unwrap_or(command);
        if self.first && command.starts_with(b"push-cert") {
            return Err(PktError::Unsupported("signed pushes (push-cert)"));
        }
        if self.first
            && caps.is_none()
            && let Some(id) = command.strip_prefix(b"shallow ")
        {
            if !is_object_id(id) {
                return Err(PktError::BadCommand(lossy(data)));
            }
            return Ok(());
        }
        let update = parse_update(command).ok_or_else(|| PktError::BadCommand(lossy(data)))?;
        if let Some(caps) = caps {
            let caps = caps.strip_suffix(b"\n").unwrap_or(caps);
            self.commands.capabilities = String::from_utf8_lossy(caps)
                .split(' ')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
        }
        self.first = false;
        self.commands.updates.push(update);
        Ok(())
    }
}

fn lossy(data: &[u8]) -> String {
    let shown = data.get(..200).unwrap_or(data);
    String::from_utf8_lossy(shown).replace('\0', "\\0")
}

fn is_object_id(id: &[u8]) -> bool {
    matches!(id.len(), 40 | 64) && id.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn parse_update(line: &[u8]) -> Option<RefUpdate> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let old = parts.next()?;
    let new = parts.next()?;
    let name = parts.next()?;
    if !is_object_id(old) || old.len() != new.len() || !is_object_id(new) || name.is_empty() {
        return None;
    }
    let name = std::str::from_utf8(name).ok()?;
    if name.chars().any(|c| c.is_control() || c == ' ') {
        return None;
    }
    Some(RefUpdate {
        old: String::from_utf8_lossy(old).into_owned(),
        new: String::from_utf8_lossy(new).into_owned(),
        name: name.to_owned(),
    })
}

/// The answer of receive-pack to a push refused as a whole, in the form the client asked
/// for: `unpack ok` and `ng <ref> <reason>` for every ref in `rejected` (report-status /
/// report-status-v2), inside side-band channel 1 if the client asked for `side-band-64k` or
/// `side-band`, preceded by `message` on channel 2 (git prints it as `remote: …`).
pub fn rejection_report(commands: &Commands, rejected: &[(&str, &str)], message: &str) -> Vec<u8> {
    let mut report = Vec::new();
    if commands.has("report-status") || commands.has("report-status-v2") {
        report.extend(encode(b"unpack ok\n"));
        for (name, reason) in rejected {
            let reason = reason.replace(['\n', '\r'], " ");
            report.extend(encode(format!("ng {name} {reason}\n").as_bytes()));
        }
        report.extend_from_slice(FLUSH);
    }
    let max = if commands.has("side-band-64k") {
        MAX_PKT_LEN
    } else if commands.has("side-band") {
        SMALL_SIDEBAND_PKT_LEN
    } else {
        return report;
    };
    let mut out = Vec::new();
    if !message.is_empty() {
        for line in message.lines() {
            sideband(&mut out, 2, format!("{line}\n").as_bytes(), max);
        }
    }
    sideband(&mut out, 1, &report, max);
    out.extend_from_slice(FLUSH);
    out
}

/// Appends `data` on side-band channel `band` in packets of at most `max` bytes.
fn sideband(out: &mut Vec<u8>, band: u8, data: &[u8], max: usize) {
    for chunk in data.chunks(max - 5) {
        out.extend(format!("{:04x}", chunk.len() + 5).into_bytes());
        out.push(band);
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const Z: &str = "0000000000000000000000000000000000000000";
    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";

    fn push_request(lines: &[String]) -> Vec<u8> {
        let mut out = Vec::new();
        for l in lines {
            out.extend(encode(l.as_bytes()));
        }
        out.extend_from_slice(FLUSH);
        out.extend_from_slice(b"PACK\0\0\0\x02rest of the pack");
        out
    }

    #[test]
    fn decode_packets() {
        assert_eq!(decode(b"000"), Ok(None));
        assert_eq!(decode(b"0000rest"), Ok(Some((Packet::Flush, 4))));
        assert_eq!(decode(b"0001"), Ok(Some((Packet::Delim, 4))));
        assert_eq!(decode(b"0002"), Ok(Some((Packet::ResponseEnd, 4))));
        assert_eq!(decode(b"0006ab"), Ok(Some((Packet::Data(b"ab"), 6))));
        assert_eq!(decode(b"0006a"), Ok(None));
        assert!(decode(b"0003").is_err());
        assert!(decode(b"zzzz").is_err());
        assert!(decode(b"fff1").is_err());
        assert!(decode(b"+001").is_err());
        assert_eq!(encode(b"ab"), b"0006ab");
    }

    #[test]
    fn reads_commands_from_git_send_pack() {
        // What git 2.47 sends: first command with NUL + capabilities, no trailing LF.
        let body = push_request(&[
            format!(
                "{Z} {A} refs/heads/main\0 report-status-v2 side-band-64k object-format=sha1 agent=git/2.47.3"
            ),
            format!("{A} {B} refs/heads/feature/x\n"),
            format!("{B} {Z} refs/tags/v1"),
        ]);
        let mut r = CommandReader::new(1 << 20);
        let c = r.advance(&body).expect("valid").expect("complete");
        assert_eq!(c.updates.len(), 3);
        assert_eq!(c.updates[0].name, "refs/heads/main");
        assert_eq!(c.updates[0].old, Z);
        assert_eq!(c.updates[1].name, "refs/heads/feature/x");
        assert_eq!(c.updates[2].new, Z);
        assert!(c.has("report-status-v2"));
        assert!(c.has("side-band-64k"));
        assert!(c.has("object-format"));
        assert!(!c.has("report-status"));
        assert!(body[c.len..].starts_with(b"PACK"));
    }

    #[test]
    fn incremental_reading_needs_more() {
        let body = push_request(&[format!("{Z} {A} refs/heads/main\0report-status")]);
        let mut r = CommandReader::new(1 << 20);
        for end in 0..body.len() {
            if let Some(c) = r.advance(&body[..end]).expect("valid so far") {
                assert_eq!(c.len, end.min(c.len));
                assert!(body[..end].ends_with(FLUSH));
                return;
            }
        }
        panic!("never completed");
    }

    #[test]
    fn shallow_lines_are_skipped() {
        let body = push_request(&[
            format!("shallow {A}"),
            format!("{Z} {B} refs/heads/main\0report-status"),
        ]);
        let c = CommandReader::new(1 << 20)
            .advance(&body)
            .expect("valid")
            .expect("complete");
        assert_eq!(c.updates.len(), 1);
        assert!(c.has("report-status"));
    }

    #[test]
    fn refuses_bad_input() {
        let cases: Vec<Vec<u8>> = vec![
            push_request(&["not a command".to_owned()]),
            push_request(&[format!("{Z} {A}")]),
            push_request(&[format!("{Z} {A} ")]),
            push_request(&[format!("{Z} {} refs/heads/x", &A[..39])]),
            push_request(&[format!("{Z} {A} refs/heads/a b")]),
            push_request(&[format!("{Z} {A} refs/heads/x"), format!("{Z} {A} r\0caps")]),
            push_request(&["push-cert\0caps".to_owned()]),
            b"0001".to_vec(),
            b"00zz".to_vec(),
        ];
        for body in cases {
            let got = CommandReader::new(1 << 20).advance(&body);
            assert!(
                got.is_err(),
                "{:?} → {got:?}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    #[test]
    fn limits_commands_and_size() {
        let lines: Vec<String> = (0..5).map(|i| format!("{Z} {A} refs/heads/b{i}")).collect();
        let body = push_request(&lines);
        let c = CommandReader::new(1 << 20)
            .advance(&body)
            .expect("ok")
            .expect("complete");
        assert_eq!(c.updates.len(), 5);
        assert_eq!(
            CommandReader::new(100).advance(&body),
            Err(PktError::TooLarge { max: 100 })
        );
    }

    #[test]
    fn report_in_side_band() {
        let body = push_request(&[
            format!("{Z} {A} refs/heads/main\0report-status side-band-64k"),
            format!("{Z} {A} refs/heads/dev"),
        ]);
        let c = CommandReader::new(1 << 20)
            .advance(&body)
            .expect("valid")
            .expect("complete");
        let out = rejection_report(
            &c,
            &[
                ("refs/heads/main", "denied"),
                ("refs/heads/dev", "other\nref"),
            ],
            "gitward: refused",
        );
        let mut inner = Vec::new();
        let mut rest = &out[..];
        let mut bands = Vec::new();
        while let Some((p, used)) = decode(rest).expect("valid") {
            rest = &rest[used..];
            match p {
                Packet::Data(d) => {
                    bands.push(d[0]);
                    if d[0] == 1 {
                        inner.extend_from_slice(&d[1..]);
                    }
                }
                Packet::Flush => break,
                _ => panic!("unexpected packet"),
            }
        }
        assert_eq!(bands, [2, 1]);
        assert!(rest.is_empty());
        assert_eq!(
            String::from_utf8(inner).expect("utf8"),
            "000eunpack ok\n001eng refs/heads/main denied\n0020ng refs/heads/dev other ref\n0000"
        );
        let plain = CommandReader::new(1 << 20)
            .advance(&push_request(&[format!(
                "{Z} {A} refs/heads/main\0report-status"
            )]))
            .expect("valid")
            .expect("complete");
        assert_eq!(
            rejection_report(&plain, &[("refs/heads/main", "no")], "ignored"),
            b"000eunpack ok\n001ang refs/heads/main no\n0000"
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode(&data);
            let _ = CommandReader::new(400).advance(&data);
        }

        #[test]
        fn split_feeding_matches_whole(n in 1usize..6, cut in 0usize..400) {
            let lines: Vec<String> = (0..n)
                .map(|i| if i == 0 { format!("{Z} {A} refs/heads/b{i}\0report-status") }
                     else { format!("{A} {B} refs/heads/b{i}") })
                .collect();
            let body = push_request(&lines);
            let whole = CommandReader::new(1 << 20).advance(&body);
            let mut r = CommandReader::new(1 << 20);
            let cut = cut.min(body.len());
            let first = r.advance(&body[..cut]);
            let got = match first {
                Ok(Some(c)) => Ok(Some(c)),
                Ok(None) => r.advance(&body),
                Err(e) => Err(e),
            };
            prop_assert_eq!(got, whole);
        }

        #[test]
        fn garbage_after_valid_prefix_never_panics(
            tail in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut body = encode(format!("{Z} {A} refs/heads/main\0report-status").as_bytes());
            body.extend(tail);
            let mut r = CommandReader::new(1 << 20);
            let _ = r.advance(&body);
        }
    }
}
