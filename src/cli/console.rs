//! stderr, shared by everything that writes to it during a run (Go's messages, the
//! `-x` trace, the progress bar), so lines never interleave and a progress bar is
//! cleared before a line is written and redrawn after.

use crate::http::Trace;
use indicatif::ProgressBar;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// The run's stderr.
pub struct Console {
    bar: Mutex<Option<ProgressBar>>,
    terminal: bool,
}

impl Console {
    pub fn new() -> Console {
        Console {
            bar: Mutex::new(None),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Whether stderr is a terminal (progress bars only there).
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Shows `bar` until [`Console::clear_bar`].
    pub fn set_bar(&self, bar: ProgressBar) {
        *self.lock() = Some(bar);
    }

    /// Removes the progress bar, if any.
    pub fn clear_bar(&self) {
        if let Some(bar) = self.lock().take() {
            bar.finish_and_clear();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes `text` exactly (no newline added), around the progress bar.
    pub fn write_raw(&self, text: &str) {
        let guard = self.lock();
        let write = || {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        };
        match guard.as_ref() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Writes one line (a newline is added).
    pub fn line(&self, text: &str) {
        self.write_raw(&format!("{text}\n"));
    }

    /// Go's `base.Error`: `go: <err>`, newline-terminated (no second newline when the
    /// message already ends with one).
    pub fn go_error(&self, err: &str) {
        let mut s = format!("go: {err}");
        if !s.ends_with('\n') {
            s.push('\n');
        }
        self.write_raw(&s);
    }
}

impl Default for Console {
    fn default() -> Console {
        Console::new()
    }
}

/// `-x`: the HTTP trace lines go to stderr as they happen.
impl Trace for Console {
    fn line(&self, line: &str) {
        Console::line(self, line);
    }
}
