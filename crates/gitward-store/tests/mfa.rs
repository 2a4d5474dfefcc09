//! Virtual MFA devices through the IAM service on the SQLite store, with a fixed clock:
//! enabling, the ±1 step window, single use, resync drift, and the conflicts.

use gitward_core::{AccountId, FixedClock};
use gitward_iam::{IamError, IamService, MfaRefusal};
use gitward_store::{Db, MasterKey};
use gitward_sts::totp;
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

struct Fx {
    svc: IamService,
    clock: Arc<FixedClock>,
    acct: AccountId,
}

impl Fx {
    fn new() -> Self {
        let db = Arc::new(Db::open_in_memory(MasterKey::from_bytes([1; 32])).expect("db"));
        let clock = Arc::new(FixedClock::new(T0));
        let svc = IamService::new(db, clock.clone());
        let (account, _) = svc.create_account().expect("account");
        svc.create_user(&account.id, "maria", None, None, &[])
            .expect("user");
        Self {
            svc,
            clock,
            acct: account.id,
        }
    }

    /// A new device: (serial, seed bytes).
    fn device(&self, name: &str) -> (String, Vec<u8>) {
        let d = self
            .svc
            .create_virtual_mfa_device(&self.acct, name, None, &[])
            .expect("create");
        let seed = totp::decode_seed(d.seed_base32.expose()).expect("seed");
        (d.device.serial(), seed)
    }

    fn at_step_offset(&self, steps: i64) {
        self.clock.set(T0 + Duration::seconds(30 * steps));
    }
}

fn code(seed: &[u8], step: u64) -> String {
    totp::code_at_step(seed, step)
}

#[test]
fn enable_window_single_use_and_resync() {
    let fx = Fx::new();
    let (serial, seed) = fx.device("phone");
    assert!(serial.ends_with(":mfa/phone"));
    let t = totp::step_at(T0);
    let svc = &fx.svc;
    let a = &fx.acct;

    // Enabling: two consecutive codes around now; anything else is InvalidAuthenticationCode.
    for (c1, c2) in [(t, t), (t - 1, t + 1), (t + 5, t + 6)] {
        assert!(matches!(
            svc.enable_mfa_device(a, "maria", &serial, &code(&seed, c1), &code(&seed, c2)),
            Err(IamError::InvalidAuthenticationCode(_))
        ));
    }
    svc.enable_mfa_device(a, "maria", &serial, &code(&seed, t - 1), &code(&seed, t))
        .expect("enable");
    assert!(matches!(
        svc.enable_mfa_device(a, "Maria", &serial, &code(&seed, t), &code(&seed, t + 1)),
        Err(IamError::EntityAlreadyExists(_))
    ));

    let check = |c: &str| svc.check_mfa_code(a, "MARIA", &serial, c).expect("check");
    // The enabling codes are spent; the next step works once; two steps ahead is outside.
    assert_eq!(check(&code(&seed, t)), Err(MfaRefusal::InvalidCode));
    assert_eq!(check(&code(&seed, t + 2)), Err(MfaRefusal::InvalidCode));
    assert_eq!(check(&code(&seed, t + 1)), Ok(T0));
    assert_eq!(check(&code(&seed, t + 1)), Err(MfaRefusal::InvalidCode));
    assert_eq!(check("12345"), Err(MfaRefusal::InvalidCode));
    // Another user, or another serial: unknown.
    assert_eq!(
        svc.check_mfa_code(a, "someone", &serial, &code(&seed, t + 2))
            .expect("check"),
        Err(MfaRefusal::UnknownSerial)
    );
    assert_eq!(
        svc.check_mfa_code(a, "maria", &format!("{serial}x"), &code(&seed, t + 2))
            .expect("check"),
        Err(MfaRefusal::UnknownSerial)
    );

    // Later, a code of the step before now is still good (−1), older is not.
    fx.at_step_offset(10);
    assert_eq!(check(&code(&seed, t + 8)), Err(MfaRefusal::InvalidCode));
    assert!(check(&code(&seed, t + 9)).is_ok());

    // The device's clock runs 5 steps ahead: a resync finds it and later codes follow it.
    fx.at_step_offset(20);
    assert_eq!(check(&code(&seed, t + 25)), Err(MfaRefusal::InvalidCode));
    assert!(matches!(
        svc.resync_mfa_device(
            a,
            "maria",
            &serial,
            &code(&seed, t + 40),
            &code(&seed, t + 41)
        ),
        Err(IamError::InvalidAuthenticationCode(_))
    ));
    svc.resync_mfa_device(
        a,
        "maria",
        &serial,
        &code(&seed, t + 24),
        &code(&seed, t + 25),
    )
    .expect("resync");
    fx.at_step_offset(21);
    assert!(check(&code(&seed, t + 26)).is_ok());
}

#[test]
fn wrong_codes_in_a_row_lock_the_device_for_a_while() {
    let fx = Fx::new();
    let (svc, a) = (&fx.svc, &fx.acct);
    let t = totp::step_at(T0);
    let (serial, seed) = fx.device("phone");
    svc.enable_mfa_device(a, "maria", &serial, &code(&seed, t - 1), &code(&seed, t))
        .expect("enable");
    let check = |c: &str| svc.check_mfa_code(a, "maria", &serial, c).expect("check");
    // Wrong codes short of the limit, then a right one: accepted, and the count starts over.
    for _ in 1..gitward_iam::MFA_MAX_FAILURES {
        assert_eq!(check(&code(&seed, t + 7)), Err(MfaRefusal::InvalidCode));
    }
    assert!(check(&code(&seed, t + 1)).is_ok());
    for _ in 0..gitward_iam::MFA_MAX_FAILURES {
        assert_eq!(check(&code(&seed, t + 7)), Err(MfaRefusal::InvalidCode));
    }
    // Locked: even the right code is refused until the lockout has passed.
    fx.at_step_offset(2);
    assert_eq!(check(&code(&seed, t + 2)), Err(MfaRefusal::InvalidCode));
    fx.clock
        .set(T0 + Duration::seconds(gitward_iam::MFA_LOCKOUT_SECONDS + 30));
    let now = totp::step_at(gitward_core::Clock::now(fx.clock.as_ref()));
    assert!(check(&code(&seed, now)).is_ok());
}

#[test]
fn assignment_limits_and_conflicts() {
    let fx = Fx::new();
    let (svc, a) = (&fx.svc, &fx.acct);
    let t = totp::step_at(T0);
    let (serial, seed) = fx.device("first");
    assert!(matches!(
        svc.create_virtual_mfa_device(a, "FIRST", None, &[]),
        Err(IamError::EntityAlreadyExists(_))
    ));
    svc.enable_mfa_device(a, "maria", &serial, &code(&seed, t - 1), &code(&seed, t))
        .expect("enable");
    assert!(matches!(
        svc.delete_virtual_mfa_device(a, &serial),
        Err(IamError::DeleteConflict(_))
    ));
    match svc.delete_user(a, "maria") {
        Err(IamError::DeleteConflict(m)) => {
            assert_eq!(m, "Cannot delete entity, must delete MFA device first.")
        }
        other => panic!("{other:?}"),
    }
    for i in 2..=8 {
        let (s, sd) = fx.device(&format!("d{i}"));
        svc.enable_mfa_device(a, "maria", &s, &code(&sd, t - 1), &code(&sd, t))
            .expect("enable");
    }
    let (ninth, s9) = fx.device("ninth");
    assert!(matches!(
        svc.enable_mfa_device(a, "maria", &ninth, &code(&s9, t - 1), &code(&s9, t)),
        Err(IamError::LimitExceeded(_))
    ));
    let (_, page) = svc.list_mfa_devices(a, "maria", None, None).expect("list");
    assert_eq!(page.items.len(), 8);
    let unassigned = svc
        .list_virtual_mfa_devices(a, Some("Unassigned"), None, None)
        .expect("list");
    assert_eq!(unassigned.items.len(), 1);
    assert!(unassigned.items[0].1.is_none());
    let assigned = svc
        .list_virtual_mfa_devices(a, Some("Assigned"), None, None)
        .expect("list");
    assert!(
        assigned
            .items
            .iter()
            .all(|(_, u)| u.as_ref().is_some_and(|u| u.name == "maria"))
    );

    // Deactivated: it keeps its spent steps, so the old codes cannot enable it again.
    svc.deactivate_mfa_device(a, "maria", &serial)
        .expect("deactivate");
    assert!(matches!(
        svc.deactivate_mfa_device(a, "maria", &serial),
        Err(IamError::NoSuchEntity(_))
    ));
    assert!(matches!(
        svc.enable_mfa_device(a, "maria", &serial, &code(&seed, t - 1), &code(&seed, t)),
        Err(IamError::InvalidAuthenticationCode(_))
    ));
    svc.delete_virtual_mfa_device(a, &serial).expect("delete");
    assert!(matches!(
        svc.delete_virtual_mfa_device(a, &serial),
        Err(IamError::NoSuchEntity(_))
    ));
}
