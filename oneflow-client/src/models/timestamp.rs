//! Serde support for Oneflow timestamps.
//!
//! Oneflow writes date-times as `%Y-%m-%dT%H:%M:%S%z`, e.g. `2020-06-30T07:15:23+0000` — the
//! offset has **no colon**, so plain RFC 3339 parsers reject it. This module serializes in
//! exactly that format (always in UTC, `+0000`) and deserializes it as well as RFC 3339
//! (`2020-06-30T07:15:23Z`, `…+02:00`, with or without fractions of a second).
//!
//! Use it with `#[serde(with = "oneflow_client::models::timestamp")]` on a
//! [`Timestamp`], or with the [`option`] submodule on an `Option<Timestamp>`.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, Serializer};

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
    match DateTime::<FixedOffset>::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        Ok(dt) => Ok(dt.with_timezone(&Utc)),
        Err(first) => DateTime::parse_from_rfc3339(s)
            .map(|dt| dt.with_timezone(&Utc))
            .map_err(|_| first),
    }
}

/// Serializes in Oneflow's format.
pub fn serialize<S: Serializer>(ts: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(ts))
}

/// Deserializes Oneflow's format or RFC 3339.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let s = String::deserialize(deserializer)?;
    parse(&s).map_err(|e| serde::de::Error::custom(format_args!("invalid timestamp {s:?}: {e}")))
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
        let s: Option<String> = Option::deserialize(deserializer)?;
        match s {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse(&s).map(Some).map_err(|e| {
                serde::de::Error::custom(format_args!("invalid timestamp {s:?}: {e}"))
            }),
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
}
