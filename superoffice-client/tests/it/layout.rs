//! Architecture guard: the crate's top-level modules form no cycle.
//!
//! Walks `src/` (std only, no extra tool in CI), strips comments and `#[cfg(test)]` items, and
//! collects the edges `module → other module` from `crate::<module>` paths, `use crate::{…}`
//! groups and `crate::<Item>` paths to a root re-export (resolved through `lib.rs`). `super::`
//! inside a module's own folder stays inside that module. A cycle fails the test with its path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn top_level_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    for expected in [
        "auth",
        "client",
        "error",
        "tenant",
        "credentials",
        "customer_id",
    ] {
        assert!(
            graph.contains_key(expected),
            "module `{expected}` not found in {graph:?}"
        );
    }
    // The moves that broke the old cycle: these modules stay below `auth` and `tenant`.
    for leaf in ["clock", "customer_id", "redact"] {
        assert!(
            graph[leaf].is_empty() || graph[leaf].iter().all(|to| to == "redact"),
            "`{leaf}` must stay a leaf, it imports {:?}",
            graph[leaf]
        );
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("module cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_guard_reports_a_cycle_with_its_path() {
    let mut graph = Graph::new();
    let mut edge = |from: &str, to: &str| {
        graph.entry(from.into()).or_default().insert(to.into());
        graph.entry(to.into()).or_default();
    };
    edge("auth", "credentials");
    edge("credentials", "error");
    edge("error", "auth");
    edge("client", "auth");
    let cycle = find_cycle(&graph).expect("a cycle");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    for module in ["auth", "credentials", "error"] {
        assert!(cycle.iter().any(|m| m == module), "{cycle:?}");
    }
    let parsed = edges_in(
        "use crate::{auth::Session, Error};\n// use crate::client;\nfn f() { crate::tenant::x(); }\n#[cfg(test)]\nmod tests { use crate::api; }\n",
        &["auth", "tenant", "client", "api", "error"]
            .into_iter()
            .map(|m| (m.to_owned(), m.to_owned()))
            .chain([("Error".to_owned(), "error".to_owned())])
            .collect(),
    );
    assert_eq!(
        parsed,
        ["auth", "error", "tenant"]
            .into_iter()
            .map(String::from)
            .collect::<BTreeSet<_>>()
    );
}

/// `module → modules it uses`, for every top-level module declared in `lib.rs`.
fn module_graph(src: &Path) -> Graph {
    let lib = strip(&fs::read_to_string(src.join("lib.rs")).expect("lib.rs"));
    // Names reachable as `crate::<name>`: the modules, and root re-exports (`pub use m::X`).
    let mut names = BTreeMap::new();
    for line in lib.lines() {
        let line = line.trim();
        let decl = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "));
        if let Some(module) = decl.and_then(|rest| rest.strip_suffix(';')) {
            names.insert(module.to_owned(), module.to_owned());
        }
    }
    for statement in lib.split(';') {
        let statement = statement.trim();
        let Some(rest) = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
        else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let item = item.trim();
            let name = item.rsplit("::").next().unwrap_or(item);
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                names.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    let mut graph = Graph::new();
    for module in names.values() {
        graph.entry(module.clone()).or_default();
    }
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).expect("below src");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("path");
        if first == "lib.rs" {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_owned();
        let text = strip(&fs::read_to_string(&file).expect("source"));
        let edges = edges_in(&text, &names);
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(edges.into_iter().filter(|to| *to != module));
    }
    graph
}

/// The modules named by `crate::…` paths in `text` (already stripped).
fn edges_in(text: &str, names: &BTreeMap<String, String>) -> BTreeSet<String> {
    let text = strip(text);
    let mut found = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `superoffice_crate::…` or similar
        }
        let heads: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|item| item.trim().split("::").next().unwrap_or("").to_owned())
                .collect()
        } else {
            vec![rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()]
        };
        for head in heads {
            if let Some(module) = names.get(head.trim()) {
                found.insert(module.clone());
            }
        }
    }
    found
}

/// `text` without comments (line, block, doc) and without items behind `#[cfg(test)]`.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("//") {
            i += text[i..].find('\n').unwrap_or(text.len() - i);
        } else if text[i..].starts_with("/*") {
            i += text[i..].find("*/").map_or(text.len() - i, |end| end + 2);
        } else if text[i..].starts_with("#[cfg(test)]") {
            i += skip_item(&text[i + "#[cfg(test)]".len()..]) + "#[cfg(test)]".len();
        } else if text[i..].starts_with("'\"'") || text[i..].starts_with("'\\''") {
            // A char literal that would look like the start of a string.
            i += text[i + 1..].find('\'').map_or(1, |end| end + 2);
        } else if text[i..].starts_with("r#\"") {
            i += text[i..].find("\"#").map_or(text.len() - i, |end| end + 2);
        } else if bytes[i] == b'"' {
            // Skip string literals so `"crate::x"` in a message is no edge.
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            let c = text[i..].chars().next().expect("char");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Length of the item after an attribute: up to its `;` or its balanced `{ … }`.
fn skip_item(text: &str) -> usize {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            ';' if depth == 0 => return i + 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A cycle as `[a, b, …, a]`, or `None`.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}
