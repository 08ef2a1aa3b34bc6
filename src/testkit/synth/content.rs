//! File contents of synthetic modules: Go-like source, Markdown-like prose and
//! incompressible binary assets, each generated from its own [`Rng`] so any file can be
//! produced alone and always comes out the same.
//!
//! What matters for a download benchmark is not that the code compiles but that the
//! bytes behave like real ones under Deflate: the source generator is tuned so that a
//! file compresses about as well as a Go source file of its size does at
//! `archive/zip`'s level ([`GO_RATIOS`]), prose compresses less well once large
//! ([`TEXT_RATIOS`]), and assets (images, archives) not at all. Text is generated a declaration or paragraph at a
//! time until the requested length is passed, then cut back to the last line that
//! fits, so a file ends at a line boundary within a line of the requested length
//! (never over it, unless its first line alone is longer).

use super::rng::Rng;

/// Deflate ratio (uncompressed / compressed, level 5, one file at a time as Go's zip
/// writer compresses) of [`go_source`] output by file length, as measured (the unit
/// test keeps it true). Small files compress poorly, large ones well, as real ones
/// do: the `.go` files of `$GOROOT/src` by size class compress 1.67 (512 B), 2.02
/// (1 KiB), 2.38 (2 KiB), 2.77 (4 KiB), 3.11 (8 KiB), 3.43 (16 KiB), 3.99 (32 KiB),
/// 4.49 (64 KiB), 4.59 (128 KiB).
pub const GO_RATIOS: &[(f64, f64)] = &[
    (300.0, 1.33),
    (600.0, 1.54),
    (1_000.0, 1.78),
    (2_000.0, 2.14),
    (4_000.0, 2.54),
    (8_000.0, 3.00),
    (16_000.0, 3.47),
    (32_000.0, 3.88),
    (64_000.0, 4.18),
    (128_000.0, 4.38),
];

/// The same for [`text`] output (READMEs, licenses, changelogs, CI and golden files):
/// English-like prose compresses less well than code once files are large.
pub const TEXT_RATIOS: &[(f64, f64)] = &[
    (300.0, 1.57),
    (600.0, 1.71),
    (1_000.0, 1.88),
    (2_000.0, 2.18),
    (4_000.0, 2.47),
    (8_000.0, 2.70),
    (16_000.0, 2.83),
    (32_000.0, 2.93),
    (64_000.0, 3.01),
    (128_000.0, 3.07),
];

/// The Deflate-compressed size of a `len`-byte file whose ratio curve is `ratios`
/// (interpolated in log length, flat beyond the ends).
pub fn compressed_len(ratios: &[(f64, f64)], len: f64) -> f64 {
    let ratio = match ratios {
        [] => 1.0,
        [(l0, r0), ..] if len <= *l0 => *r0,
        [.., (ln, rn)] if len >= *ln => *rn,
        _ => ratios.windows(2).find(|w| len <= w[1].0).map_or(1.0, |w| {
            let ((l0, r0), (l1, r1)) = (w[0], w[1]);
            let t = (len.ln() - l0.ln()) / (l1.ln() - l0.ln());
            r0 + t * (r1 - r0)
        }),
    };
    len / ratio
}

const IDENT_WORDS: &[&str] = &[
    "addr", "attr", "auth", "batch", "buf", "cache", "call", "chunk", "client", "codec", "conf",
    "conn", "count", "ctx", "data", "decode", "dial", "dst", "encode", "entry", "err", "event",
    "field", "file", "filter", "flag", "frame", "handler", "hash", "header", "host", "id", "index",
    "info", "item", "key", "kind", "label", "len", "limit", "list", "lock", "log", "meta",
    "method", "mode", "msg", "name", "node", "offset", "opts", "owner", "page", "parse", "path",
    "peer", "pool", "port", "query", "queue", "read", "record", "ref", "req", "resp", "result",
    "retry", "root", "route", "rule", "scope", "seq", "server", "size", "spec", "src", "state",
    "stats", "status", "store", "stream", "tag", "task", "timeout", "token", "trace", "tx", "typ",
    "url", "user", "val", "value", "version", "watch", "write",
];

const WORDS: &[&str] = &[
    "the",
    "a",
    "of",
    "to",
    "and",
    "is",
    "in",
    "for",
    "it",
    "that",
    "this",
    "with",
    "on",
    "be",
    "as",
    "are",
    "by",
    "from",
    "or",
    "an",
    "not",
    "when",
    "if",
    "returns",
    "value",
    "error",
    "request",
    "response",
    "client",
    "server",
    "file",
    "path",
    "name",
    "version",
    "module",
    "package",
    "function",
    "method",
    "type",
    "field",
    "string",
    "list",
    "map",
    "slice",
    "buffer",
    "reader",
    "writer",
    "stream",
    "connection",
    "context",
    "timeout",
    "deadline",
    "retry",
    "cache",
    "key",
    "entry",
    "index",
    "header",
    "body",
    "status",
    "code",
    "message",
    "option",
    "config",
    "default",
    "empty",
    "nil",
    "zero",
    "new",
    "existing",
    "current",
    "previous",
    "next",
    "first",
    "last",
    "each",
    "every",
    "all",
    "any",
    "only",
    "must",
    "should",
    "may",
    "can",
    "will",
    "does",
    "used",
    "called",
    "passed",
    "set",
    "read",
    "written",
    "closed",
    "opened",
    "parsed",
    "encoded",
    "decoded",
    "valid",
    "invalid",
    "unknown",
    "supported",
    "safe",
    "concurrent",
    "use",
    "by",
    "multiple",
    "goroutines",
    "caller",
    "result",
    "results",
    "number",
    "size",
    "limit",
    "bytes",
    "data",
    "input",
    "output",
    "handler",
    "event",
    "events",
    "state",
    "token",
    "user",
    "host",
    "port",
    "address",
    "network",
    "protocol",
    "format",
    "see",
    "also",
    "note",
    "because",
    "after",
    "before",
    "until",
    "while",
    "without",
    "which",
    "so",
    "than",
    "more",
    "less",
    "most",
    "least",
    "same",
    "other",
    "its",
    "their",
    "there",
];

const IMPORTS: &[&str] = &[
    "bufio",
    "bytes",
    "context",
    "encoding/json",
    "errors",
    "fmt",
    "io",
    "net",
    "net/http",
    "os",
    "path/filepath",
    "sort",
    "strconv",
    "strings",
    "sync",
    "time",
    "unicode/utf8",
    "crypto/sha256",
    "encoding/binary",
    "math",
];

const GO_TYPES: &[&str] = &[
    "string",
    "int",
    "int64",
    "uint32",
    "bool",
    "error",
    "[]byte",
    "time.Duration",
    "map[string]string",
    "[]string",
    "*sync.Mutex",
    "io.Reader",
    "context.Context",
];

/// One identifier of 1–3 words in camelCase; exported (capitalised) when asked.
fn ident(rng: &mut Rng, exported: bool) -> String {
    let n = 1 + rng.below(3) as usize;
    let mut s = String::new();
    for i in 0..n {
        let w = *rng.pick(IDENT_WORDS);
        if i == 0 && !exported {
            s.push_str(w);
        } else {
            let mut cs = w.chars();
            if let Some(c) = cs.next() {
                s.push(c.to_ascii_uppercase());
                s.push_str(cs.as_str());
            }
        }
    }
    s
}

fn words(rng: &mut Rng, out: &mut Vec<u8>, n: usize) {
    for i in 0..n {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(rng.pick(WORDS).as_bytes());
    }
}

fn number(rng: &mut Rng, out: &mut Vec<u8>) {
    let n = match rng.below(4) {
        0 => rng.below(10),
        1 => rng.below(1000),
        2 => rng.below(1 << 20),
        _ => rng.next_u64() >> 24,
    };
    out.extend_from_slice(n.to_string().as_bytes());
}

/// Go-like source of about `len` bytes (see the module docs) in package `package`: a license header,
/// imports, then doc-commented functions, methods, structs, constants and variables
/// built from a per-file vocabulary (so names repeat within a file as they do in real
/// code) with literal numbers and strings mixed in.
pub fn go_source(rng: &mut Rng, package: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 1024);
    let locals: Vec<String> = (0..24).map(|_| ident(rng, false)).collect();
    let types: Vec<String> = (0..5).map(|_| ident(rng, true)).collect();
    let funcs: Vec<String> = (0..16).map(|_| ident(rng, true)).collect();
    let year = 2015 + rng.below(11);
    out.extend_from_slice(
        format!(
            "// Copyright {year} The {} Authors. All rights reserved.\n\
             // Use of this source code is governed by the license in the LICENSE file.\n\n\
             package {package}\n\nimport (\n",
            types[0]
        )
        .as_bytes(),
    );
    for _ in 0..2 + rng.below(5) {
        out.extend_from_slice(format!("\t\"{}\"\n", rng.pick(IMPORTS)).as_bytes());
    }
    out.extend_from_slice(b")\n\n");
    while out.len() < len {
        match rng.below(10) {
            0..=5 => function(rng, &mut out, &locals, &types, &funcs),
            6 | 7 => structure(rng, &mut out, &locals, &types),
            8 => constants(rng, &mut out, &types),
            _ => {
                let v = rng.pick(&locals).clone();
                out.extend_from_slice(format!("var {v} = {}.", rng.pick(&types)).as_bytes());
                out.extend_from_slice(format!("{}(", rng.pick(&funcs)).as_bytes());
                number(rng, &mut out);
                out.extend_from_slice(b")\n\n");
            }
        }
    }
    cut_to_line(out, len)
}

/// Shortens `out` to its longest prefix of whole lines no longer than `len` (keeping
/// at least the first line). When whole lines would keep less than half of `len` (a
/// long paragraph line straddles the cut), the line is cut at its last space that fits
/// and ended with a newline instead, so the length target is still met.
fn cut_to_line(mut out: Vec<u8>, len: usize) -> Vec<u8> {
    if out.len() > len {
        let first = out
            .iter()
            .position(|&b| b == b'\n')
            .map_or(out.len(), |i| i + 1);
        let end = out[..=len]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let space = (end < len / 2 && len > 0)
            .then(|| out[end..len].iter().rposition(|&b| b == b' '))
            .flatten()
            .map(|i| end + i);
        match space {
            Some(cut) if cut + 1 >= first => {
                out.truncate(cut);
                out.push(b'\n');
            }
            _ => out.truncate(end.max(first)),
        }
    }
    out
}

fn doc_comment(rng: &mut Rng, out: &mut Vec<u8>, name: &str) {
    let lines = 1 + rng.below(3) as usize;
    for i in 0..lines {
        out.extend_from_slice(b"// ");
        if i == 0 {
            out.extend_from_slice(name.as_bytes());
            out.push(b' ');
        }
        let n = 5 + rng.below(8) as usize;
        words(rng, out, n);
        out.extend_from_slice(if i + 1 == lines { b".\n" } else { b"\n" });
    }
}

fn function(
    rng: &mut Rng,
    out: &mut Vec<u8>,
    locals: &[String],
    types: &[String],
    funcs: &[String],
) {
    let name = rng.pick(funcs).clone();
    doc_comment(rng, out, &name);
    let recv = rng.pick(types).clone();
    let (a, b) = (rng.pick(locals).clone(), rng.pick(locals).clone());
    out.extend_from_slice(
        format!(
            "func (x *{recv}) {name}({a} {}, {b} {}) ({}, error) {{\n",
            rng.pick(GO_TYPES),
            rng.pick(GO_TYPES),
            rng.pick(GO_TYPES)
        )
        .as_bytes(),
    );
    for _ in 0..2 + rng.below(9) {
        let v = rng.pick(locals).clone();
        let w = rng.pick(locals).clone();
        match rng.below(8) {
            0 => {
                out.extend_from_slice(
                    format!(
                        "\tif err := x.{}({v}, {w}); err != nil {{\n\t\treturn nil, fmt.Errorf(\"",
                        rng.pick(funcs)
                    )
                    .as_bytes(),
                );
                let n = 2 + rng.below(4) as usize;
                words(rng, out, n);
                out.extend_from_slice(b": %w\", err)\n\t}\n");
            }
            1 => out.extend_from_slice(
                format!("\tfor _, {v} := range x.{w} {{\n\t\t{a} = append({a}, {v})\n\t}}\n")
                    .as_bytes(),
            ),
            2 => out.extend_from_slice(
                format!("\tif {v} == nil {{\n\t\treturn nil, nil\n\t}}\n").as_bytes(),
            ),
            3 => {
                out.extend_from_slice(b"\t// ");
                let n = 4 + rng.below(10) as usize;
                words(rng, out, n);
                out.push(b'\n');
            }
            4 => {
                out.extend_from_slice(format!("\tx.{v} = ").as_bytes());
                number(rng, out);
                out.push(b'\n');
            }
            5 => {
                out.extend_from_slice(format!("\tswitch {v} {{\n\tcase ").as_bytes());
                number(rng, out);
                out.extend_from_slice(format!(":\n\t\t{w}++\n\tdefault:\n\t\t{w} = \"").as_bytes());
                let n = 1 + rng.below(3) as usize;
                words(rng, out, n);
                out.extend_from_slice(b"\"\n\t}\n");
            }
            _ => out.extend_from_slice(
                format!("\t{v} := x.{}({w}, {b})\n", rng.pick(funcs)).as_bytes(),
            ),
        }
    }
    out.extend_from_slice(format!("\treturn {a}, nil\n}}\n\n").as_bytes());
}

fn structure(rng: &mut Rng, out: &mut Vec<u8>, locals: &[String], types: &[String]) {
    let name = rng.pick(types).clone();
    doc_comment(rng, out, &name);
    out.extend_from_slice(format!("type {name} struct {{\n").as_bytes());
    for _ in 0..2 + rng.below(7) {
        let f = rng.pick(locals).clone();
        out.extend_from_slice(format!("\t{f} {} `json:\"", rng.pick(GO_TYPES)).as_bytes());
        let f = f.to_ascii_lowercase();
        out.extend_from_slice(format!("{f},omitempty\"`\n").as_bytes());
    }
    out.extend_from_slice(b"}\n\n");
}

fn constants(rng: &mut Rng, out: &mut Vec<u8>, types: &[String]) {
    out.extend_from_slice(b"const (\n");
    let prefix = rng.pick(types).clone();
    for i in 0..2 + rng.below(8) {
        out.extend_from_slice(format!("\t{prefix}{} = ", ident(rng, true)).as_bytes());
        if i == 0 && rng.chance(0.5) {
            out.extend_from_slice(b"iota\n");
        } else {
            number(rng, out);
            out.push(b'\n');
        }
    }
    out.extend_from_slice(b")\n\n");
}

/// Markdown-like prose of about `len` bytes: headings, paragraphs, lists, links and
/// code blocks.
pub fn text(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 1024);
    out.extend_from_slice(b"# ");
    let n = 2 + rng.below(3) as usize;
    words(rng, &mut out, n);
    out.extend_from_slice(b"\n\n");
    while out.len() < len {
        match rng.below(8) {
            0 => {
                out.extend_from_slice(b"## ");
                let n = 1 + rng.below(4) as usize;
                words(rng, &mut out, n);
                out.extend_from_slice(b"\n\n");
            }
            1 => {
                for _ in 0..2 + rng.below(4) {
                    out.extend_from_slice(b"- ");
                    let n = 3 + rng.below(9) as usize;
                    words(rng, &mut out, n);
                    out.push(b'\n');
                }
                out.push(b'\n');
            }
            2 => {
                out.extend_from_slice(b"```go\n");
                let v = ident(rng, false);
                out.extend_from_slice(format!("{v}, err := {}(", ident(rng, true)).as_bytes());
                number(rng, &mut out);
                out.extend_from_slice(b")\n```\n\n");
            }
            _ => {
                for s in 0..2 + rng.below(5) {
                    if s > 0 {
                        out.push(b' ');
                    }
                    let n = 6 + rng.below(14) as usize;
                    words(rng, &mut out, n);
                    if rng.chance(0.2) {
                        out.extend_from_slice(b" (v");
                        number(rng, &mut out);
                        out.push(b')');
                    }
                    out.push(b'.');
                }
                out.extend_from_slice(b"\n\n");
            }
        }
    }
    cut_to_line(out, len)
}

/// `len` bytes that do not compress: what images, archives and other binary test
/// assets look like to Deflate.
pub fn asset(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::DeflateEncoder};
    use std::io::Write;

    fn ratio(data: &[u8]) -> f64 {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::new(5));
        e.write_all(data).unwrap();
        data.len() as f64 / e.finish().unwrap().len() as f64
    }

    /// The ratio of 20 files of about `len` bytes together.
    fn mean_ratio(len: usize, mut f: impl FnMut(&mut Rng, usize) -> Vec<u8>) -> f64 {
        let (mut raw, mut packed) = (0.0, 0.0);
        for i in 0..20 {
            let d = f(&mut Rng::derive(7, len as u64, i), len);
            raw += d.len() as f64;
            packed += d.len() as f64 / ratio(&d);
        }
        raw / packed
    }

    #[test]
    fn compression_ratios_are_as_documented() {
        for &(len, want) in GO_RATIOS {
            let got = mean_ratio(len as usize, |r, n| go_source(r, "p", n));
            assert!(
                (got / want - 1.0).abs() < 0.06,
                "go at {len}: {got:.2}, table {want}"
            );
        }
        for &(len, want) in TEXT_RATIOS {
            let got = mean_ratio(len as usize, text);
            assert!(
                (got / want - 1.0).abs() < 0.06,
                "text at {len}: {got:.2}, table {want}"
            );
        }
        let asset = mean_ratio(10_000, asset);
        assert!(asset < 1.01, "asset ratio {asset:.3}");
    }

    #[test]
    fn compressed_len_interpolates() {
        assert_eq!(compressed_len(GO_RATIOS, 300.0), 300.0 / 1.33);
        assert_eq!(compressed_len(GO_RATIOS, 100.0), 100.0 / 1.33);
        assert_eq!(compressed_len(GO_RATIOS, 1e6), 1e6 / 4.38);
        let mid = compressed_len(GO_RATIOS, 3_000.0);
        assert!(mid < 3_000.0 / 2.14 && mid > 3_000.0 / 2.54);
        assert_eq!(compressed_len(&[], 5.0), 5.0);
    }

    #[test]
    fn lengths_are_met_and_deterministic() {
        for len in [0, 1, 500, 20_000] {
            let a = go_source(&mut Rng::derive(1, 2, 3), "pkg", len);
            assert!(
                a.len() <= len.max(200) && a.len() + 200 > len,
                "{} for {len}",
                a.len()
            );
            assert!(a.ends_with(b"\n"));
            assert_eq!(a, go_source(&mut Rng::derive(1, 2, 3), "pkg", len));
            let t = text(&mut Rng::new(5), len);
            assert!(
                t.len() <= len.max(100) && t.len() + 200 > len,
                "{} for {len}",
                t.len()
            );
            assert_eq!(asset(&mut Rng::new(5), len).len(), len);
        }
    }
}
