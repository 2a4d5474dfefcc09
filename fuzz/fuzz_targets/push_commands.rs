//! The ref-update commands gitward reads from a push before git sees it: the pkt-line reader
//! must never panic, whatever the bytes and however they are split.
#![no_main]

use gitward_git::pktline::{CommandReader, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(1, |b| usize::from(*b).max(1));
    let mut reader = CommandReader::new(64 * 1024);
    let mut seen = Vec::new();
    for chunk in data.chunks(split) {
        seen.extend_from_slice(chunk);
        match reader.advance(&seen) {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) => {}
        }
    }
    let mut rest = data;
    while let Ok(Some((_, used))) = decode(rest) {
        if used == 0 || used > rest.len() {
            break;
        }
        rest = &rest[used..];
    }
});
