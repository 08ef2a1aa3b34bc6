//! The benchmarks' environment: knobs from environment variables and a description
//! of the machine for the JSON results.

use gomodfetch::testkit::gocmd::Go;
use serde_json::json;

/// A knob: the variable's value, unless unset or blank.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A knob parsed, or `default` when unset.
pub fn env_parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match env(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a valid value")),
    }
}

/// A small file's content, trimmed (empty when unreadable).
pub fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The machine the numbers come from: cores, CPU, kernel, go version.
pub fn machine(go: &Go) -> serde_json::Value {
    let cpu = read_trimmed("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_default();
    let go_version = std::process::Command::new(go.bin())
        .arg("version")
        .env("GOTOOLCHAIN", "local")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    json!({
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": cpu,
        "kernel": read_trimmed("/proc/sys/kernel/osrelease"),
        "go": go_version,
    })
}
