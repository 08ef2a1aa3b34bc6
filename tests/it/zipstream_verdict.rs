//! What a module zip's download comes to, computed two ways so the streaming tests can
//! compare them: [`ours`] through `zipstream::download` (the body read in chunks of a
//! given size), [`reference`] through the file-based `modzip` reader, `dirhash::hash_zip`
//! and `modzip::unzip`, in the order `go` runs them (open, prefix check, hash, unzip).

use gomodfetch::dirhash;
use gomodfetch::module::ModuleVersion;
use gomodfetch::modzip::{self, reader::ZipReader};
use gomodfetch::zipstream::{self, Error, Extraction, Job};
use std::fmt;
use std::io::{self, Cursor, Read};
use std::path::Path;

/// The outcome of downloading one zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go would store the zip with this `h1`; the extraction gives the `h1` of the
    /// extracted tree, or the cause of `unzip <zip>: <cause>`.
    Stored {
        h1: String,
        unzip: Result<String, String>,
    },
    /// Go stores nothing, with this error.
    Refused(String),
    /// We refuse a zip whose local headers and central directory disagree.
    Inconsistent(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Stored { h1, unzip: Ok(t) } => write!(f, "stored {h1}, extracted {t}"),
            Verdict::Stored { h1, unzip: Err(e) } => write!(f, "stored {h1}, unzip failed: {e}"),
            Verdict::Refused(e) => write!(f, "refused: {e}"),
            Verdict::Inconsistent(e) => write!(f, "inconsistent: {e}"),
        }
    }
}

/// How the texts name the zip file, so that verdicts about copies of a zip compare.
pub const ZIP: &str = "$zip";

impl Verdict {
    /// The verdict with the file name `zip` written as [`ZIP`].
    pub fn naming_zip(self, zip: &Path) -> Verdict {
        let name = |t: String| t.replace(&*zip.to_string_lossy(), ZIP);
        match self {
            Verdict::Stored { h1, unzip } => Verdict::Stored {
                h1,
                unzip: unzip.map_err(name),
            },
            Verdict::Refused(e) => Verdict::Refused(name(e)),
            Verdict::Inconsistent(e) => Verdict::Inconsistent(name(e)),
        }
    }

    /// Whether `ours` is an acceptable answer where Go's (or the reference's) is
    /// `self`: the same, or our refusal of an inconsistent zip Go would store.
    pub fn accepts(&self, ours: &Verdict) -> bool {
        self == ours
            || (matches!(self, Verdict::Stored { .. }) && matches!(ours, Verdict::Inconsistent(_)))
    }
}

/// A source that hands out at most `step` bytes per read, in a cycle of sizes when
/// `step` is 0 (1, 2, 3, 5, 8, … bytes).
pub struct Chunked<'a> {
    data: &'a [u8],
    step: usize,
    turn: usize,
}

impl<'a> Chunked<'a> {
    pub fn new(data: &'a [u8], step: usize) -> Self {
        Chunked {
            data,
            step,
            turn: 0,
        }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        const CYCLE: [usize; 8] = [1, 2, 3, 5, 8, 13, 4099, 65537];
        let step = match self.step {
            0 => CYCLE[self.turn % CYCLE.len()],
            s => s,
        };
        self.turn += 1;
        let n = buf.len().min(step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn tree_h1(dir: &Path, m: &ModuleVersion) -> Result<String, String> {
    dirhash::hash_dir(dir, &format!("{}@{}", m.path, m.version))
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing the extracted tree: {e}"))
}

/// Every file below `dir` must be read-only (Go's 0444).
fn check_read_only(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let meta = std::fs::symlink_metadata(e.path()).map_err(|e| e.to_string())?;
        if meta.is_dir() {
            check_read_only(&e.path())?;
        } else if meta.permissions().mode() & 0o222 != 0 {
            return Err(format!("{} is writable", e.path().display()));
        }
    }
    Ok(())
}

/// Downloads `zip` through the streamer, `step` bytes per read (see [`Chunked`]),
/// extracting into a fresh directory. Also checks what every download must leave: the
/// temp file holding the body, and read-only files.
pub fn ours(zip: &[u8], m: &ModuleVersion, step: usize) -> Result<Verdict, String> {
    ours_from(Chunked::new(zip, step), zip, m)
}

/// [`ours`], the body `zip` read from `body` (in whatever reads it gives; the fuzz
/// target chooses them).
pub fn ours_from(body: impl Read, zip: &[u8], m: &ModuleVersion) -> Result<Verdict, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = tmp.path().join("extracted");
    let zip_file = tmp.path().join("v.zip");
    let job = Job {
        module: m,
        extract_to: Some(&dir),
        zip_file: &zip_file,
        temp_file: Some(&zip_file),
    };
    let mut temp = Cursor::new(Vec::new());
    let result = zipstream::download(body, &mut temp, &job);
    if temp.get_ref() != zip {
        return Err("the temp file does not hold the body".into());
    }
    let verdict = match result {
        Err(Error::Inconsistent { .. }) => {
            Verdict::Inconsistent(result.err().map(|e| e.to_string()).unwrap_or_default())
        }
        Err(e) => Verdict::Refused(e.to_string()),
        Ok(out) => {
            if out.size != zip.len() as u64 {
                return Err(format!("size {} for {} bytes", out.size, zip.len()));
            }
            let unzip = match out.extraction {
                Extraction::Complete => {
                    check_read_only(&dir)?;
                    tree_h1(&dir, m)
                }
                Extraction::Failed(e) => {
                    let want = format!("unzip {}: ", zip_file.display());
                    if !e.to_string().starts_with(&want) {
                        return Err(format!("extraction error {e:?} is not worded as Go's"));
                    }
                    Err(e.cause().to_string())
                }
                Extraction::Skipped => return Err("extraction skipped".into()),
            };
            Verdict::Stored {
                h1: out.h1.to_string(),
                unzip,
            }
        }
    };
    Ok(verdict.naming_zip(&zip_file))
}

/// What `go` does with `zip`, by the file-based reference implementation. Its reader
/// does not know the file's name, which Go quotes for a negative offset: that text is
/// completed here.
pub fn reference(zip: &[u8], m: &ModuleVersion) -> Verdict {
    let named = |t: String| {
        if t == "negative offset" {
            format!("readat {ZIP}: {t}")
        } else {
            t
        }
    };
    match reference_unnamed(zip, m) {
        Verdict::Refused(e) => Verdict::Refused(named(e)),
        Verdict::Stored { h1, unzip } => Verdict::Stored {
            h1,
            unzip: unzip.map_err(named),
        },
        v => v,
    }
}

fn reference_unnamed(zip: &[u8], m: &ModuleVersion) -> Verdict {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("v.zip");
    std::fs::write(&path, zip).expect("writing the zip");
    if let Err(e) = ZipReader::new(Cursor::new(zip), zip.len() as u64) {
        return Verdict::Refused(e.to_string());
    }
    let prefix = format!("{}@{}/", m.path, m.version);
    if let Ok(z) = ZipReader::new(Cursor::new(zip), zip.len() as u64)
        && let Some(e) = z
            .entries()
            .iter()
            .find(|e| !e.name.starts_with(prefix.as_bytes()))
    {
        return Verdict::Refused(format!(
            "zip for {m} has unexpected file {}",
            String::from_utf8_lossy(&e.name)
        ));
    }
    let h1 = match dirhash::hash_zip(&path) {
        Ok(h) => h.to_string(),
        Err(e) => return Verdict::Refused(e.to_string()),
    };
    let dir = tmp.path().join("extracted");
    let unzip = match modzip::unzip(&dir, m, &path) {
        Ok(()) => tree_h1(&dir, m),
        Err(e) => Err(e.cause().to_string()),
    };
    Verdict::Stored { h1, unzip }
}

/// Whether the streamer followed `zip` to its end without falling back to reading the
/// file through its central directory (`None` when the download fails).
pub fn fell_back(zip: &[u8], m: &ModuleVersion) -> Option<String> {
    let job = Job {
        module: m,
        extract_to: None,
        zip_file: Path::new("v.zip"),
        temp_file: None,
    };
    zipstream::download(zip, &mut Cursor::new(Vec::new()), &job)
        .ok()
        .and_then(|out| out.fallback)
}

/// The chunkings every zip is streamed with: whole reads, single bytes, and odd sizes.
pub const STEPS: [usize; 5] = [usize::MAX, 1, 0, 7, 4096];

/// Streams `zip` in every chunking of [`STEPS`]: all must give the same verdict, which
/// is returned.
pub fn ours_in_every_chunking(zip: &[u8], m: &ModuleVersion) -> Result<Verdict, String> {
    let first = ours(zip, m, STEPS[0])?;
    for step in &STEPS[1..] {
        let v = ours(zip, m, *step)?;
        if v != first {
            return Err(format!("reads of {step} bytes: {v}; whole reads: {first}"));
        }
    }
    Ok(first)
}
