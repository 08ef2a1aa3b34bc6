//! The streamer against `dirhash::hash_zip` and `modzip::unzip` on zips from our own
//! writer (laid out as Go's), read in chunks of every size, plus the failures Go
//! reports before storing anything. Hostile and crafted zips are in
//! `tests/it/zipstream_*.rs`.

use super::*;
use crate::modzip::writer::ZipWriter;
use std::io::Cursor;
use std::path::PathBuf;

/// A source that hands out at most `step` bytes per read.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn module() -> ModuleVersion {
    ModuleVersion::new("example.com/m", "v1.0.0")
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Vec::new());
    for (name, data) in entries {
        w.start_file(name.as_bytes()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap()
}

struct Run {
    result: Result<Outcome, Error>,
    temp: Vec<u8>,
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

fn run(zip: &[u8], step: usize) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("example.com/m@v1.0.0");
    let m = module();
    let zip_file = tmp.path().join("v1.0.0.zip");
    let job = Job {
        module: &m,
        extract_to: Some(&dir),
        zip_file: &zip_file,
        temp_file: None,
    };
    let mut temp = Cursor::new(Vec::new());
    let body = Trickle {
        data: zip.to_vec(),
        at: 0,
        step,
    };
    let result = download(body, &mut temp, &job);
    Run {
        result,
        temp: temp.into_inner(),
        _tmp: tmp,
        dir,
    }
}

/// What `dirhash::hash_zip` and `modzip::unzip` make of the same bytes.
fn reference(zip: &[u8]) -> (Result<String, String>, Result<String, String>) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("v1.0.0.zip");
    fs::write(&path, zip).unwrap();
    let h1 = dirhash::hash_zip(&path)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string());
    let dir = tmp.path().join("x");
    let m = module();
    let tree = crate::modzip::unzip(&dir, &m, &path)
        .map(|()| {
            dirhash::hash_dir(&dir, "example.com/m@v1.0.0")
                .unwrap()
                .to_string()
        })
        .map_err(|e| e.cause().to_string());
    (h1, tree)
}

fn files() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        (
            "example.com/m@v1.0.0/go.mod".to_string(),
            b"module example.com/m\n".to_vec(),
        ),
        (
            "example.com/m@v1.0.0/LICENSE".to_string(),
            b"BSD\n".repeat(300),
        ),
    ];
    for i in 0..20 {
        let data: Vec<u8> = (0..i * 997).map(|j| (j * 31 % 251) as u8).collect();
        out.push((format!("example.com/m@v1.0.0/pkg{}/f{i}.go", i % 3), data));
    }
    out.push(("example.com/m@v1.0.0/empty.txt".to_string(), Vec::new()));
    out
}

#[test]
fn streams_a_module_in_any_chunking() {
    let owned = files();
    let entries: Vec<(&str, &[u8])> = owned.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    let zip = zip_of(&entries);
    let (want_h1, want_tree) = reference(&zip);
    for step in [1, 2, 3, 7, 1000, 65536, usize::MAX] {
        let r = run(&zip, step);
        let out = r.result.unwrap();
        assert_eq!(Ok(out.h1.to_string()), want_h1, "step {step}");
        assert!(
            out.extraction.is_complete(),
            "step {step}: {:?}",
            out.extraction
        );
        assert_eq!(out.fallback, None);
        assert_eq!(out.size, zip.len() as u64);
        assert_eq!(r.temp, zip, "the temp file holds the body");
        let tree = dirhash::hash_dir(&r.dir, "example.com/m@v1.0.0").unwrap();
        assert_eq!(Ok(tree.to_string()), want_tree);
    }
}

#[test]
fn hash_only() {
    let zip = zip_of(&[("example.com/m@v1.0.0/a.go", b"package a\n")]);
    let m = module();
    let job = Job {
        module: &m,
        extract_to: None,
        zip_file: Path::new("unused.zip"),
        temp_file: None,
    };
    let out = download(&zip[..], &mut Cursor::new(Vec::new()), &job).unwrap();
    assert_eq!(Ok(out.h1.to_string()), reference(&zip).0);
    assert!(matches!(out.extraction, Extraction::Skipped));
}

#[test]
fn invalid_module_is_stored_but_not_extracted() {
    let zip = zip_of(&[
        ("example.com/m@v1.0.0/a.go", b"1"),
        ("example.com/m@v1.0.0/sub/go.mod", b"module x\n"),
        ("example.com/m@v1.0.0/A.go", b"2"),
        ("example.com/m@v1.0.0/b.go", b"3"),
    ]);
    let (want_h1, want_tree) = reference(&zip);
    for step in [1, 5, usize::MAX] {
        let r = run(&zip, step);
        let out = r.result.unwrap();
        assert_eq!(Ok(out.h1.to_string()), want_h1);
        let Extraction::Failed(e) = out.extraction else {
            panic!("extracted an invalid module");
        };
        assert_eq!(Err(e.cause().to_string()), want_tree);
        assert!(e.to_string().starts_with("unzip "));
        // Writing stopped at the first invalid entry.
        assert!(!r.dir.join("b.go").exists());
    }
}

#[test]
fn go_errors_before_storing() {
    let outside = zip_of(&[
        ("example.com/m@v1.0.0/a.go", b"1"),
        ("example.com/m@v1.0.0.txt", b"2"),
    ]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not a zip".to_vec(), "zip: not a valid zip file"),
        (Vec::new(), "zip: not a valid zip file"),
        (
            outside,
            "zip for example.com/m@v1.0.0 has unexpected file example.com/m@v1.0.0.txt",
        ),
    ];
    for (zip, want) in cases {
        for step in [1, usize::MAX] {
            let err = run(&zip, step).result.unwrap_err();
            assert_eq!(err.to_string(), want);
            assert!(!err.is_body_error());
        }
    }
}

#[test]
fn checksum_lie_in_central_directory() {
    let mut zip = zip_of(&[("example.com/m@v1.0.0/a.go", b"package a\n")]);
    // The central directory header's CRC-32 is 16 bytes in.
    let cd = zip
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    zip[cd + 16] ^= 1;
    assert_eq!(reference(&zip).0, Err("zip: checksum error".to_string()));
    let err = run(&zip, 3).result.unwrap_err();
    assert_eq!(err.to_string(), "zip: checksum error");
}

#[test]
fn body_errors_and_size_limit() {
    struct Broken(usize);
    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
            }
            self.0 -= 1;
            buf[0] = b'P';
            Ok(1)
        }
    }
    let m = module();
    let job = Job {
        module: &m,
        extract_to: None,
        zip_file: Path::new("unused.zip"),
        temp_file: None,
    };
    let err = download(Broken(10), &mut Cursor::new(Vec::new()), &job).unwrap_err();
    assert!(err.is_body_error());

    /// Zeros without end, teed into a temp file that keeps nothing.
    struct Zeros;
    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(0);
            Ok(buf.len())
        }
    }
    struct Discard(u64);
    impl Write for Discard {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Read for Discard {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Ok(0)
        }
    }
    impl Seek for Discard {
        fn seek(&mut self, _: io::SeekFrom) -> io::Result<u64> {
            Ok(0)
        }
    }
    let mut temp = Discard(0);
    let err = download(Zeros, &mut temp, &job).unwrap_err();
    assert_eq!(err.to_string(), "downloaded zip file too large");
    assert_eq!(
        temp.0,
        crate::modzip::MAX_ZIP_FILE + 1,
        "Go reads one byte more"
    );
}

#[test]
fn from_file_is_hash_zip_and_unzip() {
    let zip = zip_of(&[
        ("example.com/m@v1.0.0/go.mod", b"module example.com/m\n"),
        ("example.com/m@v1.0.0/x/y.go", b"package y\n"),
    ]);
    let (want_h1, want_tree) = reference(&zip);
    let tmp = tempfile::tempdir().unwrap();
    let zip_file = tmp.path().join("v1.0.0.zip");
    fs::write(&zip_file, &zip).unwrap();
    let dir = tmp.path().join("out");
    let m = module();
    let out = from_file(&Job {
        module: &m,
        extract_to: Some(&dir),
        zip_file: &zip_file,
        temp_file: None,
    });
    assert_eq!(
        out.h1.map(|h| h.to_string()).map_err(|e| e.to_string()),
        want_h1
    );
    assert!(out.extraction.is_complete());
    let tree = dirhash::hash_dir(&dir, "example.com/m@v1.0.0").unwrap();
    assert_eq!(Ok(tree.to_string()), want_tree);

    let missing = tmp.path().join("missing.zip");
    let out = from_file(&Job {
        module: &m,
        extract_to: Some(&tmp.path().join("out2")),
        zip_file: &missing,
        temp_file: None,
    });
    let want = format!("open {}: no such file or directory", missing.display());
    assert_eq!(out.h1.unwrap_err().to_string(), want);
    let Extraction::Failed(e) = out.extraction else {
        panic!("extracted a missing zip");
    };
    assert_eq!(
        e.to_string(),
        format!("unzip {}: {want}", missing.display())
    );
}
