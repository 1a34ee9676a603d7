//! A small OData archive engine: `$select`, `$filter`, `$orderBy`, `$top`, `$skip`, `$output`
//! over flat rows, answering `{"odata.metadata", "odata.nextLink", "value": [...]}`.
//!
//! Filter syntax as documented (en/api/search/odata/*.md and the Archive agent Swagger):
//! string literals in single quotes with `\'` (and `\\`) escapes, list operators with a
//! parenthesised id list (`category oneOf (3,6)`), `column set true` for booleans. Columns are
//! the archive provider's documented ones; any other column is refused with HTTP 400.
//! Without `$output=Logical` the SLIM rows carry display values: numbers as strings and
//! booleans as icon hints.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::server::Req;

/// One archive row: column name (archive casing) → value, plus the primary key.
///
/// Public so that tests can evaluate a parsed [`FilterExpr`] against a row.
#[derive(Debug, Clone)]
pub struct Row {
    pub(crate) primary_key: i64,
    pub(crate) columns: Vec<(&'static str, Value)>,
    /// List ids behind list columns whose value is a display text (`saleStatus` → 1), used by
    /// `equals`/`oneOf`/`notOneOf`; not selectable.
    pub(crate) list_ids: Vec<(&'static str, Value)>,
}

impl Row {
    /// A row with `primary_key` and `columns` (column name → value; names match
    /// case-insensitively).
    pub fn new(primary_key: i64, columns: Vec<(&'static str, Value)>) -> Self {
        Row {
            primary_key,
            columns,
            list_ids: Vec::new(),
        }
    }

    /// Adds the list id behind a list column.
    pub(crate) fn with_list_id(mut self, column: &'static str, id: Value) -> Self {
        self.list_ids.push((column, id));
        self
    }

    fn get(&self, column: &str) -> Option<&Value> {
        self.columns
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(column))
            .map(|(_, v)| v)
    }

    fn list_id(&self, column: &str) -> Option<&Value> {
        self.list_ids
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(column))
            .map(|(_, v)| v)
    }
}

/// A display value in SLIM `Display` mode: numbers as text, booleans as an icon hint
/// (assumed shape: `[ICON:checked]` / empty), dates and strings unchanged.
fn display_value(value: &Value) -> Value {
    match value {
        Value::Bool(true) => Value::String("[ICON:checked]".into()),
        Value::Bool(false) => Value::String(String::new()),
        Value::Number(n) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

/// One archive: its entity name, documented columns and default `$select`.
pub(crate) struct Archive<'a> {
    /// `EntityName` of the rows.
    pub(crate) entity_name: &'a str,
    /// The provider's name, for error messages (`FindSale`).
    pub(crate) provider: &'a str,
    /// Every selectable/filterable column.
    pub(crate) columns: &'a [&'a str],
    /// Columns returned without `$select`.
    pub(crate) default_select: &'a [&'a str],
}

/// Runs the query in `req` over `rows` and renders the OData response.
pub(crate) fn query(
    req: &Req,
    archive: &Archive<'_>,
    rows: Vec<Row>,
    self_url: &str,
) -> Result<Value, String> {
    let entity_name = archive.entity_name;
    let default_select = archive.default_select;
    let check_column = |c: &str| -> Result<(), String> {
        if archive.columns.iter().any(|k| k.eq_ignore_ascii_case(c)) {
            Ok(())
        } else {
            Err(format!(
                "Unknown column `{c}` in the {} archive provider",
                archive.provider
            ))
        }
    };
    let logical = match req.query("$output") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("logical") => true,
        Some(v) if v.eq_ignore_ascii_case("display") => false,
        Some(v) => return Err(format!("Invalid $output `{v}`: use Logical or Display")),
    };
    let select: Vec<String> = match req.query("$select") {
        Some(s) if !s.trim().is_empty() => s
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        _ => default_select.iter().map(|s| (*s).to_owned()).collect(),
    };
    for c in &select {
        check_column(c)?;
    }
    let filter = match req.query("$filter") {
        Some(f) if !f.trim().is_empty() => Some(parse(f)?),
        _ => None,
    };
    if let Some(f) = &filter {
        f.columns(&mut |c| check_column(c))?;
    }
    let mut matching: Vec<Row> = rows
        .into_iter()
        .filter(|r| filter.as_ref().is_none_or(|f| f.eval(r)))
        .collect();
    if let Some(order) = req.query("$orderBy") {
        let mut keys = Vec::new();
        for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mut words = part.split_whitespace();
            let column = words.next().unwrap_or("").to_owned();
            check_column(&column)?;
            let desc = words.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
            keys.push((column, desc));
        }
        matching.sort_by(|a, b| {
            for (column, desc) in &keys {
                let ord = compare(a.get(column), b.get(column));
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
    }
    let parse_num = |name: &str| -> Result<Option<usize>, String> {
        match req.query(name) {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("{name} must be a non-negative integer")),
            None => Ok(None),
        }
    };
    let skip = parse_num("$skip")?.unwrap_or(0);
    let top = parse_num("$top")?;
    let total = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(top.unwrap_or(usize::MAX))
        .map(|r| {
            let mut obj = Map::new();
            let render = |v: Value| if logical { v } else { display_value(&v) };
            obj.insert("PrimaryKey".into(), render(json!(r.primary_key)));
            obj.insert("EntityName".into(), json!(entity_name));
            for c in &select {
                obj.insert(c.clone(), render(r.get(c).cloned().unwrap_or(Value::Null)));
            }
            Value::Object(obj)
        })
        .collect();
    let next_link = match top {
        // `$top=0` returns no rows; a next link would repeat the same page forever.
        Some(top) if top > 0 && skip.saturating_add(top) < total => {
            let mut pairs: Vec<(String, String)> = req
                .query
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("$skip"))
                .cloned()
                .collect();
            pairs.push(("$skip".into(), skip.saturating_add(top).to_string()));
            Value::String(format!(
                "{self_url}?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            ))
        }
        _ => Value::Null,
    };
    Ok(json!({
        "odata.metadata": "https://www.superoffice.com/superoffice/api/$metadata",
        "odata.nextLink": next_link,
        "value": page,
    }))
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let a = a.unwrap_or(&Value::Null);
    let b = b.unwrap_or(&Value::Null);
    match (as_num(a), as_num(b)) {
        (Some(x), Some(y)) if !a.is_string() || !b.is_string() => {
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        _ => as_text(a).to_lowercase().cmp(&as_text(b).to_lowercase()),
    }
}

/// The value on the right of a `$filter` comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A single-quoted string, escapes resolved (`'O\'Brien'` → `O'Brien`).
    Str(String),
    /// A bare number.
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
    /// The parenthesised list of `oneOf (1,2,3)` / `notOneOf (…)`, items as written
    /// (quoted items unquoted).
    List(Vec<String>),
}

/// A parsed `$filter` expression (see [`parse_filter`]).
#[derive(Debug, Clone, PartialEq)]
pub enum FilterExpr {
    /// `left and right`.
    And(Box<FilterExpr>, Box<FilterExpr>),
    /// `left or right`.
    Or(Box<FilterExpr>, Box<FilterExpr>),
    /// `not expr`.
    Not(Box<FilterExpr>),
    /// `column op value`.
    Cmp {
        /// The column name as written.
        column: String,
        /// The operator, lower-cased (`eq`, `is`, `begins`, `oneof`, `set`, …).
        op: String,
        /// The value compared with.
        value: Literal,
    },
}

/// Why [`parse_filter`] refused a `$filter` (the sandbox answers such a filter with HTTP 400
/// and this message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

impl FilterExpr {
    fn columns(&self, f: &mut dyn FnMut(&str) -> Result<(), String>) -> Result<(), String> {
        match self {
            FilterExpr::And(a, b) | FilterExpr::Or(a, b) => {
                a.columns(f)?;
                b.columns(f)
            }
            FilterExpr::Not(a) => a.columns(f),
            FilterExpr::Cmp { column, .. } => f(column),
        }
    }

    /// Whether `row` matches (string comparisons are case-insensitive; list operators
    /// compare a list column's id).
    pub fn eval(&self, row: &Row) -> bool {
        match self {
            FilterExpr::And(a, b) => a.eval(row) && b.eval(row),
            FilterExpr::Or(a, b) => a.eval(row) || b.eval(row),
            FilterExpr::Not(a) => !a.eval(row),
            FilterExpr::Cmp { column, op, value } => {
                // List operators compare ids: a list column showing a name has its id in
                // `list_ids` (`stage` shows the name, the filter compares the stage id).
                let list_op = matches!(op.as_str(), "equals" | "oneof" | "notoneof");
                let actual = list_op
                    .then(|| row.list_id(column))
                    .flatten()
                    .or_else(|| row.get(column))
                    .cloned()
                    .unwrap_or(Value::Null);
                cmp(&actual, op, value)
            }
        }
    }
}

fn cmp(actual: &Value, op: &str, value: &Literal) -> bool {
    let text = as_text(actual).to_lowercase();
    let lit_text = match value {
        Literal::Str(s) => s.to_lowercase(),
        Literal::Num(n) => n.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::List(items) => items.join(","),
    };
    let ordering = || match value {
        Literal::Num(n) => as_num(actual).and_then(|a| a.partial_cmp(n)),
        Literal::Bool(b) => actual.as_bool().map(|a| a.cmp(b)),
        Literal::Str(_) => Some(text.cmp(&lit_text)),
        Literal::List(_) => None,
    };
    let in_list = || match value {
        Literal::List(items) => {
            items
                .iter()
                .any(|item| match (item.parse::<f64>().ok(), as_num(actual)) {
                    (Some(x), Some(y)) => x == y,
                    _ => item.to_lowercase() == text,
                })
        }
        _ => false,
    };
    match op {
        "oneof" => in_list(),
        "notoneof" => !in_list(),
        "eq" | "equals" | "is" => match value {
            Literal::Str(_) => text == lit_text,
            _ => ordering() == Some(Ordering::Equal),
        },
        "ne" | "unequals" | "isnot" => match value {
            Literal::Str(_) => text != lit_text,
            _ => ordering() != Some(Ordering::Equal),
        },
        "set" => match value {
            Literal::Bool(b) => as_num(actual).is_some_and(|a| (a != 0.0) == *b),
            _ => false,
        },
        "lt" | "less" => ordering() == Some(Ordering::Less),
        "gt" | "greater" => ordering() == Some(Ordering::Greater),
        "le" => matches!(ordering(), Some(Ordering::Less | Ordering::Equal)),
        "ge" => matches!(ordering(), Some(Ordering::Greater | Ordering::Equal)),
        "begins" => text.starts_with(&lit_text),
        "notbegins" => !text.starts_with(&lit_text),
        "contains" => text.contains(&lit_text),
        "notcontains" => !text.contains(&lit_text),
        _ => false,
    }
}

const OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "is",
    "isnot",
    "begins",
    "notbegins",
    "contains",
    "notcontains",
    "equals",
    "unequals",
    "greater",
    "less",
    "oneof",
    "notoneof",
    "set",
];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            tokens.push(Token::Open);
            i += 1;
        } else if c == ')' {
            tokens.push(Token::Close);
            i += 1;
        } else if c == ',' {
            tokens.push(Token::Comma);
            i += 1;
        } else if c == '\'' {
            // Backslash escapes a quote (documented: `'Bob\'s'`) and itself.
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    Some('\\') => match chars.get(i + 1) {
                        Some(escaped @ ('\'' | '\\')) => {
                            s.push(*escaped);
                            i += 2;
                        }
                        _ => {
                            return Err("a backslash in a $filter string must escape ' or \\".into())
                        }
                    },
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                    None => return Err("unterminated string literal in $filter".into()),
                }
            }
            tokens.push(Token::Str(s));
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '\'' | ',')
            {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        }
    }
    Ok(tokens)
}

/// Deepest nesting of `(` and `not` accepted in `$filter` (the parser recurses per level).
const MAX_FILTER_DEPTH: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<FilterExpr, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            let right = self.and()?;
            left = FilterExpr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<FilterExpr, String> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = FilterExpr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<FilterExpr, String> {
        if self.depth >= MAX_FILTER_DEPTH {
            return Err(format!(
                "$filter is nested deeper than {MAX_FILTER_DEPTH} levels"
            ));
        }
        self.depth += 1;
        let result = self.term();
        self.depth -= 1;
        result
    }

    fn term(&mut self) -> Result<FilterExpr, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(FilterExpr::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            if self.tokens.get(self.pos) != Some(&Token::Close) {
                return Err("missing `)` in $filter".into());
            }
            self.pos += 1;
            return Ok(inner);
        }
        let column = match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => w.clone(),
            other => {
                return Err(format!(
                    "expected a column name in $filter, found {other:?}"
                ))
            }
        };
        let op = match self.tokens.get(self.pos + 1) {
            Some(Token::Word(w)) if OPERATORS.contains(&w.to_ascii_lowercase().as_str()) => {
                w.to_ascii_lowercase()
            }
            other => return Err(format!("unsupported operator in $filter: {other:?}")),
        };
        if op == "oneof" || op == "notoneof" {
            self.pos += 2;
            let items = self.list()?;
            return Ok(FilterExpr::Cmp {
                column,
                op,
                value: Literal::List(items),
            });
        }
        let value = match self.tokens.get(self.pos + 2) {
            Some(Token::Str(s)) => Literal::Str(s.clone()),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Token::Word(w)) => Literal::Num(
                w.parse()
                    .map_err(|_| format!("`{w}` is not a number or quoted string in $filter"))?,
            ),
            other => return Err(format!("expected a value in $filter, found {other:?}")),
        };
        if op == "set" && !matches!(value, Literal::Bool(_)) {
            return Err("`set` takes true or false".into());
        }
        self.pos += 3;
        Ok(FilterExpr::Cmp { column, op, value })
    }

    /// `(item, item, …)`: the documented list form (`category oneOf (3,6)`).
    fn list(&mut self) -> Result<Vec<String>, String> {
        if self.tokens.get(self.pos) != Some(&Token::Open) {
            return Err("oneOf/notOneOf take a parenthesised list: `category oneOf (3,6)`".into());
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            match self.tokens.get(self.pos) {
                Some(Token::Word(w)) => items.push(w.clone()),
                Some(Token::Str(s)) => items.push(s.clone()),
                other => return Err(format!("expected a list item in $filter, found {other:?}")),
            }
            self.pos += 1;
            match self.tokens.get(self.pos) {
                Some(Token::Comma) => self.pos += 1,
                Some(Token::Close) => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err("missing `)` after the list in $filter".into()),
            }
        }
    }
}

/// Parses a `$filter` value with the documented syntax (en/api/search/odata/*.md): string
/// literals in single quotes with `\'` and `\\` escapes, `oneOf`/`notOneOf` with a
/// parenthesised list, `set true|false`, `and`/`or`/`not` and parentheses.
pub fn parse_filter(input: &str) -> Result<FilterExpr, ParseError> {
    parse(input).map_err(|message| ParseError { message })
}

fn parse(input: &str) -> Result<FilterExpr, String> {
    let mut parser = Parser {
        tokens: tokenize(input)?,
        pos: 0,
        depth: 0,
    };
    let filter = parser.or()?;
    if parser.pos != parser.tokens.len() {
        return Err("unexpected trailing input in $filter".into());
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, n: i64) -> Row {
        Row::new(n, vec![("name", json!(name)), ("amount", json!(n))])
    }

    #[test]
    fn filters() {
        let f =
            parse_filter(r"name is 'O\'Brien' or (amount gt 5 and not name begins 'x')").unwrap();
        assert!(f.eval(&row("o'brien", 1)));
        assert!(f.eval(&row("abc", 6)));
        assert!(!f.eval(&row("xyz", 6)));
        assert!(parse_filter("name eq 'unterminated").is_err());
        assert!(parse_filter("name frobs 1").is_err());
        let f = parse_filter(r"name is 'a\\'").unwrap();
        assert!(f.eval(&row(r"a\", 1)));
        // A bare backslash before another character is refused.
        assert!(parse_filter(r"name is 'a\b'").is_err());
        // Doubled quotes are not the documented escape: `'O''Brien'` is two literals.
        assert!(parse_filter("name is 'O''Brien'").is_err());
    }

    #[test]
    fn list_operators_take_the_documented_parenthesised_list() {
        // en/api/search/odata/lists.md: `category oneOf (3,6)`.
        let f = parse_filter("amount oneOf (1,6,9)").unwrap();
        assert!(f.eval(&row("a", 6)));
        assert!(!f.eval(&row("a", 5)));
        let f = parse_filter("amount oneOf (1, 6)").unwrap();
        assert!(f.eval(&row("a", 6)));
        let f = parse_filter("amount notOneOf (1,6)").unwrap();
        assert!(f.eval(&row("a", 5)));
        // The undocumented bare list is refused.
        assert!(parse_filter("amount oneOf 1,6,9").is_err());
        assert!(parse_filter("amount oneOf (1,6").is_err());
        assert!(parse_filter("amount oneOf ()").is_err());
    }

    #[test]
    fn set_matches_booleans() {
        let active = Row::new(1, vec![("isActive", json!(true))]);
        assert!(parse_filter("isActive set true").unwrap().eval(&active));
        assert!(!parse_filter("isActive set false").unwrap().eval(&active));
        assert!(parse_filter("isActive set 1").is_err());
    }
}
