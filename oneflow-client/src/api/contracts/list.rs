//! `GET /contracts` with filters.

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::timestamp::{self, Timestamp};
use crate::models::{Contract, ContractState};
use crate::pagination::{list_methods, Paging};
use crate::request::ApiRequest;

/// A `string(datetime_range)` filter value: `<from>|<to>`, either bound optional
/// (developer.oneflow.com, docs "filtering" and "type-reference").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Lower bound, if any.
    pub from: Option<Timestamp>,
    /// Upper bound, if any.
    pub to: Option<Timestamp>,
}

impl TimeRange {
    /// Both bounds.
    pub fn between(from: Timestamp, to: Timestamp) -> Self {
        TimeRange {
            from: Some(from),
            to: Some(to),
        }
    }

    /// Only a lower bound (`<from>|`).
    pub fn since(from: Timestamp) -> Self {
        TimeRange {
            from: Some(from),
            to: None,
        }
    }

    /// Only an upper bound (`|<to>`).
    pub fn until(to: Timestamp) -> Self {
        TimeRange {
            from: None,
            to: Some(to),
        }
    }

    /// The wire form, e.g. `2020-06-30T07:15:23+0000|`.
    pub fn to_filter_value(&self) -> String {
        let side = |t: &Option<Timestamp>| t.as_ref().map(timestamp::format).unwrap_or_default();
        format!("{}|{}", side(&self.from), side(&self.to))
    }

    fn check(&self, field: &'static str) -> Result<()> {
        match (self.from, self.to) {
            (None, None) => Err(InvalidInput::Invalid {
                field,
                reason: "a time range needs at least one bound",
            }
            .into()),
            (Some(f), Some(t)) if f > t => Err(InvalidInput::Invalid {
                field,
                reason: "the lower bound is after the upper bound",
            }
            .into()),
            _ => Ok(()),
        }
    }
}

/// Builder for `GET /contracts`.
///
/// Only filters whose parameter names a public Oneflow page shows are typed here:
/// `filter[states]` and `filter[published_time]` (docs "filtering") and
/// `filter[data_field_match]` (reference "get-contracts"). The reference describes more
/// filters (participant e-mail, lifecycle state, created time, contract ids, …) without
/// showing their names; send those with [`filter`](Self::filter) once you know the name.
/// Oneflow does not accept the same filter twice, so a repeated name is refused locally.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListContracts {
    client: Client,
    paging: Paging,
    data_field_match: Option<(String, String)>,
    states: Option<Vec<ContractState>>,
    published_time: Option<TimeRange>,
    extra: Vec<(String, String)>,
    sort: Option<String>,
}

impl ListContracts {
    pub(crate) fn new(client: Client, paging: Paging) -> Self {
        ListContracts {
            client,
            paging,
            data_field_match: None,
            states: None,
            published_time: None,
            extra: Vec::new(),
            sort: None,
        }
    }

    /// Contracts whose data field `custom_id` has exactly `value`
    /// (`filter[data_field_match]=<custom_id>:<value>`). Both must be non-empty.
    pub fn data_field_match(
        mut self,
        custom_id: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.data_field_match = Some((custom_id.into(), value.into()));
        self
    }

    /// Adds a state to the `filter[states]` list (contracts in any of the listed states).
    pub fn state(mut self, state: ContractState) -> Self {
        self.states.get_or_insert_with(Vec::new).push(state);
        self
    }

    /// Contracts in any of these states (`filter[states]`, comma-separated). An empty list
    /// is refused when the request is built: it would silently list every contract.
    pub fn states<I: IntoIterator<Item = ContractState>>(mut self, states: I) -> Self {
        self.states.get_or_insert_with(Vec::new).extend(states);
        self
    }

    /// Contracts published within the range (`filter[published_time]=<from>|<to>`).
    /// A range without any bound is refused when the request is built.
    pub fn published_time(mut self, range: TimeRange) -> Self {
        self.published_time = Some(range);
        self
    }

    /// Any other filter: sends `filter[<name>]=<value>` as given (not checked against
    /// Oneflow's list of filters).
    pub fn filter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Sort order: comma-separated columns (`name`, `state`, `state_updated_time`,
    /// `published_time`).
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    fn base_request(&self) -> Result<ApiRequest> {
        let mut r = ApiRequest::get("contracts", ["contracts"]);
        if let Some((custom_id, value)) = &self.data_field_match {
            if custom_id.trim().is_empty() || custom_id.contains(':') {
                return Err(InvalidInput::Invalid {
                    field: "data_field_match custom_id",
                    reason: "must be non-empty and contain no ':'",
                }
                .into());
            }
            if value.is_empty() {
                return Err(InvalidInput::Missing {
                    field: "data_field_match value",
                }
                .into());
            }
            r = r.query("filter[data_field_match]", format!("{custom_id}:{value}"));
        }
        if let Some(states) = &self.states {
            if states.is_empty() {
                return Err(InvalidInput::Invalid {
                    field: "states filter",
                    reason: "needs at least one state",
                }
                .into());
            }
            let mut names: Vec<&str> = Vec::new();
            for s in states {
                if !names.contains(&s.as_str()) {
                    names.push(s.as_str());
                }
            }
            r = r.query("filter[states]", names.join(","));
        }
        if let Some(range) = &self.published_time {
            range.check("published_time filter")?;
            r = r.query("filter[published_time]", range.to_filter_value());
        }
        for (name, value) in &self.extra {
            let key = format!("filter[{name}]");
            if name.is_empty() || r.query_value(&key).is_some() {
                return Err(InvalidInput::Invalid {
                    field: "filter",
                    reason: "a filter name must be non-empty and given only once",
                }
                .into());
            }
            r = r.query(key, value.as_str());
        }
        if let Some(s) = &self.sort {
            r = r.query("sort", s.as_str());
        }
        Ok(r)
    }
}

list_methods!(ListContracts, Contract);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_ranges_use_oneflows_pipe_form() {
        let a = chrono::Utc
            .with_ymd_and_hms(2021, 7, 19, 11, 32, 40)
            .unwrap();
        let b = chrono::Utc.with_ymd_and_hms(2021, 8, 1, 0, 0, 0).unwrap();
        assert_eq!(
            TimeRange::until(a).to_filter_value(),
            "|2021-07-19T11:32:40+0000"
        );
        assert_eq!(
            TimeRange::since(a).to_filter_value(),
            "2021-07-19T11:32:40+0000|"
        );
        assert_eq!(
            TimeRange::between(a, b).to_filter_value(),
            "2021-07-19T11:32:40+0000|2021-08-01T00:00:00+0000"
        );
        assert!(TimeRange::between(b, a).check("x").is_err());
        assert!(TimeRange {
            from: None,
            to: None
        }
        .check("x")
        .is_err());
    }
}
