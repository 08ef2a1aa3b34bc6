//! The `Time` of a `.info` record, parsed and printed exactly as Go's `time` package
//! does for `encoding/json`.
//!
//! Parsing is `time.Time.UnmarshalJSON`'s: the raw bytes between the JSON quotes (no
//! unescaping) go through the strict RFC 3339 fast path (`parseRFC3339`) and, when that
//! fails, through `time.Parse(time.RFC3339, …)`, which is laxer (one-digit hours, a comma
//! before the fraction, zone offsets up to `+24:60`) and whose errors are Go's
//! `*time.ParseError` texts. The parsed zone offset is kept, because Go prints the time
//! back in it (`RFC3339Nano`, `Z` for a zero offset).
//!
//! A value is the wall-clock reading plus its offset, as Go's `Time` prints; instants
//! (for "which is later") come from [`GoTime::unix_nanos`].

use std::fmt;

/// Go's `time.RFC3339` layout, which appears in parse errors.
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// A time as Go's `time.Time` holds it for printing: the wall clock in its zone and the
/// zone's offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoTime {
    year: i64,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
    /// Seconds east of UTC.
    offset: i32,
}

impl Default for GoTime {
    fn default() -> GoTime {
        GoTime::ZERO
    }
}

/// Go's `*time.ParseError`; `Display` is its `Error()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParseError {
    value: Vec<u8>,
    layout_elem: &'static str,
    value_elem: Vec<u8>,
    /// A message such as `": month out of range"` replaces the "cannot parse" form.
    message: String,
}

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(
                f,
                "parsing time {} as {}: cannot parse {} as {}",
                time_quote(&self.value),
                time_quote(RFC3339.as_bytes()),
                time_quote(&self.value_elem),
                time_quote(self.layout_elem.as_bytes())
            )
        } else {
            write!(
                f,
                "parsing time {}{}",
                time_quote(&self.value),
                self.message
            )
        }
    }
}

impl std::error::Error for TimeParseError {}

/// Why a time cannot be printed as RFC 3339 (`Time.MarshalJSON`'s check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeFormatError {
    #[error("year outside of range [0,9999]")]
    YearOutOfRange,
    #[error("timezone hour outside of range [0,23]")]
    ZoneHourOutOfRange,
}

impl GoTime {
    /// Go's zero `Time`: `0001-01-01T00:00:00Z`.
    pub const ZERO: GoTime = GoTime {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset: 0,
    };

    /// Whether this is Go's zero time (`Time.IsZero`: the same instant).
    pub fn is_zero(&self) -> bool {
        self.unix_nanos() == GoTime::ZERO.unix_nanos()
    }

    /// The zone offset in seconds east of UTC.
    pub fn offset_seconds(&self) -> i32 {
        self.offset
    }

    /// The time in UTC at `ts` (as Go's `time.Unix(…).UTC()`).
    pub fn from_timestamp(ts: jiff::Timestamp) -> GoTime {
        let secs = ts.as_second();
        let nanos = u32::try_from(ts.subsec_nanosecond()).unwrap_or(0);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        GoTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            nanos,
            offset: 0,
        }
    }

    /// Nanoseconds since the Unix epoch of the instant (for ordering).
    pub fn unix_nanos(&self) -> i128 {
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset);
        i128::from(secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Go's `t.Before(u)`.
    pub fn before(&self, other: &GoTime) -> bool {
        self.unix_nanos() < other.unix_nanos()
    }

    /// `time.Time.UnmarshalJSON`'s parse of the bytes between the quotes: Go's
    /// `parseStrictRFC3339` (the RFC 3339 fast path, then `time.Parse(RFC3339, …)`).
    pub fn parse_rfc3339(s: &[u8]) -> Result<GoTime, TimeParseError> {
        match parse_fast(s) {
            Some(t) => Ok(t),
            None => parse_layout(s),
        }
    }

    /// `time.Parse(time.RFC3339, s)` (as the `@v/list` timestamps are read).
    pub fn parse(s: &str) -> Result<GoTime, TimeParseError> {
        GoTime::parse_rfc3339(s.as_bytes())
    }

    /// The `RFC3339Nano` text `Time.MarshalJSON` writes (without the quotes): the
    /// fraction only when non-zero and without trailing zeros, `Z` for a zero offset.
    pub fn format_rfc3339_nano(&self) -> Result<String, TimeFormatError> {
        if !(0..=9999).contains(&self.year) {
            return Err(TimeFormatError::YearOutOfRange);
        }
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        if self.offset == 0 {
            out.push('Z');
            return Ok(out);
        }
        // Go: zone minutes truncated toward zero, sign from the minutes.
        let zone = self.offset / 60;
        out.push(if zone < 0 { '-' } else { '+' });
        let zone = zone.unsigned_abs();
        if zone / 60 >= 24 {
            return Err(TimeFormatError::ZoneHourOutOfRange);
        }
        out.push_str(&format!("{:02}:{:02}", zone / 60, zone % 60));
        Ok(out)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Go's `daysIn`.
fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `parseRFC3339`: the strict fast path. `None` when it does not apply.
fn parse_fast(s: &[u8]) -> Option<GoTime> {
    if s.len() < "2006-01-02T15:04:05".len() {
        return None;
    }
    let num = |b: &[u8], min: i64, max: i64| -> Option<i64> {
        let x = b.iter().try_fold(0i64, |x, &c| {
            c.is_ascii_digit().then(|| x * 10 + i64::from(c - b'0'))
        })?;
        (min..=max).contains(&x).then_some(x)
    };
    let year = num(&s[0..4], 0, 9999)?;
    let month = num(&s[5..7], 1, 12)?;
    let day = num(&s[8..10], 1, days_in(month, year))?;
    let hour = num(&s[11..13], 0, 23)?;
    let minute = num(&s[14..16], 0, 59)?;
    let second = num(&s[17..19], 0, 59)?;
    if !(s[4] == b'-' && s[7] == b'-' && s[10] == b'T' && s[13] == b':' && s[16] == b':') {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0;
    if rest.len() >= 2 && rest[0] == b'.' && is_digit(rest, 1) {
        let mut n = 2;
        while is_digit(rest, n) {
            n += 1;
        }
        nanos = fraction_nanos(&rest[..n]);
        rest = &rest[n..];
    }
    let mut offset = 0;
    if rest != b"Z" {
        if rest.len() != "-07:00".len() {
            return None;
        }
        let hr = num(&rest[1..3], 0, 23)?;
        let mm = num(&rest[4..6], 0, 59)?;
        if !((rest[0] == b'-' || rest[0] == b'+') && rest[3] == b':') {
            return None;
        }
        offset = ((hr * 60 + mm) * 60) as i32;
        if rest[0] == b'-' {
            offset = -offset;
        }
    }
    Some(GoTime {
        year,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        nanos,
        offset,
    })
}

/// Go's `parseNanoseconds` for `.ddd…` (or `,ddd…`): at most nine digits count.
fn fraction_nanos(frac: &[u8]) -> u32 {
    let digits = &frac[1..frac.len().min(10)];
    let mut ns: u32 = 0;
    for &d in digits {
        ns = ns * 10 + u32::from(d - b'0');
    }
    for _ in digits.len()..9 {
        ns *= 10;
    }
    ns
}

/// Go's `getnum`: one or two digits (`fixed`: exactly two).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'),
        &s[2..],
    ))
}

/// `time.Parse(time.RFC3339, s)`: Go's general layout parser walked through the
/// RFC 3339 layout's chunks, with its errors.
fn parse_layout(value: &[u8]) -> Result<GoTime, TimeParseError> {
    let fail = |layout_elem: &'static str, value_elem: &[u8], message: String| TimeParseError {
        value: value.to_vec(),
        layout_elem,
        value_elem: value_elem.to_vec(),
        message,
    };
    let cannot = |layout_elem: &'static str, at: &[u8]| fail(layout_elem, at, String::new());
    let out_of_range = |what: &str, at: &[u8]| fail("", at, format!(": {what} out of range"));
    // 2006
    let v = value;
    if v.len() < 4 || !is_digit(v, 0) || !v[..4].iter().all(u8::is_ascii_digit) {
        return Err(cannot("2006", v));
    }
    let year = v[..4]
        .iter()
        .fold(0i64, |x, &d| x * 10 + i64::from(d - b'0'));
    let v = &v[4..];
    // -01
    let v = v.strip_prefix(b"-").ok_or_else(|| cannot("-", v))?;
    let (month, v) = getnum(v, true).ok_or_else(|| cannot("01", v))?;
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month", v));
    }
    // -02
    let v = v.strip_prefix(b"-").ok_or_else(|| cannot("-", v))?;
    let (day, v) = getnum(v, true).ok_or_else(|| cannot("02", v))?;
    // T15
    let v = v.strip_prefix(b"T").ok_or_else(|| cannot("T", v))?;
    let (hour, v) = getnum(v, false).ok_or_else(|| cannot("15", v))?;
    if hour >= 24 {
        return Err(out_of_range("hour", v));
    }
    // :04
    let v = v.strip_prefix(b":").ok_or_else(|| cannot(":", v))?;
    let (minute, v) = getnum(v, true).ok_or_else(|| cannot("04", v))?;
    if minute >= 60 {
        return Err(out_of_range("minute", v));
    }
    // :05 and an optional fraction the layout does not name
    let v = v.strip_prefix(b":").ok_or_else(|| cannot(":", v))?;
    let (second, mut v) = getnum(v, true).ok_or_else(|| cannot("05", v))?;
    if second >= 60 {
        return Err(out_of_range("second", v));
    }
    let mut nanos = 0;
    if v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && is_digit(v, 1) {
        let mut n = 2;
        while is_digit(v, n) {
            n += 1;
        }
        nanos = fraction_nanos(&v[..n]);
        v = &v[n..];
    }
    // Z07:00
    let hold = v;
    let (offset, v) = if v.first() == Some(&b'Z') {
        (0i32, &v[1..])
    } else {
        if v.len() < 6 || v[3] != b':' {
            return Err(cannot("Z07:00", hold));
        }
        let hr = getnum(&v[1..3], true);
        let mm = getnum(&v[4..6], true);
        let (hr, mm) = match (hr, mm) {
            (Some((h, _)), Some((m, _))) => (h, m),
            (Some((h, _)), None) => {
                if h > 24 {
                    return Err(out_of_range("time zone offset hour", &v[6..]));
                }
                return Err(cannot("Z07:00", hold));
            }
            _ => return Err(cannot("Z07:00", hold)),
        };
        if mm > 60 {
            return Err(out_of_range("time zone offset minute", &v[6..]));
        }
        if hr > 24 {
            return Err(out_of_range("time zone offset hour", &v[6..]));
        }
        let secs = ((hr * 60 + mm) * 60) as i32;
        let offset = match v[0] {
            b'+' => secs,
            b'-' => -secs,
            _ => return Err(cannot("Z07:00", hold)),
        };
        (offset, &v[6..])
    };
    if !v.is_empty() {
        return Err(fail("", v, format!(": extra text: {}", time_quote(v))));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(out_of_range("day", v));
    }
    Ok(GoTime {
        year,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        nanos,
        offset,
    })
}

/// The `time` package's own `quote`: like `strconv.Quote` for ASCII, but every byte of
/// a non-ASCII or control character is written as `\xNN`.
fn time_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            if (c as u32) < 0x20 || (c as u32) >= 0x80 {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            } else {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        GoTime::parse(s)
            .map(|t| t.format_rfc3339_nano().unwrap_or_else(|e| e.to_string()))
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn strict_and_lax_forms() {
        assert_eq!(fmt("2018-02-14T15:44:20Z"), "2018-02-14T15:44:20Z");
        assert_eq!(fmt("2018-02-14T15:44:20.500Z"), "2018-02-14T15:44:20.5Z");
        assert_eq!(
            fmt("2018-02-14T15:44:20.1234567891234Z"),
            "2018-02-14T15:44:20.123456789Z"
        );
        assert_eq!(
            fmt("2018-02-14T15:44:20+01:30"),
            "2018-02-14T15:44:20+01:30"
        );
        assert_eq!(fmt("2018-02-14T15:44:20-00:00"), "2018-02-14T15:44:20Z");
        assert_eq!(fmt("2018-02-14T5:44:20Z"), "2018-02-14T05:44:20Z");
        assert_eq!(fmt("2018-02-14T15:44:20,25Z"), "2018-02-14T15:44:20.25Z");
        assert_eq!(
            fmt("2018-02-14T15:44:20+24:00"),
            "timezone hour outside of range [0,23]"
        );
        assert_eq!(
            fmt("2018-02-14T15:44:20+23:60"),
            "timezone hour outside of range [0,23]"
        );
        assert_eq!(
            fmt("2018-02-14T15:44:20-00:60"),
            "2018-02-14T15:44:20-01:00"
        );
    }

    #[test]
    fn parse_errors_are_gos() {
        assert_eq!(
            fmt("x"),
            r#"error: parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006""#
        );
        assert_eq!(
            fmt("2018-13-01T00:00:00Z"),
            r#"error: parsing time "2018-13-01T00:00:00Z": month out of range"#
        );
        assert_eq!(
            fmt("2018-02-30T00:00:00Z"),
            r#"error: parsing time "2018-02-30T00:00:00Z": day out of range"#
        );
        assert_eq!(
            fmt("2018-02-01T00:00:00"),
            r#"error: parsing time "2018-02-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#
        );
        assert_eq!(
            fmt("2018-02-01T00:00:00Zjunk"),
            r#"error: parsing time "2018-02-01T00:00:00Zjunk": extra text: "junk""#
        );
        assert_eq!(
            fmt("2018-02-01 00:00:00Z"),
            r#"error: parsing time "2018-02-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T""#
        );
        assert_eq!(
            fmt("2018-02-01T00:00:00+25:00"),
            r#"error: parsing time "2018-02-01T00:00:00+25:00": time zone offset hour out of range"#
        );
        assert_eq!(
            GoTime::parse_rfc3339("é\u{1}\"".as_bytes())
                .unwrap_err()
                .to_string(),
            r#"parsing time "\xc3\xa9\x01\"" as "2006-01-02T15:04:05Z07:00": cannot parse "\xc3\xa9\x01\"" as "2006""#
        );
    }

    #[test]
    fn zero_and_instants() {
        assert_eq!(
            GoTime::ZERO.format_rfc3339_nano().unwrap(),
            "0001-01-01T00:00:00Z"
        );
        assert!(GoTime::ZERO.is_zero());
        let a = GoTime::parse("2018-02-14T15:44:20+01:00").unwrap();
        let b = GoTime::parse("2018-02-14T14:44:20Z").unwrap();
        assert_eq!(a.unix_nanos(), b.unix_nanos());
        assert!(GoTime::ZERO.before(&a));
        let ts: jiff::Timestamp = "2020-01-02T03:04:05.5Z".parse().unwrap();
        let t = GoTime::from_timestamp(ts);
        assert_eq!(t.format_rfc3339_nano().unwrap(), "2020-01-02T03:04:05.5Z");
        assert_eq!(t.unix_nanos(), ts.as_nanosecond());
        let year0 = GoTime::parse("0000-01-01T00:00:00+01:00").unwrap();
        assert_eq!(
            year0.format_rfc3339_nano().unwrap(),
            "0000-01-01T00:00:00+01:00"
        );
    }
}
