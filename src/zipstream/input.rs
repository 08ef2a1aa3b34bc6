//! The one read of the body: every byte read from the source is written to the temp
//! file before the parser sees it, so the temp file always holds at least what was
//! parsed, and at the end exactly the whole body.
//!
//! The parser reads through a fixed window (`WINDOW` bytes): it peeks, consumes, and
//! asks for more; memory does not depend on the zip. The source is read no further
//! than Go reads a proxy's zip body: `MAX_ZIP_FILE + 1` bytes, at which point the
//! download is too large.

use super::Error;
use crate::modzip::{MAX_ZIP_FILE, os_err};
use std::io::{self, Read, Write};
use std::path::Path;

/// The size of the read window.
pub(crate) const WINDOW: usize = 64 * 1024;

/// The body being read, teed into the temp file.
pub(crate) struct Input<'t, R, T> {
    src: R,
    temp: &'t mut T,
    /// The temp file's path, named in write errors (`write <path>: no space left on
    /// device`), as Go's `io.Copy` into its temp file reports them.
    temp_path: Option<&'t Path>,
    buf: Box<[u8]>,
    /// The unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Bytes read from the source (and written to the temp file) so far.
    total: u64,
    eof: bool,
}

impl<'t, R: Read, T: Write> Input<'t, R, T> {
    pub(crate) fn new(src: R, temp: &'t mut T, temp_path: Option<&'t Path>) -> Self {
        Input {
            src,
            temp,
            temp_path,
            buf: vec![0; WINDOW].into_boxed_slice(),
            start: 0,
            end: 0,
            total: 0,
            eof: false,
        }
    }

    /// The offset in the body of the next unconsumed byte.
    pub(crate) fn pos(&self) -> u64 {
        self.total - (self.end - self.start) as u64
    }

    /// The unconsumed bytes in the window.
    pub(crate) fn peek(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
    }

    /// One read from the source into the free end of the window (moving the unconsumed
    /// bytes to the front first if needed); `false` at the end of the body.
    fn read_more(&mut self) -> Result<bool, Error> {
        if self.eof {
            return Ok(false);
        }
        if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        debug_assert!(self.end < self.buf.len(), "read_more with a full window");
        // Read at most one byte past the limit: that byte proves the body too large.
        let allowed = (MAX_ZIP_FILE + 1)
            .saturating_sub(self.total)
            .min((self.buf.len() - self.end) as u64);
        let n = loop {
            match self
                .src
                .read(&mut self.buf[self.end..self.end + allowed as usize])
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Read(e)),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        if let Err(e) = self.temp.write_all(&self.buf[self.end..self.end + n]) {
            return Err(self.file_error("write", e));
        }
        self.end += n;
        self.total += n as u64;
        if self.total > MAX_ZIP_FILE {
            return Err(Error::TooLarge);
        }
        Ok(true)
    }

    /// Makes at least one unconsumed byte available; `false` at the end of the body.
    pub(crate) fn fill(&mut self) -> Result<bool, Error> {
        while self.start == self.end {
            if !self.read_more()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Makes at least `n` (at most [`WINDOW`]) unconsumed bytes available; `false` when
    /// the body ends first.
    pub(crate) fn fill_to(&mut self, n: usize) -> Result<bool, Error> {
        debug_assert!(n <= WINDOW);
        while self.end - self.start < n {
            if self.start > 0 && self.buf.len() - self.start < n {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if !self.read_more()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Consumes `n` bytes into `out`; `false` when the body ends first.
    pub(crate) fn take_into(&mut self, mut n: usize, out: &mut Vec<u8>) -> Result<bool, Error> {
        while n > 0 {
            if !self.fill()? {
                return Ok(false);
            }
            let k = n.min(self.end - self.start);
            out.extend_from_slice(&self.buf[self.start..self.start + k]);
            self.start += k;
            n -= k;
        }
        Ok(true)
    }

    /// Consumes `n` bytes; `false` when the body ends first.
    pub(crate) fn skip(&mut self, mut n: u64) -> Result<bool, Error> {
        while n > 0 {
            if !self.fill()? {
                return Ok(false);
            }
            let k = n.min((self.end - self.start) as u64) as usize;
            self.start += k;
            n -= k as u64;
        }
        Ok(true)
    }

    /// Reads the rest of the body into the temp file, flushes it, and returns the size
    /// of the whole body.
    pub(crate) fn finish(mut self) -> Result<u64, Error> {
        loop {
            self.start = self.end;
            if !self.read_more()? {
                break;
            }
        }
        if let Err(e) = self.temp.flush() {
            return Err(self.file_error("write", e));
        }
        Ok(self.total)
    }

    fn file_error(&self, op: &'static str, e: io::Error) -> Error {
        Error::TempWrite(match self.temp_path {
            Some(p) => os_err(op, p, e),
            None => e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out at most `step` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn tees_everything_whatever_is_consumed() {
        let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for step in [1, 7, 4096, WINDOW + 3] {
            let mut temp = Vec::new();
            let mut input = Input::new(Trickle(&body, step), &mut temp, None);
            assert!(input.fill_to(30).unwrap());
            assert_eq!(&input.peek()[..30], &body[..30]);
            input.consume(10);
            assert_eq!(input.pos(), 10);
            let mut name = Vec::new();
            assert!(input.take_into(70_000, &mut name).unwrap());
            assert_eq!(name, &body[10..70_010]);
            assert!(input.skip(5).unwrap());
            assert_eq!(input.pos(), 70_015);
            assert!(input.fill_to(WINDOW).unwrap());
            assert_eq!(input.peek()[0], body[70_015]);
            assert_eq!(input.finish().unwrap(), body.len() as u64);
            assert_eq!(temp, body);
        }
    }

    #[test]
    fn end_of_body() {
        let mut temp = Vec::new();
        let mut input = Input::new(&b"abc"[..], &mut temp, None);
        assert!(!input.fill_to(4).unwrap());
        assert!(input.fill_to(3).unwrap());
        let mut out = Vec::new();
        assert!(!input.take_into(4, &mut out).unwrap());
        assert!(!input.skip(1).unwrap());
        assert!(!input.fill().unwrap());
    }

    #[test]
    fn read_errors_are_kept() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"))
            }
        }
        let mut temp = Vec::new();
        let mut input = Input::new(Broken, &mut temp, None);
        match input.fill() {
            Err(Error::Read(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
            other => panic!("{other:?}"),
        }
    }
}
