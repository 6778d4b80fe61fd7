//! Timestamps as servers really send them, and the clock the runtime reads.
//!
//! The job APIs this crate covers send times in many shapes, sometimes several in one
//! response: RFC 3339 with or without a fraction and offset (`2023-02-16T11:24:07.950175Z`,
//! `2024-05-20T10:39:49.61Z`, `2022-01-05T16:15:01+0800`), no offset at all (taken as UTC),
//! integer epoch milliseconds (`1641370501000`, sometimes as a string of digits), Open Telekom
//! Cloud's legacy `04-Jun-2015 18:11:06:586`, and `""` or `null` for "not yet". [`Timestamp`]
//! accepts all of them, never fails to deserialize a string, number or null, and keeps the raw
//! value so it serializes back unchanged.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A point in time as a server sent it.
///
/// The raw value is kept exactly as received (string, number or null) and serialized back
/// unchanged; the time it denotes, when it denotes one, is available as a [`SystemTime`], as
/// Unix milliseconds and as RFC 3339 text in UTC.
///
/// Equality compares the raw values.
///
/// ```
/// use cloudjobs::runtime::Timestamp;
///
/// let t: Timestamp = serde_json::from_str(r#""2022-01-05T16:15:01+0800""#).unwrap();
/// assert_eq!(t.unix_millis(), Some(1_641_370_501_000));
/// assert_eq!(t.to_rfc3339().as_deref(), Some("2022-01-05T08:15:01Z"));
///
/// let ms: Timestamp = serde_json::from_str("1641370501000").unwrap();
/// assert_eq!(ms.to_system_time(), t.to_system_time());
///
/// let pending: Timestamp = serde_json::from_str(r#""""#).unwrap();
/// assert!(pending.is_blank() && pending.to_system_time().is_none());
/// ```
#[derive(Clone, PartialEq)]
pub struct Timestamp {
    raw: serde_json::Value,
    time: Option<UtcTime>,
}

/// Seconds and nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct UtcTime {
    secs: i64,
    nanos: u32,
}

impl Timestamp {
    /// A timestamp from text, parsed the same way as a JSON string is.
    pub fn parse(text: &str) -> Self {
        Self {
            time: parse_text(text),
            raw: serde_json::Value::String(text.to_owned()),
        }
    }

    /// A timestamp from Unix milliseconds (raw value: that number).
    pub fn from_unix_millis(millis: i64) -> Self {
        Self {
            raw: serde_json::Value::from(millis),
            time: Some(UtcTime::from_millis(millis)),
        }
    }

    /// A timestamp for `time` (raw value: its RFC 3339 text in UTC).
    pub fn from_system_time(time: SystemTime) -> Self {
        let time = UtcTime::from_system_time(time);
        Self {
            raw: serde_json::Value::String(time.to_rfc3339()),
            time: Some(time),
        }
    }

    /// The value exactly as received.
    pub fn raw(&self) -> &serde_json::Value {
        &self.raw
    }

    /// Whether the server sent "no time": `null` or an empty (or blank) string.
    ///
    /// A value that is neither blank nor a time this type understands is not blank, and still
    /// has no [`Timestamp::to_system_time`].
    pub fn is_blank(&self) -> bool {
        match &self.raw {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The time, when the value denotes one.
    pub fn to_system_time(&self) -> Option<SystemTime> {
        self.time.and_then(UtcTime::to_system_time)
    }

    /// Milliseconds since the Unix epoch (negative before 1970, rounded down), when the value
    /// denotes a time.
    pub fn unix_millis(&self) -> Option<i64> {
        self.time.map(|t| {
            t.secs
                .saturating_mul(1000)
                .saturating_add(i64::from(t.nanos / 1_000_000))
        })
    }

    /// The time as RFC 3339 text in UTC (`2023-02-16T03:24:07.950175Z`), with as many
    /// fraction digits as needed (none, 3, 6 or 9), when the value denotes a time.
    pub fn to_rfc3339(&self) -> Option<String> {
        self.time.map(UtcTime::to_rfc3339)
    }
}

impl Default for Timestamp {
    /// No time (`null`).
    fn default() -> Self {
        Self {
            raw: serde_json::Value::Null,
            time: None,
        }
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        Self::from_system_time(time)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Timestamp");
        d.field("raw", &self.raw);
        match self.time {
            Some(t) => d.field("utc", &t.to_rfc3339()),
            None => d.field("utc", &None::<String>),
        };
        d.finish()
    }
}

impl fmt::Display for Timestamp {
    /// The RFC 3339 UTC text when the value denotes a time, otherwise the raw value (a string
    /// without quotes; nothing for `null`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.time, &self.raw) {
            (Some(t), _) => f.write_str(&t.to_rfc3339()),
            (None, serde_json::Value::String(s)) => f.write_str(s),
            (None, serde_json::Value::Null) => Ok(()),
            (None, other) => write!(f, "{other}"),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a time as a string, a number of milliseconds, or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Ok(Timestamp::parse(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Ok(Timestamp::from_unix_millis(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        Ok(Timestamp {
            raw: serde_json::Value::from(v),
            time: i64::try_from(v).ok().map(UtcTime::from_millis),
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        // Milliseconds with a fraction; out-of-range values keep their raw value only.
        let time = (v.is_finite() && v.abs() < 9.0e15).then(|| {
            let whole = v.floor();
            // Both casts are exact: |whole| < 2^53 and the fraction is in [0, 1).
            let millis = whole as i64;
            let sub_nanos = ((v - whole) * 1_000_000.0) as u32;
            let t = UtcTime::from_millis(millis);
            UtcTime::normalize(t.secs, i64::from(t.nanos) + i64::from(sub_nanos))
        });
        Ok(Timestamp {
            raw: serde_json::Number::from_f64(v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            time,
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Timestamp, E> {
        Ok(Timestamp::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Timestamp, E> {
        Ok(Timestamp::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_any(self)
    }
}

impl UtcTime {
    fn normalize(secs: i64, nanos: i64) -> Self {
        let secs = secs.saturating_add(nanos.div_euclid(1_000_000_000));
        // rem_euclid is in [0, 1e9), so the cast is lossless.
        let nanos = nanos.rem_euclid(1_000_000_000) as u32;
        Self { secs, nanos }
    }

    fn from_millis(millis: i64) -> Self {
        Self::normalize(millis.div_euclid(1000), millis.rem_euclid(1000) * 1_000_000)
    }

    fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(d) => Self {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                Self::normalize(-secs, -i64::from(d.subsec_nanos()))
            }
        }
    }

    /// `None` when the platform's `SystemTime` cannot represent the time.
    fn to_system_time(self) -> Option<SystemTime> {
        if self.secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::new(self.secs.unsigned_abs(), self.nanos))
        } else {
            UNIX_EPOCH
                .checked_sub(Duration::from_secs(self.secs.unsigned_abs()))?
                .checked_add(Duration::from_nanos(u64::from(self.nanos)))
        }
    }

    fn to_rfc3339(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
        let mut out = if (0..=9999).contains(&y) {
            format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
        } else {
            format!("{y:+05}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
        };
        let n = self.nanos;
        if n != 0 && n.is_multiple_of(1_000_000) {
            out.push_str(&format!(".{:03}", n / 1_000_000));
        } else if n != 0 && n.is_multiple_of(1_000) {
            out.push_str(&format!(".{:06}", n / 1_000));
        } else if n != 0 {
            out.push_str(&format!(".{n:09}"));
        }
        out.push('Z');
        out
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`);
/// `None` when the year is too far out for the arithmetic (servers send such years).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let y = if m <= 2 { y.checked_sub(1)? } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    // `m` is 1..=12 and `d` 1..=31, checked by the caller: these cannot overflow.
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era.checked_mul(146_097)?.checked_add(doe - 719_468)
}

/// The date of a day number since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A civil date and time plus a UTC offset, validated and turned into a [`UtcTime`].
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset_secs: i64,
}

impl Civil {
    fn to_utc(&self) -> Option<UtcTime> {
        let valid = (1..=12).contains(&self.month)
            && (1..=days_in_month(self.year, self.month)).contains(&self.day)
            && self.hour <= 23
            && self.minute <= 59
            // 60 is a leap second; it is counted as the first second of the next minute.
            && self.second <= 60;
        if !valid {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day)?;
        let secs = days
            .checked_mul(86_400)?
            .checked_add(
                i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second),
            )?
            .checked_sub(self.offset_secs)?;
        Some(UtcTime {
            secs,
            nanos: self.nanos,
        })
    }
}

/// Parses every textual form listed in the module documentation.
fn parse_text(text: &str) -> Option<UtcTime> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().map(UtcTime::from_millis);
    }
    parse_iso(s)
        .or_else(|| parse_legacy(s))
        .and_then(|c| c.to_utc())
}

/// A cursor over ASCII text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Self {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_any(&mut self, set: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| set.contains(b))?;
        self.i += 1;
        Some(b)
    }

    /// Exactly `n` digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let end = self.i.checked_add(n)?;
        let chunk = self.s.get(self.i..end)?;
        if !chunk.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i = end;
        Some(
            chunk
                .iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
        )
    }

    /// One or two digits.
    fn one_or_two_digits(&mut self) -> Option<u32> {
        let first = self.digits(1)?;
        Some(match self.digits(1) {
            Some(second) => first * 10 + second,
            None => first,
        })
    }

    /// One or more digits as a fraction of a second, in nanoseconds (digits past the ninth
    /// are dropped).
    fn fraction(&mut self) -> Option<u32> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        let digits = &self.s[start..self.i];
        if digits.is_empty() {
            return None;
        }
        let mut nanos = 0u32;
        for k in 0..9 {
            nanos = nanos * 10 + digits.get(k).map_or(0, |b| u32::from(b - b'0'));
        }
        Some(nanos)
    }
}

/// ISO 8601 / RFC 3339: `YYYY-MM-DD`, optionally `T` (or `t`, or a space) and
/// `HH:MM[:SS[.fraction]]`, optionally `Z`, `±HH:MM`, `±HHMM` or `±HH` (a space before the
/// offset is allowed); also the basic form `YYYYMMDDTHHMMSSZ`. No offset means UTC.
fn parse_iso(s: &str) -> Option<Civil> {
    let mut c = Cursor::new(s);
    let year = i64::from(c.digits(4)?);
    let extended = c.eat(b'-');
    let month = c.digits(2)?;
    if extended && !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    let mut civil = Civil {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_secs: 0,
    };
    if c.done() {
        return Some(civil);
    }
    c.eat_any(b"Tt ")?;
    civil.hour = c.digits(2)?;
    if extended && !c.eat(b':') {
        return None;
    }
    civil.minute = c.digits(2)?;
    let has_seconds = if extended { c.eat(b':') } else { true };
    if has_seconds {
        civil.second = c.digits(2)?;
        if c.eat_any(b".,").is_some() {
            civil.nanos = c.fraction()?;
        }
    }
    civil.offset_secs = parse_offset(&mut c)?;
    c.done().then_some(civil)
}

/// `Z`, `±HH:MM`, `±HHMM`, `±HH`, ` UTC`/` GMT`, or nothing (UTC); a space may come first.
fn parse_offset(c: &mut Cursor<'_>) -> Option<i64> {
    let spaced = c.eat(b' ');
    if c.done() {
        return (!spaced).then_some(0);
    }
    if c.eat_any(b"Zz").is_some() {
        return Some(0);
    }
    let rest = &c.s[c.i..];
    if rest.eq_ignore_ascii_case(b"UTC") || rest.eq_ignore_ascii_case(b"GMT") {
        c.i = c.s.len();
        return Some(0);
    }
    let sign = match c.eat_any(b"+-")? {
        b'-' => -1,
        _ => 1,
    };
    let hours = c.digits(2)?;
    let minutes = if c.done() {
        0
    } else {
        c.eat(b':');
        c.digits(2)?
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    // Go's `time.Time.String()` (sent by CCE) names the zone after the numeric offset:
    // `+0000 UTC`, `+0800 CST`. The offset is what counts; the name is skipped.
    let rest = &c.s[c.i..];
    if let [b' ', name @ ..] = rest
        && (1..=5).contains(&name.len())
        && name.iter().all(u8::is_ascii_alphabetic)
    {
        c.i = c.s.len();
    }
    Some(sign * i64::from(hours * 3600 + minutes * 60))
}

/// Open Telekom Cloud's legacy `DD-Mon-YYYY HH:MM:SS[:mmm]` (also `.mmm`), in UTC.
fn parse_legacy(s: &str) -> Option<Civil> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let mut c = Cursor::new(s);
    let day = c.one_or_two_digits()?;
    if !c.eat(b'-') {
        return None;
    }
    let name = c.s.get(c.i..c.i + 3)?;
    let month = MONTHS
        .iter()
        .position(|m| name.eq_ignore_ascii_case(&m[..]))?;
    c.i += 3;
    if !c.eat(b'-') {
        return None;
    }
    let year = i64::from(c.digits(4)?);
    c.eat_any(b" T")?;
    let hour = c.digits(2)?;
    c.eat(b':').then_some(())?;
    let minute = c.digits(2)?;
    c.eat(b':').then_some(())?;
    let second = c.digits(2)?;
    let nanos = if c.eat_any(b":.").is_some() {
        c.fraction()?
    } else {
        0
    };
    let offset_secs = parse_offset(&mut c)?;
    c.done().then_some(Civil {
        year,
        // position() is below 12.
        month: month as u32 + 1,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_secs,
    })
}

/// Formats a time as `YYYYMMDDTHHMMSSZ` (the `X-Sdk-Date` form).
pub(crate) fn basic_utc(time: SystemTime) -> String {
    let t = UtcTime::from_system_time(time);
    let (y, m, d) = civil_from_days(t.secs.div_euclid(86_400));
    let rem = t.secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses an HTTP-date (RFC 9110 section 5.6.7): the IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
/// and asctime (`Sun Nov  6 08:49:37 1994`) forms.
pub(crate) fn parse_http_date(s: &str) -> Option<SystemTime> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month_of = |name: &str| {
        MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(name))
            .map(|i| i as u32 + 1)
    };
    let hms = |t: &str| -> Option<(u32, u32, u32)> {
        let mut parts = t.split(':');
        let h = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let s = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some((h, m, s))
    };
    let words: Vec<&str> = s.split_whitespace().collect();
    let (year, month, day, (hour, minute, second)) = match words.as_slice() {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        [_, day, month, year, time, gmt] if gmt.eq_ignore_ascii_case("GMT") => (
            year.parse::<i64>().ok()?,
            month_of(month)?,
            day.parse().ok()?,
            hms(time)?,
        ),
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        [_, date, time, gmt] if gmt.eq_ignore_ascii_case("GMT") => {
            let mut parts = date.split('-');
            let day = parts.next()?.parse().ok()?;
            let month = month_of(parts.next()?)?;
            let yy: i64 = parts.next()?.parse().ok()?;
            // RFC 9110: a two-digit year more than 50 years in the future is in the past.
            let year = if yy < 100 {
                if yy < 70 { 2000 + yy } else { 1900 + yy }
            } else {
                yy
            };
            (year, month, day, hms(time)?)
        }
        // asctime: Sun Nov  6 08:49:37 1994
        [_, month, day, time, year] => (
            year.parse::<i64>().ok()?,
            month_of(month)?,
            day.parse().ok()?,
            hms(time)?,
        ),
        _ => return None,
    };
    Civil {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos: 0,
        offset_secs: 0,
    }
    .to_utc()
    .and_then(UtcTime::to_system_time)
}

/// Where the runtime reads the current time: the system clock unless a test or an
/// application supplies another one.
///
/// Used to date AK/SK signatures, to decide when a cached token is about to expire, and to
/// turn an HTTP-date `Retry-After` into a delay.
#[derive(Clone)]
pub struct Clock(Option<Arc<dyn Fn() -> SystemTime + Send + Sync>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that always reads `time`.
    pub fn fixed(time: SystemTime) -> Self {
        Self(Some(Arc::new(move || time)))
    }

    /// A clock that reads `now()`.
    pub fn from_fn(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(now)))
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        match &self.0 {
            None => SystemTime::now(),
            Some(now) => now(),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            None => "Clock::system",
            Some(_) => "Clock::custom",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(json: &str) -> Timestamp {
        serde_json::from_str(json).unwrap()
    }

    fn millis(json: &str) -> Option<i64> {
        ts(json).unix_millis()
    }

    fn rfc(json: &str) -> Option<String> {
        ts(json).to_rfc3339()
    }

    #[test]
    fn go_time_strings_with_a_zone_name() {
        // CCE sends Go's `time.Time.String()`: nanoseconds, a numeric offset, a zone name.
        assert_eq!(
            millis(r#""2020-02-02 08:12:40.672772389 +0000 UTC""#),
            Some(1_580_631_160_672)
        );
        assert_eq!(
            millis(r#""2020-02-02 16:12:40 +0800 CST""#),
            Some(1_580_631_160_000)
        );
        // A name alone is not an offset, and garbage after one is not skipped.
        assert_eq!(millis(r#""2020-02-02 08:12:40 +0000 U7C""#), None);
    }

    #[test]
    fn rfc3339_with_and_without_fraction_and_offset() {
        assert_eq!(
            rfc(r#""2023-02-16T11:24:07.950175Z""#).as_deref(),
            Some("2023-02-16T11:24:07.950175Z")
        );
        assert_eq!(
            rfc(r#""2024-05-20T10:39:49.61Z""#).as_deref(),
            Some("2024-05-20T10:39:49.610Z")
        );
        assert_eq!(
            millis(r#""2024-05-20T10:39:49.61Z""#),
            Some(1_716_201_589_610)
        );
        assert_eq!(
            rfc(r#""2023-02-16T11:24:07Z""#).as_deref(),
            Some("2023-02-16T11:24:07Z")
        );
        // No offset: UTC.
        assert_eq!(
            rfc(r#""2023-02-16T11:24:07""#),
            rfc(r#""2023-02-16T11:24:07Z""#)
        );
        assert_eq!(
            rfc(r#""2023-02-16 11:24:07""#),
            rfc(r#""2023-02-16T11:24:07Z""#)
        );
        // Lower-case separators, comma fraction, nanoseconds and beyond.
        assert_eq!(
            rfc(r#""2023-02-16t11:24:07,5z""#).as_deref(),
            Some("2023-02-16T11:24:07.500Z")
        );
        assert_eq!(
            rfc(r#""2023-02-16T11:24:07.123456789123Z""#).as_deref(),
            Some("2023-02-16T11:24:07.123456789Z")
        );
        // Without seconds, and a bare date (midnight UTC).
        assert_eq!(
            rfc(r#""2023-02-16T11:24Z""#).as_deref(),
            Some("2023-02-16T11:24:00Z")
        );
        assert_eq!(
            rfc(r#""2023-02-16""#).as_deref(),
            Some("2023-02-16T00:00:00Z")
        );
        // The X-Sdk-Date basic form.
        assert_eq!(
            rfc(r#""20200608T023900Z""#).as_deref(),
            Some("2020-06-08T02:39:00Z")
        );
    }

    #[test]
    fn offsets_in_every_spelling() {
        let want = Some("2022-01-05T08:15:01Z".to_owned());
        for text in [
            "2022-01-05T16:15:01+0800",
            "2022-01-05T16:15:01+08:00",
            "2022-01-05T16:15:01+08",
            "2022-01-05T16:15:01 +0800",
            "2022-01-05T03:15:01-05:00",
            "2022-01-05T08:15:01 UTC",
            "2022-01-05T08:15:01+00:00",
            "2022-01-05T08:15:01-00:00",
        ] {
            assert_eq!(Timestamp::parse(text).to_rfc3339(), want, "{text}");
        }
        // The CFW example: documented as +0800 text, sent as epoch milliseconds.
        assert_eq!(
            millis(r#""2022-01-05T16:15:01+0800""#),
            Some(1_641_370_501_000)
        );
    }

    #[test]
    fn offsets_crossing_midnight_and_year() {
        assert_eq!(
            Timestamp::parse("2024-01-01T02:00:00+08:00")
                .to_rfc3339()
                .as_deref(),
            Some("2023-12-31T18:00:00Z")
        );
        assert_eq!(
            Timestamp::parse("2023-12-31T22:30:00-0330")
                .to_rfc3339()
                .as_deref(),
            Some("2024-01-01T02:00:00Z")
        );
        // Into a leap day and out of it.
        assert_eq!(
            Timestamp::parse("2024-03-01T01:00:00+0200")
                .to_rfc3339()
                .as_deref(),
            Some("2024-02-29T23:00:00Z")
        );
    }

    #[test]
    fn leap_days() {
        assert_eq!(
            Timestamp::parse("2024-02-29T12:00:00Z").unix_millis(),
            Some(1_709_208_000_000)
        );
        assert_eq!(
            Timestamp::parse("2000-02-29T00:00:00Z")
                .to_rfc3339()
                .as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        // Not leap years: the value stays raw with no time.
        for text in ["2023-02-29T12:00:00Z", "1900-02-29T00:00:00Z"] {
            let t = Timestamp::parse(text);
            assert_eq!(t.to_system_time(), None, "{text}");
            assert_eq!(t.raw(), &serde_json::json!(text));
        }
    }

    #[test]
    fn leap_second_rolls_over() {
        assert_eq!(
            Timestamp::parse("2016-12-31T23:59:60Z")
                .to_rfc3339()
                .as_deref(),
            Some("2017-01-01T00:00:00Z")
        );
    }

    #[test]
    fn epoch_milliseconds_as_number_and_string() {
        assert_eq!(millis("1641370501000"), Some(1_641_370_501_000));
        assert_eq!(millis(r#""1641370501000""#), Some(1_641_370_501_000));
        assert_eq!(
            rfc("1641370501000").as_deref(),
            Some("2022-01-05T08:15:01Z")
        );
        assert_eq!(millis("0"), Some(0));
        assert_eq!(rfc("-1").as_deref(), Some("1969-12-31T23:59:59.999Z"));
        assert_eq!(millis("-1"), Some(-1));
        assert_eq!(millis("1641370501000.5"), Some(1_641_370_501_000));
        assert_eq!(
            rfc("1641370501000.5").as_deref(),
            Some("2022-01-05T08:15:01.000500Z")
        );
        // Larger than i64: raw only.
        let huge = ts("18446744073709551615");
        assert_eq!(huge.to_system_time(), None);
        assert_eq!(
            huge.raw(),
            &serde_json::json!(18_446_744_073_709_551_615u64)
        );
        assert_eq!(ts(r#""99999999999999999999""#).to_system_time(), None);
    }

    #[test]
    fn otc_legacy_format() {
        assert_eq!(
            rfc(r#""04-Jun-2015 18:11:06:586""#).as_deref(),
            Some("2015-06-04T18:11:06.586Z")
        );
        assert_eq!(
            rfc(r#""4-jun-2015 18:11:06""#).as_deref(),
            Some("2015-06-04T18:11:06Z")
        );
        assert_eq!(
            rfc(r#""29-Feb-2016 00:00:00.5""#).as_deref(),
            Some("2016-02-29T00:00:00.500Z")
        );
        assert_eq!(rfc(r#""31-Jun-2015 18:11:06:586""#), None);
        assert_eq!(rfc(r#""04-Foo-2015 18:11:06:586""#), None);
    }

    #[test]
    fn blank_null_and_garbage() {
        for json in ["null", r#""""#, r#""   ""#] {
            let t = ts(json);
            assert!(t.is_blank(), "{json}");
            assert_eq!(t.to_system_time(), None);
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
        }
        for json in [
            r#""soon""#,
            r#""2023-13-01T00:00:00Z""#,
            r#""2023-02-16T25:00:00Z""#,
            r#""2023-02-16T11:60:00Z""#,
            r#""2023-02-16T11:24:07+2400""#,
            r#""2023-02-16T11:24:07Zjunk""#,
            r#""2023-02-16T""#,
            r#""2023-02-16T11:24:07.Z""#,
            r#""2023-2-16""#,
            r#""+""#,
            r#""-""#,
            r#""１２３""#,
            r#""2023-02-16T11:24:07+08:00:00""#,
        ] {
            let t = ts(json);
            assert!(!t.is_blank(), "{json}");
            assert_eq!(t.to_system_time(), None, "{json}");
            assert_eq!(t.unix_millis(), None, "{json}");
            assert_eq!(serde_json::to_string(&t).unwrap(), json, "{json}");
        }
    }

    #[test]
    fn never_fails_on_strings_numbers_null() {
        #[derive(Deserialize)]
        struct Job {
            begin_time: Timestamp,
            #[serde(default)]
            end_time: Option<Timestamp>,
        }
        let job: Job =
            serde_json::from_str(r#"{"begin_time": 1641370501000, "end_time": ""}"#).unwrap();
        assert_eq!(job.begin_time.unix_millis(), Some(1_641_370_501_000));
        assert!(job.end_time.unwrap().is_blank());
        let job: Job = serde_json::from_str(r#"{"begin_time": "x", "end_time": null}"#).unwrap();
        assert_eq!(job.begin_time.to_system_time(), None);
        assert!(job.end_time.is_none());
        // Objects and arrays are not times: a decode error, not a panic.
        assert!(serde_json::from_str::<Timestamp>("{}").is_err());
        assert!(serde_json::from_str::<Timestamp>("[1]").is_err());
        assert!(serde_json::from_str::<Timestamp>("true").is_err());
    }

    #[test]
    fn raw_value_round_trips_unchanged() {
        for json in [
            r#""2023-02-16T11:24:07.950175Z""#,
            r#""2022-01-05T16:15:01+0800""#,
            "1641370501000",
            r#""1641370501000""#,
            r#""04-Jun-2015 18:11:06:586""#,
            "null",
            r#""""#,
            r#""garbage""#,
        ] {
            let t = ts(json);
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
            assert_eq!(ts(&serde_json::to_string(&t).unwrap()), t);
        }
    }

    #[test]
    fn system_time_and_millis_agree() {
        let t = Timestamp::parse("1969-07-20T20:17:40.5Z");
        assert_eq!(t.unix_millis(), Some(-14_182_939_500));
        let st = t.to_system_time().unwrap();
        assert_eq!(
            UNIX_EPOCH.duration_since(st).unwrap(),
            Duration::from_millis(14_182_939_500)
        );
        let back = Timestamp::from_system_time(st);
        assert_eq!(
            back.to_rfc3339().as_deref(),
            Some("1969-07-20T20:17:40.500Z")
        );
        assert_eq!(back.raw(), &serde_json::json!("1969-07-20T20:17:40.500Z"));
        assert_eq!(
            Timestamp::from_unix_millis(1_641_370_501_000).to_string(),
            "2022-01-05T08:15:01Z"
        );
        assert_eq!(Timestamp::parse("garbage").to_string(), "garbage");
        assert_eq!(Timestamp::default().to_string(), "");
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        let mut day = days_from_civil(1600, 1, 1).unwrap();
        let end = days_from_civil(2400, 12, 31).unwrap();
        let (mut y, mut m, mut d) = (1600, 1, 1);
        while day <= end {
            assert_eq!(civil_from_days(day), (y, m, d));
            assert_eq!(days_from_civil(y, m, d), Some(day));
            day += 1;
            d += 1;
            if d > days_in_month(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn sdk_date_format() {
        let t = UNIX_EPOCH + Duration::from_secs(1_591_583_940);
        assert_eq!(basic_utc(t), "20200608T023900Z");
    }

    #[test]
    fn http_dates() {
        let want = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(want));
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(want)
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(want));
        assert_eq!(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
        // Before the fix these overflowed (a panic in debug builds, a wrong time in release).
        for far in [
            "Sun, 06 Nov 999999999999 08:49:37 GMT",
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
            "Sun Nov  6 08:49:37 99999999999999999",
            "Sunday, 06-Nov-9223372036854775807 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(far), None, "{far}");
        }
        assert_eq!(parse_http_date("120"), None);
        assert_eq!(parse_http_date(""), None);
    }

    #[test]
    fn clocks() {
        let t = UNIX_EPOCH + Duration::from_secs(5);
        assert_eq!(Clock::fixed(t).now(), t);
        assert_eq!(Clock::from_fn(move || t).now(), t);
        assert!(Clock::system().now() > t);
        assert_eq!(format!("{:?}", Clock::fixed(t)), "Clock::custom");
    }
}
