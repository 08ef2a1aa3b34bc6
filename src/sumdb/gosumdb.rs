//! The `GOSUMDB` setting, turned into the checksum database to use, as the go command
//! does it (`cmd/go/internal/modfetch`'s `dbDial` and its table of known keys).
//!
//! Forms: `off` (no database), `<key>` or `<key> <url>`, fields separated by white
//! space. The key is a verifier key `<name>+<hash>+<base64>`, or the bare name of a
//! database whose key the go command has built in. The name must be a plain
//! `host[/path]`: `https://<name>` must parse with Go's `url.Parse` into a scheme, a
//! host and a path only, with no `/` at the end and no escapes in the path. The URL,
//! when given, is where the database is reached (directly, never through a proxy);
//! otherwise the client finds it through the proxies or at `https://<name>`.
//!
//! Errors are Go's, checked in Go's order (field count, key, name, URL), because the
//! go command shows them to the user for every module it verifies.
//!
//! Known keys: we carry Go's one built-in key as its key hash and public key only,
//! never the database's name. A bare name `N` becomes `N+<hash>+<key>` when that key
//! hash is the one of `N` with this key, which holds exactly for the name Go lists
//! with it (a 32-bit hash, so another name matches by chance with probability 2⁻³²);
//! any other bare name is parsed as a verifier key and fails as in Go.
//!
//! Not done: Go also rewrites one alias of the public database (a mirror reachable in
//! some regions) to the public name plus the mirror's URL. We do not carry that alias,
//! so its name fails like any unknown bare name.
//!
//! Deciding which modules use the database (`GONOSUMDB`, `GOPRIVATE`) is not here: the
//! engine already matches those patterns.

use super::note::{NoteError, Verifier};
use crate::config::gourl::{self, ParseError, Url};

/// The go command's built-in database keys, as (key hash, base64 public key).
const KNOWN_KEYS: [(u32, &str); 1] = [(0x033de0ae, "Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")];

/// The checksum database a `GOSUMDB` value names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumdbConfig {
    /// The database's name (`host[/path]`), as in its key and its signatures.
    pub name: String,
    /// Its verifier key, `<name>+<hash>+<base64 key>` (expanded from a known name).
    pub verifier_key: String,
    /// The URL given after the key, which Go's `url.Parse` accepts: the database is
    /// reached there directly. `None`: through the proxies or `https://<name>`.
    pub url: Option<String>,
}

impl SumdbConfig {
    /// The verifier of [`verifier_key`](Self::verifier_key) (always parses for a
    /// config from [`parse_gosumdb`]).
    pub fn verifier(&self) -> Result<Verifier, NoteError> {
        Verifier::new(&self.verifier_key)
    }
}

/// Why a `GOSUMDB` value names no usable database; each `Display` is Go's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GosumdbError {
    /// Only white space.
    #[error("missing GOSUMDB")]
    Missing,
    /// More than a key and a URL.
    #[error("invalid GOSUMDB: too many fields")]
    TooManyFields { value: String },
    /// The key (or unknown bare name) is not a valid verifier key.
    #[error("invalid GOSUMDB: {0}")]
    Key(#[source] NoteError),
    /// The key's name is not a plain `host[/path]`. `parsed` is Go's `%+v` rendering of
    /// the parsed `https://<name>`, as its message shows it.
    #[error("invalid sumdb name (must be host[/path]): {name} {parsed}")]
    InvalidName { name: String, parsed: String },
    /// `https://<name>` does not even parse. The go command crashes here (it formats the
    /// URL it failed to get); we report the parse error instead.
    #[error("invalid sumdb name (must be host[/path]): {name}: {source}")]
    UnparsableName { name: String, source: ParseError },
    /// The URL after the key does not parse.
    #[error("invalid GOSUMDB URL: {0}")]
    Url(#[source] ParseError),
}

/// Reads a `GOSUMDB` value: `Ok(None)` for `off` (exactly), else the database, or Go's
/// error. The value is taken as the go command sees it after defaults are applied.
pub fn parse_gosumdb(value: &str) -> Result<Option<SumdbConfig>, GosumdbError> {
    parse_with_known(value, &KNOWN_KEYS)
}

fn parse_with_known(
    value: &str,
    known: &[(u32, &str)],
) -> Result<Option<SumdbConfig>, GosumdbError> {
    if value == "off" {
        return Ok(None);
    }
    let fields: Vec<&str> = value.split_whitespace().collect();
    let (key, url) = match fields.as_slice() {
        [] => return Err(GosumdbError::Missing),
        [key] => (*key, None),
        [key, url] => (*key, Some(*url)),
        _ => {
            return Err(GosumdbError::TooManyFields {
                value: value.to_string(),
            });
        }
    };
    let verifier_key = expand_known_name(key, known).unwrap_or_else(|| key.to_string());
    let verifier = Verifier::new(&verifier_key).map_err(GosumdbError::Key)?;
    check_name(verifier.name())?;
    if let Some(url) = url {
        gourl::parse(url).map_err(GosumdbError::Url)?;
    }
    Ok(Some(SumdbConfig {
        name: verifier.name().to_string(),
        verifier_key,
        url: url.map(str::to_string),
    }))
}

/// The full key of a bare name whose built-in key hash matches it.
fn expand_known_name(name: &str, known: &[(u32, &str)]) -> Option<String> {
    if name.contains('+') {
        return None;
    }
    known
        .iter()
        .map(|(hash, key)| format!("{name}+{hash:08x}+{key}"))
        .find(|candidate| Verifier::new(candidate).is_ok())
}

/// Go's "no funny business in the database name" check.
fn check_name(name: &str) -> Result<(), GosumdbError> {
    let direct = gourl::parse(&format!("https://{name}")).map_err(|source| {
        GosumdbError::UnparsableName {
            name: name.to_string(),
            source,
        }
    })?;
    let plain = Url {
        scheme: "https".to_string(),
        host: direct.host.clone(),
        path: direct.path.clone(),
        raw_path: direct.raw_path.clone(),
        ..Url::default()
    };
    if name.ends_with('/')
        || direct != plain
        || !direct.raw_path.is_empty()
        || direct.host.is_empty()
    {
        return Err(GosumdbError::InvalidName {
            name: name.to_string(),
            parsed: go_struct_format(&direct),
        });
    }
    Ok(())
}

/// Go's `fmt.Sprintf("%+v", url.URL{…})`: every field by name, in declaration order,
/// the user info through its `String` method.
fn go_struct_format(u: &Url) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    format!(
        "{{Scheme:{} Opaque:{} User:{} Host:{} Path:{} Fragment:{} RawQuery:{} \
         RawPath:{} RawFragment:{} ForceQuery:{} OmitHost:{}}}",
        u.scheme,
        u.opaque,
        u.user.as_ref().map(|u| u.encoded()).unwrap_or_default(),
        text(&u.host),
        text(&u.path),
        text(&u.fragment),
        u.raw_query,
        u.raw_path,
        u.raw_fragment,
        u.force_query,
        u.omit_host,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb::note::key_pair_from_seed;

    /// A verifier key for `name` (any name; the key need not be a curve point).
    fn vkey(name: &str) -> String {
        key_pair_from_seed(name, &[7; 32]).1
    }

    fn err(value: &str) -> String {
        parse_gosumdb(value).unwrap_err().to_string()
    }

    #[test]
    fn off_exactly_is_no_database() {
        assert_eq!(parse_gosumdb("off"), Ok(None));
        // Anything else is a key: " off" is the (bad) key "off", as in go.
        assert_eq!(err(" off"), "invalid GOSUMDB: malformed verifier id");
    }

    #[test]
    fn key_and_url_forms() {
        let key = vkey("db.example/sub");
        let got = parse_gosumdb(&key).unwrap().unwrap();
        assert_eq!(
            got,
            SumdbConfig {
                name: "db.example/sub".into(),
                verifier_key: key.clone(),
                url: None,
            }
        );
        assert_eq!(got.verifier().unwrap().name(), "db.example/sub");
        let with_url = format!("\t{key}   http://127.0.0.1:1/db \n");
        let got = parse_gosumdb(&with_url).unwrap().unwrap();
        assert_eq!(got.url.as_deref(), Some("http://127.0.0.1:1/db"));
        assert_eq!(got.verifier_key, key);
        // Go accepts these names (checked with go 1.26).
        for name in ["a#", "a:80", "A.Com/P", "a//b", "[::1]", "\u{e9}.example"] {
            assert!(parse_gosumdb(&vkey(name)).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn field_errors_as_go() {
        assert_eq!(err(""), "missing GOSUMDB");
        assert_eq!(err(" \t"), "missing GOSUMDB");
        assert_eq!(err("x y z"), "invalid GOSUMDB: too many fields");
        assert_eq!(err("foo"), "invalid GOSUMDB: malformed verifier id");
        assert_eq!(
            err("x+00000000+AQ== u"),
            "invalid GOSUMDB: invalid verifier hash"
        );
        assert_eq!(
            err(&vkey("h/a b")),
            "invalid GOSUMDB: malformed verifier id"
        );
    }

    #[test]
    fn name_errors_as_go() {
        // Go's messages for these names (go 1.26, `go mod download`).
        let tail = "Fragment: RawQuery: RawPath: RawFragment: ForceQuery:false OmitHost:false}";
        let cases = [
            (
                "a/",
                format!("{{Scheme:https Opaque: User: Host:a Path:/ {tail}"),
            ),
            (
                "/a",
                format!("{{Scheme:https Opaque: User: Host: Path:/a {tail}"),
            ),
            (
                "u@a",
                format!("{{Scheme:https Opaque: User:u Host:a Path: {tail}"),
            ),
            (
                "a?b",
                "{Scheme:https Opaque: User: Host:a Path: Fragment: RawQuery:b RawPath: \
                 RawFragment: ForceQuery:false OmitHost:false}"
                    .to_string(),
            ),
            (
                "a?",
                "{Scheme:https Opaque: User: Host:a Path: Fragment: RawQuery: RawPath: \
                 RawFragment: ForceQuery:true OmitHost:false}"
                    .to_string(),
            ),
            (
                "a/b?",
                "{Scheme:https Opaque: User: Host:a Path:/b Fragment: RawQuery: RawPath: \
                 RawFragment: ForceQuery:true OmitHost:false}"
                    .to_string(),
            ),
            (
                "a#b",
                "{Scheme:https Opaque: User: Host:a Path: Fragment:b RawQuery: RawPath: \
                 RawFragment: ForceQuery:false OmitHost:false}"
                    .to_string(),
            ),
            (
                "a/b%2fc",
                "{Scheme:https Opaque: User: Host:a Path:/b/c Fragment: RawQuery: \
                 RawPath:/b%2fc RawFragment: ForceQuery:false OmitHost:false}"
                    .to_string(),
            ),
            (
                "a/b%41",
                "{Scheme:https Opaque: User: Host:a Path:/bA Fragment: RawQuery: \
                 RawPath:/b%41 RawFragment: ForceQuery:false OmitHost:false}"
                    .to_string(),
            ),
        ];
        for (name, parsed) in cases {
            assert_eq!(
                err(&vkey(name)),
                format!("invalid sumdb name (must be host[/path]): {name} {parsed}"),
            );
        }
    }

    #[test]
    fn names_go_crashes_on_are_errors() {
        for (name, why) in [
            ("a%zz", r#"parse "https://a%zz": invalid URL escape "%zz""#),
            ("a%41", r#"parse "https://a%41": invalid URL escape "%41""#),
            (
                "a:x",
                r#"parse "https://a:x": invalid port ":x" after host"#,
            ),
            (
                "a/%zz",
                r#"parse "https://a/%zz": invalid URL escape "%zz""#,
            ),
            (
                "\u{1}",
                r#"parse "https://\x01": net/url: invalid control character in URL"#,
            ),
        ] {
            assert_eq!(
                err(&vkey(name)),
                format!("invalid sumdb name (must be host[/path]): {name}: {why}")
            );
        }
    }

    #[test]
    fn url_errors_as_go() {
        let key = vkey("db.example");
        for (url, want) in [
            ("::", r#"parse "::": missing protocol scheme"#),
            ("%zz", r#"parse "%zz": invalid URL escape "%zz""#),
            (
                "http://[zz]/",
                r#"parse "http://[zz]/": invalid host: ParseAddr("zz"): unable to parse IP"#,
            ),
            (
                "http://a:x/",
                r#"parse "http://a:x/": invalid port ":x" after host"#,
            ),
            (
                "http://h/#%zz",
                r#"parse "http://h/#%zz": invalid URL escape "%zz""#,
            ),
        ] {
            assert_eq!(
                err(&format!("{key} {url}")),
                format!("invalid GOSUMDB URL: {want}")
            );
        }
        // Go accepts these here (and fails later, when fetching).
        for url in ["rel/path", "mailto:x", "http://h/p?q#f"] {
            assert!(parse_gosumdb(&format!("{key} {url}")).is_ok(), "{url}");
        }
    }

    #[test]
    fn the_name_is_checked_before_the_url() {
        assert!(err(&format!("{} %zz", vkey("a/"))).starts_with("invalid sumdb name"));
    }

    #[test]
    fn a_bare_name_expands_only_when_the_key_hash_is_its_own() {
        let key = vkey("db.example");
        let (hash, b64) = {
            let mut parts = key.splitn(3, '+').skip(1);
            let hash = u32::from_str_radix(parts.next().unwrap(), 16).unwrap();
            (hash, parts.next().unwrap().to_string())
        };
        let known = [(hash, b64.as_str())];
        let got = parse_with_known("db.example", &known).unwrap().unwrap();
        assert_eq!(got.verifier_key, key);
        assert_eq!(got.name, "db.example");
        let got = parse_with_known("db.example http://127.0.0.1/", &known)
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.verifier_key, got.url.as_deref()),
            (key, Some("http://127.0.0.1/"))
        );
        for other in ["other.example", "db.example/", "db.exampl"] {
            assert_eq!(
                parse_with_known(other, &known).unwrap_err().to_string(),
                "invalid GOSUMDB: malformed verifier id",
                "{other}"
            );
        }
        // The built-in key belongs to none of our test names.
        assert_eq!(err("db.example"), "invalid GOSUMDB: malformed verifier id");
    }
}
