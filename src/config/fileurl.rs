//! `file://` URLs ↔ local paths, as the go command converts them for `file://`
//! GOPROXY entries (`cmd/go/internal/web/url*.go`).
//!
//! Both conventions are pure functions of their input so that the Windows rules (drive
//! letters, UNC shares as URL hosts) are tested on any OS: [`PathStyle::Unix`] and
//! [`PathStyle::Windows`]. [`PathStyle::NATIVE`] is the one this build uses. Paths
//! are bytes, since a Unix path need not be UTF-8 and a URL path can decode to any
//! byte.
//!
//! Only local files are accepted: a host other than `localhost` is an error on Unix
//! and a UNC server name on Windows. Relative results are refused (`path is not
//! absolute`), as Go does.

use super::gourl::Url;

/// Which operating system's path rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStyle {
    Unix,
    Windows,
}

impl PathStyle {
    /// The convention of the platform this binary runs on.
    pub const NATIVE: PathStyle = if cfg!(windows) {
        PathStyle::Windows
    } else {
        PathStyle::Unix
    };
}

/// Why a URL or path could not be converted; the texts are Go's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileUrlError {
    #[error("non-file URL")]
    NotFileUrl,
    #[error("file URL missing path")]
    MissingPath,
    #[error("path is not absolute")]
    NotAbsolute,
    #[error("file URL specifies non-local host")]
    NonLocalHost,
    #[error("file URL encodes volume in host field: too few slashes?")]
    VolumeInHost,
    #[error("file URL missing drive letter")]
    MissingDriveLetter,
}

/// `urlToFilePath`: the local path a `file:` URL names.
pub fn url_to_file_path(u: &Url, style: PathStyle) -> Result<Vec<u8>, FileUrlError> {
    if u.scheme != "file" {
        return Err(FileUrlError::NotFileUrl);
    }
    let path = if u.path.is_empty() {
        if !u.host.is_empty() || u.opaque.is_empty() {
            return Err(FileUrlError::MissingPath);
        }
        from_slash(u.opaque.as_bytes(), style)
    } else {
        convert_url_path(&u.host, &u.path, style)?
    };
    if is_abs(&path, style) {
        Ok(path)
    } else {
        Err(FileUrlError::NotAbsolute)
    }
}

/// `convertFileURLPath` for each convention.
fn convert_url_path(host: &[u8], path: &[u8], style: PathStyle) -> Result<Vec<u8>, FileUrlError> {
    let local_host = host.is_empty() || host == b"localhost";
    match style {
        PathStyle::Unix if local_host => Ok(path.to_vec()),
        PathStyle::Unix => Err(FileUrlError::NonLocalHost),
        PathStyle::Windows => {
            if path.first() != Some(&b'/') {
                return Err(FileUrlError::NotAbsolute);
            }
            let path = from_slash(path, style);
            if !local_host {
                // `file://D:/x`: the legacy form with the drive in the host field.
                if volume_name_len(host) > 0 {
                    return Err(FileUrlError::VolumeInHost);
                }
                let mut unc = b"\\\\".to_vec();
                unc.extend_from_slice(host);
                unc.extend_from_slice(&path);
                return Ok(unc);
            }
            let rest = &path[1..];
            let vol = &rest[..volume_name_len(rest)];
            if vol.is_empty() || vol.starts_with(b"\\\\") {
                return Err(FileUrlError::MissingDriveLetter);
            }
            Ok(rest.to_vec())
        }
    }
}

/// `urlFromFilePath`: the canonical `file:` URL of an absolute local path.
pub fn url_from_file_path(path: &[u8], style: PathStyle) -> Result<Url, FileUrlError> {
    if !is_abs(path, style) {
        return Err(FileUrlError::NotAbsolute);
    }
    let file = |host: &[u8], path: Vec<u8>| Url {
        scheme: "file".to_string(),
        host: host.to_vec(),
        path,
        ..Url::default()
    };
    if style == PathStyle::Windows {
        let vol_len = volume_name_len(path);
        if vol_len > 0 {
            if path.starts_with(b"\\\\") {
                // `\\host\share\x` → `file://host/share/x`.
                let rest = to_slash(&path[2..]);
                return Ok(match rest.iter().position(|&c| c == b'/') {
                    None => file(&rest, b"/".to_vec()),
                    Some(i) => file(&rest[..i], rest[i..].to_vec()),
                });
            }
            // `C:\x` → `file:///C:/x`.
            let mut p = b"/".to_vec();
            p.extend(to_slash(path));
            return Ok(file(b"", p));
        }
    }
    Ok(file(b"", to_slash_style(path, style)))
}

fn is_sep(c: u8, style: PathStyle) -> bool {
    c == b'/' || (style == PathStyle::Windows && c == b'\\')
}

fn from_slash(p: &[u8], style: PathStyle) -> Vec<u8> {
    match style {
        PathStyle::Unix => p.to_vec(),
        PathStyle::Windows => p
            .iter()
            .map(|&c| if c == b'/' { b'\\' } else { c })
            .collect(),
    }
}

fn to_slash(p: &[u8]) -> Vec<u8> {
    p.iter()
        .map(|&c| if c == b'\\' { b'/' } else { c })
        .collect()
}

fn to_slash_style(p: &[u8], style: PathStyle) -> Vec<u8> {
    match style {
        PathStyle::Unix => p.to_vec(),
        PathStyle::Windows => to_slash(p),
    }
}

/// `filepath.IsAbs` for the convention.
fn is_abs(p: &[u8], style: PathStyle) -> bool {
    match style {
        PathStyle::Unix => p.first() == Some(&b'/'),
        PathStyle::Windows => {
            let l = volume_name_len(p);
            if l == 0 {
                return false;
            }
            if is_sep(p[0], style) && is_sep(p[1], style) {
                return true;
            }
            p.get(l).is_some_and(|&c| is_sep(c, style))
        }
    }
}

/// Windows `volumeNameLen`: the length of a leading drive (`C:`), UNC share
/// (`\\host\share`) or device prefix (`\\.\X`, `\\?\X`, `\??\X`, `\\.\UNC\h\s`).
fn volume_name_len(p: &[u8]) -> usize {
    let sep = |c: u8| c == b'/' || c == b'\\';
    if p.len() >= 2 && p[1] == b':' {
        return 2;
    }
    if p.is_empty() || !sep(p[0]) {
        return 0;
    }
    if has_prefix_fold(p, b"\\\\.\\UNC") {
        return unc_len(p, b"\\\\.\\UNC\\".len());
    }
    if has_prefix_fold(p, b"\\\\.") || has_prefix_fold(p, b"\\\\?") || has_prefix_fold(p, b"\\??") {
        if p.len() == 3 {
            return 3;
        }
        return match p[4..].iter().position(|&c| sep(c)) {
            None => p.len(),
            Some(i) => 4 + i,
        };
    }
    if p.len() >= 2 && sep(p[1]) {
        return unc_len(p, 2);
    }
    0
}

/// `pathHasPrefixFold`: `p` starts with `prefix` (any separator matching any, ASCII
/// case folded) followed by a separator or the end.
fn has_prefix_fold(p: &[u8], prefix: &[u8]) -> bool {
    let sep = |c: u8| c == b'/' || c == b'\\';
    if p.len() < prefix.len() {
        return false;
    }
    let same = prefix.iter().zip(p).all(|(&want, &got)| {
        if sep(want) {
            sep(got)
        } else {
            want.eq_ignore_ascii_case(&got)
        }
    });
    same && p.get(prefix.len()).is_none_or(|&c| sep(c))
}

/// `uncLen`: where the second separator after `prefix_len` is (the end of
/// `\\host\share`), or the whole length.
fn unc_len(p: &[u8], prefix_len: usize) -> usize {
    let mut count = 0;
    for (i, &c) in p.iter().enumerate().skip(prefix_len) {
        if c == b'/' || c == b'\\' {
            count += 1;
            if count == 2 {
                return i;
            }
        }
    }
    p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::gourl::parse;

    fn to_path(url: &str, style: PathStyle) -> Result<String, String> {
        let u = parse(url).map_err(|e| e.to_string())?;
        url_to_file_path(&u, style)
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .map_err(|e| e.to_string())
    }

    fn to_url(path: &str, style: PathStyle) -> Result<String, String> {
        url_from_file_path(path.as_bytes(), style)
            .map(|u| u.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn unix_rules() {
        let u = PathStyle::Unix;
        assert_eq!(to_path("file:///a/b", u).as_deref(), Ok("/a/b"));
        assert_eq!(to_path("file:/a/b", u).as_deref(), Ok("/a/b"));
        assert_eq!(to_path("file://localhost/a", u).as_deref(), Ok("/a"));
        assert_eq!(
            to_path("file://h.example/a", u),
            Err("file URL specifies non-local host".into())
        );
        assert_eq!(to_path("file:rel", u), Err("path is not absolute".into()));
        assert_eq!(to_path("file://h", u), Err("file URL missing path".into()));
        assert_eq!(to_path("https:///a", u), Err("non-file URL".into()));
        assert_eq!(to_url("/a b/%", u).as_deref(), Ok("file:///a%20b/%25"));
        assert_eq!(to_url("rel", u), Err("path is not absolute".into()));
    }

    #[test]
    fn windows_rules() {
        let w = PathStyle::Windows;
        assert_eq!(
            to_path("file:///C:/Program%20Files/x?REQUEST=RADIO", w).as_deref(),
            Ok("C:\\Program Files\\x")
        );
        assert_eq!(
            to_path(r"C:\Program Files\x?R=1", w),
            Err("non-file URL".into())
        );
        assert_eq!(
            to_path("file://///h.example/p", w),
            Err("file URL missing drive letter".into())
        );
        assert_eq!(to_url(r"\\host", w).as_deref(), Ok("file://host/"));
        assert_eq!(
            to_url(r"\\host.example.com\Share\f.txt", w).as_deref(),
            Ok("file://host.example.com/Share/f.txt")
        );
        assert_eq!(to_url(r"C:rel", w), Err("path is not absolute".into()));
        assert_eq!(to_url(r"\rooted", w), Err("path is not absolute".into()));
        assert_eq!(volume_name_len(br"\\.\UNC\h\s\x"), br"\\.\UNC\h\s".len());
        assert_eq!(volume_name_len(br"\\?\c:\x"), br"\\?\c:".len());
        assert_eq!(volume_name_len(br"\\."), 3);
    }
}
