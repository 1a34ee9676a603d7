//! Architecture guard: the crate's top-level modules must not import each other in a cycle.
//!
//! Uses only `std`. It walks `src/`, collects `crate::<module>` edges from code that is
//! neither a comment nor a `#[cfg(test)]` block (`use crate::x`, `use crate::{x, y}`, inline
//! `crate::x::` and `$crate::x::` paths), and fails with the cycle path if the module graph
//! has one. `super::` inside a module's own folder stays inside that module and is ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`None` for `lib.rs`, the crate root).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).expect("file under src");
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(stem) => Some(stem.to_owned()),
        None => Some(first),
    }
}

/// The source without comments and without `#[cfg(test)]` items.
fn production_code(source: &str) -> String {
    // Drop line comments (doc comments hold intra-doc links, which are not imports).
    let without_comments: String = source
        .lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    // Drop each `#[cfg(test)]` item: from the attribute to the end of its brace block or `;`.
    let mut out = String::new();
    let mut rest = without_comments.as_str();
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let mut depth = 0usize;
        let mut end = after.len();
        for (j, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = j + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = j + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules named after each `crate::` in `code`.
fn referenced_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // e.g. `oneflow_crate::`
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first identifier of each top-level entry.
            let mut depth = 0usize;
            let mut at_entry_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_entry_start = true,
                    c if c.is_whitespace() => {}
                    _ if at_entry_start => {
                        at_entry_start = false;
                        let ident = ident_at(&group[j..]);
                        if !ident.is_empty() {
                            found.insert(ident.to_owned());
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let ident = ident_at(rest);
            if !ident.is_empty() {
                found.insert(ident.to_owned());
            }
        }
    }
    found
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
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

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = top_module(&src, &file) else {
            continue;
        };
        let source = fs::read_to_string(&file).expect("readable source file");
        let edges = graph.entry(module.clone()).or_default();
        for target in referenced_modules(&production_code(&source)) {
            if target != module {
                edges.insert(target);
            }
        }
    }
    // Only edges between the crate's own top-level modules count (not `crate::Result`).
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|t| modules.contains(t));
    }
    graph
}

#[test]
fn top_level_modules_have_no_cycles() {
    let graph = module_graph();
    assert!(graph.contains_key("client") && graph.contains_key("request"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "module cycle: {}\nmove the shared item into a leaf module (see `redact`)",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn redact_is_a_leaf() {
    let graph = module_graph();
    assert_eq!(graph.get("redact"), Some(&BTreeSet::new()));
}

/// The guard itself must see the import forms it is meant to catch.
#[test]
fn the_guard_finds_edges_and_cycles() {
    let code = production_code(
        "use crate::{error::Error, models::{A, B}};\n\
         // use crate::commented::X;\n\
         fn f() { crate::retry::parse(); $crate::stream::S; }\n\
         #[cfg(test)]\nmod tests { use crate::only_in_tests::Y; }\n",
    );
    let found: Vec<_> = referenced_modules(&code).into_iter().collect();
    assert_eq!(found, ["error", "models", "retry", "stream"]);

    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
}
