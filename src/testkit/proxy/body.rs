//! Response bodies that can misbehave on purpose, and record themselves when done.
//!
//! A body hands out its bytes in chunks of at most [`CHUNK`], so byte counts and
//! mid-body faults are exact to the byte while the transfer stays efficient. It
//! announces its full length (hyper turns that into `Content-Length`) whatever its
//! [`Delivery`] does. The request record is written exactly once: when the last byte
//! is handed over, when a fault cuts the body, or when the body is dropped early
//! (client gone, connection reset, proxy shut down).

use super::log::{Outcome, RequestRecord};
use super::netem::ConnControl;
use super::server::State;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::time::Sleep;

/// The largest piece handed to hyper at once.
pub(crate) const CHUNK: usize = 16 * 1024;

/// How long a cutting fault waits after the last byte before acting, so the bytes
/// before the cut leave the socket first.
const SETTLE: Duration = Duration::from_millis(50);

/// How the body's bytes go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    Whole,
    /// At `bytes_per_sec`, in ticks of at most 50 ms.
    Drip {
        bytes_per_sec: u64,
    },
    /// Up to `at`, then pause for the duration (forever when `None`), then the rest.
    Stall {
        at: usize,
        pause: Option<Duration>,
    },
    /// Up to `at`, then reset the connection.
    Reset {
        at: usize,
    },
    /// Up to `at`, then end the body (shorter than announced).
    Truncate {
        at: usize,
    },
    /// Up to `at`, then fail the body (HTTP/2: RST_STREAM).
    StreamReset {
        at: usize,
    },
}

impl Delivery {
    fn cut(&self) -> Option<usize> {
        match *self {
            Delivery::Stall { at, .. }
            | Delivery::Reset { at }
            | Delivery::Truncate { at }
            | Delivery::StreamReset { at } => Some(at),
            Delivery::Whole | Delivery::Drip { .. } => None,
        }
    }
}

/// What the record of a request needs besides the body's own counts.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) id: u64,
    pub(crate) conn: u64,
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) path: String,
    pub(crate) http_version: String,
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) authorization: Option<String>,
    pub(crate) arrived: Instant,
    pub(crate) fault: Option<String>,
}

impl Draft {
    /// Writes the record.
    pub(crate) fn finish(
        self,
        state: &State,
        status: u16,
        bytes_sent: u64,
        body_len: u64,
        headers_at: Instant,
        outcome: Outcome,
    ) {
        let now = Instant::now();
        state.logs.push(RequestRecord {
            id: self.id,
            conn: self.conn,
            method: self.method,
            target: self.target,
            path: self.path,
            http_version: self.http_version,
            tls: self.tls,
            host: self.host,
            authorization: self.authorization,
            status,
            bytes_sent,
            body_len,
            start: self.arrived.saturating_duration_since(state.epoch),
            time_to_headers: headers_at.saturating_duration_since(self.arrived),
            duration: now.saturating_duration_since(self.arrived),
            fault: self.fault,
            outcome,
        });
    }
}

/// The error a [`Delivery::StreamReset`] body fails with.
#[derive(Debug, thiserror::Error)]
#[error("test proxy fault: body reset on purpose")]
pub(crate) struct InjectedBodyError;

/// Where a body with a cut point stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Sending the bytes before the cut.
    BeforeCut,
    /// At the cut, waiting [`SETTLE`] before cutting.
    Settling,
    /// Past the cut (a stall that resumed): sending the rest.
    Resumed,
}

/// A response body (see the module docs).
pub(crate) struct ResponseBody {
    data: Bytes,
    sent: usize,
    delivery: Delivery,
    phase: Phase,
    timer: Option<Pin<Box<Sleep>>>,
    status: u16,
    headers_at: Instant,
    state: Arc<State>,
    conn_id: u64,
    conn: Arc<ConnControl>,
    draft: Option<Draft>,
}

impl ResponseBody {
    pub(crate) fn new(
        data: Bytes,
        delivery: Delivery,
        status: u16,
        state: Arc<State>,
        conn: Arc<ConnControl>,
        draft: Draft,
    ) -> ResponseBody {
        // A cut at or past the end cuts nothing.
        let delivery = match delivery.cut() {
            Some(at) if at >= data.len() && !data.is_empty() => Delivery::Whole,
            _ => delivery,
        };
        ResponseBody {
            data,
            sent: 0,
            delivery,
            phase: Phase::BeforeCut,
            timer: None,
            status,
            headers_at: Instant::now(),
            state,
            conn_id: draft.conn,
            conn,
            draft: Some(draft),
        }
    }

    /// Whether the body is whole once every byte is out.
    fn ends_whole(&self) -> bool {
        self.delivery.cut().is_none() || self.phase == Phase::Resumed
    }

    fn finish(&mut self, outcome: Outcome) {
        if let Some(d) = self.draft.take() {
            d.finish(
                &self.state,
                self.status,
                self.sent as u64,
                self.data.len() as u64,
                self.headers_at,
                outcome,
            );
        }
    }

    fn next_chunk(&mut self, limit: usize) -> Bytes {
        let mut n = (limit - self.sent).min(CHUNK);
        if let Delivery::Drip { bytes_per_sec } = self.delivery {
            let (per_tick, tick) = drip_pace(bytes_per_sec);
            n = n.min(per_tick);
            self.timer = Some(Box::pin(tokio::time::sleep(tick)));
        }
        let chunk = self.data.slice(self.sent..self.sent + n);
        self.sent += n;
        self.state
            .counters
            .body_bytes
            .fetch_add(n as u64, Ordering::Relaxed);
        chunk
    }
}

/// Bytes per tick and tick length for a drip rate: 20 ticks a second, or one byte
/// per tick below 20 bytes a second.
fn drip_pace(bytes_per_sec: u64) -> (usize, Duration) {
    let rate = bytes_per_sec.max(1);
    if rate >= 20 {
        (
            usize::try_from(rate / 20).unwrap_or(usize::MAX),
            Duration::from_millis(50),
        )
    } else {
        (1, Duration::from_secs_f64(1.0 / rate as f64))
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = InjectedBodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, InjectedBodyError>>> {
        let this = self.get_mut();
        loop {
            if let Some(t) = &mut this.timer {
                ready!(t.as_mut().poll(cx));
                this.timer = None;
            }
            let limit = match (this.delivery.cut(), this.phase) {
                (Some(at), Phase::BeforeCut | Phase::Settling) => at,
                _ => this.data.len(),
            };
            if this.sent < limit {
                let chunk = this.next_chunk(limit);
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
            if this.ends_whole() {
                this.finish(Outcome::Complete);
                return Poll::Ready(None);
            }
            match (this.delivery, this.phase) {
                (Delivery::Stall { pause, .. }, _) => match pause {
                    Some(d) => {
                        this.phase = Phase::Resumed;
                        this.timer = Some(Box::pin(tokio::time::sleep(d)));
                    }
                    // Stalled for good: every poll comes back here.
                    None => return Poll::Pending,
                },
                (
                    Delivery::Reset { .. }
                    | Delivery::StreamReset { .. }
                    | Delivery::Truncate { .. },
                    Phase::BeforeCut,
                ) => {
                    this.phase = Phase::Settling;
                    this.timer = Some(Box::pin(tokio::time::sleep(SETTLE)));
                }
                (Delivery::Truncate { .. }, _) => {
                    this.finish(Outcome::Cut);
                    return Poll::Ready(None);
                }
                (Delivery::Reset { .. }, _) => {
                    this.finish(Outcome::Cut);
                    this.state.reset_connection(this.conn_id, &this.conn);
                    // The connection task now drops the connection, and this body.
                    return Poll::Pending;
                }
                (Delivery::StreamReset { .. }, _) => {
                    this.finish(Outcome::Cut);
                    return Poll::Ready(Some(Err(InjectedBodyError)));
                }
                // `ends_whole` covers the kinds without a cut.
                (Delivery::Whole | Delivery::Drip { .. }, _) => {
                    this.finish(Outcome::Complete);
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.sent == self.data.len() && self.ends_whole()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        let outcome = if self.sent == self.data.len() && self.ends_whole() {
            Outcome::Complete
        } else {
            Outcome::Abandoned
        };
        self.finish(outcome);
    }
}
