//! Serde support for Oneflow timestamps.
//!
//! Oneflow writes date-times as `%Y-%m-%dT%H:%M:%S%z`, e.g. `2020-06-30T07:15:23+0000` — the
//! offset has **no colon**, so plain RFC 3339 parsers reject it. This module serializes in
//! exactly that format (always in UTC, `+0000`) and deserializes it as well as RFC 3339
//! (`2020-06-30T07:15:23Z`, `…+02:00`, with or without fractions of a second).
//!
//! Use it with `#[serde(with = "oneflow_client::models::timestamp")]` on a
//! [`Timestamp`], or with the [`option`] submodule on an `Option<Timestamp>`.

use std::fmt;

use chrono::{DateTime, FixedOffset, Utc};
use serde::de::Visitor;
use serde::{Deserializer, Serializer};

/// A point in time as Oneflow reports it, normalised to UTC.
pub type Timestamp = DateTime<Utc>;

/// The `strftime` format Oneflow uses.
pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%z";

/// Formats a timestamp the way Oneflow does (`2020-06-30T07:15:23+0000`).
pub fn format(ts: &Timestamp) -> String {
    ts.format(FORMAT).to_string()
}

/// Parses a Oneflow timestamp, accepting RFC 3339 as well.
pub fn parse(s: &str) -> Result<Timestamp, chrono::ParseError> {
    let s = s.trim();
    // Every timestamp Oneflow sends has the fixed layout `fast_parse` reads; chrono's
    // `parse_from_str` re-reads the format string for each one, which made timestamps a
    // visible share of decoding a contract. Anything else takes the general path.
    if let Some(ts) = fast_parse(s) {
        return Ok(ts);
    }
    match DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        Ok(dt) => Ok(dt.with_timezone(&Utc)),
        Err(first) => DateTime::parse_from_rfc3339(s)
            .map(|dt| dt.with_timezone(&Utc))
            .map_err(|_| first),
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, then an optional fraction of 1–9 digits, then `Z`, `±HHMM` or
/// `±HH:MM`. `None` for anything else (including values chrono would reject), which then
/// goes through chrono and gets its error.
fn fast_parse(s: &str) -> Option<Timestamp> {
    use chrono::{NaiveDate, TimeDelta};

    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    }

    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if second > 59 {
        return None; // leap seconds: chrono's rules
    }
    let mut rest = &b[19..];
    let mut nano = 0u32;
    if let Some((b'.', tail)) = rest.split_first() {
        let len = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || len > 9 {
            return None;
        }
        nano = digits(&tail[..len])? * 10u32.pow(9 - len as u32);
        rest = &tail[len..];
    }
    let offset_seconds = match rest {
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, m1, m2] | [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let local =
        NaiveDate::from_ymd_opt(year, month, day)?.and_hms_nano_opt(hour, minute, second, nano)?;
    let utc = local.checked_sub_signed(TimeDelta::seconds(offset_seconds))?;
    Some(utc.and_utc())
}

/// Serializes in Oneflow's format.
pub fn serialize<S: Serializer>(ts: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(ts))
}

/// Deserializes Oneflow's format or RFC 3339.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    deserializer.deserialize_str(TimestampVisitor)
}

/// Reads the timestamp from the text the deserializer holds, without copying it into a
/// `String` first.
struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
        parse(s).map_err(|e| E::custom(format_args!("invalid timestamp {s:?}: {e}")))
    }
}

/// The same for `Option<Timestamp>`: `null`, a missing field (with `#[serde(default)]`) and
/// an empty string all become `None`.
pub mod option {
    use super::*;

    /// Serializes `Some` in Oneflow's format and `None` as `null`.
    pub fn serialize<S: Serializer>(
        ts: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match ts {
            Some(ts) => serializer.serialize_str(&format(ts)),
            None => serializer.serialize_none(),
        }
    }

    /// Deserializes `null`, `""`, Oneflow's format or RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        deserializer.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<Timestamp>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a timestamp string or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            TimestampVisitor.visit_str(s).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn oneflow_format_round_trip() {
        let ts = parse("2020-06-30T07:15:23+0000").unwrap();
        assert_eq!(ts, Utc.with_ymd_and_hms(2020, 6, 30, 7, 15, 23).unwrap());
        assert_eq!(format(&ts), "2020-06-30T07:15:23+0000");
    }

    #[test]
    fn offsets_and_rfc3339_are_accepted() {
        let expected = Utc.with_ymd_and_hms(2020, 6, 30, 5, 15, 23).unwrap();
        assert_eq!(parse("2020-06-30T07:15:23+0200").unwrap(), expected);
        assert_eq!(parse("2020-06-30T07:15:23+02:00").unwrap(), expected);
        assert_eq!(parse("2020-06-30T05:15:23Z").unwrap(), expected);
        assert_eq!(
            parse("2020-06-30T05:15:23.250Z").unwrap().timestamp(),
            expected.timestamp()
        );
        assert!(parse("30/06/2020").is_err());
    }

    /// The fast path agrees with chrono wherever it answers, and declines what chrono
    /// rejects.
    #[test]
    fn fast_path_matches_chrono() {
        let slow = |s: &str| {
            DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
                .map(|dt| dt.with_timezone(&Utc))
                .or_else(|_| DateTime::parse_from_rfc3339(s).map(|dt| dt.with_timezone(&Utc)))
                .ok()
        };
        let mut inputs = vec![
            "2020-06-30T07:15:23+0000".to_owned(),
            "2020-06-30T07:15:23-0130".to_owned(),
            "2020-06-30T07:15:23+05:45".to_owned(),
            "2020-06-30T07:15:23.1Z".to_owned(),
            "2020-06-30T07:15:23.123456789+0100".to_owned(),
            "2020-06-30T07:15:23.1234567891+0100".to_owned(),
            "2020-06-30T07:15:23.+0100".to_owned(),
            "2020-02-30T07:15:23+0000".to_owned(),
            "2020-06-30T24:15:23+0000".to_owned(),
            "2020-06-30T07:60:23+0000".to_owned(),
            "2020-06-30T07:15:60+0000".to_owned(),
            "2020-06-30T07:15:23+2400".to_owned(),
            "2020-06-30T07:15:23+0060".to_owned(),
            "2020-06-30 07:15:23+0000".to_owned(),
            "2020-06-30T07:15:23".to_owned(),
            "2020-06-30T07:15:23+00".to_owned(),
            "0000-01-01T00:00:00+0100".to_owned(),
            "9999-12-31T23:59:59-2359".to_owned(),
            "2020-6-30T07:15:23+0000".to_owned(),
            "2020-06-30T07:15:2a+0000".to_owned(),
            "２020-06-30T07:15:23+0000".to_owned(),
        ];
        for day in [1, 28, 29, 31] {
            for month in [1, 2, 4, 12] {
                for offset in ["+0000", "-1200", "+1400", "Z", "+09:30"] {
                    inputs.push(format!("2024-{month:02}-{day:02}T23:59:59.5{offset}"));
                    inputs.push(format!("2023-{month:02}-{day:02}T00:00:00{offset}"));
                }
            }
        }
        for input in &inputs {
            if let Some(fast) = fast_parse(input) {
                assert_eq!(Some(fast), slow(input), "{input}");
            }
            assert_eq!(parse(input).ok(), slow(input), "{input}");
        }
        assert!(fast_parse("2020-06-30T07:15:23+0000").is_some());
        assert!(fast_parse("2020-06-30T07:15:23.250+02:00").is_some());
    }

    #[test]
    fn deserializes_borrowed_and_escaped_text() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(with = "super")]
            at: Timestamp,
            #[serde(default, with = "super::option")]
            maybe: Option<Timestamp>,
        }
        let expected = Utc.with_ymd_and_hms(2020, 6, 30, 7, 15, 23).unwrap();
        let row: Row = serde_json::from_str(r#"{"at": "2020-06-30T07:15:23+0000"}"#).unwrap();
        assert_eq!((row.at, row.maybe), (expected, None));
        let row: Row = serde_json::from_str(
            r#"{"at": "2020-06-30T07:15:23\u002b0000", "maybe": "2020-06-30T07:15:23Z"}"#,
        )
        .unwrap();
        assert_eq!((row.at, row.maybe), (expected, Some(expected)));
        let row: Row =
            serde_json::from_str(r#"{"at": "2020-06-30T07:15:23Z", "maybe": " "}"#).unwrap();
        assert_eq!(row.maybe, None);
        let row: Row =
            serde_json::from_str(r#"{"at": "2020-06-30T07:15:23Z", "maybe": null}"#).unwrap();
        assert_eq!(row.maybe, None);
        let err = serde_json::from_str::<Row>(r#"{"at": "30/06/2020"}"#)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("invalid timestamp \"30/06/2020\""),
            "{err}"
        );
        assert!(serde_json::from_str::<Row>(r#"{"at": 5}"#).is_err());
    }
}
