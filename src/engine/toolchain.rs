//! Go's `gover.TooNewError`: a module (or the main go.mod) that needs a newer Go than
//! the one we emulate. Go may then switch to a newer toolchain (`GOTOOLCHAIN=auto`);
//! gomodfetch emulates one fixed version and reports the error instead, as Go does
//! with `GOTOOLCHAIN=local`.

use super::error::Error;
use crate::config::Config;

/// The `; GOTOOLCHAIN=<value>` suffix of Go's message: present when the setting (from
/// any configuration layer) is neither empty nor `auto`.
pub(super) fn explain(config: &Config) -> String {
    match config.gotoolchain() {
        "" | "auto" => String::new(),
        v => format!("; GOTOOLCHAIN={v}"),
    }
}

/// `<what> requires go >= <need> (running go <local>[; GOTOOLCHAIN=<v>])`.
pub fn too_new_error(config: &Config, what: &str, need: &str) -> Error {
    Error::TooNew {
        what: what.to_string(),
        need: need.to_string(),
        running: config.go_version().to_string(),
        explain: explain(config),
    }
}

/// The text of [`too_new_error`].
pub fn too_new(config: &Config, what: &str, need: &str) -> String {
    too_new_error(config, what, need).to_string()
}
