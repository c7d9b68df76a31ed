use super::*;

const DAY: u64 = 86_400;
const VERIFY_FOR: u64 = 10 * DAY;
const T0: u64 = 1_800_000_000;

fn states(ring: &KeyRing, now: u64) -> Vec<(JwtAlgorithm, KeyState)> {
    (0..ring.entries().len())
        .map(|i| (ring.entries()[i].alg, ring.state(i, now, VERIFY_FOR)))
        .collect()
}

fn eddsa_ring() -> KeyRing {
    let mut ring = KeyRing::hs256_only();
    ring.prepare_for_start(JwtAlgorithm::EdDSA, T0).unwrap();
    ring
}

#[test]
fn hs256_alone_signs_forever_and_needs_no_change() {
    let mut ring = KeyRing::hs256_only();
    assert_eq!(ring.prepare_for_start(JwtAlgorithm::HS256, T0).unwrap(), []);
    assert_eq!(
        states(&ring, T0 + 1000 * DAY),
        [(JwtAlgorithm::HS256, KeyState::Signing)]
    );
}

#[test]
fn switching_to_eddsa_leaves_hs256_verifying_for_the_refresh_lifetime() {
    let ring = eddsa_ring();
    use JwtAlgorithm::{EdDSA, HS256};
    use KeyState::{Retired, Signing, VerifyingOnly};
    assert_eq!(
        states(&ring, T0),
        [(HS256, VerifyingOnly), (EdDSA, Signing)]
    );
    assert_eq!(
        states(&ring, T0 + VERIFY_FOR - 1),
        [(HS256, VerifyingOnly), (EdDSA, Signing)]
    );
    assert_eq!(
        states(&ring, T0 + VERIFY_FOR),
        [(HS256, Retired), (EdDSA, Signing)]
    );
}

#[test]
fn a_ring_signing_with_the_configured_algorithm_is_left_alone() {
    let mut ring = eddsa_ring();
    assert_eq!(
        ring.prepare_for_start(JwtAlgorithm::EdDSA, T0 + DAY)
            .unwrap(),
        []
    );
    assert_eq!(ring.entries().len(), 2);
}

#[test]
fn a_rotated_key_is_next_until_the_publish_ahead_has_passed() {
    let mut ring = eddsa_ring();
    let kid = ring
        .rotate(JwtAlgorithm::EdDSA, T0 + DAY, 600)
        .unwrap()
        .kid
        .clone();
    let states_at = |now| {
        states(&ring, now)
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
    };
    use KeyState::{Next, Retired, Signing, VerifyingOnly};
    assert_eq!(states_at(T0 + DAY + 599), [VerifyingOnly, Signing, Next]);
    assert_eq!(
        states_at(T0 + DAY + 600),
        [VerifyingOnly, VerifyingOnly, Signing]
    );
    assert_eq!(
        states_at(T0 + DAY + 600 + VERIFY_FOR),
        [Retired, Retired, Signing]
    );
    assert_eq!(ring.entries()[2].kid, kid);
}

#[test]
fn pruning_erases_only_retired_private_keys() {
    let mut ring = eddsa_ring();
    ring.rotate(JwtAlgorithm::EdDSA, T0 + DAY, 600).unwrap();
    let old = ring.entries()[1].kid.clone().unwrap();
    assert_eq!(
        ring.prune(T0 + DAY + 600 + VERIFY_FOR - 1, VERIFY_FOR),
        Vec::<String>::new()
    );
    assert_eq!(ring.prune(T0 + DAY + 600 + VERIFY_FOR, VERIFY_FOR), [old]);
    assert!(ring.entries()[1].private_key.is_none());
    assert!(ring.entries()[2].private_key.is_some());
    assert_eq!(
        ring.state(1, T0, VERIFY_FOR),
        KeyState::Retired,
        "pruned is retired"
    );
}

#[test]
fn hs256_cannot_rotate() {
    let mut ring = KeyRing::hs256_only();
    assert_eq!(
        ring.rotate(JwtAlgorithm::HS256, T0, 600).unwrap_err(),
        KeyError::NotAsymmetric
    );
}

#[test]
fn a_waiting_key_of_another_algorithm_is_withdrawn_at_start() {
    let mut ring = eddsa_ring();
    ring.rotate(JwtAlgorithm::EdDSA, T0 + DAY, 600).unwrap();
    let changes = ring
        .prepare_for_start(JwtAlgorithm::ES256, T0 + DAY + 1)
        .unwrap();
    assert!(matches!(
        changes[0],
        RingChange::Withdrawn {
            alg: JwtAlgorithm::EdDSA,
            ..
        }
    ));
    assert!(matches!(
        changes[1],
        RingChange::Added {
            alg: JwtAlgorithm::ES256,
            ..
        }
    ));
    let algs: Vec<_> = states(&ring, T0 + DAY + 1);
    use JwtAlgorithm::{ES256, EdDSA, HS256};
    use KeyState::{Signing, VerifyingOnly};
    assert_eq!(
        algs,
        [
            (HS256, VerifyingOnly),
            (EdDSA, VerifyingOnly),
            (ES256, Signing)
        ]
    );
}

#[test]
fn switching_back_to_hs256_leaves_the_eddsa_key_verifying() {
    let mut ring = eddsa_ring();
    ring.prepare_for_start(JwtAlgorithm::HS256, T0 + DAY)
        .unwrap();
    use JwtAlgorithm::{EdDSA, HS256};
    use KeyState::{Retired, Signing, VerifyingOnly};
    assert_eq!(
        states(&ring, T0 + DAY),
        [
            (HS256, VerifyingOnly),
            (EdDSA, VerifyingOnly),
            (HS256, Signing)
        ]
    );
    assert_eq!(
        states(&ring, T0 + DAY + VERIFY_FOR),
        [(HS256, Retired), (EdDSA, Retired), (HS256, Signing)]
    );
}

#[test]
fn a_stored_ring_must_match_its_kids() {
    let ring = eddsa_ring();
    let mut entries = ring.entries().to_vec();
    assert!(KeyRing::from_entries(entries.clone()).is_ok());
    entries[1].kid = Some("another-kid".into());
    assert_eq!(
        KeyRing::from_entries(entries.clone()).unwrap_err(),
        RingError::BadMaterial("another-kid".into())
    );
    entries[1].kid = None;
    assert_eq!(
        KeyRing::from_entries(entries).unwrap_err(),
        RingError::BadKid
    );
    assert_eq!(
        KeyRing::from_entries(Vec::new()).unwrap_err(),
        RingError::Empty
    );
}
