//! Values from the command line and the environment: ids, durations, and the usage error
//! that says what is wrong with one (a leaf module: it imports nothing of the command line).

use std::time::Duration;

/// A usage problem: a one-line message that says what to do (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

/// Whether an id looks like one: 1 to 128 letters, digits, `-`, `_` or `.`.
pub fn check_id(what: &str, id: &str, hint: &str) -> Result<(), Usage> {
    // `.` and `..` would be dot segments of the URL path: another resource, not this id.
    let ok = !id.is_empty()
        && id.len() <= 128
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Usage(format!(
            "malformed {what} `{}`: expected 1 to 128 letters, digits, `-`, `_` or `.`; {hint}",
            id.escape_debug()
        )))
    }
}

/// Parses a duration: `90`, `90s`, `500ms`, `2m`, `1h30m`, `1.5h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration: use a number with ms, s, m or h, such as 30s or 1h30m".into());
    }
    if let Ok(secs) = text.parse::<f64>() {
        return seconds(secs, text);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}`: a number needs a unit (ms, s, m or h)"))?;
        let (number, tail) = rest.split_at(split);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration such as 30s or 1h30m"))?;
        let factor = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => {
                return Err(format!(
                    "`{text}`: unknown unit `{unit}` (use ms, s, m or h)"
                ));
            }
        };
        total += value * factor;
        rest = next;
    }
    seconds(total, text)
}

fn seconds(secs: f64, text: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{text}` is not a usable duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = |s: &str| parse_duration(s).map(|d| d.as_millis());
        assert_eq!(d("90"), Ok(90_000));
        assert_eq!(d("500ms"), Ok(500));
        assert_eq!(d("1h30m"), Ok(5_400_000));
        assert_eq!(d("1.5h"), Ok(5_400_000));
        assert_eq!(d("2m5s"), Ok(125_000));
        assert!(d("").is_err());
        assert!(d("5x").is_err());
        assert!(d("-3").is_err());
        assert!(d("h").is_err());
        assert!(d("1e400").is_err());
    }

    #[test]
    fn ids() {
        assert!(check_id("job id", "ff8080814dbd65d7014dbe0d84db0013", "").is_ok());
        assert!(check_id("job id", "f588ce71-e26c-400d-8981-f854355f6849", "").is_ok());
        for bad in ["", "a/b", "a b", "../x", "é"] {
            assert!(check_id("job id", bad, "").is_err(), "{bad}");
        }
        assert!(check_id("job id", &"a".repeat(129), "").is_err());
    }
}
