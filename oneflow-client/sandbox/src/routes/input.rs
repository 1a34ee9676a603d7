//! Request parsing helpers that turn bad input into Oneflow problem bodies.

use serde_json::{Map, Value};

use crate::errors::Problem;

/// Parse a JSON body; an empty body counts as `{}`.
pub(crate) fn json_body(bytes: &[u8]) -> Result<Value, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        Problem::bad_request(format!(
            "The request body is not valid JSON (line {}, column {}).",
            err.line(),
            err.column()
        ))
    })
}

pub(crate) fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Problem> {
    value.as_object().ok_or_else(|| {
        if path.is_empty() {
            Problem::bad_request("The request body must be a JSON object.")
        } else {
            Problem::bad_param(path, "must be an object")
        }
    })
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A string field; `null` and absent are `None`.
pub(crate) fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, Problem> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Problem::bad_param(&join(path, key), "must be a string")),
    }
}

pub(crate) fn opt_i64(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<i64>, Problem> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| Problem::bad_param(&join(path, key), "must be an integer")),
    }
}

pub(crate) fn req_i64(obj: &Map<String, Value>, key: &str, path: &str) -> Result<i64, Problem> {
    opt_i64(obj, key, path)?.ok_or_else(|| Problem::bad_param(&join(path, key), "is required"))
}

pub(crate) fn opt_bool(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<bool>, Problem> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Problem::bad_param(&join(path, key), "must be a boolean")),
    }
}

pub(crate) fn opt_array<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Vec<Value>>, Problem> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(Problem::bad_param(&join(path, key), "must be an array")),
    }
}

pub(crate) fn opt_object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, Problem> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(Problem::bad_param(&join(path, key), "must be an object")),
    }
}

/// Check a string's length in characters.
pub(crate) fn check_len(value: &str, min: usize, max: usize, path: &str) -> Result<(), Problem> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(Problem::bad_param(
            path,
            format!("must be between {min} and {max} characters long"),
        ));
    }
    Ok(())
}

/// Parse a path id; anything but an integer is "not found".
pub(crate) fn path_id(raw: &str, what: &str) -> Result<i64, Problem> {
    raw.parse()
        .map_err(|_| Problem::not_found(format!("{what} `{raw}` was not found.")))
}
