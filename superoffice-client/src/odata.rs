//! OData-style list endpoints (`GET /api/v1/Sale?$select=…&$filter=…`): filter building with
//! correct quoting of user text, one page at a time, or a stream over all rows.
//!
//! SuperOffice string literals are single-quoted; a quote inside is doubled
//! (`O'Brien` → `'O''Brien'`). Use [`quote`] or the [`Filter`] constructors for any text
//! that comes from a user; never paste it into a filter yourself.

use std::collections::{HashSet, VecDeque};
use std::marker::PhantomData;

use futures::stream::{self, Stream};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, Request};
use crate::error::{Error, Result};

/// Page size used by [`ODataList::stream`] when no `$top` was set.
pub const DEFAULT_PAGE_SIZE: u32 = 200;

/// Quote text as an OData string literal: `O'Brien` → `'O''Brien'`.
///
/// ```
/// assert_eq!(superoffice_client::odata::quote("O'Brien"), "'O''Brien'");
/// ```
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// True for a plausible archive column name (`saleId`, `sale/description`,
/// `webhook_usage.total_calls`, `SuperOffice:1`).
fn valid_column(column: &str) -> bool {
    !column.is_empty()
        && column
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':'))
}

/// A `$filter` expression. Constructors quote values; column names are checked and a bad one
/// is reported as [`Error::InvalidInput`] when the request is built.
///
/// ```
/// use superoffice_client::odata::Filter;
///
/// let f = Filter::is("personEmail", "jane.o'brien@example.com").and(Filter::eq("isActive", 1));
/// assert_eq!(f.to_string(), "(personEmail is 'jane.o''brien@example.com') and (isActive eq 1)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    expr: String,
    invalid: Option<String>,
}

impl Filter {
    fn column_op(column: &str, op: &str, literal: String) -> Self {
        let invalid = (!valid_column(column)).then(|| format!("invalid column name {column:?}"));
        Filter {
            expr: format!("{column} {op} {literal}"),
            invalid,
        }
    }

    /// `column eq <number>`.
    pub fn eq(column: &str, value: i64) -> Self {
        Filter::column_op(column, "eq", value.to_string())
    }

    /// `column ne <number>`.
    pub fn ne(column: &str, value: i64) -> Self {
        Filter::column_op(column, "ne", value.to_string())
    }

    /// `column gt <number>`.
    pub fn gt(column: &str, value: i64) -> Self {
        Filter::column_op(column, "gt", value.to_string())
    }

    /// `column lt <number>`.
    pub fn lt(column: &str, value: i64) -> Self {
        Filter::column_op(column, "lt", value.to_string())
    }

    /// `column is '<text>'`: string equality.
    pub fn is(column: &str, text: &str) -> Self {
        Filter::column_op(column, "is", quote(text))
    }

    /// `column isNot '<text>'`.
    pub fn is_not(column: &str, text: &str) -> Self {
        Filter::column_op(column, "isNot", quote(text))
    }

    /// `column begins '<text>'`.
    pub fn begins(column: &str, text: &str) -> Self {
        Filter::column_op(column, "begins", quote(text))
    }

    /// `column contains '<text>'`.
    pub fn contains(column: &str, text: &str) -> Self {
        Filter::column_op(column, "contains", quote(text))
    }

    /// `column equals '<text>'` (list columns).
    pub fn equals(column: &str, text: &str) -> Self {
        Filter::column_op(column, "equals", quote(text))
    }

    /// `column oneOf 1,2,3` (list columns).
    pub fn one_of(column: &str, ids: &[i64]) -> Self {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut f = Filter::column_op(column, "oneOf", list);
        if ids.is_empty() && f.invalid.is_none() {
            f.invalid = Some("oneOf needs at least one id".to_owned());
        }
        f
    }

    /// A hand-written expression, sent as is. Quote user text with [`quote`].
    pub fn raw(expression: impl Into<String>) -> Self {
        Filter {
            expr: expression.into(),
            invalid: None,
        }
    }

    /// `(self) and (other)`.
    pub fn and(self, other: Filter) -> Self {
        self.combine("and", other)
    }

    /// `(self) or (other)`.
    pub fn or(self, other: Filter) -> Self {
        self.combine("or", other)
    }

    fn combine(self, op: &str, other: Filter) -> Self {
        Filter {
            expr: format!("({}) {op} ({})", self.expr, other.expr),
            invalid: self.invalid.or(other.invalid),
        }
    }

    /// The expression, or why it is invalid.
    pub fn to_expression(&self) -> Result<&str> {
        match &self.invalid {
            Some(reason) => Err(Error::invalid_input(format!("OData filter: {reason}"))),
            None => Ok(&self.expr),
        }
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.expr)
    }
}

/// One page of an OData list: `{"odata.metadata": …, "odata.nextLink": …, "value": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ODataPage<T> {
    /// Link to the next page, when the server paginates.
    #[serde(
        rename = "odata.nextLink",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    /// `odata.metadata`.
    #[serde(
        rename = "odata.metadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<String>,
    /// The rows.
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
}

/// A flat archive row keyed by column name (plus `PrimaryKey`, `EntityName`), with lenient
/// typed getters (archives may send numbers and booleans as strings).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ODataRow(pub Map<String, Value>);

impl ODataRow {
    /// The raw value of a column.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.0.get(column)
    }

    /// A column as text (numbers and booleans are formatted).
    pub fn text(&self, column: &str) -> Option<String> {
        match self.get(column)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A column as an integer (also from `"42"` or `"[I:42]"`-free numeric strings).
    pub fn int(&self, column: &str) -> Option<i64> {
        match self.get(column)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A column as a boolean (`true`, `"True"`, `1`, `"1"`).
    pub fn bool(&self, column: &str) -> Option<bool> {
        match self.get(column)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Some(true),
                "false" | "0" | "no" | "" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// `PrimaryKey`.
    pub fn primary_key(&self) -> Option<i64> {
        self.int("PrimaryKey")
    }
}

/// Builder for an OData list request; ends in [`send`](Self::send) (one page) or
/// [`stream`](Self::stream) (every row, following `odata.nextLink` or `$skip`).
#[must_use]
pub struct ODataList<T> {
    client: Client,
    template: &'static str,
    segments: Vec<String>,
    select: Vec<String>,
    filter: Option<Filter>,
    order_by: Vec<String>,
    top: Option<u32>,
    skip: Option<u32>,
    invalid: Option<String>,
    _row: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ODataList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ODataList")
            .field("template", &self.template)
            .field("select", &self.select)
            .field("top", &self.top)
            .field("skip", &self.skip)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> ODataList<T> {
    pub(crate) fn new(client: Client, template: &'static str, segments: Vec<String>) -> Self {
        ODataList {
            client,
            template,
            segments,
            select: Vec::new(),
            filter: None,
            order_by: Vec::new(),
            top: None,
            skip: None,
            invalid: None,
            _row: PhantomData,
        }
    }

    /// A list whose request is refused with [`Error::InvalidInput`] when built (e.g. a
    /// sub-list of an invalid id).
    pub(crate) fn invalid(mut self, reason: impl Into<String>) -> Self {
        self.invalid = Some(reason.into());
        self
    }

    /// `$select`: the columns to return.
    pub fn select<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select.extend(columns.into_iter().map(Into::into));
        self
    }

    /// `$filter`. Calling it again combines with `and`.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(filter),
            None => filter,
        });
        self
    }

    /// `$orderBy` entry, e.g. `("updatedDate", Order::Desc)`.
    pub fn order_by(mut self, column: impl Into<String>, order: Order) -> Self {
        let column = column.into();
        self.order_by.push(match order {
            Order::Asc => column,
            Order::Desc => format!("{column} desc"),
        });
        self
    }

    /// `$top`: rows per page (also the page size of [`stream`](Self::stream)).
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// `$skip`: rows to skip before the first one returned.
    pub fn skip(mut self, skip: u32) -> Self {
        self.skip = Some(skip);
        self
    }

    /// The request for one page at `skip`, checked locally.
    pub fn to_request(&self) -> Result<Request> {
        self.request_at(self.skip, self.top)
    }

    fn request_at(&self, skip: Option<u32>, top: Option<u32>) -> Result<Request> {
        if let Some(reason) = &self.invalid {
            return Err(Error::invalid_input(reason.clone()));
        }
        let mut req = Request::get(self.template, &self.segments);
        if !self.select.is_empty() {
            if let Some(bad) = self.select.iter().find(|c| !valid_column(c)) {
                return Err(Error::invalid_input(format!(
                    "invalid $select column {bad:?}"
                )));
            }
            req = req.query("$select", self.select.join(","));
        }
        if let Some(filter) = &self.filter {
            req = req.query("$filter", filter.to_expression()?);
        }
        if !self.order_by.is_empty() {
            for entry in &self.order_by {
                let column = entry.strip_suffix(" desc").unwrap_or(entry);
                if !valid_column(column) {
                    return Err(Error::invalid_input(format!(
                        "invalid $orderBy column {column:?}"
                    )));
                }
            }
            req = req.query("$orderBy", self.order_by.join(","));
        }
        if let Some(top) = top {
            if top == 0 {
                return Err(Error::invalid_input("$top must be at least 1"));
            }
            req = req.query("$top", top.to_string());
        }
        if let Some(skip) = skip.filter(|s| *s > 0) {
            req = req.query("$skip", skip.to_string());
        }
        Ok(req)
    }

    /// Fetch one page.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::odata::{Filter, Order};
    ///
    /// let page = client
    ///     .sales()
    ///     .list()
    ///     .select(["saleId", "heading", "amount"])
    ///     .filter(Filter::eq("contactId", 7))
    ///     .order_by("saleId", Order::Asc)
    ///     .top(50)
    ///     .send()
    ///     .await?;
    /// for row in &page.value {
    ///     println!("{:?} {:?}", row.int("saleId"), row.text("heading"));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<ODataPage<T>> {
        let request = self.to_request()?;
        self.client.execute(request).await
    }

    /// Every row, page by page: follows `odata.nextLink` when the server sends one, otherwise
    /// advances `$skip` by the page size. Stops on an empty or short page, or when the server
    /// repeats a link. Pages have `$top` rows ([`DEFAULT_PAGE_SIZE`] when unset).
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::client::Client) -> superoffice_client::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// let rows: Vec<_> = client.sales().list().select(["saleId"]).stream().try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'static {
        let page_size = self.top.unwrap_or(DEFAULT_PAGE_SIZE);
        let first = self.request_at(self.skip, Some(page_size));
        let skip = self.skip.unwrap_or(0);
        let state = StreamState {
            list: self,
            next: Some(first),
            skip,
            page_size,
            seen_links: HashSet::new(),
            buffer: VecDeque::new(),
        };
        stream::unfold(state, |mut state| async move {
            loop {
                if let Some(row) = state.buffer.pop_front() {
                    return Some((Ok(row), state));
                }
                let request = match state.next.take()? {
                    Ok(request) => request,
                    Err(e) => return Some((Err(e), state)),
                };
                let page: ODataPage<T> = match state.list.client.execute(request).await {
                    Ok(page) => page,
                    Err(e) => return Some((Err(e), state)),
                };
                state.advance(page);
            }
        })
    }
}

struct StreamState<T> {
    list: ODataList<T>,
    next: Option<Result<Request>>,
    skip: u32,
    page_size: u32,
    seen_links: HashSet<String>,
    buffer: VecDeque<T>,
}

impl<T: DeserializeOwned + Send + 'static> StreamState<T> {
    fn advance(&mut self, page: ODataPage<T>) {
        let count = u32::try_from(page.value.len()).unwrap_or(u32::MAX);
        self.buffer.extend(page.value);
        if count == 0 {
            return;
        }
        // Track the position on every page, including pages reached through a link, so a
        // fallback to `$skip` paging continues after the rows already returned.
        self.skip = self.skip.saturating_add(count);
        match page.next_link.filter(|l| !l.trim().is_empty()) {
            Some(link) => {
                if self.seen_links.insert(link.clone()) {
                    self.next = Some(
                        self.list
                            .client
                            .request_from_link(self.list.template, &link),
                    );
                }
            }
            None if count < self.page_size => {}
            None => {
                self.next = Some(self.list.request_at(Some(self.skip), Some(self.page_size)));
            }
        }
    }
}

/// Sort direction for [`ODataList::order_by`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_single_quotes() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
        assert_eq!(quote("''"), "''''''");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn filter_rejects_bad_columns() {
        assert!(Filter::is("name) or (1", "x").to_expression().is_err());
        assert!(Filter::is("name", "x")
            .and(Filter::eq("bad col", 1))
            .to_expression()
            .is_err());
        assert!(Filter::one_of("category", &[]).to_expression().is_err());
        assert_eq!(
            Filter::one_of("category", &[1, 2]).to_string(),
            "category oneOf 1,2"
        );
    }

    #[test]
    fn rows_read_leniently() {
        let row: ODataRow = serde_json::from_str(
            r#"{"associateDbId":"12","isActive":"True","fullName":"Jane","PrimaryKey":12,"x":1}"#,
        )
        .unwrap();
        assert_eq!(row.int("associateDbId"), Some(12));
        assert_eq!(row.bool("isActive"), Some(true));
        assert_eq!(row.bool("x"), Some(true));
        assert_eq!(row.text("fullName").as_deref(), Some("Jane"));
        assert_eq!(row.primary_key(), Some(12));
    }
}
