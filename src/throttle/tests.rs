//! The throttle's windows, reservations and table bound, on a clock the
//! tests move by hand.

use super::*;

const MINUTE: Duration = Duration::from_secs(60);

fn per_minute(count: u32, capacity: usize) -> Throttle {
    Throttle::with_capacity(
        Some(Limit {
            count,
            window: MINUTE,
        }),
        capacity,
    )
}

fn key(n: i64) -> Key {
    Key::account(n)
}

fn after(start: Instant, millis: u64) -> Instant {
    start + Duration::from_millis(millis)
}

impl Throttle {
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn holds(&self, key: Key) -> bool {
        self.lock().contains_key(&key)
    }
}

#[test]
fn a_key_is_refused_after_its_count_until_the_window_has_passed() {
    let t = per_minute(2, 100);
    let start = Instant::now();
    t.reserve_at(key(1), start).unwrap().keep();
    t.reserve_at(key(1), start).unwrap().keep();
    let refused = t.reserve_at(key(1), start).err();
    assert_eq!(refused, Some(Throttled { retry_after: 60 }));
    let refused = t.reserve_at(key(1), after(start, 59_500)).err();
    assert_eq!(refused, Some(Throttled { retry_after: 1 }));
    assert_eq!(t.refused(), 2, "each refusal is counted, for the metrics");
    assert!(
        t.reserve_at(key(1), after(start, 60_000)).is_ok(),
        "a window ends exactly one length after it started"
    );
}

#[test]
fn keys_are_independent_and_clear_forgets_one() {
    let t = per_minute(1, 100);
    t.hit(key(1)).unwrap();
    assert!(t.hit(key(2)).is_ok(), "other keys are independent");
    assert!(t.hit(key(1)).is_err());
    t.clear(key(1));
    assert!(t.hit(key(1)).is_ok());
}

#[test]
fn a_dropped_reservation_is_given_back_and_a_kept_one_counts() {
    let t = per_minute(1, 100);
    drop(t.reserve(key(1)).unwrap());
    assert!(!t.holds(key(1)), "an emptied window is dropped");
    t.reserve(key(1)).unwrap().keep();
    assert!(t.reserve(key(1)).is_err());
}

#[test]
fn giving_back_one_reservation_leaves_the_others_counted() {
    let t = per_minute(2, 100);
    let first = t.reserve(key(1)).unwrap();
    let second = t.reserve(key(1)).unwrap();
    drop(first);
    assert!(t.holds(key(1)));
    second.keep();
    t.reserve(key(1)).unwrap().keep();
    assert!(t.reserve(key(1)).is_err());
}

#[test]
fn a_reservation_from_a_cleared_window_gives_nothing_back_to_the_next() {
    let t = per_minute(2, 100);
    let start = Instant::now();
    let early = t.reserve_at(key(1), start).unwrap();
    t.clear(key(1));
    t.reserve_at(key(1), after(start, 1)).unwrap().keep();
    drop(early);
    t.reserve_at(key(1), after(start, 2)).unwrap().keep();
    assert!(t.reserve_at(key(1), after(start, 3)).is_err());
}

#[test]
fn a_cleared_reservation_forgets_the_earlier_failures() {
    let t = per_minute(2, 100);
    t.reserve(key(1)).unwrap().keep();
    t.reserve(key(1)).unwrap().clear();
    assert!(!t.holds(key(1)));
    t.hit(key(1)).unwrap();
    t.hit(key(1)).unwrap();
}

#[test]
fn a_disabled_throttle_never_refuses_and_keeps_nothing() {
    let t = Throttle::new(None);
    for _ in 0..1000 {
        assert!(t.hit(key(1)).is_ok());
    }
    assert_eq!(t.len(), 0);
}

#[test]
fn retry_after_rounds_up_to_whole_seconds() {
    let now = Instant::now();
    let cases = [
        (Duration::ZERO, 0, "nothing left"),
        (Duration::from_nanos(1), 1, "a nanosecond is a second"),
        (Duration::from_millis(1500), 2, "a second and a half"),
        (Duration::from_secs(2), 2, "whole seconds stay"),
    ];
    for (left, expected, why) in cases {
        assert_eq!(seconds_until(now + left, now), expected, "{why}");
    }
    assert_eq!(seconds_until(now, now + MINUTE), 0, "a deadline passed");
}

#[test]
fn a_full_table_evicts_its_oldest_windows_first() {
    let t = per_minute(5, 32);
    let start = Instant::now();
    for n in 0..32 {
        t.reserve_at(key(n), after(start, n as u64)).unwrap().keep();
    }
    assert_eq!(t.len(), 32, "a table at capacity keeps everything");
    t.reserve_at(key(32), after(start, 32)).unwrap().keep();
    // Room for a sixteenth of the capacity is made at once: 2 go.
    assert_eq!(t.len(), 31);
    for n in 0..2 {
        assert!(!t.holds(key(n)), "window {n} was among the oldest");
    }
    for n in 2..33 {
        assert!(t.holds(key(n)), "window {n} is newer and stays");
    }
}

/// Fills a table of four with windows 1 to 4, started these many
/// milliseconds in, then adds window 5 at 61 s; which of the five it holds.
fn held_after_a_fifth_at_61_seconds(starts: [u64; 4]) -> [bool; 5] {
    let t = per_minute(5, 4);
    let start = Instant::now();
    for (n, at) in (1..).zip(starts) {
        t.reserve_at(key(n), after(start, at)).unwrap().keep();
    }
    t.reserve_at(key(5), after(start, 61_000)).unwrap().keep();
    [1, 2, 3, 4, 5].map(|n| t.holds(key(n)))
}

#[test]
fn a_full_table_sweeps_expired_windows_before_evicting_live_ones() {
    // At 61 s windows 1 and 2 have expired; 3 and 4 are still live.
    assert_eq!(
        held_after_a_fifth_at_61_seconds([0, 1_000, 30_000, 31_000]),
        [false, false, true, true, true]
    );
}

#[test]
fn a_sweep_that_frees_enough_room_evicts_no_live_window() {
    assert_eq!(
        held_after_a_fifth_at_61_seconds([0, 30_000, 31_000, 32_000]),
        [false, true, true, true, true]
    );
}

#[test]
fn a_window_expires_exactly_one_length_after_it_started() {
    let start = Instant::now();
    let window = Window {
        started: start,
        count: 1,
    };
    assert!(!window.has_expired(MINUTE, after(start, 59_999)));
    assert!(window.has_expired(MINUTE, after(start, 60_000)));
}
