//! When and how long to wait before trying a request again.
//!
//! The go command never retries (apart from its one GOAUTH retry of an https 4xx), so
//! one 500 or one reset fails a whole download. We retry what is transient
//! ([`super::Error::is_transient`]) in two layers sharing one budget: the client retries
//! a request that got no usable response (connect errors, resets, HTTP/2 errors, 5xx,
//! 408, 429), and a caller streaming a body restarts it through
//! [`super::Download::restart`] when it breaks midway. 404/410 (they mean "try the next
//! proxy"), other 4xx, certificate errors and checksum problems are never retried.
//!
//! Delays grow exponentially from [`RetryPolicy::base_delay`] up to
//! [`RetryPolicy::max_delay`], with "equal jitter" (half fixed, half random) so parallel
//! downloads do not retry in lockstep. A server's `Retry-After` (seconds or an HTTP
//! date) is honoured up to [`RetryPolicy::max_retry_after`]. Tests use
//! [`RetryPolicy::immediate`] (no waiting).
//!
//! The default budget is ten attempts (`--retries N` sets `N + 1`): a request fails
//! for good only when every attempt fails, so with a fraction `q` of requests failing
//! independently, a run of `N` requests fails with probability about `N·q^attempts`.
//! At `q` = 10% and a thousand requests (a few hundred modules), four attempts fail
//! one run in ten and six one in a thousand; at `q` = 30%, six attempts fail seven
//! runs in ten and ten attempts about one in 170 (one in 500 for 300 requests). The
//! price: a request that never succeeds is given up after about 16–28 s of back-off.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// How many attempts, and how long between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (1 = never retry).
    pub max_attempts: u32,
    /// The delay before the first retry (doubled for each further one).
    pub base_delay: Duration,
    /// The longest computed delay.
    pub max_delay: Duration,
    /// The longest wait a `Retry-After` may impose.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Ten attempts (see the module docs), 250 ms doubling to 5 s, `Retry-After`
    /// honoured up to 30 s.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt only: Go's behaviour (and exactly Go's error texts).
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// `attempts` attempts without any waiting (for tests).
    pub fn immediate(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts: attempts.max(1),
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_retry_after: Duration::ZERO,
        }
    }

    /// The wait before attempt number `next` (2 for the first retry), given the
    /// server's `Retry-After` in seconds.
    pub fn delay(&self, next: u32, retry_after: Option<u64>) -> Duration {
        if let Some(secs) = retry_after {
            return Duration::from_secs(secs).min(self.max_retry_after);
        }
        let exp = next.saturating_sub(2).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let random = if jitter_nanos == 0 {
            0
        } else {
            random_u64() % jitter_nanos
        };
        half + Duration::from_nanos(random)
    }
}

/// A random number from the standard library's randomly keyed hasher.
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (seconds from now).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    let when = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    Some(u64::try_from(when.as_second().saturating_sub(now.as_second())).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy::default();
        let d2 = p.delay(2, None);
        assert!(d2 >= Duration::from_millis(125) && d2 <= Duration::from_millis(250));
        let d10 = p.delay(10, None);
        assert!(d10 >= Duration::from_millis(2500) && d10 <= Duration::from_secs(5));
        assert_eq!(p.delay(2, Some(2)), Duration::from_secs(2));
        assert_eq!(p.delay(2, Some(3600)), Duration::from_secs(30));
        assert_eq!(RetryPolicy::immediate(3).delay(3, Some(5)), Duration::ZERO);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 7 "), Some(7));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
