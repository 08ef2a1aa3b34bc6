//! Modules built in test code, in the style of cargo's `Package::new(..).publish()`:
//!
//! ```
//! use gomodfetch::testkit::universe::{Package, Universe};
//! let u = Universe::new();
//! Package::new("example.com/hello", "v1.0.0")
//!     .go_mod("module example.com/hello\n\ngo 1.21\n")
//!     .file("hello.go", "package hello\n")
//!     .publish(&u);
//! ```
//!
//! By default a package is a valid module version: `.mod` is `module <path>\n` and the
//! same bytes are the zip's `go.mod`; the zip holds `go.mod` and then the files in the
//! order given, as `<path>@<version>/<name>`, without directory entries; `.info` is
//! `{"Version":"<version>","Time":"<time>"}` where the time defaults to the
//! pseudo-version's own time, else 2019-01-01T00:00:00Z. Nothing is validated, so a
//! test can publish broken modules on purpose; the `raw_*` and `no_*` methods break
//! specific parts.

use super::Universe;
use super::memory::StoredModule;
use crate::module;
use bytes::Bytes;
use jiff::Timestamp;
use std::io;
use std::sync::Arc;

/// The `.info` time of a package that is not a pseudo-version and sets none.
pub const DEFAULT_TIME: &str = "2019-01-01T00:00:00Z";

/// A module version under construction.
#[derive(Debug, Clone)]
#[must_use = "a Package does nothing until it is published"]
pub struct Package {
    path: String,
    version: String,
    files: Vec<(String, Bytes)>,
    go_mod: Option<Bytes>,
    go_mod_in_zip: bool,
    mod_file: Option<Option<Bytes>>,
    time: Option<Timestamp>,
    info: Option<Option<Bytes>>,
    zip: Option<Option<Bytes>>,
    raw_entries: Vec<(Vec<u8>, Bytes)>,
}

impl Package {
    pub fn new(path: impl Into<String>, version: impl Into<String>) -> Package {
        Package {
            path: path.into(),
            version: version.into(),
            files: Vec::new(),
            go_mod: None,
            go_mod_in_zip: true,
            mod_file: None,
            time: None,
            info: None,
            zip: None,
            raw_entries: Vec::new(),
        }
    }

    /// Adds a file to the zip as `<path>@<version>/<name>`.
    pub fn file(mut self, name: impl Into<String>, contents: impl Into<Bytes>) -> Package {
        self.files.push((name.into(), contents.into()));
        self
    }

    /// The go.mod text: served as `.mod` and zipped as `go.mod`.
    pub fn go_mod(mut self, text: impl Into<Bytes>) -> Package {
        self.go_mod = Some(text.into());
        self
    }

    /// Leaves `go.mod` out of the zip (a module from before modules, such as a
    /// `+incompatible` version); `.mod` stays the synthetic `module <path>\n` that
    /// proxies serve for such versions unless set otherwise.
    pub fn no_go_mod_in_zip(mut self) -> Package {
        self.go_mod_in_zip = false;
        self
    }

    /// Serves these `.mod` bytes, whatever the zip holds.
    pub fn raw_mod(mut self, bytes: impl Into<Bytes>) -> Package {
        self.mod_file = Some(Some(bytes.into()));
        self
    }

    /// Serves no `.mod` (404).
    pub fn no_mod(mut self) -> Package {
        self.mod_file = Some(None);
        self
    }

    /// The `.info` `Time`.
    pub fn time(mut self, t: Timestamp) -> Package {
        self.time = Some(t);
        self
    }

    /// Serves these `.info` bytes verbatim.
    pub fn raw_info(mut self, bytes: impl Into<Bytes>) -> Package {
        self.info = Some(Some(bytes.into()));
        self
    }

    /// Serves no `.info` (404).
    pub fn no_info(mut self) -> Package {
        self.info = Some(None);
        self
    }

    /// Serves these bytes as the zip instead of building one.
    pub fn raw_zip(mut self, bytes: impl Into<Bytes>) -> Package {
        self.zip = Some(Some(bytes.into()));
        self
    }

    /// Serves no `.zip` (404).
    pub fn no_zip(mut self) -> Package {
        self.zip = Some(None);
        self
    }

    /// Appends a zip entry whose name is used verbatim (e.g. outside the module
    /// prefix, as `rsc.io/badzip` does).
    pub fn raw_zip_entry(
        mut self,
        name: impl Into<Vec<u8>>,
        contents: impl Into<Bytes>,
    ) -> Package {
        self.raw_entries.push((name.into(), contents.into()));
        self
    }

    /// Adds the package to `universe` (replacing an earlier one with the same path and
    /// version) and returns what the proxy will serve.
    ///
    /// # Panics
    /// If the zip cannot be built (more than 4 GiB or 65535 entries); see
    /// [`Package::try_publish`].
    pub fn publish(self, universe: &Universe) -> Arc<StoredModule> {
        let what = format!("{}@{}", self.path, self.version);
        match self.try_publish(universe) {
            Ok(m) => m,
            Err(e) => panic!("publishing {what}: {e}"),
        }
    }

    /// [`Package::publish`] that reports a zip that cannot be built.
    pub fn try_publish(self, universe: &Universe) -> io::Result<Arc<StoredModule>> {
        let m = self.build()?;
        let (path, version) = (m.path().to_string(), m.version().to_string());
        universe.insert(m);
        universe
            .module(&path, &version)
            .ok_or_else(|| io::Error::other(format!("{path}@{version} vanished after publishing")))
    }

    fn build(self) -> io::Result<StoredModule> {
        let Package {
            path,
            version,
            files,
            go_mod,
            go_mod_in_zip,
            mod_file,
            time,
            info,
            zip,
            raw_entries,
        } = self;
        let go_mod = go_mod.unwrap_or_else(|| Bytes::from(format!("module {path}\n")));
        let prefix = format!("{path}@{version}/");
        let mut named: Vec<(Vec<u8>, Bytes)> = Vec::new();
        if go_mod_in_zip {
            named.push((b"go.mod".to_vec(), go_mod.clone()));
        }
        named.extend(files.into_iter().map(|(n, d)| (n.into_bytes(), d)));
        let mut entries: Vec<(Vec<u8>, Bytes)> = named
            .iter()
            .map(|(n, d)| {
                let mut e = prefix.clone().into_bytes();
                e.extend_from_slice(n);
                (e, d.clone())
            })
            .collect();
        entries.extend(raw_entries.iter().cloned());
        let mut files = named;
        files.extend(raw_entries.into_iter().map(|(n, d)| {
            let mut slashed = b"/".to_vec();
            slashed.extend_from_slice(&n);
            (slashed, d)
        }));

        let info = info.unwrap_or_else(|| {
            let t = time
                .or_else(|| module::pseudo_version_time(&version).ok())
                .unwrap_or_else(|| DEFAULT_TIME.parse().unwrap_or(Timestamp::UNIX_EPOCH));
            let quote = |s: &str| serde_json::Value::from(s).to_string();
            let json = format!(
                "{{\"Version\":{},\"Time\":{}}}",
                quote(&version),
                quote(&t.to_string())
            );
            Some(Bytes::from(json))
        });
        let gomod = mod_file.unwrap_or(Some(go_mod));
        StoredModule::new(path, version, info, gomod, entries, files, zip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::universe::Endpoint;

    #[test]
    fn defaults_make_a_valid_module() {
        let u = Universe::new();
        let m = Package::new("example.com/m", "v1.2.3")
            .file("a.go", "package a\n")
            .publish(&u);
        assert_eq!(m.gomod().unwrap().as_ref(), b"module example.com/m\n");
        assert_eq!(
            m.info().unwrap().as_ref(),
            br#"{"Version":"v1.2.3","Time":"2019-01-01T00:00:00Z"}"#
        );
        let names: Vec<&[u8]> = m.zip_entries().iter().map(|(n, _)| n.as_slice()).collect();
        assert_eq!(
            names,
            [
                &b"example.com/m@v1.2.3/go.mod"[..],
                b"example.com/m@v1.2.3/a.go"
            ]
        );
        let list = u.get("example.com/m", &Endpoint::List).unwrap().unwrap();
        assert_eq!(list.as_ref(), b"v1.2.3\n");
    }

    #[test]
    fn pseudo_versions_take_their_own_time() {
        let u = Universe::new();
        let m = Package::new("example.com/m", "v0.0.0-20200102030405-abcdefabcdef").publish(&u);
        let info = String::from_utf8(m.info().unwrap().to_vec()).unwrap();
        assert!(info.contains(r#""Time":"2020-01-02T03:04:05Z""#), "{info}");
    }
}
