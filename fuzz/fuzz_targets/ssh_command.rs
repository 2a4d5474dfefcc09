//! The command of an SSH exec request (`git-upload-pack '/v1/repos/NAME'`): the parser must
//! never panic, and whatever it accepts names one of the two services and a repository
//! name without a slash or control characters.
#![no_main]

use gitward_git::parse_ssh_command;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = parse_ssh_command(data) {
        assert!(!c.repository.is_empty());
        assert!(!c.repository.contains('/'));
        assert!(!c.repository.chars().any(char::is_control));
        assert!(c.repository.len() <= data.len());
    }
});
