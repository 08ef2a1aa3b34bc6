//! Pseudo-versions: versions that name an untagged commit (`module/pseudo.go`).
//!
//! Three shapes, each ordered just above the tag they derive from and below any later
//! tag (the `0.` prerelease identifier keeps them under explicit prereleases):
//!
//! ```text
//! vX.0.0-yyyymmddhhmmss-rev                  no earlier tag with major X
//! vX.Y.(Z+1)-0.yyyymmddhhmmss-rev[+inc]      after vX.Y.Z[+incompatible]
//! vX.Y.Z-pre.0.yyyymmddhhmmss-rev[+inc]      after vX.Y.Z-pre[+incompatible]
//! ```
//!
//! The timestamp is the commit time in UTC; `rev` is usually a 12-hex-digit commit
//! prefix. Recognition is purely syntactic (valid semver plus Go's pseudo-version
//! pattern); the parsers here return Go's `InvalidVersionError`s.

use super::error::{Error, VersionReason};
use crate::semver;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Go's `module.PseudoVersionTimestampFormat` as a description: `yyyymmddhhmmss` UTC.
pub const TIMESTAMP_LEN: usize = 14;

/// Go's `module.PseudoVersion`: the pseudo-version for commit `rev` made at `t`, whose
/// closest earlier tag is `older` (`""` for none; any build suffix such as
/// `+incompatible` is carried over) and whose major version is `major` (`""` means
/// `v0`; only used when `older` is empty).
pub fn pseudo_version(major: &str, older: &str, t: Timestamp, rev: &str) -> String {
    with_stamp(major, older, &format_timestamp(t), rev)
}

fn with_stamp(major: &str, older: &str, stamp: &str, rev: &str) -> String {
    let major = if major.is_empty() { "v0" } else { major };
    let segment = format!("{stamp}-{rev}");
    let build = semver::build(older);
    let older = semver::canonical(older);
    if older.is_empty() {
        return format!("{major}.0.0-{segment}");
    }
    if !semver::prerelease(&older).is_empty() {
        return format!("{older}.0.{segment}{build}");
    }
    let dot = older.rfind('.').map_or(0, |i| i + 1);
    let (head, patch) = older.split_at(dot);
    format!("{head}{}-0.{segment}{build}", inc_decimal(patch))
}

/// Go's `module.ZeroPseudoVersion`: the placeholder `vX.0.0-00010101000000-000000000000`
/// (Go's zero time and an all-zero revision).
pub fn zero_pseudo_version(major: &str) -> String {
    with_stamp(major, "", "00010101000000", "000000000000")
}

/// Go's `module.IsZeroPseudoVersion`.
pub fn is_zero_pseudo_version(v: &str) -> bool {
    v == zero_pseudo_version(semver::major(v))
}

/// `t` in UTC as `yyyymmddhhmmss` (Go's `20060102150405` layout).
fn format_timestamp(t: Timestamp) -> String {
    let dt = TimeZone::UTC.to_datetime(t);
    let year = i32::from(dt.year());
    let sign = if year < 0 { "-" } else { "" };
    format!(
        "{sign}{:04}{:02}{:02}{:02}{:02}{:02}",
        year.unsigned_abs(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Go's `module.IsPseudoVersion`.
pub fn is_pseudo_version(v: &str) -> bool {
    v.bytes().filter(|&b| b == b'-').count() >= 2 && semver::is_valid(v) && matches_shape(v)
}

/// Go's pattern
/// `^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`,
/// matched by hand: nothing before the build suffix may contain `+`, so the first `+`
/// starts it, the revision follows the last `-`, and the timestamp precedes that.
fn matches_shape(v: &str) -> bool {
    let (main, build) = match v.find('+') {
        Some(i) => v.split_at(i),
        None => (v, ""),
    };
    if !build.is_empty()
        && !build[1..]
            .split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return false;
    }
    let Some((head, rev)) = main.rsplit_once('-') else {
        return false;
    };
    if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let Some(head) = head.len().checked_sub(TIMESTAMP_LEN).and_then(|i| {
        let (h, stamp) = head.split_at_checked(i)?;
        stamp.bytes().all(|b| b.is_ascii_digit()).then_some(h)
    }) else {
        return false;
    };
    // Form (1): `v<digits>.0.0-`.
    if let Some(major) = head.strip_prefix('v').and_then(|h| h.strip_suffix(".0.0-"))
        && is_digits(major)
    {
        return true;
    }
    // Forms (2)–(5): `v<d>.<d>.<d>-` then nothing or anything ending in `.`, then `0.`.
    let Some(rest) = head.strip_prefix('v').and_then(|h| h.strip_suffix("0.")) else {
        return false;
    };
    let mut parts = rest.splitn(3, '.');
    let (Some(a), Some(b), Some(tail)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some((c, pre)) = tail.split_once('-') else {
        return false;
    };
    is_digits(a) && is_digits(b) && is_digits(c) && (pre.is_empty() || pre.ends_with('.'))
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The parts of a pseudo-version: base (`vX.0.0`, `vX.Y.(Z+1)-0` or `vX.Y.Z-pre.0`),
/// timestamp, revision and build suffix.
struct Parts<'a> {
    base: &'a str,
    timestamp: &'a str,
    rev: &'a str,
    build: &'a str,
}

fn parse(v: &str) -> Result<Parts<'_>, Error> {
    if !is_pseudo_version(v) {
        return Err(Error::invalid_version(v, true, VersionReason::PseudoSyntax));
    }
    let build = semver::build(v);
    let main = &v[..v.len() - build.len()];
    let syntax = || Error::invalid_version(v, true, VersionReason::PseudoSyntax);
    let (rest, rev) = main.rsplit_once('-').ok_or_else(syntax)?;
    let dash = rest.rfind('-').ok_or_else(syntax)?;
    let (base, timestamp) = match rest.rfind('.') {
        Some(dot) if dot > dash => (&rest[..dot], &rest[dot + 1..]),
        _ => (&rest[..dash], &rest[dash + 1..]),
    };
    Ok(Parts {
        base,
        timestamp,
        rev,
        build,
    })
}

/// Go's `module.PseudoVersionTime`: the commit time a pseudo-version records.
pub fn pseudo_version_time(v: &str) -> Result<Timestamp, Error> {
    let p = parse(v)?;
    parse_timestamp(p.timestamp).ok_or_else(|| {
        Error::invalid_version(
            v,
            true,
            VersionReason::MalformedTime(p.timestamp.to_string()),
        )
    })
}

/// `yyyymmddhhmmss` as a UTC instant, rejecting impossible dates and times as Go's
/// `time.Parse` does (no leap seconds, days checked against the month).
fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i16>().ok();
    if s.len() != TIMESTAMP_LEN || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let narrow = |n: i16| i8::try_from(n).ok();
    let dt = DateTime::new(
        num(0..4)?,
        narrow(num(4..6)?)?,
        narrow(num(6..8)?)?,
        narrow(num(8..10)?)?,
        narrow(num(10..12)?)?,
        narrow(num(12..14)?)?,
        0,
    )
    .ok()?;
    TimeZone::UTC.to_timestamp(dt).ok()
}

/// Go's `module.PseudoVersionRev`: the revision a pseudo-version names.
pub fn pseudo_version_rev(v: &str) -> Result<&str, Error> {
    parse(v).map(|p| p.rev)
}

/// Go's `module.PseudoVersionBase`: the tag a pseudo-version was derived from (with
/// its `+incompatible`, if any), or `""` for the `vX.0.0-…` form.
pub fn pseudo_version_base(v: &str) -> Result<String, Error> {
    let p = parse(v)?;
    match semver::prerelease(p.base) {
        "" => {
            // No base, so `+incompatible` (a claim about the base's major) is nonsense.
            if !p.build.is_empty() {
                return Err(Error::invalid_version(
                    v,
                    true,
                    VersionReason::LacksBaseWithBuild(p.build.to_string()),
                ));
            }
            Ok(String::new())
        }
        "-0" => {
            let release = &p.base[..p.base.len() - 2];
            let dot = release.rfind('.').map_or(0, |i| i + 1);
            let patch = dec_decimal(&release[dot..]);
            if patch.is_empty() {
                return Err(Error::invalid_version(
                    v,
                    true,
                    VersionReason::NegativePatch(release.to_string()),
                ));
            }
            Ok(format!("{}{patch}{}", &release[..dot], p.build))
        }
        _ => {
            let pre = p.base.strip_suffix(".0").unwrap_or(p.base);
            Ok(format!("{pre}{}", p.build))
        }
    }
}

/// Go's `incDecimal`: a decimal string plus one (`"99"` → `"100"`). Works digit by digit,
/// so any length is fine; the empty string gives `"1"` (Go would panic).
pub fn inc_decimal(decimal: &str) -> String {
    let mut digits = decimal.as_bytes().to_vec();
    let nines = digits.iter().rev().take_while(|&&d| d == b'9').count();
    let i = digits.len() - nines;
    digits[i..].fill(b'0');
    if i > 0 {
        digits[i - 1] = digits[i - 1].wrapping_add(1);
    } else if digits.is_empty() {
        digits.push(b'1');
    } else {
        digits[0] = b'1';
        digits.push(b'0');
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// Go's `decDecimal`: a decimal string minus one (`"100"` → `"99"`), or `""` when it is
/// all zeros (or empty).
pub fn dec_decimal(decimal: &str) -> String {
    let mut digits = decimal.as_bytes().to_vec();
    let zeros = digits.iter().rev().take_while(|&&d| d == b'0').count();
    if zeros == digits.len() {
        return String::new();
    }
    let i = digits.len() - zeros - 1;
    digits[i + 1..].fill(b'9');
    if i == 0 && digits[0] == b'1' && digits.len() > 1 {
        digits.remove(0);
    } else {
        digits[i] = digits[i].wrapping_sub(1);
    }
    String::from_utf8_lossy(&digits).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn forms() {
        let t = ts("2006-01-02T15:04:05Z");
        assert_eq!(
            pseudo_version("", "", t, "abc"),
            "v0.0.0-20060102150405-abc"
        );
        assert_eq!(
            pseudo_version("v2", "v1.9.9", t, "abc"),
            "v1.9.10-0.20060102150405-abc"
        );
        assert_eq!(
            pseudo_version("", "v2.0.0+incompatible", t, "abc"),
            "v2.0.1-0.20060102150405-abc+incompatible"
        );
        assert_eq!(
            pseudo_version("", "v1.2", t, "abc"),
            "v1.2.1-0.20060102150405-abc"
        );
        let tz = ts("2006-01-02T15:04:05.999-07:00");
        assert_eq!(pseudo_version("", "", tz, "r"), "v0.0.0-20060102220405-r");
    }

    #[test]
    fn zero() {
        assert_eq!(
            zero_pseudo_version(""),
            "v0.0.0-00010101000000-000000000000"
        );
        assert_eq!(
            zero_pseudo_version("v2"),
            "v2.0.0-00010101000000-000000000000"
        );
        assert!(is_zero_pseudo_version("v3.0.0-00010101000000-000000000000"));
        assert!(!is_zero_pseudo_version(
            "v0.0.0-00010101000000-000000000001"
        ));
        // Go's zero time is year 1, which jiff can represent too.
        let t = pseudo_version_time("v0.0.0-00010101000000-000000000000").unwrap();
        assert_eq!(
            pseudo_version("", "", t, "000000000000"),
            zero_pseudo_version("")
        );
    }

    #[test]
    fn recognition() {
        for v in [
            "v0.0.0-20060102150405-abcdef123456",
            "v1.2.4-0.20060102150405-abcdef123456",
            "v1.2.4-0.20060102150405-abcdef123456+incompatible",
            "v1.2.3-pre.0.20060102150405-abcdef123456",
            "v1.2.3-a.b.0.20060102150405-abcdef123456",
            "v1.2.3-0.0.20060102150405-x",
        ] {
            assert!(is_pseudo_version(v), "{v}");
        }
        for v in [
            "v1.2.3",
            "v1.2.3-pre",
            "v0.0.0-2006010215040-abcdef123456",
            "v0.0.0-200601021504055-abcdef123456",
            "v1.2.3-pre.1.20060102150405-abc",
            "v1.2.4-0.20060102150405-",
            "v1.2.4-0.20060102150405-abc+",
            "v0.0.0-20060102150405-abc+a..b",
            "0.0.0-20060102150405-abc",
            "v0.0.0-20060102150405-a_b",
            "v1.0.0-x0.20060102150405-abc",
        ] {
            assert!(!is_pseudo_version(v), "{v}");
        }
    }

    #[test]
    fn parsing() {
        let v = "v1.2.3-pre.0.20060102150405-abcdef123456+incompatible";
        assert_eq!(pseudo_version_rev(v).unwrap(), "abcdef123456");
        assert_eq!(pseudo_version_base(v).unwrap(), "v1.2.3-pre+incompatible");
        assert_eq!(pseudo_version_time(v).unwrap(), ts("2006-01-02T15:04:05Z"));
        assert_eq!(
            pseudo_version_base("v1.2.0-0.20060102150405-abc")
                .unwrap_err()
                .to_string(),
            r#"pseudo-version "v1.2.0-0.20060102150405-abc" invalid: version before v1.2.0 would have negative patch number"#
        );
        assert_eq!(
            pseudo_version_base("v0.0.0-20060102150405-abc+incompatible")
                .unwrap_err()
                .to_string(),
            r#"pseudo-version "v0.0.0-20060102150405-abc+incompatible" invalid: lacks base version, but has build metadata "+incompatible""#
        );
        assert_eq!(
            pseudo_version_rev("v1.2.3").unwrap_err().to_string(),
            r#"pseudo-version "v1.2.3" invalid: syntax error"#
        );
        assert_eq!(
            pseudo_version_time("v0.0.0-20061302150405-abc")
                .unwrap_err()
                .to_string(),
            r#"pseudo-version "v0.0.0-20061302150405-abc" invalid: malformed time "20061302150405""#
        );
        assert!(pseudo_version_time("v0.0.0-20060230150405-abc").is_err());
        assert!(pseudo_version_time("v0.0.0-20060102156005-abc").is_err());
        assert!(pseudo_version_time("v0.0.0-20060102150460-abc").is_err());
        assert!(pseudo_version_time("v0.0.0-20040229235959-abc").is_ok());
        assert!(pseudo_version_time("v0.0.0-00000101000000-abc").is_ok());
    }

    #[test]
    fn decimals() {
        for (i, o) in [
            ("0", "1"),
            ("9", "10"),
            ("99", "100"),
            ("109", "110"),
            ("", "1"),
        ] {
            assert_eq!(inc_decimal(i), o, "inc {i}");
        }
        for (i, o) in [
            ("", ""),
            ("0", ""),
            ("00", ""),
            ("1", "0"),
            ("10", "9"),
            ("100", "99"),
            ("201", "200"),
        ] {
            assert_eq!(dec_decimal(i), o, "dec {i}");
        }
    }
}
