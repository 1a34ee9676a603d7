//! SuperOffice date-times.
//!
//! The API sends ISO-8601 without a zone (`2026-07-24T00:00:00`, `2026-07-24T08:01:15.85`),
//! with a zone when `SO-TimeZone: …, includeTZOffset` is used or in webhook payloads
//! (`2018-04-24T08:01:15.85Z`, `…+02:00`), and the empty date as `0001-01-01T00:00:00`.
//! [`SoDateTime`] keeps whichever form came in and writes it back the same way; the empty date
//! and `null` become `None` on `Option<SoDateTime>` fields.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A date-time as SuperOffice sends it: a wall-clock time, with an offset when one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SoDateTime {
    local: NaiveDateTime,
    offset: Option<FixedOffset>,
}

impl SoDateTime {
    /// A date-time without zone (how SuperOffice writes most dates).
    pub fn naive(local: NaiveDateTime) -> Self {
        SoDateTime {
            local,
            offset: None,
        }
    }

    /// Midnight of a calendar date, without zone (what `Saledate` usually holds).
    pub fn date(date: NaiveDate) -> Self {
        SoDateTime::naive(date.and_time(chrono::NaiveTime::MIN))
    }

    /// A date-time with an explicit offset.
    pub fn with_offset(at: DateTime<FixedOffset>) -> Self {
        SoDateTime {
            local: at.naive_local(),
            offset: Some(*at.offset()),
        }
    }

    /// A UTC instant (written with `Z`).
    pub fn utc(at: DateTime<Utc>) -> Self {
        SoDateTime {
            local: at.naive_utc(),
            offset: Some(Utc.fix()),
        }
    }

    /// The wall-clock value as sent.
    pub fn local(&self) -> NaiveDateTime {
        self.local
    }

    /// The offset, when the server sent one.
    pub fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }

    /// The instant, reading a zone-less value as UTC (true for `CreatedDate`/`UpdatedDate`; for
    /// other fields it is the tenant's local time unless `SO-TimeZone` was sent).
    pub fn assume_utc(&self) -> DateTime<Utc> {
        match self.offset {
            Some(offset) => match offset.from_local_datetime(&self.local).single() {
                Some(dt) => dt.with_timezone(&Utc),
                None => Utc.from_utc_datetime(&self.local),
            },
            None => Utc.from_utc_datetime(&self.local),
        }
    }

    /// True for SuperOffice's "no date" value `0001-01-01T00:00:00` (or anything earlier).
    pub fn is_empty(&self) -> bool {
        self.local.and_utc().timestamp() <= EMPTY_TIMESTAMP
    }

    /// Parse any of the accepted forms.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(raw) {
            return Some(SoDateTime::with_offset(dt));
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
        ] {
            if let Ok(local) = NaiveDateTime::parse_from_str(raw, format) {
                return Some(SoDateTime::naive(local));
            }
        }
        // Offsets without a colon (`+0200`) are not RFC 3339.
        if let Ok(dt) = DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z") {
            return Some(SoDateTime::with_offset(dt));
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .map(SoDateTime::date)
    }
}

/// `0001-01-01T00:00:00` as a Unix timestamp.
const EMPTY_TIMESTAMP: i64 = -62_135_596_800;

impl fmt::Display for SoDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.local.format("%Y-%m-%dT%H:%M:%S"))?;
        let nanos = self.local.and_utc().timestamp_subsec_nanos();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        match self.offset {
            Some(offset) if offset.local_minus_utc() == 0 => f.write_str("Z"),
            Some(offset) => write!(f, "{offset}"),
            None => Ok(()),
        }
    }
}

impl From<NaiveDateTime> for SoDateTime {
    fn from(local: NaiveDateTime) -> Self {
        SoDateTime::naive(local)
    }
}

impl From<NaiveDate> for SoDateTime {
    fn from(date: NaiveDate) -> Self {
        SoDateTime::date(date)
    }
}

impl From<DateTime<Utc>> for SoDateTime {
    fn from(at: DateTime<Utc>) -> Self {
        SoDateTime::utc(at)
    }
}

impl Serialize for SoDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SoDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        SoDateTime::parse(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!("not a SuperOffice date-time: {raw:?}"))
        })
    }
}

/// Serde helpers for `Option<SoDateTime>` fields: `null`, `""` and `0001-01-01T00:00:00`
/// read as `None`; `None` is skipped on write (use with `skip_serializing_if`).
pub mod optional {
    use super::SoDateTime;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Deserialize leniently.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SoDateTime>, D::Error> {
        let raw = Option::<String>::deserialize(deserializer)?;
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => {
                let parsed = SoDateTime::parse(text).ok_or_else(|| {
                    serde::de::Error::custom(format!("not a SuperOffice date-time: {text:?}"))
                })?;
                Ok((!parsed.is_empty()).then_some(parsed))
            }
        }
    }

    /// Serialize (`None` as `null`; normally skipped).
    pub fn serialize<S: Serializer>(
        value: &Option<SoDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct Holder {
        #[serde(default, with = "optional", skip_serializing_if = "Option::is_none")]
        at: Option<SoDateTime>,
    }

    fn read(json: &str) -> Option<SoDateTime> {
        serde_json::from_str::<Holder>(json).unwrap().at
    }

    #[test]
    fn parses_every_form_and_round_trips() {
        for raw in [
            "2026-07-24T00:00:00",
            "2026-07-24T08:01:15.85",
            "2018-04-24T08:01:15.85Z",
            "2026-07-24T10:00:00+02:00",
        ] {
            let at = read(&format!(r#"{{"at":"{raw}"}}"#)).unwrap();
            assert_eq!(at.to_string(), raw);
        }
        let at = read(r#"{"at":"2026-07-24T10:00:00+02:00"}"#).unwrap();
        assert_eq!(at.assume_utc().to_rfc3339(), "2026-07-24T08:00:00+00:00");
    }

    #[test]
    fn empty_values_are_none() {
        assert_eq!(read(r#"{"at":"0001-01-01T00:00:00"}"#), None);
        assert_eq!(read(r#"{"at":""}"#), None);
        assert_eq!(read(r#"{"at":null}"#), None);
        assert_eq!(read(r#"{}"#), None);
        assert_eq!(serde_json::to_string(&Holder { at: None }).unwrap(), "{}");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(serde_json::from_str::<Holder>(r#"{"at":"yesterday"}"#).is_err());
    }
}
