//! OData-style list endpoints (`GET /api/v1/Sale?$select=…&$filter=…`): filter building with
//! correct quoting of user text, one page at a time, or a stream over all rows.
//!
//! SuperOffice string literals are single-quoted; a quote inside is escaped with a backslash
//! and so is the backslash itself (`O'Brien` → `'O\'Brien'`, `a\b` → `'a\\b'`), as the
//! archive restriction-string reference documents (`"department contains 'Bob\'s'"`, Archive
//! agent Swagger). Use [`quote`] or the [`Filter`] constructors for any text that comes from a
//! user; never paste it into a filter yourself.
//!
//! Every request asks for `$output=Logical`, the documented SLIM output mode that returns
//! booleans as `true`/`false` (the default `Display` mode returns icon hints instead).

use std::collections::{HashSet, VecDeque};
use std::marker::PhantomData;

use futures::stream;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, InvalidInput, Result};
use crate::request::ApiRequest;
use crate::stream::ItemStream;

/// Page size used by [`ODataList::stream`] when no `$top` was set.
pub const DEFAULT_PAGE_SIZE: u32 = 200;

/// Most pages [`ODataList::stream`] fetches unless [`ODataList::max_pages`] says otherwise.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// Most rows [`ODataList::stream`] yields unless [`ODataList::max_rows`] says otherwise.
pub const DEFAULT_MAX_ROWS: u64 = 1_000_000;

/// Quote text as a SuperOffice filter string literal: single quotes around it, `\` before
/// every `'` and every `\` inside (`O'Brien` → `'O\'Brien'`).
///
/// ```
/// assert_eq!(superoffice_client::odata::quote("O'Brien"), r"'O\'Brien'");
/// assert_eq!(superoffice_client::odata::quote(r"C:\"), r"'C:\\'");
/// ```
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
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
/// let f = Filter::is("personEmail", "jane.o'brien@example.com").and(Filter::one_of("usergroupId", &[1, 2]));
/// assert_eq!(
///     f.to_string(),
///     r"(personEmail is 'jane.o\'brien@example.com') and (usergroupId oneOf (1,2))"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Filter {
    expr: String,
    invalid: Option<InvalidInput>,
}

impl Filter {
    fn column_op(column: &str, op: &str, literal: String) -> Self {
        let invalid = (!valid_column(column)).then(|| InvalidInput::ODataColumn {
            clause: "$filter",
            column: column.to_owned(),
        });
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

    /// `column equals <id>` (list columns hold ids: `category equals 4`).
    pub fn equals(column: &str, id: i64) -> Self {
        Filter::column_op(column, "equals", id.to_string())
    }

    /// `column set true|false` (bool columns: `hasInterests set true`).
    pub fn set(column: &str, value: bool) -> Self {
        Filter::column_op(column, "set", value.to_string())
    }

    /// `column oneOf (1,2,3)` (list columns; the list is parenthesised).
    pub fn one_of(column: &str, ids: &[i64]) -> Self {
        Filter::id_list(column, "oneOf", ids)
    }

    /// `column notOneOf (1,2,3)` (list columns).
    pub fn not_one_of(column: &str, ids: &[i64]) -> Self {
        Filter::id_list(column, "notOneOf", ids)
    }

    fn id_list(column: &str, op: &'static str, ids: &[i64]) -> Self {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut f = Filter::column_op(column, op, format!("({list})"));
        if ids.is_empty() && f.invalid.is_none() {
            f.invalid = Some(InvalidInput::ODataEmptyIdList { operator: op });
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
            Some(reason) => Err(reason.clone().into()),
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

impl<T> ODataPage<T> {
    /// True when the server linked a next page (`odata.nextLink`). Without a link, more rows
    /// may still follow at the next `$skip`; [`ODataList::stream`] handles both.
    pub fn has_next(&self) -> bool {
        self.next_link
            .as_deref()
            .is_some_and(|link| !link.trim().is_empty())
    }
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
    max_pages: u32,
    max_rows: u64,
    invalid: Option<InvalidInput>,
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
            max_pages: DEFAULT_MAX_PAGES,
            max_rows: DEFAULT_MAX_ROWS,
            invalid: None,
            _row: PhantomData,
        }
    }

    /// A list whose request is refused with [`Error::InvalidInput`] when built (e.g. a
    /// sub-list of an invalid id).
    pub(crate) fn invalid(mut self, reason: InvalidInput) -> Self {
        self.invalid = Some(reason);
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

    /// Most pages [`stream`](Self::stream) fetches ([`DEFAULT_MAX_PAGES`]); one more is an
    /// [`Error::Protocol`], never a silent truncation.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Most rows [`stream`](Self::stream) yields ([`DEFAULT_MAX_ROWS`]); more is an
    /// [`Error::Protocol`].
    pub fn max_rows(mut self, rows: u64) -> Self {
        self.max_rows = rows.max(1);
        self
    }

    /// The request for one page at `skip`, checked locally.
    pub fn to_request(&self) -> Result<ApiRequest> {
        self.request_at(self.skip, self.top)
    }

    fn request_at(&self, skip: Option<u32>, top: Option<u32>) -> Result<ApiRequest> {
        if let Some(reason) = &self.invalid {
            return Err(reason.clone().into());
        }
        let mut req = ApiRequest::get(self.template, &self.segments);
        if !self.select.is_empty() {
            if let Some(bad) = self.select.iter().find(|c| !valid_column(c)) {
                return Err(InvalidInput::ODataColumn {
                    clause: "$select",
                    column: bad.clone(),
                }
                .into());
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
                    return Err(InvalidInput::ODataColumn {
                        clause: "$orderBy",
                        column: column.to_owned(),
                    }
                    .into());
                }
            }
            req = req.query("$orderBy", self.order_by.join(","));
        }
        if let Some(top) = top {
            if top == 0 {
                return Err(InvalidInput::ODataTop.into());
            }
            req = req.query("$top", top.to_string());
        }
        if let Some(skip) = skip.filter(|s| *s > 0) {
            req = req.query("$skip", skip.to_string());
        }
        // Real booleans instead of icon hints (documented `$output` values: Logical, Display).
        Ok(req.query("$output", "Logical"))
    }

    /// Fetch one page.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
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

    /// Every row, page by page: follows `odata.nextLink` (resolved against the URL of the
    /// page that carried it) when the server sends one, otherwise advances `$skip` by the page
    /// size. Stops on an empty or short page, or when the server repeats a link. A page whose
    /// rows repeat an earlier page, or more than [`max_pages`](Self::max_pages) pages /
    /// [`max_rows`](Self::max_rows) rows, end the stream with [`Error::Protocol`]. Pages have
    /// `$top` rows ([`DEFAULT_PAGE_SIZE`] when unset).
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// let rows: Vec<_> = client.sales().list().select(["saleId"]).stream().try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(self) -> ItemStream<T> {
        let page_size = self.top.unwrap_or(DEFAULT_PAGE_SIZE);
        let first = self.request_at(self.skip, Some(page_size));
        let skip = self.skip.unwrap_or(0);
        let state = StreamState {
            list: self,
            next: Some(first),
            skip,
            page_size,
            pages: 0,
            rows: 0,
            seen_links: HashSet::new(),
            seen_pages: HashSet::new(),
            buffer: VecDeque::new(),
        };
        ItemStream::new(stream::unfold(state, |mut state| async move {
            loop {
                if let Some(row) = state.buffer.pop_front() {
                    return Some((Ok(row), state));
                }
                let request = match state.next.take()? {
                    Ok(request) => request,
                    Err(e) => return Some((Err(e), state)),
                };
                if state.pages >= state.list.max_pages {
                    let e = Error::Protocol(format!(
                        "OData stream stopped: more than {} pages",
                        state.list.max_pages
                    ));
                    return Some((Err(e), state));
                }
                state.pages += 1;
                let page: ODataPage<Value> = match state.list.client.execute(request.clone()).await
                {
                    Ok(page) => page,
                    Err(e) => return Some((Err(e), state)),
                };
                if let Err(e) = state.advance(&request, page) {
                    state.next = None;
                    return Some((Err(e), state));
                }
            }
        }))
    }
}

struct StreamState<T> {
    list: ODataList<T>,
    next: Option<Result<ApiRequest>>,
    skip: u32,
    page_size: u32,
    pages: u32,
    rows: u64,
    seen_links: HashSet<String>,
    /// SHA-256 of each page's rows: a server that ignores `$skip` repeats a page.
    seen_pages: HashSet<[u8; 32]>,
    buffer: VecDeque<T>,
}

impl<T: DeserializeOwned + Send + 'static> StreamState<T> {
    fn advance(&mut self, request: &ApiRequest, page: ODataPage<Value>) -> Result<()> {
        let count = u32::try_from(page.value.len()).unwrap_or(u32::MAX);
        if count == 0 {
            return Ok(());
        }
        let digest: [u8; 32] = {
            use sha2::Digest;
            let bytes = serde_json::to_vec(&page.value).unwrap_or_default();
            sha2::Sha256::digest(&bytes).into()
        };
        if !self.seen_pages.insert(digest) {
            return Err(Error::Protocol(
                "OData stream stopped: the server repeated a page".to_owned(),
            ));
        }
        self.rows = self.rows.saturating_add(u64::from(count));
        if self.rows > self.list.max_rows {
            return Err(Error::Protocol(format!(
                "OData stream stopped: more than {} rows",
                self.list.max_rows
            )));
        }
        for (index, row) in page.value.into_iter().enumerate() {
            // Fast path: no path tracking and no snippet unless the row does not decode.
            let row: T = match T::deserialize(&row) {
                Ok(decoded) => decoded,
                Err(fast) => {
                    let snippet =
                        crate::error::snippet(&serde_json::to_vec(&row).unwrap_or_default());
                    let (path, message) = match serde_path_to_error::deserialize::<_, T>(&row) {
                        Err(e) => (e.path().to_string(), e.inner().to_string()),
                        Ok(_) => (String::from("."), fast.to_string()),
                    };
                    return Err(Error::Decode {
                        endpoint: self.list.template.to_owned(),
                        path: format!("value[{index}].{path}"),
                        message: crate::redact::redact(&message, 300),
                        snippet,
                    });
                }
            };
            self.buffer.push_back(row);
        }
        // Track the position on every page, including pages reached through a link, so a
        // fallback to `$skip` paging continues after the rows already returned.
        self.skip = self.skip.saturating_add(count);
        match page.next_link.filter(|l| !l.trim().is_empty()) {
            Some(link) => {
                if self.seen_links.insert(link.clone()) {
                    self.next = Some(self.list.client.request_from_link(
                        self.list.template,
                        &link,
                        request,
                    ));
                }
            }
            None if count < self.page_size => {}
            None => {
                self.next = Some(self.list.request_at(Some(self.skip), Some(self.page_size)));
            }
        }
        Ok(())
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
    fn has_next_needs_a_non_empty_next_link() {
        let page = |link: Option<&str>| ODataPage::<Value> {
            next_link: link.map(str::to_owned),
            metadata: None,
            value: Vec::new(),
        };
        assert!(page(Some("v1/Sale?$skip=200")).has_next());
        assert!(!page(None).has_next());
        assert!(!page(Some(" ")).has_next());
    }

    #[test]
    fn quotes_with_backslash_escapes() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote("''"), r"'\'\''");
        assert_eq!(quote(r"a\"), r"'a\\'");
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
        assert!(Filter::not_one_of("category", &[]).to_expression().is_err());
        let column = |f: Filter| f.to_expression().unwrap_err().invalid_input().cloned();
        assert_eq!(
            column(Filter::is("name", "x").and(Filter::eq("bad col", 1))),
            Some(InvalidInput::ODataColumn {
                clause: "$filter",
                column: "bad col".into()
            })
        );
        assert_eq!(
            column(Filter::not_one_of("category", &[])),
            Some(InvalidInput::ODataEmptyIdList {
                operator: "notOneOf"
            })
        );
    }

    #[test]
    fn list_operators_use_the_documented_forms() {
        // en/api/search/odata/lists.md: `category oneOf (3,6)`, `category equals 4`.
        assert_eq!(
            Filter::one_of("category", &[3, 6]).to_string(),
            "category oneOf (3,6)"
        );
        assert_eq!(
            Filter::not_one_of("category", &[3, 6]).to_string(),
            "category notOneOf (3,6)"
        );
        assert_eq!(
            Filter::equals("category", 4).to_string(),
            "category equals 4"
        );
        // en/api/search/odata/boolean.md: `hasInterests set true`.
        assert_eq!(
            Filter::set("hasInterests", true).to_string(),
            "hasInterests set true"
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
