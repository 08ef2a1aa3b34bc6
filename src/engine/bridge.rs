//! The bridge from an async body stream to the blocking zip streamer.
//!
//! Inflating, hashing and writing files is CPU and disk work that must not run on the
//! async runtime's few threads, while the body arrives on the runtime. The async side
//! pushes chunks into a bounded channel; the blocking side reads them through
//! [`std::io::Read`]. The bound keeps memory per download at `capacity` chunks, and
//! backpressure reaches the network: a slow disk slows the download instead of
//! buffering it.

use bytes::Bytes;
use std::io;
use tokio::sync::mpsc;

/// What the async side sends: the next chunk, or why the body failed.
pub type Chunk = Result<Bytes, io::Error>;

/// Creates a bounded pipe of `capacity` chunks.
pub fn pipe(capacity: usize) -> (mpsc::Sender<Chunk>, ChannelReader) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (
        tx,
        ChannelReader {
            rx,
            current: Bytes::new(),
            failed: None,
        },
    )
}

/// The blocking end: a `Read` that waits for chunks. End of stream is the sender being
/// dropped; an error chunk is returned from `read` (and again from every later call).
pub struct ChannelReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    failed: Option<(io::ErrorKind, String)>,
}

impl io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some((kind, msg)) = &self.failed {
                return Err(io::Error::new(*kind, msg.clone()));
            }
            if !self.current.is_empty() {
                let n = buf.len().min(self.current.len());
                buf[..n].copy_from_slice(&self.current.split_to(n));
                return Ok(n);
            }
            // Must not be called on a runtime thread: the caller runs in
            // `spawn_blocking` (documented on `pipe`'s users).
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => self.failed = Some((e.kind(), e.to_string())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn chunks_arrive_in_order_then_eof() {
        let (tx, mut reader) = pipe(2);
        let reading = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            reader.read_to_end(&mut out).map(|_| out)
        });
        for part in ["hello ", "", "streaming ", "world"] {
            tx.send(Ok(Bytes::from(part))).await.expect("send");
        }
        drop(tx);
        assert_eq!(
            reading.await.expect("join").expect("read"),
            b"hello streaming world"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn errors_reach_the_reader_and_stick() {
        let (tx, mut reader) = pipe(1);
        let reading = tokio::task::spawn_blocking(move || {
            let mut buf = [0u8; 3];
            let first = reader.read(&mut buf);
            let second = reader.read(&mut buf);
            let third = reader.read(&mut buf);
            (
                first.map(|n| buf[..n].to_vec()),
                second.is_err(),
                third.is_err(),
            )
        });
        tx.send(Ok(Bytes::from_static(b"abc"))).await.expect("send");
        tx.send(Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")))
            .await
            .expect("send");
        let (first, second, third) = reading.await.expect("join");
        assert_eq!(first.expect("first read"), b"abc");
        assert!(second && third);
    }
}
