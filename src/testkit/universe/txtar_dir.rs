//! Loading a directory of module archives in the format of Go's test proxy
//! (`cmd/go/testdata/mod`, conformance README §4.1–4.2).
//!
//! * Only `*.txt` files count. The name without `.txt` splits at its last `_v`: the
//!   part before is the `!`-escaped module path with `/` written as `_`, the part after
//!   the `!`-escaped version. A name that does not decode to a valid module path and a
//!   version that is a valid file-path element is skipped, with the reason reported.
//! * Files are taken in file-name (byte) order, which becomes `@v/list` order.
//! * Sections `.info` and `.mod` are served verbatim (absent → 404); `.zip` is reserved
//!   and never zipped; every other section becomes a zip entry named
//!   `<path>@<version>/<name>`, except that a name starting with `/` loses the `/` and
//!   is used verbatim. Entries keep archive order; the comment is ignored.

use super::memory::StoredModule;
use crate::module;
use crate::txtar::Archive;
use bytes::Bytes;
use std::io;
use std::path::Path;

/// What loading a directory found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxtarLoad {
    /// The module versions loaded, in list order.
    pub loaded: Vec<(String, String)>,
    /// Files that were not loaded: (file name, why).
    pub skipped: Vec<(String, String)>,
}

/// The module path and version a file name stands for, or why it stands for none.
pub fn decode_file_name(name: &str) -> Result<(String, String), String> {
    let Some(stem) = name.strip_suffix(".txt") else {
        return Err("file name does not end in .txt".into());
    };
    let Some(i) = stem.rfind("_v") else {
        return Err("file name has no _v separating path and version".into());
    };
    let escaped_path = stem[..i].replace('_', "/");
    let path = module::unescape_path(&escaped_path).map_err(|e| e.to_string())?;
    let version = module::unescape_version(&stem[i + 1..]).map_err(|e| e.to_string())?;
    Ok((path, version))
}

/// Reads every archive of `dir` into modules, in file-name order.
pub(crate) fn load_dir(dir: &Path) -> io::Result<(Vec<StoredModule>, TxtarLoad)> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name());
        }
    }
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));

    let mut modules = Vec::new();
    let mut report = TxtarLoad::default();
    for os_name in names {
        let name = os_name.to_string_lossy().into_owned();
        let (path, version) = match decode_file_name(&name) {
            Ok(pv) => pv,
            Err(why) => {
                report.skipped.push((name, why));
                continue;
            }
        };
        let archive = Archive::parse(&std::fs::read(dir.join(&os_name))?);
        modules.push(from_archive(path.clone(), version.clone(), &archive)?);
        report.loaded.push((path, version));
    }
    Ok((modules, report))
}

/// The module one archive describes.
pub(crate) fn from_archive(
    path: String,
    version: String,
    archive: &Archive,
) -> io::Result<StoredModule> {
    let mut info = None;
    let mut gomod = None;
    let mut entries = Vec::new();
    let mut files = Vec::new();
    for f in &archive.files {
        let data = Bytes::from(f.data.clone());
        match f.name.as_slice() {
            b".info" => info = Some(data),
            b".mod" => gomod = Some(data),
            b".zip" => {}
            name => {
                let entry = match name.strip_prefix(b"/") {
                    Some(verbatim) => verbatim.to_vec(),
                    None => {
                        let mut e = format!("{path}@{version}/").into_bytes();
                        e.extend_from_slice(name);
                        e
                    }
                };
                entries.push((entry, data.clone()));
                files.push((name.to_vec(), data));
            }
        }
    }
    StoredModule::new(path, version, info, gomod, entries, files, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_decode_like_gos_test_proxy() {
        assert_eq!(
            decode_file_name("rsc.io_quote_v1.5.2.txt"),
            Ok(("rsc.io/quote".into(), "v1.5.2".into()))
        );
        assert_eq!(
            decode_file_name("rsc.io_!q!u!o!t!e_v1.5.3-!p!r!e.txt"),
            Ok(("rsc.io/QUOTE".into(), "v1.5.3-PRE".into()))
        );
        assert_eq!(
            decode_file_name("rsc.io_quote_v2_v2.0.1.txt"),
            Ok(("rsc.io/quote/v2".into(), "v2.0.1".into()))
        );
        assert!(decode_file_name("example.com_invalidpath_v1_v1.0.0.txt").is_err());
        assert!(decode_file_name("example.com_m_v1.0.0").is_err());
        assert!(decode_file_name("README").is_err());
    }

    #[test]
    fn sections_become_info_mod_and_entries() {
        let a = Archive::parse(
            b"comment\n-- .mod --\nmodule m\n-- .info --\n{}\n-- .zip --\nz\n-- a.go --\nA\n-- /outside --\nO\n",
        );
        let m = from_archive("example.com/m".into(), "v1.0.0".into(), &a).unwrap();
        assert_eq!(m.gomod().unwrap().as_ref(), b"module m\n");
        assert_eq!(m.info().unwrap().as_ref(), b"{}\n");
        let names: Vec<&[u8]> = m.zip_entries().iter().map(|(n, _)| n.as_slice()).collect();
        assert_eq!(names, [&b"example.com/m@v1.0.0/a.go"[..], b"outside"]);
        let files: Vec<&[u8]> = m.files().iter().map(|(n, _)| n.as_slice()).collect();
        assert_eq!(files, [&b"a.go"[..], b"/outside"]);
    }
}
