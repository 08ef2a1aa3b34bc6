//! `file://` URLs ↔ local paths, as `cmd/go/internal/web` converts them
//! (`urlToFilePath`, `urlFromFilePath`), for `GOPROXY=file:///…`.
//!
//! Both Go variants are here as pure string functions: [`Platform::Unix`] (the host must
//! be empty or `localhost`; the path must be absolute) and [`Platform::Windows`] (drive
//! letters in the path, UNC hosts, the "too few slashes" diagnosis), so the Windows
//! rules are tested on any machine. The running platform's variant is
//! [`Platform::CURRENT`].

use super::gourl::GoUrl;

/// Which operating system's path rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Unix,
    Windows,
}

impl Platform {
    #[cfg(windows)]
    pub const CURRENT: Platform = Platform::Windows;
    #[cfg(not(windows))]
    pub const CURRENT: Platform = Platform::Unix;
}

/// Why a URL is not a local file path, or a path not a URL; `Display` is Go's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileUrlError {
    #[error("non-file URL")]
    NotFile,
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

fn is_sep(p: Platform, c: u8) -> bool {
    c == b'/' || (p == Platform::Windows && c == b'\\')
}

fn from_slash(p: Platform, s: &[u8]) -> Vec<u8> {
    match p {
        Platform::Unix => s.to_vec(),
        Platform::Windows => s
            .iter()
            .map(|&c| if c == b'/' { b'\\' } else { c })
            .collect(),
    }
}

fn to_slash(p: Platform, s: &[u8]) -> Vec<u8> {
    match p {
        Platform::Unix => s.to_vec(),
        Platform::Windows => s
            .iter()
            .map(|&c| if c == b'\\' { b'/' } else { c })
            .collect(),
    }
}

/// Go's `filepathlite.volumeNameLen` (always 0 on Unix).
fn volume_name_len(p: Platform, path: &[u8]) -> usize {
    if p == Platform::Unix {
        return 0;
    }
    let sep = |c: u8| is_sep(p, c);
    let has_prefix_fold = |prefix: &[u8]| {
        path.len() >= prefix.len()
            && prefix.iter().zip(path).all(|(&a, &b)| {
                if sep(a) {
                    sep(b)
                } else {
                    a.eq_ignore_ascii_case(&b)
                }
            })
            && (path.len() == prefix.len() || sep(path[prefix.len()]))
    };
    let unc_len = |prefix_len: usize| {
        let mut count = 0;
        for (i, &c) in path.iter().enumerate().skip(prefix_len) {
            if sep(c) {
                count += 1;
                if count == 2 {
                    return i;
                }
            }
        }
        path.len()
    };
    if path.len() >= 2 && path[1] == b':' {
        return 2;
    }
    if path.is_empty() || !sep(path[0]) {
        return 0;
    }
    if has_prefix_fold(br"\\.\UNC") {
        return unc_len(br"\\.\UNC\".len());
    }
    if has_prefix_fold(br"\\.") || has_prefix_fold(br"\\?") || has_prefix_fold(br"\??") {
        if path.len() == 3 {
            return 3;
        }
        let rest = &path[4.min(path.len())..];
        return match rest.iter().position(|&c| sep(c)) {
            None => path.len(),
            Some(i) => path.len() - (rest.len() - i - 1) - 1,
        };
    }
    if path.len() >= 2 && sep(path[1]) {
        return unc_len(2);
    }
    0
}

/// Go's `filepath.VolumeName`.
fn volume_name(p: Platform, path: &[u8]) -> Vec<u8> {
    from_slash(p, &path[..volume_name_len(p, path)])
}

/// Go's `filepath.IsAbs`.
pub fn is_abs(p: Platform, path: &[u8]) -> bool {
    match p {
        Platform::Unix => path.first() == Some(&b'/'),
        Platform::Windows => {
            let l = volume_name_len(p, path);
            if l == 0 {
                return false;
            }
            if path.len() >= 2 && is_sep(p, path[0]) && is_sep(p, path[1]) {
                return true;
            }
            path.get(l).is_some_and(|&c| is_sep(p, c))
        }
    }
}

/// Go's `urlToFilePath`: the local path a `file:` URL names (bytes; on Unix any bytes).
pub fn url_to_file_path(p: Platform, u: &GoUrl) -> Result<Vec<u8>, FileUrlError> {
    if u.scheme() != "file" {
        return Err(FileUrlError::NotFile);
    }
    let check_abs = |path: Vec<u8>| {
        if is_abs(p, &path) {
            Ok(path)
        } else {
            Err(FileUrlError::NotAbsolute)
        }
    };
    if u.path_bytes().is_empty() {
        if !u.host().is_empty() || u.opaque().is_empty() {
            return Err(FileUrlError::MissingPath);
        }
        return check_abs(from_slash(p, u.opaque().as_bytes()));
    }
    let host = u.host();
    let path = u.path_bytes();
    let converted = match p {
        Platform::Unix => {
            if !host.is_empty() && host != "localhost" {
                return Err(FileUrlError::NonLocalHost);
            }
            path.to_vec()
        }
        Platform::Windows => {
            if path.first() != Some(&b'/') {
                return Err(FileUrlError::NotAbsolute);
            }
            let path = from_slash(p, path);
            if !host.is_empty() && host != "localhost" {
                if !volume_name(p, host.as_bytes()).is_empty() {
                    return Err(FileUrlError::VolumeInHost);
                }
                let mut unc = br"\\".to_vec();
                unc.extend_from_slice(host.as_bytes());
                unc.extend_from_slice(&path);
                unc
            } else {
                let vol = volume_name(p, &path[1..]);
                if vol.is_empty() || vol.starts_with(br"\\") {
                    return Err(FileUrlError::MissingDriveLetter);
                }
                path[1..].to_vec()
            }
        }
    };
    check_abs(converted)
}

/// Go's `urlFromFilePath`: the `file:` URL (as `URL.String()` prints it) for an
/// absolute local path.
pub fn url_from_file_path(p: Platform, path: &[u8]) -> Result<String, FileUrlError> {
    if !is_abs(p, path) {
        return Err(FileUrlError::NotAbsolute);
    }
    let vol = volume_name(p, path);
    let (host, url_path) = if vol.is_empty() {
        (Vec::new(), to_slash(p, path))
    } else if vol.starts_with(br"\\") {
        let rest = to_slash(p, &path[2..]);
        match rest.iter().position(|&c| c == b'/') {
            None => (rest, b"/".to_vec()),
            Some(i) => (rest[..i].to_vec(), to_slash(p, &rest[i..])),
        }
    } else {
        let mut u = b"/".to_vec();
        u.extend(to_slash(p, path));
        (Vec::new(), u)
    };
    let host = String::from_utf8_lossy(&host).into_owned();
    Ok(GoUrl::from_parts("file", &host, &url_path).unredacted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_rules() {
        let conv = |s: &str| {
            url_to_file_path(Platform::Unix, &GoUrl::parse(s).unwrap())
                .map(|p| String::from_utf8(p).unwrap())
                .map_err(|e| e.to_string())
        };
        assert_eq!(conv("file:///a/b"), Ok("/a/b".into()));
        assert_eq!(conv("file://localhost/a/b"), Ok("/a/b".into()));
        assert_eq!(
            conv("file://other/a"),
            Err("file URL specifies non-local host".into())
        );
        assert_eq!(conv("file:rel/x"), Err("path is not absolute".into()));
        assert_eq!(conv("file:"), Err("file URL missing path".into()));
        assert_eq!(conv("https://h/x"), Err("non-file URL".into()));
        assert_eq!(
            url_from_file_path(Platform::Unix, b"/a b/c"),
            Ok("file:///a%20b/c".into())
        );
    }
}
