//! Direct VCS mode (Go's `cmd/go/internal/vcs` and `modfetch/codehost`, `coderepo.go`):
//! a module fetched from its repository when GOPROXY says `direct` or the path matches
//! GONOPROXY/GOPRIVATE.
//!
//! Layers, from the module path to the module:
//! - `discovery`: which repository holds a module path (Go's static known hosts,
//!   `?go-get=1` meta tags), and whether GOVCS allows using it.
//! - [`codehost`]: the repository itself, through libgit2 (git2), in the module cache's
//!   `cache/vcs` work directories that go shares: refs, commits, files, the tree.
//! - `coderepo`: Go's mapping between tags, commits and module versions (major-version
//!   suffixes, `+incompatible`, pseudo-versions, the module directory, the go.mod).
//! - `archive`: the files `git archive` would emit with go's settings, narrowed to the
//!   module, which `modzip` turns into the module zip.
//!
//! Everything below `codehost` is blocking and runs off the async runtime.

pub mod archive;
pub mod codehost;
pub mod coderepo;
pub mod direct;
pub mod discovery;
