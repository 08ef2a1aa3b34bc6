//! Scripted faults: which requests misbehave, and how.
//!
//! A [`FaultRule`] names a path pattern and a [`FaultKind`], and optionally how many
//! times it fires (`times`, like wiremock's `up_to_n_times`), how many matching
//! requests it lets through first (`skip`), and a firing probability with a seed.
//! Rules are tried in order for every request; the first that fires decides. A rule
//! "matches" a request when its pattern matches the percent-decoded path and its kind
//! applies to the request (`other-zip` only to `.zip`, `wrong-mod` only to `.mod`
//! requests); only matching requests count toward `skip`/`times` and draw from the
//! rule's random stream. Each rule has its own SplitMix64 stream seeded by its seed,
//! so a run with the same request order fires the same faults.
//!
//! Patterns are globs over the whole decoded path (`/mod/rsc.io/quote/@v/v1.5.2.zip`):
//! `*` matches any run of characters including `/`, `?` one character, and every other
//! character itself. So `*.zip` is every zip, `/mod/rsc.io/quote/*` one module.
//!
//! # Compact syntax (the CLI's `--fault`)
//! Comma-separated `key=value`: `path=GLOB` (default `*`), `kind=KIND` (required),
//! `times=N`, `skip=N`, `prob=P` (0..1), `seed=N`, and per kind: `at=BYTES` (where a
//! mid-body fault cuts; default half the body), `for=DURATION` (stall length, or
//! `forever`, the default), `rate=BYTES` (drip speed per second), `retry-after=SECS`
//! (503/429; default 1), `offset=BYTES` (flip-byte; default the middle), `code=N`
//! (with `kind=status`), `size=BYTES` (oversize). Kinds: `500`, `502`, `503`,
//! `429`, `403`, `404`, `410`,
//! `status`, `reset`, `reset-mid-body`, `stall`, `truncate`, `h2-reset`, `flip-byte`,
//! `other-zip`, `wrong-mod`, `drip`, `oversize`. Example:
//! `path=*.zip,kind=reset-mid-body,prob=0.1,seed=1`.

use super::config::{parse_bytes, parse_duration};
use crate::testkit::universe::Endpoint;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What a fault does to a response.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and a short text body (none for 204, 205, 304);
    /// `retry_after` adds a `Retry-After` header (seconds). A code outside 200..=999
    /// is answered as 500.
    Status { code: u16, retry_after: Option<u32> },
    /// Reset the connection (TCP RST) before any response header. On HTTP/2 this
    /// takes every stream of the connection down.
    Reset,
    /// Send the headers and the body up to `at` (default half), then reset the
    /// connection.
    ResetMidBody { at: Option<u64> },
    /// Send up to `at` (default half), then stall for `duration` (`None`: forever),
    /// then send the rest.
    Stall {
        at: Option<u64>,
        duration: Option<Duration>,
    },
    /// `Content-Length` announces the whole body but it ends at `at` (default half).
    /// HTTP/1.1: the connection is closed there. HTTP/2: the stream ends there.
    Truncate { at: Option<u64> },
    /// Send up to `at` (default half), then fail the body: HTTP/2 resets the stream
    /// (RST_STREAM, INTERNAL_ERROR); HTTP/1.1 closes the connection.
    StreamReset { at: Option<u64> },
    /// Flip all bits of one body byte at `offset` (default the middle).
    FlipByte { offset: Option<u64> },
    /// Serve a different but valid zip for the same version (one extra file).
    OtherZip,
    /// Serve a wrong `.mod`: `body`, or by default one declaring the module path
    /// `<path>/wrongmod` (so `go` notices even without checksums).
    WrongMod { body: Option<bytes::Bytes> },
    /// Send the body at this many bytes per second.
    Drip { bytes_per_sec: u64 },
    /// Replace a successful body by `bytes` bytes: `v1.0.0` lines for `@v/list`, `x`
    /// otherwise (an endless or oversized answer, as far as any client limit can
    /// tell).
    Oversize { bytes: u64 },
}

impl FaultKind {
    /// The name used in the compact syntax and in the request log.
    pub fn label(&self) -> String {
        match self {
            FaultKind::Status { code, .. } => code.to_string(),
            FaultKind::Reset => "reset".into(),
            FaultKind::ResetMidBody { .. } => "reset-mid-body".into(),
            FaultKind::Stall { .. } => "stall".into(),
            FaultKind::Truncate { .. } => "truncate".into(),
            FaultKind::StreamReset { .. } => "h2-reset".into(),
            FaultKind::FlipByte { .. } => "flip-byte".into(),
            FaultKind::OtherZip => "other-zip".into(),
            FaultKind::WrongMod { .. } => "wrong-mod".into(),
            FaultKind::Drip { .. } => "drip".into(),
            FaultKind::Oversize { .. } => "oversize".into(),
        }
    }

    /// A status fault with the `Retry-After` real servers send with 503 and 429.
    pub fn status(code: u16) -> FaultKind {
        let retry_after = matches!(code, 503 | 429).then_some(1);
        FaultKind::Status { code, retry_after }
    }

    fn applies_to(&self, endpoint: Option<&Endpoint>) -> bool {
        match self {
            FaultKind::OtherZip => matches!(endpoint, Some(Endpoint::Zip(_))),
            FaultKind::WrongMod { .. } => matches!(endpoint, Some(Endpoint::Mod(_))),
            _ => true,
        }
    }
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub pattern: String,
    pub kind: FaultKind,
    /// Fire at most this many times (`None`: unlimited).
    pub times: Option<u64>,
    /// Let this many matching requests through before firing.
    pub skip: u64,
    /// Fire with this probability (1.0: always).
    pub probability: f64,
    /// Seed of the rule's random stream.
    pub seed: u64,
}

impl FaultRule {
    /// A rule that fires on every request whose decoded path matches `pattern`.
    pub fn new(pattern: impl Into<String>, kind: FaultKind) -> FaultRule {
        FaultRule {
            pattern: pattern.into(),
            kind,
            times: None,
            skip: 0,
            probability: 1.0,
            seed: 0,
        }
    }

    /// Fire at most `n` times.
    pub fn times(mut self, n: u64) -> FaultRule {
        self.times = Some(n);
        self
    }

    /// Let the first `n` matching requests through.
    pub fn skip(mut self, n: u64) -> FaultRule {
        self.skip = n;
        self
    }

    /// Fire with probability `p`, drawing from a stream seeded with `seed`.
    pub fn probability(mut self, p: f64, seed: u64) -> FaultRule {
        self.probability = p;
        self.seed = seed;
        self
    }
}

/// A compact-syntax parse error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fault rule {rule:?}: {why}")]
pub struct FaultSyntaxError {
    pub rule: String,
    pub why: String,
}

impl FromStr for FaultRule {
    type Err = FaultSyntaxError;

    fn from_str(s: &str) -> Result<FaultRule, FaultSyntaxError> {
        let err = |why: String| FaultSyntaxError {
            rule: s.to_string(),
            why,
        };
        let mut pattern = "*".to_string();
        let (mut kind, mut times, mut skip, mut prob, mut seed) = (None, None, 0, 1.0, 0);
        let (mut at, mut dur, mut rate, mut retry, mut offset, mut code) =
            (None, None, None, None, None, None);
        let mut size = None;
        for part in s.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| err(format!("{part:?} is not key=value")))?;
            let num = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| err(format!("{k}: {v:?} is not a number")))
            };
            match k {
                "path" => pattern = v.to_string(),
                "kind" => kind = Some(v.to_string()),
                "times" => times = Some(num(v)?),
                "skip" => skip = num(v)?,
                "seed" => seed = num(v)?,
                "prob" => {
                    prob = v
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| err(format!("prob: {v:?} is not in 0..1")))?
                }
                "at" => at = Some(parse_bytes(v).map_err(err)?),
                "for" => {
                    dur = Some(match v {
                        "forever" => None,
                        _ => Some(parse_duration(v).map_err(err)?),
                    })
                }
                "rate" => rate = Some(parse_bytes(v).map_err(err)?),
                "size" => size = Some(parse_bytes(v).map_err(err)?),
                "retry-after" => {
                    retry =
                        Some(u32::try_from(num(v)?).map_err(|_| err(format!("retry-after: {v}")))?)
                }
                "offset" => offset = Some(parse_bytes(v).map_err(err)?),
                "code" => code = Some(num(v)?),
                _ => return Err(err(format!("unknown key {k:?}"))),
            }
        }
        let kind = kind.ok_or_else(|| err("kind= is required".into()))?;
        let status_code = |c: u64| {
            u16::try_from(c)
                .ok()
                .filter(|c| (200..=999).contains(c))
                .ok_or_else(|| err(format!("status {c} is not in 200..=999")))
        };
        let kind = match kind.as_str() {
            "status" => {
                let c = status_code(code.ok_or_else(|| err("kind=status needs code=N".into()))?)?;
                FaultKind::Status {
                    code: c,
                    retry_after: retry.or_else(|| FaultKind::status(c).retry_after()),
                }
            }
            k if k.bytes().all(|b| b.is_ascii_digit()) && !k.is_empty() => {
                let c = status_code(k.parse::<u64>().unwrap_or(u64::MAX))?;
                FaultKind::Status {
                    code: c,
                    retry_after: retry.or_else(|| FaultKind::status(c).retry_after()),
                }
            }
            "reset" => FaultKind::Reset,
            "reset-mid-body" => FaultKind::ResetMidBody { at },
            "stall" => FaultKind::Stall {
                at,
                duration: dur.flatten(),
            },
            "truncate" => FaultKind::Truncate { at },
            "h2-reset" => FaultKind::StreamReset { at },
            "flip-byte" => FaultKind::FlipByte { offset },
            "other-zip" => FaultKind::OtherZip,
            "wrong-mod" => FaultKind::WrongMod { body: None },
            "drip" => FaultKind::Drip {
                bytes_per_sec: rate.ok_or_else(|| err("kind=drip needs rate=BYTES".into()))?,
            },
            "oversize" => FaultKind::Oversize {
                bytes: size.ok_or_else(|| err("kind=oversize needs size=BYTES".into()))?,
            },
            other => return Err(err(format!("unknown kind {other:?}"))),
        };
        Ok(FaultRule {
            pattern,
            kind,
            times,
            skip,
            probability: prob,
            seed,
        })
    }
}

impl FaultKind {
    fn retry_after(&self) -> Option<u32> {
        match self {
            FaultKind::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path={},kind={}", self.pattern, self.kind.label())?;
        if let Some(t) = self.times {
            write!(f, ",times={t}")?;
        }
        if self.skip > 0 {
            write!(f, ",skip={}", self.skip)?;
        }
        if self.probability < 1.0 {
            write!(f, ",prob={},seed={}", self.probability, self.seed)?;
        }
        Ok(())
    }
}

/// Glob match over the whole string: `*` any run (crossing `/`), `?` one character.
pub fn glob_match(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == '?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// SplitMix64: a tiny, well-distributed deterministic stream.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    matched: u64,
    fired: u64,
    rng: SplitMix64,
}

/// The rules of a running proxy with their counts.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    rules: Vec<ActiveRule>,
}

/// A fault that fired for one request.
#[derive(Debug, Clone)]
pub(crate) struct Fired {
    pub(crate) kind: FaultKind,
    pub(crate) label: String,
}

impl FaultSet {
    pub(crate) fn new(rules: Vec<FaultRule>) -> FaultSet {
        let mut s = FaultSet::default();
        for r in rules {
            s.push(r);
        }
        s
    }

    pub(crate) fn push(&mut self, rule: FaultRule) {
        let rng = SplitMix64(rule.seed);
        self.rules.push(ActiveRule {
            rule,
            matched: 0,
            fired: 0,
            rng,
        });
    }

    /// The fault for a request, if one fires.
    pub(crate) fn decide(&mut self, path: &str, endpoint: Option<&Endpoint>) -> Option<Fired> {
        for r in &mut self.rules {
            if !r.rule.kind.applies_to(endpoint) || !glob_match(&r.rule.pattern, path) {
                continue;
            }
            r.matched += 1;
            if r.matched <= r.rule.skip || r.rule.times.is_some_and(|t| r.fired >= t) {
                continue;
            }
            if r.rule.probability < 1.0 && r.rng.next_f64() >= r.rule.probability {
                continue;
            }
            r.fired += 1;
            return Some(Fired {
                kind: r.rule.kind.clone(),
                label: r.rule.kind.label(),
            });
        }
        None
    }

    /// How often each rule fired, in rule order.
    pub(crate) fn fired_counts(&self) -> Vec<u64> {
        self.rules.iter().map(|r| r.fired).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.zip", "/mod/rsc.io/quote/@v/v1.5.2.zip"));
        assert!(!glob_match("*.zip", "/mod/rsc.io/quote/@v/v1.5.2.mod"));
        assert!(glob_match(
            "/mod/rsc.io/*/@v/list",
            "/mod/rsc.io/quote/@v/list"
        ));
        assert!(glob_match("/mod/?sc.io/*", "/mod/rsc.io/x"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a", ""));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxxc"));
    }

    #[test]
    fn compact_syntax() {
        let r: FaultRule = "path=*.zip,kind=reset-mid-body,prob=0.1,seed=1"
            .parse()
            .unwrap();
        assert_eq!(r.pattern, "*.zip");
        assert_eq!(r.kind, FaultKind::ResetMidBody { at: None });
        assert_eq!((r.probability, r.seed), (0.1, 1));
        let r: FaultRule = "kind=503,times=2".parse().unwrap();
        assert_eq!(
            r.kind,
            FaultKind::Status {
                code: 503,
                retry_after: Some(1)
            }
        );
        assert_eq!(r.times, Some(2));
        let r: FaultRule = "kind=stall,at=1KiB,for=250ms".parse().unwrap();
        assert_eq!(
            r.kind,
            FaultKind::Stall {
                at: Some(1024),
                duration: Some(Duration::from_millis(250))
            }
        );
        let r: FaultRule = "kind=drip,rate=10k".parse().unwrap();
        assert_eq!(
            r.kind,
            FaultKind::Drip {
                bytes_per_sec: 10_000
            }
        );
        let r: FaultRule = "kind=status,code=418".parse().unwrap();
        assert_eq!(r.kind.label(), "418");
        for bad in [
            "",
            "kind=nope",
            "kind=drip",
            "kind=500,prob=2",
            "kind=99",
            "x",
            "kind=500,zz=1",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_and_probability_are_deterministic() {
        let mut s = FaultSet::new(vec![
            FaultRule::new("*.zip", FaultKind::status(500))
                .skip(1)
                .times(2),
        ]);
        let fired: Vec<bool> = (0..5)
            .map(|_| s.decide("/mod/m/@v/v1.zip", None).is_some())
            .collect();
        assert_eq!(fired, [false, true, true, false, false]);

        let run = || {
            let mut s = FaultSet::new(vec![
                FaultRule::new("*", FaultKind::Reset).probability(0.3, 7),
            ]);
            (0..200)
                .map(|_| s.decide("/x", None).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|&&f| f).count();
        assert!((30..90).contains(&n), "{n} of 200 fired at p=0.3");
    }

    #[test]
    fn kinds_apply_only_to_their_endpoints() {
        let mut s = FaultSet::new(vec![FaultRule::new("*", FaultKind::OtherZip)]);
        assert!(
            s.decide("/x", Some(&Endpoint::Mod("v1.0.0".into())))
                .is_none()
        );
        assert!(
            s.decide("/x", Some(&Endpoint::Zip("v1.0.0".into())))
                .is_some()
        );
    }
}
