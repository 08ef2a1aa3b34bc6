//! The content conversions `git archive` applies to a regular file on its way out
//! (git's `convert_to_working_tree`), under go's `-c core.autocrlf=input -c
//! core.eol=lf`.
//!
//! In order: `ident` expands `$Id$` (and re-expands `$Id: … $`) to the blob's hash;
//! then end-of-line conversion, which with go's settings only ever turns lone LFs into
//! CRLF, and only when the attributes ask for CRLF (`eol=crlf`, with `text`,
//! `text=auto` or no `text`): input-direction normalisation (CRLF → LF) never happens on
//! export, so a CRLF stored in the repository stays. `text=auto` leaves files alone that
//! look binary or already contain CR. Smudge filters (`filter=…`) are drivers from the
//! user's git configuration; none is assumed, exactly as git with no driver configured
//! (e.g. Git LFS not installed): the stored blob is emitted. `working-tree-encoding`
//! is not applied (see the module docs of `archive`).

use super::attr::{Attrs, State};

/// Git's `convert_crlf_action` after its decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrlfAction {
    Binary,
    TextInput,
    TextCrlf,
    AutoInput,
    AutoCrlf,
}

/// What the `text` / legacy `crlf` attributes say before `eol` refines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextAttr {
    Undefined,
    Text,
    Binary,
    TextInput,
    Auto,
}

fn text_attr(state: &State) -> TextAttr {
    match state {
        State::Set => TextAttr::Text,
        State::Unset => TextAttr::Binary,
        State::Unspecified => TextAttr::Undefined,
        State::Value(v) if v == b"input" => TextAttr::TextInput,
        State::Value(v) if v == b"auto" => TextAttr::Auto,
        State::Value(_) => TextAttr::Undefined,
    }
}

fn crlf_action(attrs: &Attrs) -> CrlfAction {
    let mut t = text_attr(&attrs.get("text"));
    if t == TextAttr::Undefined {
        t = text_attr(&attrs.get("crlf"));
    }
    if t == TextAttr::Binary {
        return CrlfAction::Binary;
    }
    let eol = attrs.get("eol");
    let eol_lf = eol == State::Value(b"lf".to_vec());
    let eol_crlf = eol == State::Value(b"crlf".to_vec());
    match t {
        TextAttr::Auto if eol_lf => CrlfAction::AutoInput,
        TextAttr::Auto if eol_crlf => CrlfAction::AutoCrlf,
        _ if eol_lf => CrlfAction::TextInput,
        _ if eol_crlf => CrlfAction::TextCrlf,
        // core.autocrlf=input: `text` means LF out; nothing said means auto-input.
        TextAttr::Text | TextAttr::TextInput => CrlfAction::TextInput,
        TextAttr::Auto | TextAttr::Undefined => CrlfAction::AutoInput,
        TextAttr::Binary => CrlfAction::Binary,
    }
}

/// Git's `text_stat`.
#[derive(Debug, Default)]
struct Stats {
    nul: usize,
    lone_cr: usize,
    lone_lf: usize,
    crlf: usize,
    printable: usize,
    nonprintable: usize,
}

fn gather_stats(buf: &[u8]) -> Stats {
    let mut s = Stats::default();
    let mut i = 0;
    while i < buf.len() {
        let c = buf[i];
        if c == b'\r' {
            if buf.get(i + 1) == Some(&b'\n') {
                s.crlf += 1;
                i += 2;
            } else {
                s.lone_cr += 1;
                i += 1;
            }
            continue;
        }
        if c == b'\n' {
            s.lone_lf += 1;
        } else if c == 127 {
            s.nonprintable += 1;
        } else if c < 32 {
            match c {
                8 | b'\t' | 27 | 12 => s.printable += 1,
                0 => {
                    s.nul += 1;
                    s.nonprintable += 1;
                }
                _ => s.nonprintable += 1,
            }
        } else {
            s.printable += 1;
        }
        i += 1;
    }
    // A trailing Ctrl-Z (DOS end of file) does not count as non-printable.
    if buf.last() == Some(&0x1a) {
        s.nonprintable = s.nonprintable.saturating_sub(1);
    }
    s
}

fn looks_binary(s: &Stats) -> bool {
    s.lone_cr > 0 || s.nul > 0 || (s.printable >> 7) < s.nonprintable
}

fn lf_to_crlf(src: &[u8], action: CrlfAction) -> Option<Vec<u8>> {
    if src.is_empty() || !matches!(action, CrlfAction::TextCrlf | CrlfAction::AutoCrlf) {
        return None;
    }
    let stats = gather_stats(src);
    if stats.lone_lf == 0 {
        return None;
    }
    if action == CrlfAction::AutoCrlf
        && (stats.lone_cr > 0 || stats.crlf > 0 || looks_binary(&stats))
    {
        return None;
    }
    let mut out = Vec::with_capacity(src.len() + stats.lone_lf);
    for (i, &c) in src.iter().enumerate() {
        if c == b'\n' && (i == 0 || src[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(c);
    }
    Some(out)
}

/// The positions git's `ident` expansion rewrites: for each keyword the range of
/// `$Id$` / `$Id:…$` to replace.
fn ident_expand(src: &[u8], blob_hex: &str) -> Option<Vec<u8>> {
    if !src.windows(3).any(|w| w == b"$Id") {
        return None;
    }
    let mut out = Vec::with_capacity(src.len() + 64);
    let mut rest = src;
    let mut changed = false;
    while let Some(d) = rest.iter().position(|&c| c == b'$') {
        out.extend_from_slice(&rest[..=d]);
        rest = &rest[d + 1..];
        if rest.len() < 3 || &rest[..2] != b"Id" {
            continue;
        }
        if rest[2] == b'$' {
            rest = &rest[3..];
        } else if rest[2] == b':' {
            let Some(close) = rest[3..].iter().position(|&c| c == b'$').map(|p| p + 3) else {
                // An unterminated keyword: nothing further is expanded.
                break;
            };
            if rest[3..close].contains(&b'\n') {
                continue;
            }
            // A space before the last character means another system's keyword.
            if close > 4
                && let Some(sp) = rest[4..close].iter().position(|&c| c == b' ')
                && sp + 4 < close - 1
            {
                continue;
            }
            rest = &rest[close + 1..];
        } else {
            continue;
        }
        out.extend_from_slice(b"Id: ");
        out.extend_from_slice(blob_hex.as_bytes());
        out.extend_from_slice(b" $");
        changed = true;
    }
    out.extend_from_slice(rest);
    changed.then_some(out)
}

/// The bytes `git archive` emits for a regular file with content `blob` (hash
/// `blob_hex`) and attributes `attrs`.
pub fn to_worktree(blob: Vec<u8>, blob_hex: &str, attrs: &Attrs) -> Vec<u8> {
    let mut data = blob;
    if attrs.get("ident") == State::Set
        && let Some(expanded) = ident_expand(&data, blob_hex)
    {
        data = expanded;
    }
    if let Some(converted) = lf_to_crlf(&data, crlf_action(attrs)) {
        data = converted;
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789012345678901234567890123456789";

    #[test]
    fn ident() {
        let e = |s: &str| ident_expand(s.as_bytes(), H).map(|v| String::from_utf8(v).unwrap());
        assert_eq!(e("a $Id$ b").unwrap(), format!("a $Id: {H} $ b"));
        assert_eq!(e("$Id: old $").unwrap(), format!("$Id: {H} $"));
        assert_eq!(e("$Id: a b $"), None);
        assert_eq!(e("$Id: x\n$"), None);
        assert_eq!(e("$Id"), None);
        assert_eq!(e("$Id:"), None);
        assert_eq!(e("$Id:$").unwrap(), format!("$Id: {H} $"));
    }

    #[test]
    fn crlf() {
        assert_eq!(
            lf_to_crlf(b"a\nb\r\n", CrlfAction::TextCrlf).unwrap(),
            b"a\r\nb\r\n"
        );
        assert_eq!(lf_to_crlf(b"a\nb\r\n", CrlfAction::AutoCrlf), None);
        assert_eq!(lf_to_crlf(b"a\nb\0", CrlfAction::AutoCrlf), None);
        assert_eq!(lf_to_crlf(b"a\nb", CrlfAction::TextInput), None);
    }
}
