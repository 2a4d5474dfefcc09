//! SSH public key bodies as UploadSSHPublicKey takes them (OpenSSH form, PEM) and SSH wire
//! blobs as clients present them: never a panic; an accepted key round-trips through its
//! wire form, its OpenSSH form and its PEM form.
#![no_main]

use gitward_iam::sshkey::SshPublicKeyData;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = match std::str::from_utf8(data) {
        Ok(text) => SshPublicKeyData::parse(text),
        Err(_) => SshPublicKeyData::from_blob(data),
    };
    if let Ok(key) = parsed {
        assert_eq!(SshPublicKeyData::from_blob(&key.blob()).as_ref(), Ok(&key));
        assert_eq!(SshPublicKeyData::parse(&key.openssh()).as_ref(), Ok(&key));
        assert_eq!(SshPublicKeyData::parse(&key.pem()).as_ref(), Ok(&key));
        assert_eq!(key.fingerprint().len(), 47);
    }
});
