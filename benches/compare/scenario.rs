//! The matrix's two other axes: network profiles (added round trip and link
//! bandwidth at the test proxy) and scenarios (what the cache holds before the run and
//! which command runs).

use gomodfetch::testkit::proxy::{ProxyConfig, parse_duration};
use std::fmt;
use std::time::Duration;

/// A network profile: every response waits `rtt` (a new connection 2 more, see the
/// proxy's `NetConfig`), and all connections together share `mbit` Mbit/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetProfile {
    pub rtt: Duration,
    /// The link's bandwidth in Mbit/s (10^6 bits); `None`: unlimited.
    pub mbit: Option<f64>,
}

impl NetProfile {
    /// Parses `RTT` or `RTT@MBIT` (`0ms`, `50ms@200`).
    pub fn parse(s: &str) -> Result<NetProfile, String> {
        let (rtt, mbit) = match s.split_once('@') {
            Some((r, m)) => {
                let m: f64 = m
                    .trim()
                    .trim_end_matches("Mbit")
                    .parse()
                    .map_err(|_| format!("{s:?}: bandwidth is not a number of Mbit/s"))?;
                if !(m > 0.0 && m.is_finite()) {
                    return Err(format!("{s:?}: bandwidth must be positive"));
                }
                (r, Some(m))
            }
            None => (s, None),
        };
        Ok(NetProfile {
            rtt: parse_duration(rtt.trim()).map_err(|e| format!("{s:?}: {e}"))?,
            mbit,
        })
    }

    /// The proxy configuration that emulates this profile.
    pub fn apply(&self, config: ProxyConfig) -> ProxyConfig {
        let config = config.rtt(self.rtt);
        match self.mbit {
            Some(m) => config.total_bandwidth((m * 1e6 / 8.0) as u64),
            None => config,
        }
    }

    /// `0ms`, `50ms@200Mbit`: the label in tables, file names and JSON.
    pub fn label(&self) -> String {
        let ms = self.rtt.as_millis();
        match self.mbit {
            Some(m) => format!("{ms}ms@{m}Mbit"),
            None => format!("{ms}ms"),
        }
    }
}

/// What the cache holds before the run, and the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Empty cache; `mod download`.
    Cold,
    /// Every `.mod`, `.info` and `@v/list` file of the finished cache, no zip, no
    /// extracted tree; `mod download` (what a CI cache of `go list -m all` alone
    /// leaves).
    ModCached,
    /// The finished cache; `mod download` must find everything present.
    Noop,
    /// Empty cache; `list -mod=mod -m all` (the module graph only, no zips).
    Graph,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::Cold,
        Scenario::ModCached,
        Scenario::Noop,
        Scenario::Graph,
    ];

    pub fn parse(s: &str) -> Result<Scenario, String> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| format!("unknown scenario {s:?} (want cold, modcached, noop or graph)"))
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Cold => "cold",
            Scenario::ModCached => "modcached",
            Scenario::Noop => "noop",
            Scenario::Graph => "graph",
        }
    }

    /// The arguments both tools get (the same flags for both, as the issue asks).
    pub fn argv(self, download_args: &[String]) -> Vec<String> {
        match self {
            Scenario::Graph => ["list", "-mod=mod", "-m", "all"].map(String::from).to_vec(),
            _ => {
                let mut v = vec!["mod".to_string(), "download".to_string()];
                v.extend(download_args.iter().cloned());
                v
            }
        }
    }

    /// Which finished cache the run starts from.
    pub fn start(self) -> Start {
        match self {
            Scenario::Cold | Scenario::Graph => Start::Empty,
            Scenario::ModCached => Start::ModFiles,
            Scenario::Noop => Start::Full,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A run's starting cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Empty,
    ModFiles,
    Full,
}
