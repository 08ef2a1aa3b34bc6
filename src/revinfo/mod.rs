//! The `.info` record of a module version (Go's `modfetch.RevInfo`): decoded from a
//! proxy exactly as `json.Unmarshal` decodes it, and encoded for the module cache
//! exactly as the go command writes it.
//!
//! # Decoding ([`RevInfo::from_proxy_json`])
//! Go's `encoding/json` rules for this struct, including its quirks (see
//! [`decode`](self::decode) for the list): syntax errors with Go's texts, case-insensitive
//! keys, duplicate keys, `null`, type errors, invalid UTF-8. The `Time` is parsed by
//! Go's rules ([`GoTime::parse_rfc3339`]) and keeps its zone offset.
//!
//! # Encoding
//! * [`RevInfo::cache_info_bytes`]: what `modfetch`'s `writeDiskStat` writes to
//!   `cache/download/<module>/@v/<version>.info`: compact `json.Marshal` output with the
//!   fields Version, Time, Origin (Origin omitted when absent), `Time` in `RFC3339Nano`
//!   in its parsed zone (the zero time is `0001-01-01T00:00:00Z`), and Origin cleaned
//!   first: `TagSum`, `TagPrefix` and `RepoSum` cleared, and `Ref` too for a
//!   pseudo-version. An Origin whose fields are all empty is written as `{}`.
//! * [`Origin::to_json`]: the `Origin` object of a `go mod download -json` record
//!   (uncleaned, every field `omitempty`).
//!
//! Everything here is pure: bytes in, values or typed errors out.

mod decode;
mod gotime;
mod scan;

pub use decode::DecodeError;
pub use gotime::{GoTime, TimeFormatError, TimeParseError};
pub use scan::SyntaxError;

use crate::gojson::{Obj, Value};
use crate::module;

/// Go's `codehost.Origin`: where a version came from, for `-reuse` checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub vcs: String,
    pub url: String,
    pub subdir: String,
    pub hash: String,
    pub tag_prefix: String,
    pub tag_sum: String,
    pub ref_: String,
    pub repo_sum: String,
}

impl Origin {
    /// The JSON object Go marshals (fields in declaration order, all `omitempty`).
    pub fn to_json(&self) -> Obj {
        Obj::new()
            .str_omitempty("VCS", &self.vcs)
            .str_omitempty("URL", &self.url)
            .str_omitempty("Subdir", &self.subdir)
            .str_omitempty("Hash", &self.hash)
            .str_omitempty("TagPrefix", &self.tag_prefix)
            .str_omitempty("TagSum", &self.tag_sum)
            .str_omitempty("Ref", &self.ref_)
            .str_omitempty("RepoSum", &self.repo_sum)
    }
}

/// Go's `mergeOrigin`: the union of two origins' checks, or `None` when either is
/// absent or they disagree (a different repository, or two different values for the
/// same check). A query that read both a version list and a revision reports the
/// merge, so a proxy's answer (whose list has no origin) reports none.
pub fn merge_origins(a: Option<&Origin>, b: Option<&Origin>) -> Option<Origin> {
    let (a, b) = (a?, b?);
    if a.vcs != b.vcs || a.url != b.url || a.subdir != b.subdir {
        return None;
    }
    /// `b`'s value where it has one, unless `a` has a different one.
    fn join(a: &str, b: &str) -> Option<String> {
        match (a.is_empty(), b.is_empty()) {
            (_, true) => Some(a.to_string()),
            (true, false) => Some(b.to_string()),
            (false, false) => (a == b).then(|| a.to_string()),
        }
    }
    let mut merged = a.clone();
    merged.hash = join(&a.hash, &b.hash)?;
    if !b.tag_sum.is_empty() {
        if !a.tag_sum.is_empty() && (a.tag_sum != b.tag_sum || a.tag_prefix != b.tag_prefix) {
            return None;
        }
        merged.tag_sum = b.tag_sum.clone();
        merged.tag_prefix = b.tag_prefix.clone();
    }
    merged.repo_sum = join(&a.repo_sum, &b.repo_sum)?;
    merged.ref_ = join(&a.ref_, &b.ref_)?;
    Some(merged)
}

/// Go's `modfetch.RevInfo` (without `Name` and `Short`, which are never in JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevInfo {
    /// The version the proxy names (not validated here).
    pub version: String,
    /// The commit time; Go's zero time when the record has none.
    pub time: GoTime,
    pub origin: Option<Origin>,
}

/// Why a `.info` cannot be encoded: Go's `json.Marshal` error for the time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: {0}")]
pub struct EncodeError(#[from] pub TimeFormatError);

impl RevInfo {
    /// Decodes a proxy's `.info` or `@latest` body as `json.Unmarshal` does.
    pub fn from_proxy_json(data: &[u8]) -> Result<RevInfo, DecodeError> {
        decode::decode(data)
    }

    /// The bytes of the cache's `.info` file (see the module docs); no trailing newline.
    pub fn cache_info_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let origin = self.origin.as_ref().map(|o| {
            let mut clean = o.clone();
            clean.tag_sum.clear();
            clean.tag_prefix.clear();
            clean.repo_sum.clear();
            if module::is_pseudo_version(&self.version) {
                clean.ref_.clear();
            }
            clean
        });
        Ok(self
            .to_json_with(origin.as_ref())?
            .done()
            .to_compact()
            .into_bytes())
    }

    /// `json.Marshal` of this record as it is (Origin not cleaned).
    pub fn to_json(&self) -> Result<Obj, EncodeError> {
        self.to_json_with(self.origin.as_ref())
    }

    fn to_json_with(&self, origin: Option<&Origin>) -> Result<Obj, EncodeError> {
        let time = self.time.format_rfc3339_nano()?;
        let obj = Obj::new()
            .str("Version", &self.version)
            .value("Time", Value::Str(time));
        Ok(match origin {
            Some(o) => obj.obj("Origin", o.to_json()),
            None => obj,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(body: &str) -> String {
        let info = RevInfo::from_proxy_json(body.as_bytes()).expect("decodes");
        String::from_utf8(info.cache_info_bytes().expect("encodes")).expect("utf-8")
    }

    fn git(url: &str) -> Origin {
        Origin {
            vcs: "git".into(),
            url: url.into(),
            ..Origin::default()
        }
    }

    #[test]
    fn merged_origins_follow_go() {
        let list = Origin {
            tag_sum: "t1:a".into(),
            ..git("https://x")
        };
        let stat = Origin {
            hash: "h".into(),
            ref_: "refs/tags/v1.0.0".into(),
            ..git("https://x")
        };
        let both = merge_origins(Some(&list), Some(&stat)).expect("compatible");
        assert_eq!(
            (
                both.tag_sum.as_str(),
                both.hash.as_str(),
                both.ref_.as_str()
            ),
            ("t1:a", "h", "refs/tags/v1.0.0")
        );
        // Absent on either side: nothing can be checked.
        assert_eq!(merge_origins(None, Some(&stat)), None);
        assert_eq!(merge_origins(Some(&list), None), None);
        // Another repository, or conflicting checks.
        assert_eq!(merge_origins(Some(&list), Some(&git("https://y"))), None);
        let other_hash = Origin {
            hash: "g".into(),
            ..stat.clone()
        };
        assert_eq!(merge_origins(Some(&stat), Some(&other_hash)), None);
        let other_prefix = Origin {
            tag_prefix: "sub/".into(),
            ..list.clone()
        };
        assert_eq!(merge_origins(Some(&list), Some(&other_prefix)), None);
        // An empty field on the right keeps the left's value.
        assert_eq!(
            merge_origins(Some(&stat), Some(&git("https://x"))),
            Some(stat.clone())
        );
    }

    #[test]
    fn cache_bytes_as_go_writes_them() {
        assert_eq!(
            cache(r#"{"Version":"v1.5.2","Time":"2018-02-14T15:44:20Z","Name":"x","Short":"y"}"#),
            r#"{"Version":"v1.5.2","Time":"2018-02-14T15:44:20Z"}"#
        );
        assert_eq!(
            cache(r#"{"Version":"v1.0.0"}"#),
            r#"{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z"}"#
        );
        assert_eq!(
            cache(r#"{"Version":"v1.0.0","Time":"2018-02-14T15:44:20.120+02:00"}"#),
            r#"{"Version":"v1.0.0","Time":"2018-02-14T15:44:20.12+02:00"}"#
        );
        assert_eq!(
            cache(
                r#"{"Origin":{"RepoSum":"r1:x","TagSum":"t1:x","TagPrefix":"p","Ref":"refs/tags/v1.0.0","Hash":"abc","VCS":"git","URL":"https://x","Subdir":"s"},"Version":"v1.0.0"}"#
            ),
            r#"{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z","Origin":{"VCS":"git","URL":"https://x","Subdir":"s","Hash":"abc","Ref":"refs/tags/v1.0.0"}}"#
        );
        assert_eq!(
            cache(
                r#"{"Version":"v0.0.0-20200101000000-abcdefabcdef","Origin":{"Ref":"HEAD","TagSum":"t"}}"#
            ),
            r#"{"Version":"v0.0.0-20200101000000-abcdefabcdef","Time":"0001-01-01T00:00:00Z","Origin":{}}"#
        );
        assert_eq!(
            cache(r#"{"Version":"<&>"}"#),
            r#"{"Version":"\u003c\u0026\u003e","Time":"0001-01-01T00:00:00Z"}"#
        );
        let info =
            RevInfo::from_proxy_json(br#"{"Version":"v1","Time":"2000-01-01T00:00:00+24:00"}"#)
                .unwrap();
        assert_eq!(
            info.cache_info_bytes().unwrap_err().to_string(),
            "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: timezone hour outside of range [0,23]"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            if let Ok(info) = RevInfo::from_proxy_json(&body) {
                let _ = info.cache_info_bytes();
            }
            let _ = GoTime::parse_rfc3339(&body);
        }

        #[test]
        fn never_panics_on_json_shapes(body in r#"[ {}\[\]":,0-9a-zA-Z\\.+-]{0,80}"#) {
            let _ = RevInfo::from_proxy_json(body.as_bytes());
            let wrapped = format!(r#"{{"Version":"v1","Time":"{body}","Origin":{body}}}"#);
            let _ = RevInfo::from_proxy_json(wrapped.as_bytes());
        }
    }

    #[test]
    fn origin_object_for_json_records() {
        let o = Origin {
            vcs: "git".into(),
            tag_sum: "t1:x".into(),
            ..Origin::default()
        };
        assert_eq!(
            o.to_json().done().to_compact(),
            r#"{"VCS":"git","TagSum":"t1:x"}"#
        );
    }
}
