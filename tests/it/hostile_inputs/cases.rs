//! The table of hostile inputs (see the parent module): each function publishes the
//! modules its cases need in the universe and returns the cases.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use gomodfetch::module::ModuleVersion;
use gomodfetch::testkit::universe::{Package, Universe};

use super::{ABSOLUTE_TARGET, Cache, Case, Main};
use crate::zipstream_craft::{Entry, Zip};

/// Why texts with bytes that are not UTF-8 differ from go's.
const NOT_UTF8: &str = "Rust strings are UTF-8: bytes that are not (in a zip entry name, an argument or an \
     environment variable) reach the message as U+FFFD (raw in our -json, where go's encoder writes \\ufffd; \
     %EF%BF%BD in a URL, where go keeps %FF), and an argument's check then names the character, not the \
     encoding; the outcome is the same";

fn prefix(path: &str) -> String {
    format!("{path}@v1.0.0/")
}

/// A zip of `path@v1.0.0` holding go.mod, one Go file and `extra`.
fn zip_with(path: &str, extra: Vec<Entry>) -> Vec<u8> {
    let p = prefix(path);
    let mut entries = vec![
        Entry::new(format!("{p}go.mod"), format!("module {path}\n")),
        Entry::new(format!("{p}a.go"), "package a\n"),
    ];
    entries.extend(extra);
    Zip::of(entries).build()
}

/// Publishes `path@v1.0.0` with `zip` as its zip (`.mod` and `.info` honest).
fn publish_zip(u: &Universe, path: &str, zip: Vec<u8>) {
    Package::new(path, "v1.0.0").raw_zip(zip).publish(u);
}

/// A deflate stream of `mib` MiB of `fill` bytes, each MiB compressed once and
/// repeated (a full flush leaves each piece byte-aligned), with its CRC-32.
fn repeated_deflate(fill: &[u8], mib: u64, extra: &[u8]) -> (Vec<u8>, u32, u64) {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let chunk: Vec<u8> = fill.iter().copied().cycle().take(1 << 20).collect();
    let mut z = Compress::new(Compression::new(5), false);
    let mut piece = Vec::with_capacity(16 << 10);
    z.compress_vec(&chunk, &mut piece, FlushCompress::Full)
        .expect("deflate");
    let mut out = Vec::new();
    let mut crc = Crc::new();
    for _ in 0..mib {
        out.extend_from_slice(&piece);
        crc.update(&chunk);
    }
    // The extra bytes, stored, in a final block.
    let mut tail = Vec::new();
    let mut z = Compress::new(Compression::new(0), false);
    tail.reserve(extra.len() + 64);
    z.compress_vec(extra, &mut tail, FlushCompress::Finish)
        .expect("deflate");
    out.extend_from_slice(&tail);
    crc.update(extra);
    (out, crc.sum(), (mib << 20) + extra.len() as u64)
}

/// An honest entry of `mib` MiB of `fill` plus `extra`, deflated.
fn big_entry(name: String, fill: &[u8], mib: u64, extra: &[u8]) -> Entry {
    let (raw, crc, size) = repeated_deflate(fill, mib, extra);
    let sizes = (raw.len() as u64, size);
    let mut e = Entry::new(name, "");
    e.raw = Some(raw);
    for (c, s) in [
        (&mut e.cd_crc, &mut e.cd_sizes),
        (&mut e.desc_crc, &mut e.desc_sizes),
    ] {
        *c = Some(crc);
        *s = Some(sizes);
    }
    e
}

/// The zip cases: each module `example.com/hostile/zN` is published with its zip.
fn zip_cases(u: &Universe) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut n = 0;
    let mut add =
        |group: &'static str, name: &str, cache: Cache, make: &dyn Fn(&str) -> Vec<u8>| -> Case {
            n += 1;
            let path = format!("example.com/hostile/z{n}");
            publish_zip(u, &path, make(&path));
            Case::new(group, name).module(&path, "v1.0.0").cache(cache)
        };
    let entry = |rest: &str| {
        let rest = rest.to_string();
        move |path: &str| {
            zip_with(
                path,
                vec![Entry::new(format!("{}{rest}", prefix(path)), "x")],
            )
        }
    };
    let raw_name = |rest: &'static [u8]| {
        move |path: &str| {
            let name = [prefix(path).as_bytes(), rest].concat();
            zip_with(path, vec![Entry::new(name, "x")])
        }
    };
    let outside =
        |name: &'static str| move |path: &str| zip_with(path, vec![Entry::new(name, "x")]);

    // Names that try to leave the module directory. Those under the prefix make a
    // well-formed zip, which go stores before unzip refuses the name.
    let slip = "zip-slip";
    cases.push(add(
        slip,
        "prefix/../PWNED.go",
        Cache::ZipOnly,
        &entry("../PWNED.go"),
    ));
    cases.push(add(
        slip,
        "prefix/sub/../../../PWNED.go",
        Cache::ZipOnly,
        &entry("sub/../../../PWNED.go"),
    ));
    cases.push(add(
        slip,
        "../PWNED.go",
        Cache::Nothing,
        &outside("../PWNED.go"),
    ));
    cases.push(add(
        slip,
        "absolute name",
        Cache::Nothing,
        &outside(ABSOLUTE_TARGET),
    ));
    cases.push(add(
        slip,
        "prefix//PWNED.go (absolute after the prefix)",
        Cache::ZipOnly,
        &entry("/tmp/PWNED.go"),
    ));
    cases.push(add(
        slip,
        "backslashes",
        Cache::ZipOnly,
        &entry("..\\..\\PWNED.go"),
    ));
    cases.push(add(
        slip,
        "drive letter",
        Cache::ZipOnly,
        &entry("C:/PWNED.go"),
    ));
    cases.push(add(
        slip,
        "drive letter with backslash",
        Cache::ZipOnly,
        &entry("C:\\PWNED.go"),
    ));
    cases.push(add(
        slip,
        "prefix/./a.go (not clean)",
        Cache::ZipOnly,
        &entry("./b.go"),
    ));

    let names = "entry names";
    cases.push(add(names, "duplicate file", Cache::ZipOnly, &entry("a.go")));
    cases.push(add(
        names,
        "case-fold collision",
        Cache::ZipOnly,
        &entry("A.go"),
    ));
    cases.push(add(
        names,
        "file and directory",
        Cache::ZipOnly,
        &entry("a.go/b.go"),
    ));
    // dirhash refuses a name with a newline: nothing is stored.
    cases.push(add(
        names,
        "newline",
        Cache::Nothing,
        &raw_name(b"new\nline.go"),
    ));
    cases.push(add(
        names,
        "escape character",
        Cache::ZipOnly,
        &raw_name(b"\x1b[2Jx.go"),
    ));
    cases.push(add(names, "NUL", Cache::ZipOnly, &raw_name(b"a\x00.go")));
    cases.push(
        add(
            names,
            "invalid UTF-8",
            Cache::ZipOnly,
            &raw_name(b"\xff\xfe.go"),
        )
        .differs(NOT_UTF8),
    );
    cases.push(add(names, "go.mod twice", Cache::ZipOnly, &entry("go.mod")));
    let long = "x".repeat(300);
    cases.push(add(
        names,
        "a name longer than the file system allows",
        Cache::ZipOnly,
        &entry(&format!("{long}.go")),
    ));
    // Deep but within PATH_MAX (4096 bytes with the cache's own path): go extracts it.
    let deep_ok = "d/".repeat(1900);
    cases.push(add(
        names,
        "1900 directories deep",
        Cache::Complete,
        &entry(&format!("{deep_ok}x.go")),
    ));
    let deep = "d/".repeat(2100);
    cases.push(add(
        names,
        "a path longer than the file system allows",
        Cache::ZipOnly,
        &entry(&format!("{deep}x.go")),
    ));
    cases.push(add(
        names,
        "go.mod in a subdirectory",
        Cache::ZipOnly,
        &entry("sub/go.mod"),
    ));
    cases.push(add(names, "GO.MOD", Cache::ZipOnly, &entry("GO.MOD")));
    cases.push(add(
        names,
        "entry without the prefix",
        Cache::Nothing,
        &outside("a.go"),
    ));
    cases.push(add(
        names,
        "the prefix without a slash",
        Cache::Nothing,
        &|p: &str| zip_with(p, vec![Entry::new(format!("{p}@v1.0.0"), "x")]),
    ));
    cases.push(add(
        names,
        "another version's prefix",
        Cache::Nothing,
        &|p: &str| zip_with(p, vec![Entry::new(format!("{p}@v1.0.1/b.go"), "x")]),
    ));

    // Lies and damage: archive/zip refuses them while hashing, before anything is
    // stored.
    let lies = "zip lies";
    let lie = |f: fn(&mut Entry)| {
        move |path: &str| {
            let mut e = Entry::new(format!("{}b.go", prefix(path)), "package a\n\nvar B = 1\n");
            f(&mut e);
            zip_with(path, vec![e])
        }
    };
    cases.push(add(
        lies,
        "declared size smaller than the data",
        Cache::Nothing,
        &lie(|e| {
            let c = e.compressed().len() as u64;
            e.cd_sizes = Some((c, 5));
            e.desc_sizes = Some((c, 5));
        }),
    ));
    cases.push(add(
        lies,
        "declared size larger than the data",
        Cache::Nothing,
        &lie(|e| {
            let c = e.compressed().len() as u64;
            e.cd_sizes = Some((c, 5000));
            e.desc_sizes = Some((c, 5000));
        }),
    ));
    cases.push(add(
        lies,
        "CRC mismatch",
        Cache::Nothing,
        &lie(|e| {
            e.cd_crc = Some(0xdead_beef);
            e.desc_crc = Some(0xdead_beef);
        }),
    ));
    cases.push(add(
        lies,
        "data descriptor CRC differs from the central directory",
        Cache::Nothing,
        &lie(|e| e.desc_crc = Some(7)),
    ));
    cases.push(add(
        lies,
        "unsupported compression method",
        Cache::Nothing,
        &lie(|e| {
            e.method = 99;
            e.raw = Some(b"package a\n".to_vec());
        }),
    ));
    cases.push(add(
        lies,
        "corrupt deflate data",
        Cache::Nothing,
        &lie(|e| {
            let mut raw = e.compressed();
            let mid = raw.len() / 2;
            raw[mid] ^= 0x55;
            raw.truncate(raw.len() - 1);
            e.raw = Some(raw);
        }),
    ));
    cases.push(add(lies, "not a zip", Cache::Nothing, &|_: &str| {
        b"<html>not a zip</html>\n".to_vec()
    }));
    cases.push(add(lies, "empty body", Cache::Nothing, &|_: &str| {
        Vec::new()
    }));
    cases.push(add(
        lies,
        "zip bomb (64 MiB of zeros declared as 1000 bytes)",
        Cache::Nothing,
        &|p: &str| {
            let mut e = big_entry(format!("{}bomb.txt", prefix(p)), &[0], 64, b"");
            let c = e.raw.as_ref().map_or(0, Vec::len) as u64;
            e.cd_sizes = Some((c, 1000));
            e.desc_sizes = Some((c, 1000));
            zip_with(p, vec![e])
        },
    ));
    // Lies archive/zip does not look at: go stores and extracts what the central
    // directory says. We read the zip as it streams in, from the local headers, and
    // check that the central directory agrees (STYLE.md, "Streaming with a
    // cross-check"); where they disagree we refuse the zip, stricter than go.
    let tolerated = "zip lies go tolerates";
    const STRICTER: &str = "we refuse a zip whose local headers and central directory disagree \
        (zipstream's cross-check); go reads only the central directory and stores it";
    // archive/zip ignores the encryption flag (the data is plain here): so do we.
    cases.push(add(
        tolerated,
        "encrypted flag",
        Cache::Complete,
        &lie(|e| {
            e.local_flags = Some(0x9);
            e.cd_flags = Some(0x9);
        }),
    ));
    cases.push(add(
        tolerated,
        "bytes after the end record",
        Cache::Complete,
        &|p: &str| {
            let mut z = Zip::of(vec![Entry::new(
                format!("{}go.mod", prefix(p)),
                format!("module {p}\n"),
            )]);
            z.trailing = b"PWNED trailing garbage".to_vec();
            z.build()
        },
    ));
    cases.push(
        add(
            tolerated,
            "data descriptor sizes differ from the central directory",
            Cache::Complete,
            &lie(|e| {
                let c = e.compressed().len() as u64;
                e.desc_sizes = Some((c + 7, 3));
            }),
        )
        .stricter(STRICTER),
    );
    cases.push(
        add(
            tolerated,
            "entry missing from the central directory",
            Cache::Complete,
            &|p: &str| {
                let mut z = Zip::of(vec![
                    Entry::new(format!("{}go.mod", prefix(p)), format!("module {p}\n")),
                    Entry::new(format!("{}hidden.go", prefix(p)), "package PWNED\n"),
                ]);
                z.cd_order = Some(vec![0]);
                z.build()
            },
        )
        .stricter(STRICTER),
    );
    cases.push(
        add(
            tolerated,
            "local name differs from the central directory",
            Cache::Complete,
            &lie(|e| {
                e.local_name = Some(b"../../PWNED.go".to_vec());
            }),
        )
        .stricter(STRICTER),
    );
    cases.push(add(
        tolerated,
        "go.mod in the zip declaring another module",
        Cache::Complete,
        &|p: &str| {
            Zip::of(vec![Entry::new(
                format!("{}go.mod", prefix(p)),
                "module example.com/PWNED\n",
            )])
            .build()
        },
    ));
    // Consistent zips whose contents break the module limits: stored, not unzipped.
    let limits = "size limits";
    cases.push(add(
        limits,
        "zip bomb (600 MiB of zeros, honest)",
        Cache::ZipOnly,
        &|p: &str| {
            zip_with(
                p,
                vec![big_entry(format!("{}bomb.txt", prefix(p)), &[0], 600, b"")],
            )
        },
    ));
    cases.push(add(
        limits,
        "go.mod over 16 MiB",
        Cache::ZipOnly,
        &|p: &str| {
            let e = big_entry(
                format!("{}go.mod", prefix(p)),
                b"// padding\n",
                16,
                b"// one more\n",
            );
            Zip::of(vec![
                e,
                Entry::new(format!("{}a.go", prefix(p)), "package a\n"),
            ])
            .build()
        },
    ));
    cases.push(add(
        limits,
        "LICENSE over 16 MiB",
        Cache::ZipOnly,
        &|p: &str| {
            zip_with(
                p,
                vec![big_entry(
                    format!("{}LICENSE", prefix(p)),
                    b"Permission is granted. ",
                    16,
                    b"x",
                )],
            )
        },
    ));

    // A symbolic link entry: go writes a regular file with the link's target as its
    // contents; so must we (and never a link).
    let mut c = add(names, "symbolic link", Cache::Complete, &|p: &str| {
        let mut e = Entry::new(format!("{}link", prefix(p)), "/etc/passwd");
        e.cd_unix_mode = Some(0o120_777);
        zip_with(p, vec![e])
    });
    c.needles.clear();
    cases.push(c);
    cases
}

/// `.info` files that name something else than the version asked for.
fn info_cases(u: &Universe) -> Vec<Case> {
    let g = "info";
    let mut out = Vec::new();
    let nested = format!(
        r#"{{"Version":"v1.0.0","Time":"2019-01-01T00:00:00Z","X":{}{}}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    let infos: [(&str, &[u8], Cache); 5] = [
        (
            "another version",
            br#"{"Version":"v1.0.1","Time":"2019-01-01T00:00:00Z"}"#,
            Cache::Nothing,
        ),
        (
            "a version escaping the cache",
            br#"{"Version":"../../../PWNED","Time":"2019-01-01T00:00:00Z"}"#,
            Cache::Nothing,
        ),
        ("not JSON", b"<html>PWNED</html>", Cache::Nothing),
        (
            "a time that is not a time",
            br#"{"Version":"v1.0.0","Time":"PWNED"}"#,
            Cache::Nothing,
        ),
        // Deep JSON in a field nobody reads: go's decoder allows 10000 levels, and
        // the download goes on, with us as with go.
        ("300 levels of nesting", nested.as_bytes(), Cache::Complete),
    ];
    for (i, (name, info, cache)) in infos.into_iter().enumerate() {
        let path = format!("example.com/hostile/info{i}");
        Package::new(&path, "v1.0.0")
            .raw_info(info.to_vec())
            .publish(u);
        out.push(Case::new(g, name).module(&path, "v1.0.0").cache(cache));
    }
    // `@latest` (the list is empty: the only version is a pseudo-version) answering
    // with a version that tries to leave the cache.
    let path = "example.com/hostile/latest";
    let pseudo = "v0.0.0-20190101000000-abcdefabcdef";
    Package::new(path, pseudo)
        .raw_info(
            &br#"{"Version":"v0.0.0-20190101000000-abcdefabcdef/../../../../PWNED","Time":"2019-01-01T00:00:00Z"}"#[..],
        )
        .publish(u);
    let mut c = Case::new(g, "@latest naming a version that escapes the cache")
        .module(path, pseudo)
        .needle("invalid version")
        .differs(
            "go fails with `internal error: … unexpected invalid semantic version` on stderr \
             (its query trusts @latest); we report the invalid version in the module's record",
        );
    c.args = vec!["-json".into(), format!("{path}@latest").into()];
    // The record names the version the proxy gave, not the one checked in the cache;
    // the text is Go's `InfoFile` check (`invalid version "…"`).
    c.names_module = false;
    out.push(c);
    out
}

/// Module paths and versions on the command line that try to leave the cache.
fn argv_cases() -> Vec<Case> {
    let g = "arguments";
    let long = format!("example.com/{}@v1.0.0", "a".repeat(300));
    let cases: [(&str, &[u8]); 16] = [
        ("two versions", b"example.com/m@v1.0.0@v1.0.0"),
        (
            "an element longer than the file system allows",
            long.as_bytes(),
        ),
        ("empty path", b"@v1.0.0"),
        ("dot-dot in the path", b"example.com/../PWNED@v1.0.0"),
        ("path of dot-dots", b"../../PWNED@v1.0.0"),
        ("absolute path", b"/tmp/PWNED@v1.0.0"),
        ("drive letter", b"C:\\PWNED@v1.0.0"),
        ("dot-dot in the version", b"example.com/m@../../../PWNED"),
        ("slash in the version", b"example.com/m@v1.0.0/../../PWNED"),
        ("percent-encoded dot-dot", b"example.com/m@%2e%2e%2fPWNED"),
        ("escape character in the path", b"example.com/!pwned@v1.0.0"),
        ("uppercase escaping collision", b"example.com/M!m@v1.0.0"),
        (
            "control character in the path",
            b"example.com/\x01PWNED@v1.0.0",
        ),
        (
            "control character in the version",
            b"example.com/m@v1.0.0\x01",
        ),
        ("invalid UTF-8 in the path", b"example.com/\xffPWNED@v1.0.0"),
        (
            "backslash in the path",
            b"example.com\\..\\..\\PWNED@v1.0.0",
        ),
    ];
    cases
        .into_iter()
        .map(|(name, arg)| {
            let c = Case::new(g, name).args(&[b"-json", arg]);
            if arg.contains(&0xff) {
                c.differs(NOT_UTF8)
            } else {
                c
            }
        })
        .collect()
}

/// A main module (`example.com/main`) with these files.
fn main_of(gomod: &[u8], gosum: Option<&[u8]>, gowork: Option<&[u8]>) -> Main {
    Main {
        gomod: gomod.to_vec(),
        gosum: gosum.map(<[u8]>::to_vec),
        gowork: gowork.map(<[u8]>::to_vec),
    }
}

/// Malformed main go.mod, go.sum and go.work files.
fn main_cases(u: &Universe) -> Vec<Case> {
    let ok = "example.com/hostile/dep";
    Package::new(ok, "v1.0.0")
        .file("dep.go", "package dep\n")
        .publish(u);
    let liar = "example.com/hostile/liar";
    Package::new(liar, "v1.0.0")
        .go_mod("module example.com/PWNED\n")
        .publish(u);
    let req = format!("module example.com/main\n\ngo 1.21\n\nrequire {ok} v1.0.0\n");
    let gomod = |name: &str, text: &[u8], needle: &str| {
        Case::new("main go.mod", name)
            .main(main_of(text, None, None))
            .needle(needle)
    };
    let gosum = |name: &str, sum: &[u8], needle: &str| {
        Case::new("main go.sum", name)
            .main(main_of(req.as_bytes(), Some(sum), None))
            .needle(needle)
    };
    let gowork = |name: &str, work: &[u8]| {
        Case::new("go.work", name)
            .main(main_of(req.as_bytes(), None, Some(work)))
            .needle("go.work:")
    };
    let mut out = vec![
        gomod(
            "unknown directive",
            b"module example.com/main\n\nbogus directive\n",
            "go.mod:3",
        ),
        // Go's loadModFile checks the path after parsing: no line.
        gomod(
            "module path with dot-dots",
            b"module ../../PWNED\n",
            "malformed module path \"../../PWNED\"",
        ),
        gomod(
            "unterminated block",
            b"module example.com/main\n\nrequire (\n\texample.com/x v1.0.0\n",
            "go.mod:",
        ),
        gomod(
            "invalid version",
            b"module example.com/main\n\nrequire example.com/x v1..0\n",
            "go.mod:3",
        ),
        gomod("NUL byte", b"module example.com/main\x00\n", "go.mod:1"),
        gomod(
            "bad go version",
            b"module example.com/main\n\ngo 1.21garbage\n",
            "go.mod:3",
        ),
        // Go reports this one while loading the graph, without the line.
        gomod(
            "require path escaping the cache",
            b"module example.com/main\n\nrequire ../../PWNED v1.0.0\n",
            "malformed module path \"../../PWNED\"",
        ),
        gomod(
            "unquoted string with a quote",
            b"module \"example.com/main\n",
            "go.mod:1",
        ),
        gosum(
            "two fields",
            format!("{ok} v1.0.0\n").as_bytes(),
            "go.sum:1",
        ),
        gosum(
            "four fields",
            format!("{ok} v1.0.0 h1:x= extra\n").as_bytes(),
            "go.sum:1",
        ),
        gowork("unknown directive", b"go 1.21\n\nbogus\n"),
        gowork("use of a NUL path", b"go 1.21\n\nuse ./\x00\n"),
        gowork("bad go version", b"go one\n"),
        gomod(
            "go version too new",
            b"module example.com/main\n\ngo 1.999\n",
            "go.mod requires go >= 1.999",
        ),
        gomod(
            "bad toolchain",
            b"module example.com/main\n\ngo 1.21\n\ntoolchain PWNED\n",
            "go.mod:5",
        ),
        gomod(
            "bad godebug",
            b"module example.com/main\n\ngo 1.21\n\ngodebug PWNED\n",
            "go.mod:5",
        ),
        gomod(
            "bad exclude version",
            b"module example.com/main\n\ngo 1.21\n\nexclude example.com/x v1..0\n",
            "go.mod:5",
        ),
        gomod(
            "bad retract",
            b"module example.com/main\n\ngo 1.21\n\nretract [v1.0.0\n",
            "go.mod:5",
        ),
        gosum("binary garbage", b"\x00\x01\x02 PWNED\n", "go.sum:1"),
    ];
    // go.sum lines for other modules, however odd, are kept and not acted on; CRLF
    // line ends are whitespace to go's field splitting. The dependency downloads.
    let mut c = Case::new("main go.sum", "odd lines for other modules, CRLF").main(main_of(
        req.as_bytes(),
        Some(b"../../PWNED v1.0.0 h1:x=\r\n/abs v1.0.0/go.mod h1:y=\r\n"),
        None,
    ));
    c.module = Some(ModuleVersion::new(ok, "v1.0.0"));
    c.cache = Cache::Complete;
    out.push(c);
    // A wrong hash in go.sum: Go's SECURITY ERROR, nothing stored.
    let mut c = gosum(
        "wrong hash",
        format!("{ok} v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n{ok} v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").as_bytes(),
        "SECURITY ERROR",
    );
    c.module = Some(ModuleVersion::new(ok, "v1.0.0"));
    c.needles.push("go.sum".into());
    out.push(c);
    // A dependency whose go.mod declares another path.
    out.push(
        Case::new("main go.mod", "dependency declaring another module path")
            .main(main_of(
                format!("module example.com/main\n\ngo 1.21\n\nrequire {liar} v1.0.0\n").as_bytes(),
                None,
                None,
            ))
            .needle(format!("{liar}@v1.0.0")),
    );
    out
}

/// Garbage in GOFLAGS, GOPROXY and GOSUMDB.
fn config_cases(u: &Universe) -> Vec<Case> {
    let path = "example.com/hostile/config";
    Package::new(path, "v1.0.0").publish(u);
    let arg = |c: Case| c.module(path, "v1.0.0");
    let env = |name: &str, k: &'static str, v: &[u8]| {
        arg(Case::new("environment", name)).env(k, OsString::from_vec(v.to_vec()))
    };
    // GOFLAGS is parsed before anything is fetched: the message names it, not the
    // module (nothing is downloaded).
    let flags = |name: &str, v: &'static str| {
        let mut c = arg(Case::new("environment", name)).needle("$GOFLAGS");
        c.goflags = Some(v);
        c.names_module = false;
        c
    };
    vec![
        flags("GOFLAGS unknown flag", "-bogus"),
        flags("GOFLAGS bad boolean", "-modcacherw=PWNED"),
        flags("GOFLAGS flag without its value", "-modfile"),
        flags("GOFLAGS -C", "-C=/PWNED"),
        flags("GOFLAGS not a flag", "PWNED"),
        env("GOPROXY without a scheme", "GOPROXY", b"::garbage"),
        env(
            "GOPROXY unsupported scheme",
            "GOPROXY",
            b"ftp://127.0.0.1/PWNED",
        ),
        env(
            "GOPROXY control character",
            "GOPROXY",
            b"http://127.0.0.1:1/\x01",
        ),
        env(
            "GOPROXY invalid UTF-8",
            "GOPROXY",
            b"http://127.0.0.1:1/\xff",
        )
        .differs(NOT_UTF8),
        env("GOSUMDB malformed key", "GOSUMDB", b"localhost+garbage"),
        env("GOSUMDB too many fields", "GOSUMDB", b"localhost a b c"),
        env("GOSUMDB control character", "GOSUMDB", b"local\x01host"),
    ]
}

/// Every case, with its modules published in `u`.
pub(super) fn all(u: &Universe) -> Vec<Case> {
    let mut cases = zip_cases(u);
    cases.extend(info_cases(u));
    cases.extend(argv_cases());
    cases.extend(main_cases(u));
    cases.extend(config_cases(u));
    cases
}
