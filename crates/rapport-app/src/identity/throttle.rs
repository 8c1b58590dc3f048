//! Login throttling per account and per client address, with exponential backoff
//! (OWASP ASVS 5.0 level 2).
//!
//! Why: an attacker guessing passwords is slowed down both on one account (however
//! many addresses they come from) and from one address (however many accounts they
//! try). After a few free failures, every further failure blocks its keys for twice
//! as long as the one before, up to a ceiling.
//!
//! The counters are kept in memory, per server instance, in a bounded cache: entries
//! unused for twice the longest backoff are forgotten and at most 100,000 keys are
//! kept, so a flood of keys cannot exhaust memory. With several instances behind a
//! load balancer, an attacker gets at most N times the attempts for N instances. A
//! store shared between instances (e.g. Redis) can come later behind the same API.
//!
//! Time is passed in by the caller (`now`), never read here, so that tests are
//! deterministic.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

use moka::sync::Cache;

/// At most this many keys are remembered at once.
const MAX_CAPACITY: u64 = 100_000;

/// The longest backoff accepted; longer settings are lowered to it, so that instants
/// and the cache's idle time stay far from any overflow.
const BACKOFF_LIMIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The first block after the free attempts; each later one doubles it.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Beyond this exponent the doubling would exceed `BACKOFF_LIMIT` anyway.
const MAX_EXPONENT: u32 = 40;

/// What is remembered about one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// Failures recorded under the key since it was last cleared.
    failures: u32,
    /// Attempts under the key are refused until this instant.
    blocked_until: Option<Instant>,
}

/// In-memory, bounded login throttle keyed by account and by client address.
#[derive(Clone)]
pub struct Throttle {
    cache: Cache<String, Entry>,
    free_attempts: u32,
    max_backoff: Duration,
    time_to_idle: Duration,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Settings only: the keys are emails and addresses, which must not reach logs.
        f.debug_struct("Throttle")
            .field("free_attempts", &self.free_attempts)
            .field("max_backoff", &self.max_backoff)
            .field("max_capacity", &MAX_CAPACITY)
            .field("time_to_idle", &self.time_to_idle)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// A throttle allowing `free_attempts` failures per key before backing off, up to `max_backoff` (at most one year).
    pub fn new(free_attempts: u32, max_backoff: Duration) -> Self {
        let max_backoff = max_backoff.min(BACKOFF_LIMIT);
        let time_to_idle = max_backoff.saturating_mul(2);
        let cache = Cache::builder()
            .max_capacity(MAX_CAPACITY)
            .time_to_idle(time_to_idle)
            .build();
        Self {
            cache,
            free_attempts,
            max_backoff,
            time_to_idle,
        }
    }

    /// How long the caller must still wait before an attempt under any of these keys is considered; None when allowed now.
    pub fn wait(&self, keys: &[String], now: Instant) -> Option<Duration> {
        keys.iter()
            .filter_map(|key| self.cache.get(key))
            .filter_map(|entry| entry.blocked_until)
            .map(|until| until.saturating_duration_since(now))
            .filter(|remaining| !remaining.is_zero())
            .max()
    }

    /// Records a failed attempt under every key.
    pub fn failure(&self, keys: &[String], now: Instant) {
        for key in keys {
            self.cache
                .entry_by_ref(key.as_str())
                .and_upsert_with(|old| {
                    let old = old.map(|e| e.into_value());
                    self.next(old, now)
                });
        }
    }

    /// Forgets the failures of this key (a successful login clears its account key, not its IP key).
    pub fn success(&self, key: &str) {
        self.cache.invalidate(key);
    }

    /// The entry after one more failure on top of `old`.
    fn next(&self, old: Option<Entry>, now: Instant) -> Entry {
        let failures = old.map_or(0, |e| e.failures).saturating_add(1);
        let previous_block = old.and_then(|e| e.blocked_until);
        let blocked_until = match self.backoff(failures) {
            None => previous_block,
            Some(delay) => {
                let until = now.checked_add(delay).or(previous_block);
                // Never shorten a block already in force.
                match (until, previous_block) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                }
            }
        };
        Entry {
            failures,
            blocked_until,
        }
    }

    /// The block caused by failure number `failures`, if any.
    fn backoff(&self, failures: u32) -> Option<Duration> {
        let beyond_free = failures.checked_sub(self.free_attempts)?;
        let exponent = beyond_free.checked_sub(1)?.min(MAX_EXPONENT);
        let factor = 2u32.saturating_pow(exponent);
        Some(FIRST_BACKOFF.saturating_mul(factor).min(self.max_backoff))
    }
}

/// The key for an account (normalised email: trimmed, lowercased), e.g. "account:ann@example.com".
pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// The key for a client address; IPv6 addresses are grouped by their /64 so one host cannot rotate addresses.
pub fn ip_key(ip: &str) -> String {
    let raw = ip.trim();
    match raw.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => format!("ip:{v4}"),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let prefix = Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX));
                format!("ip:{prefix}/64")
            }
        },
        // Not an address (should not happen behind a proper listener): keep it whole.
        Err(_) => format!("ip:{}", raw.to_lowercase()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn free_attempts_cost_nothing() {
        let t = Throttle::new(3, 60 * S);
        let k = keys(&["account:a"]);
        let now = Instant::now();
        assert_eq!(t.wait(&k, now), None);
        for _ in 0..3 {
            t.failure(&k, now);
            assert_eq!(t.wait(&k, now), None);
        }
        t.failure(&k, now);
        assert_eq!(t.wait(&k, now), Some(S));
    }

    #[test]
    fn backoff_doubles() {
        let t = Throttle::new(2, 3600 * S);
        let k = keys(&["account:a"]);
        let now = Instant::now();
        t.failure(&k, now);
        t.failure(&k, now);
        let mut seen = Vec::new();
        for _ in 0..5 {
            t.failure(&k, now);
            seen.push(t.wait(&k, now).unwrap());
        }
        assert_eq!(seen, vec![S, 2 * S, 4 * S, 8 * S, 16 * S]);
    }

    #[test]
    fn backoff_is_capped() {
        let t = Throttle::new(0, 10 * S);
        let k = keys(&["account:a"]);
        let now = Instant::now();
        for _ in 0..200 {
            t.failure(&k, now);
        }
        assert_eq!(t.wait(&k, now), Some(10 * S));
        // No overflow however many failures pile up.
        assert_eq!(t.backoff(u32::MAX), Some(10 * S));
        assert_eq!(
            t.next(
                Some(Entry {
                    failures: u32::MAX,
                    blocked_until: None
                }),
                now
            )
            .failures,
            u32::MAX
        );
    }

    #[test]
    fn wait_is_the_longest_over_keys() {
        let t = Throttle::new(0, 3600 * S);
        let now = Instant::now();
        let a = keys(&["account:a"]);
        let ip = keys(&["ip:1.2.3.4"]);
        t.failure(&a, now); // 1s
        for _ in 0..3 {
            t.failure(&ip, now); // 1s, 2s, 4s
        }
        assert_eq!(t.wait(&a, now), Some(S));
        assert_eq!(t.wait(&ip, now), Some(4 * S));
        assert_eq!(
            t.wait(&keys(&["account:a", "ip:1.2.3.4", "ip:9.9.9.9"]), now),
            Some(4 * S)
        );
        assert_eq!(t.wait(&keys(&["ip:9.9.9.9"]), now), None);
    }

    #[test]
    fn success_clears_account_but_not_ip() {
        let t = Throttle::new(1, 60 * S);
        let now = Instant::now();
        let account = account_key("ann@example.com");
        let ip = ip_key("10.0.0.1");
        let both = vec![account.clone(), ip.clone()];
        for _ in 0..3 {
            t.failure(&both, now);
        }
        assert_eq!(t.wait(&both, now), Some(2 * S));
        t.success(&account);
        assert_eq!(t.wait(std::slice::from_ref(&account), now), None);
        assert_eq!(t.wait(&both, now), Some(2 * S));
        assert_eq!(t.wait(std::slice::from_ref(&ip), now), Some(2 * S));
        // The account starts counting from zero again.
        t.failure(std::slice::from_ref(&account), now);
        assert_eq!(t.wait(std::slice::from_ref(&account), now), None);
    }

    #[test]
    fn time_passing_lets_the_next_attempt_through() {
        let t = Throttle::new(0, 60 * S);
        let k = keys(&["account:a"]);
        let start = Instant::now();
        t.failure(&k, start);
        t.failure(&k, start);
        assert_eq!(t.wait(&k, start), Some(2 * S));
        let later = start + Duration::from_millis(500);
        assert_eq!(t.wait(&k, later), Some(Duration::from_millis(1500)));
        assert_eq!(t.wait(&k, start + 2 * S), None);
        assert_eq!(t.wait(&k, start + 3 * S), None);
        // Failures still count: the next one blocks for 4s from when it happens.
        t.failure(&k, start + 3 * S);
        assert_eq!(t.wait(&k, start + 3 * S), Some(4 * S));
    }

    #[test]
    fn failures_while_blocked_still_count() {
        let t = Throttle::new(0, 60 * S);
        let k = keys(&["ip:1.2.3.4"]);
        let now = Instant::now();
        t.failure(&k, now);
        t.failure(&k, now);
        t.failure(&k, now);
        assert_eq!(t.wait(&k, now), Some(4 * S));
    }

    #[test]
    fn ip_key_groups_ipv6_by_64_and_keeps_ipv4() {
        assert_eq!(ip_key("192.0.2.7"), "ip:192.0.2.7");
        assert_ne!(ip_key("192.0.2.7"), ip_key("192.0.2.8"));
        assert_eq!(ip_key(" 192.0.2.7 "), "ip:192.0.2.7");
        assert_eq!(ip_key("::ffff:192.0.2.7"), "ip:192.0.2.7");
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "ip:2001:db8:1:2::/64"
        );
        assert_eq!(
            ip_key("2001:db8:1:2::1"),
            ip_key("2001:DB8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(ip_key("2001:db8:1:2::1"), ip_key("2001:db8:1:3::1"));
        assert_eq!(ip_key("not-an-ip"), "ip:not-an-ip");
    }

    #[test]
    fn account_key_normalises_case_and_spaces() {
        assert_eq!(
            account_key("  Ann@Example.COM \n"),
            "account:ann@example.com"
        );
        assert_eq!(
            account_key("ann@example.com"),
            account_key("ANN@example.com ")
        );
    }

    #[test]
    fn clone_shares_state_and_debug_shows_only_settings() {
        let t = Throttle::new(0, 60 * S);
        let c = t.clone();
        let now = Instant::now();
        t.failure(&keys(&["account:secret@example.com"]), now);
        assert_eq!(c.wait(&keys(&["account:secret@example.com"]), now), Some(S));
        let shown = format!("{t:?}");
        assert!(shown.contains("free_attempts"));
        assert!(!shown.contains("secret"));
    }
}
