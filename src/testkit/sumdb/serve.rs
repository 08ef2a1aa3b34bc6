//! The checksum-database HTTP protocol as Go's `golang.org/x/mod/sumdb.Server` speaks
//! it, with the database behind a small trait ([`Ops`], Go's `ServerOps`). Pure: a path
//! in, a [`HookReply`] out.
//!
//! | path | answer |
//! |---|---|
//! | `/latest` | 200, the signed tree head |
//! | `/lookup/<esc>@<ev>` | 200, `<id>\n<text>\n` and the signed tree head; 400 `invalid module@version syntax` unless the path matches `^[^@]+@v[0-9]+\.[0-9]+\.[0-9]+(-[^@]*)?(\+incompatible)?$`; 500 with the unescaping error; 404 `file does not exist` for an unknown version |
//! | `/tile/<H>/<L>/<N>[.p/<W>]` | 200, hash tile (`application/octet-stream`) or data tile (`L` = `data`); 400 `invalid tile syntax` for a path that is not a tile path |
//! | anything else | 404 `404 page not found` |
//!
//! Bodies and statuses are Go's, including `http.Error`'s newline and its
//! `text/plain; charset=utf-8` against the server's own `text/plain; charset=UTF-8`.
//! Where Go's test server has no defined answer (it indexes past its hash slice and
//! panics, dropping the connection) a hash tile the tree does not hold is a 404.

use super::log::TileError;
use crate::module;
use crate::sumdb::tlog::{self, Tile};
use crate::testkit::proxy::HookReply;
use bytes::Bytes;

/// The content type of the server's own successful text answers.
const TEXT_OK: &str = "text/plain; charset=UTF-8";
/// The content type of `http.Error` and `http.NotFound`.
const TEXT_ERR: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

/// A request the database understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Latest,
    Lookup { path: String, version: String },
    Tile(Tile),
}

/// Why a lookup found no record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The version does not exist (Go: `fs.ErrNotExist` → 404).
    NotExist,
    /// Anything else (→ 500 with this text).
    Other(String),
}

/// What the server needs from a database (Go's `ServerOps`). A lookup may append.
pub trait Ops {
    /// The signed tree head.
    fn signed(&mut self) -> Result<Vec<u8>, String>;
    /// The id of the record for `path@version`.
    fn lookup(&mut self, path: &str, version: &str) -> Result<u64, LookupError>;
    /// Record `id`'s text.
    fn record(&mut self, id: u64) -> Result<Vec<u8>, String>;
    /// Tile `t`, hash or data.
    fn tile(&mut self, t: Tile) -> Result<Vec<u8>, TileError>;
}

/// An answer with a status, a content type and a body.
pub fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> HookReply {
    HookReply {
        status,
        content_type: content_type.to_string(),
        body: body.into(),
    }
}

/// Go's `http.Error`: the message and a newline.
pub fn http_error(status: u16, msg: &str) -> HookReply {
    reply(status, TEXT_ERR, format!("{msg}\n"))
}

/// Go's `http.NotFound`.
pub fn page_not_found() -> HookReply {
    http_error(404, "404 page not found")
}

/// Parses a database path (`/latest`, `/lookup/…`, `/tile/…`), or gives the answer
/// that rejects it.
pub fn parse(path: &str) -> Result<Request, HookReply> {
    if let Some(m) = path.strip_prefix("/lookup/") {
        if !is_module_version(m) {
            return Err(http_error(400, "invalid module@version syntax"));
        }
        let (esc_path, esc_version) = m.split_once('@').unwrap_or((m, ""));
        let path = module::unescape_path(esc_path).map_err(|e| http_error(500, &e.to_string()))?;
        let version =
            module::unescape_version(esc_version).map_err(|e| http_error(500, &e.to_string()))?;
        return Ok(Request::Lookup { path, version });
    }
    if path == "/latest" {
        return Ok(Request::Latest);
    }
    if let Some(rest) = path.strip_prefix('/').filter(|p| p.starts_with("tile/")) {
        return Tile::parse_path(rest)
            .map(Request::Tile)
            .map_err(|_| http_error(400, "invalid tile syntax"));
    }
    Err(page_not_found())
}

/// Answers a parsed request from `ops`, as Go's server does.
pub fn answer(ops: &mut dyn Ops, request: &Request) -> HookReply {
    match request {
        Request::Latest => match ops.signed() {
            Ok(signed) => reply(200, TEXT_OK, signed),
            Err(e) => http_error(500, &e),
        },
        Request::Lookup { path, version } => {
            let id = match ops.lookup(path, version) {
                Ok(id) => id,
                Err(LookupError::NotExist) => return http_error(404, "file does not exist"),
                Err(LookupError::Other(e)) => return http_error(500, &e),
            };
            let text = match ops.record(id) {
                Ok(t) => t,
                Err(e) => return http_error(500, &e),
            };
            let mut body = match tlog::format_record(id, &text) {
                Ok(b) => b,
                Err(e) => return http_error(500, &e.to_string()),
            };
            match ops.signed() {
                Ok(signed) => body.extend_from_slice(&signed),
                Err(e) => return http_error(500, &e),
            }
            reply(200, TEXT_OK, body)
        }
        Request::Tile(t) => match ops.tile(*t) {
            Ok(data) if t.l == -1 => reply(200, TEXT_OK, data),
            Ok(data) => reply(200, OCTETS, data),
            Err(e @ TileError::MissingRecords) => http_error(500, &e.to_string()),
            Err(e @ TileError::NotInTree { .. }) => http_error(404, &e.to_string()),
        },
    }
}

/// Whether `s` matches `^[^@]+@v[0-9]+\.[0-9]+\.[0-9]+(-[^@]*)?(\+incompatible)?$`.
pub fn is_module_version(s: &str) -> bool {
    let Some((path, version)) = s.split_once('@') else {
        return false;
    };
    if path.is_empty() {
        return false;
    }
    let Some(mut rest) = version.strip_prefix('v') else {
        return false;
    };
    for i in 0..3 {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        if i < 2 {
            let Some(r) = rest.strip_prefix('.') else {
                return false;
            };
            rest = r;
        }
    }
    // `-[^@]*` may swallow a `+incompatible`; neither part may hold an `@`.
    rest.is_empty() || rest == "+incompatible" || (rest.starts_with('-') && !rest.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_version_syntax_is_gos_regexp() {
        for ok in [
            "rsc.io/quote@v1.5.2",
            "a@v0.0.0",
            "a@v1.2.3-pre",
            "a@v1.2.3+incompatible",
            "a@v1.2.3-pre+incompatible",
            "a@v1.2.3-+x",
            "a@v1.2.3-",
            "a b\n@v01.002.3",
            "x/!y@v2.0.0-20200101000000-abcdefabcdef",
        ] {
            assert!(is_module_version(ok), "{ok:?}");
        }
        for bad in [
            "",
            "@v1.0.0",
            "a",
            "a@",
            "a@1.0.0",
            "a@v1.0",
            "a@v1.0.0.0",
            "a@v1..0",
            "a@v1.0.0+meta",
            "a@v1.0.0+incompatible+incompatible",
            "a@v1.0.0-x@y",
            "a@b@v1.0.0",
            "a@v1.0.0@",
            "a@v1.0.x",
            "a@V1.0.0",
        ] {
            assert!(!is_module_version(bad), "{bad:?}");
        }
    }

    #[test]
    fn paths_parse_like_gos_server() {
        assert_eq!(parse("/latest"), Ok(Request::Latest));
        assert_eq!(
            parse("/lookup/rsc.io/!q!u!o!t!e@v1.5.3-!p!r!e"),
            Ok(Request::Lookup {
                path: "rsc.io/QUOTE".into(),
                version: "v1.5.3-PRE".into()
            })
        );
        assert_eq!(
            parse("/tile/8/0/000.p/5"),
            Ok(Request::Tile(Tile {
                h: 8,
                l: 0,
                n: 0,
                w: 5
            }))
        );
        assert_eq!(
            parse("/tile/3/data/x001/234"),
            Ok(Request::Tile(Tile {
                h: 3,
                l: -1,
                n: 1234,
                w: 8
            }))
        );
        let status = |p: &str| parse(p).map_err(|r| (r.status, r.body)).unwrap_err();
        assert_eq!(
            status("/lookup/rsc.io/quote@v1"),
            (400, Bytes::from("invalid module@version syntax\n"))
        );
        assert_eq!(
            status("/tile/8/0/0000"),
            (400, Bytes::from("invalid tile syntax\n"))
        );
        assert_eq!(status("/tile/0/0/000").0, 400);
        assert_eq!(status("/tile/31/0/000").0, 400);
        assert_eq!(status("/latest/").0, 404);
        assert_eq!(status("/supported").0, 404);
        assert_eq!(status("/other"), (404, Bytes::from("404 page not found\n")));
        // Unescaping failures are 500s carrying the module package's (Go's) text.
        let (code, body) = status("/lookup/rsc.io/Quote@v1.0.0");
        assert_eq!(code, 500);
        let want = module::unescape_path("rsc.io/Quote")
            .unwrap_err()
            .to_string();
        assert_eq!(body, Bytes::from(format!("{want}\n")));
        assert_eq!(status("/lookup/rsc.io/quote@v1.0.0-Pre").0, 500);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "/(lookup/|tile/|latest)?[a-z0-9./@!+x-]{0,40}") {
            let _ = parse(&s);
        }
    }
}
