//! JSON Patch (RFC 6902: add/replace/remove/test) and JSON Merge Patch (RFC 7396) the way
//! SuperOffice applies them: property names case-insensitive, leading `/` optional.

use serde_json::{Map, Value};

/// Why a patch could not be applied.
#[derive(Debug, PartialEq)]
pub(crate) enum PatchError {
    /// A `test` operation did not match (HTTP 409).
    TestFailed(String),
    /// Anything else (HTTP 400).
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> PatchError {
    PatchError::Invalid(msg.into())
}

fn split_path(path: &str) -> Vec<String> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The existing key matching `name` case-insensitively.
fn find_key(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Walks to the parent of the last segment, creating objects for null parents when `create`.
fn parent<'a>(
    root: &'a mut Value,
    segments: &[String],
    create: bool,
) -> Result<&'a mut Value, PatchError> {
    let mut current = root;
    for seg in segments {
        if current.is_null() && create {
            *current = Value::Object(Map::new());
        }
        current = match current {
            Value::Object(map) => {
                let key = find_key(map, seg)
                    .ok_or_else(|| invalid(format!("property `{seg}` does not exist")))?;
                map.get_mut(&key)
                    .ok_or_else(|| invalid(format!("property `{seg}` does not exist")))?
            }
            Value::Array(items) => {
                let index: usize = seg
                    .parse()
                    .map_err(|_| invalid(format!("`{seg}` is not an array index")))?;
                items
                    .get_mut(index)
                    .ok_or_else(|| invalid(format!("index {index} is out of range")))?
            }
            _ => return Err(invalid(format!("cannot descend into `{seg}`"))),
        };
    }
    if current.is_null() && create {
        *current = Value::Object(Map::new());
    }
    Ok(current)
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    find_key(y, k)
                        .is_some_and(|k2| y.get(&k2).is_some_and(|v2| values_equal(v, v2)))
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        _ => a == b,
    }
}

/// Applies a JSON Patch document (an array of operations) to `target`.
pub(crate) fn apply_json_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let ops = patch
        .as_array()
        .ok_or_else(|| invalid("a JSON Patch document must be an array"))?;
    // All-or-nothing: work on a copy.
    let mut work = target.clone();
    for (i, op) in ops.iter().enumerate() {
        let obj = op
            .as_object()
            .ok_or_else(|| invalid(format!("operation {i} is not an object")))?;
        let get = |name: &str| find_key(obj, name).and_then(|k| obj.get(&k));
        let kind = get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("operation {i} has no `op`")))?
            .to_ascii_lowercase();
        let path = get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("operation {i} has no `path`")))?;
        let segments = split_path(path);
        let Some((last, parents)) = segments.split_last() else {
            return Err(invalid("the whole document cannot be replaced"));
        };
        match kind.as_str() {
            "add" | "replace" => {
                let value = get("value")
                    .cloned()
                    .ok_or_else(|| invalid(format!("operation {i} has no `value`")))?;
                let p = parent(&mut work, parents, true)?;
                match p {
                    Value::Object(map) => match find_key(map, last) {
                        Some(key) => {
                            map.insert(key, value);
                        }
                        None if kind == "add" => {
                            map.insert(last.clone(), value);
                        }
                        None => return Err(invalid(format!("property `{last}` does not exist"))),
                    },
                    Value::Array(items) => {
                        if last == "-" {
                            items.push(value);
                        } else {
                            let index: usize = last
                                .parse()
                                .map_err(|_| invalid(format!("`{last}` is not an array index")))?;
                            if kind == "add" && index <= items.len() {
                                items.insert(index, value);
                            } else if index < items.len() {
                                items[index] = value;
                            } else {
                                return Err(invalid(format!("index {index} is out of range")));
                            }
                        }
                    }
                    _ => return Err(invalid(format!("cannot set `{last}` on a scalar"))),
                }
            }
            "remove" => {
                let p = parent(&mut work, parents, false)?;
                match p {
                    Value::Object(map) => {
                        let key = find_key(map, last)
                            .ok_or_else(|| invalid(format!("property `{last}` does not exist")))?;
                        // Entity properties cannot vanish: they are reset to null.
                        map.insert(key, Value::Null);
                    }
                    Value::Array(items) => {
                        let index: usize = last
                            .parse()
                            .map_err(|_| invalid(format!("`{last}` is not an array index")))?;
                        if index >= items.len() {
                            return Err(invalid(format!("index {index} is out of range")));
                        }
                        items.remove(index);
                    }
                    _ => return Err(invalid(format!("cannot remove `{last}` from a scalar"))),
                }
            }
            "test" => {
                let expected =
                    get("value").ok_or_else(|| invalid(format!("operation {i} has no `value`")))?;
                let p = parent(&mut work, parents, false)?;
                let actual = match p {
                    Value::Object(map) => find_key(map, last).and_then(|k| map.get(&k).cloned()),
                    Value::Array(items) => last
                        .parse::<usize>()
                        .ok()
                        .and_then(|ix| items.get(ix).cloned()),
                    _ => None,
                };
                match actual {
                    Some(actual) if values_equal(&actual, expected) => {}
                    Some(actual) => {
                        return Err(PatchError::TestFailed(format!(
                            "Test failed for path `{path}`: expected {expected}, found {actual}"
                        )))
                    }
                    None => {
                        return Err(PatchError::TestFailed(format!(
                            "Test failed for path `{path}`: no such property"
                        )))
                    }
                }
            }
            "move" | "copy" => {
                return Err(invalid(format!("the `{kind}` operation is not supported")))
            }
            other => return Err(invalid(format!("unknown operation `{other}`"))),
        }
    }
    *target = work;
    Ok(())
}

/// Applies a JSON Merge Patch (an object) to `target`. `null` resets a property to null (the
/// entity keeps its shape); an object given where the target holds an array is appended.
pub(crate) fn apply_merge_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Object(patch_map) = patch else {
        return Err(invalid("a merge patch must be a JSON object"));
    };
    if target.is_null() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        return Err(invalid("cannot merge into a scalar"));
    };
    for (name, value) in patch_map {
        let key = find_key(map, name).unwrap_or_else(|| name.clone());
        let slot = map.entry(key).or_insert(Value::Null);
        match (slot, value) {
            (slot @ Value::Object(_), Value::Object(_)) => apply_merge_patch(slot, value)?,
            (Value::Array(items), Value::Object(_)) => items.push(value.clone()),
            (slot, value) => *slot = value.clone(),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn case_insensitive_paths_and_test() {
        let mut v = json!({"Status": "Open", "Rating": {"Id": 1, "Value": "Lead"}});
        apply_json_patch(
            &mut v,
            &json!([
                {"op": "test", "path": "status", "value": "Open"},
                {"op": "replace", "path": "/Status", "value": "Sold"},
                {"op": "replace", "path": "rating/id", "value": 3}
            ]),
        )
        .unwrap();
        assert_eq!(v["Status"], "Sold");
        assert_eq!(v["Rating"]["Id"], 3);
        let err = apply_json_patch(
            &mut v,
            &json!([{"op": "test", "path": "Status", "value": "Open"}]),
        )
        .unwrap_err();
        assert!(matches!(err, PatchError::TestFailed(_)));
        let err = apply_json_patch(&mut v, &json!([{"op": "move", "from": "a", "path": "b"}]))
            .unwrap_err();
        assert!(matches!(err, PatchError::Invalid(_)));
    }

    #[test]
    fn failed_patch_leaves_target_untouched() {
        let mut v = json!({"Status": "Open", "Heading": "x"});
        let err = apply_json_patch(
            &mut v,
            &json!([
                {"op": "replace", "path": "Heading", "value": "y"},
                {"op": "test", "path": "Status", "value": "Lost"}
            ]),
        );
        assert!(err.is_err());
        assert_eq!(v["Heading"], "x");
    }

    #[test]
    fn merge_patch() {
        let mut v = json!({"Status": "Open", "Rating": {"Id": 1, "Value": "Lead"}, "Links": []});
        apply_merge_patch(
            &mut v,
            &json!({"status": "Lost", "Rating": {"id": 2}, "Links": {"a": 1}}),
        )
        .unwrap();
        assert_eq!(v["Status"], "Lost");
        assert_eq!(v["Rating"]["Id"], 2);
        assert_eq!(v["Rating"]["Value"], "Lead");
        assert_eq!(v["Links"], json!([{"a": 1}]));
    }
}
