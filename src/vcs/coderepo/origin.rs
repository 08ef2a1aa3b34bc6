//! The checksums of an `Origin` (Go's `codehost` `Tags` and `repoSum`): `TagSum`
//! summarises the tags a version list or pseudo-version depended on, `RepoSum` every
//! ref of the repository. Both are pure functions of names and hashes, so a code host
//! and a `-reuse` check compute the same text from the same refs.
//!
//! Formats (Go's, byte for byte):
//! * `t1:` + base64(SHA-256 of `"<tag>" <hash>\n` per tag, tags sorted by name, only
//!   those whose name, minus the directory part of the prefix, looks like a version
//!   ([`is_origin_tag`])), names quoted as Go's `%q` does;
//! * `r1:` + base64(SHA-256 of `"<ref>" <hash>\n` per ref, refs sorted by name).

use crate::gostr;
use crate::module;
use crate::semver;
use crate::vcs::codehost::Tag;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Go's `isOriginTag`: whether a tag (directory prefix removed) can affect a version
/// list or a pseudo-version: its canonical form is a prefix of it (so `v1.2.3+meta`
/// counts, `v1.2` does not) and it is not shaped like a pseudo-version.
pub fn is_origin_tag(tag: &str) -> bool {
    let c = semver::canonical(tag);
    !c.is_empty() && tag.starts_with(&c) && !module::is_pseudo_version(tag)
}

/// The `TagSum` of the tags listed for `prefix` (any order; sorted here by name; tags
/// without the prefix are ignored, as the listing would not hold them).
pub fn tag_sum(prefix: &str, tags: &[Tag]) -> String {
    let dir = &prefix[..prefix.rfind('/').map_or(0, |i| i + 1)];
    let mut sorted: Vec<&Tag> = tags.iter().collect();
    sorted.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut h = Sha256::new();
    for tag in sorted.into_iter().filter(|t| t.name.starts_with(prefix)) {
        let name = tag.name.strip_prefix(dir).unwrap_or(&tag.name);
        if is_origin_tag(name) {
            h.update(format!("{} {}\n", gostr::quote(&tag.name), tag.hash).as_bytes());
        }
    }
    format!(
        "t1:{}",
        base64::engine::general_purpose::STANDARD.encode(h.finalize())
    )
}

/// The `RepoSum` of a repository's refs (full names such as `refs/heads/main`, `HEAD`,
/// with their hashes; any order).
pub fn repo_sum<'a>(refs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut sorted: Vec<(&str, &str)> = refs.into_iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut h = Sha256::new();
    for (name, hash) in sorted {
        h.update(format!("{} {hash}\n", gostr::quote(name)).as_bytes());
    }
    format!(
        "r1:{}",
        base64::engine::general_purpose::STANDARD.encode(h.finalize())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, hash: &str) -> Tag {
        Tag {
            name: name.into(),
            hash: hash.into(),
        }
    }

    fn b64sha(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
    }

    #[test]
    fn origin_tags() {
        assert!(is_origin_tag("v1.2.3"));
        assert!(is_origin_tag("v1.2.3+meta"));
        assert!(is_origin_tag("v1.2.3-pre"));
        assert!(!is_origin_tag("v1.2"));
        assert!(!is_origin_tag("1.2.3"));
        assert!(!is_origin_tag("v1.2.4-0.20200101000000-abcdefabcdef"));
        assert!(!is_origin_tag("release"));
    }

    #[test]
    fn tag_sum_formula() {
        // Empty list: the hash of nothing.
        assert_eq!(
            tag_sum("", &[]),
            "t1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        let tags = [
            tag("v1.0.0", "aaaa"),
            tag("sub/v1.0.0", "bbbb"),
            tag("junk", "cccc"),
            tag("sub/v0.1.0", "dddd"),
        ];
        // Prefix with a directory: names are judged without it but hashed whole.
        assert_eq!(
            tag_sum("sub/", &tags),
            format!(
                "t1:{}",
                b64sha("\"sub/v0.1.0\" dddd\n\"sub/v1.0.0\" bbbb\n")
            )
        );
        assert_eq!(
            tag_sum("sub/v1", &tags),
            format!("t1:{}", b64sha("\"sub/v1.0.0\" bbbb\n"))
        );
        // No directory: only the root version tags count.
        assert_eq!(
            tag_sum("", &tags),
            format!("t1:{}", b64sha("\"v1.0.0\" aaaa\n"))
        );
    }

    #[test]
    fn repo_sum_formula() {
        assert_eq!(
            repo_sum([("refs/tags/v1.0.0", "bb"), ("HEAD", "aa")]),
            format!("r1:{}", b64sha("\"HEAD\" aa\n\"refs/tags/v1.0.0\" bb\n"))
        );
        // Ref names are quoted as Go's %q does.
        assert_eq!(
            repo_sum([("refs/heads/a\tb", "cc")]),
            format!("r1:{}", b64sha("\"refs/heads/a\\tb\" cc\n"))
        );
    }
}
