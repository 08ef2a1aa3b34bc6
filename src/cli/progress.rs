//! The engine's events on the terminal: Go's stderr messages always; a progress bar
//! (modules done, bytes received) when asked for; `--stream-json` records as each
//! module finishes.

use super::console::Console;
use crate::engine::{Record, Reporter};
use crate::module::ModuleVersion;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The command line's [`Reporter`].
pub struct CliReporter {
    console: Arc<Console>,
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
    stream_json: bool,
}

impl CliReporter {
    pub fn new(console: Arc<Console>, show_progress: bool, stream_json: bool) -> CliReporter {
        let bar = show_progress.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} downloading {pos}/{len} modules {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            console.set_bar(bar.clone());
            bar
        });
        CliReporter {
            console,
            bar,
            bytes: AtomicU64::new(0),
            stream_json,
        }
    }
}

impl Reporter for CliReporter {
    fn start(&self, modules: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(modules as u64);
        }
    }

    fn zip_bytes(&self, _module: &ModuleVersion, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(bar) = &self.bar {
            bar.set_message(format!("({:.1} MiB)", total as f64 / (1024.0 * 1024.0)));
        }
    }

    fn finished(&self, record: &Record) {
        if let Some(bar) = &self.bar
            && !record.failed()
        {
            bar.inc(1);
        }
        if self.stream_json {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let _ = out.write_all(record.to_json().as_bytes());
            let _ = out.flush();
        }
    }

    fn message(&self, text: &str) {
        self.console.line(text);
    }
}
