//! The GOPROXY list (spec §3.2) and how a module path is routed through one entry
//! (§3.3).
//!
//! CONTRACT (types used by `proxy`); parsing and routing are being implemented.

/// One entry of the GOPROXY list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyEntry {
    pub kind: ProxyKind,
    /// Whether any error (not only "not found") falls through to the next entry: the
    /// entry was followed by `|`.
    pub fallback_on_error: bool,
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyKind {
    /// A proxy base URL (`https://…`, `http://…` or `file://…`), exactly as written
    /// after Go's `https://` defaulting.
    Url(String),
    /// `direct`: fetch from the module's version-control repository.
    Direct,
    /// `off`: no module fetching.
    Off,
    /// The implicit first entry when GONOPROXY/GOPRIVATE is set: paths matching it go
    /// direct, others fall through.
    NoProxy,
}

/// The parsed list, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProxyList(pub Vec<ProxyEntry>);
