//! The few Unicode predicates of Go's `unicode` package that module rules depend on.
//!
//! Module file-path checks accept "any Unicode letter" (`unicode.IsLetter`), Go's quoting
//! escapes what `unicode.IsPrint` rejects, and the zip collision checker folds case with
//! `unicode.SimpleFold`. To agree with `go` on every rune, the tables are generated from
//! Go itself (`tools/gen-unicode`), not taken from a Rust crate with another Unicode
//! version.

mod tables;

pub use tables::UNICODE_VERSION;

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `unicode.IsLetter`: general category L.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_ranges(tables::LETTER, c)
}

/// Go's `unicode.IsPrint`: categories L, M, N, P, S and the ASCII space.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    in_ranges(tables::PRINT, c)
}

/// The smallest rune of `c`'s `unicode.SimpleFold` orbit (`c` itself when the orbit has
/// no smaller member). Two runes fold together exactly when these are equal.
pub fn fold_min(c: char) -> char {
    let n = c as u32;
    match tables::FOLD_MIN.binary_search_by_key(&n, |&(r, _)| r) {
        Ok(i) => char::from_u32(tables::FOLD_MIN[i].1).unwrap_or(c),
        Err(_) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert!(is_letter('a') && is_letter('Z') && is_letter('é') && is_letter('語'));
        assert!(!is_letter('1') && !is_letter('_') && !is_letter(' ') && !is_letter('\u{300}'));
    }

    #[test]
    fn printable() {
        assert!(is_print(' ') && is_print('~') && is_print('é') && is_print('\u{300}'));
        assert!(!is_print('\u{7f}') && !is_print('\u{a0}') && !is_print('\u{2028}'));
        assert!(!is_print('\u{200b}') && !is_print('\u{e000}'));
    }

    #[test]
    fn folding() {
        assert_eq!(fold_min('a'), 'A');
        assert_eq!(fold_min('A'), 'A');
        // Kelvin sign, K and k share an orbit whose smallest member is 'K'.
        assert_eq!(fold_min('\u{212A}'), 'K');
        assert_eq!(fold_min('k'), 'K');
        // Long s folds with s and S.
        assert_eq!(fold_min('\u{17F}'), 'S');
        assert_eq!(fold_min('1'), '1');
    }
}
