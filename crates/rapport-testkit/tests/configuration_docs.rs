//! The configuration is declared once (the struct) and shown twice: `rapport config default`
//! (the commented default file) and the README's table. This ties the three together, so a key
//! added to the struct cannot be left out of either.

#![expect(clippy::expect_used, reason = "tests fail loudly on broken setup")]

use std::collections::BTreeSet;

use rapport_app::config::{Config, DEFAULT_TOML};

const README: &str = include_str!("../../../README.md");

/// Keys of the default file, commented ones included (`# dir = ...` shows an optional key):
/// `section.key`, and `[[auth.oidc]]` for the provider tables.
fn default_file_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut section = String::new();
    let mut in_array = false;
    for line in DEFAULT_TOML.lines() {
        let text = line.trim_start_matches('#').trim();
        if let Some(name) = text.strip_prefix("[[").and_then(|t| t.strip_suffix("]]")) {
            keys.insert(format!("[[{name}]]"));
            in_array = true;
            continue;
        }
        if let Some(name) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            section = name.to_owned();
            in_array = false;
            continue;
        }
        // A key line: `name = value`, with a name of a-z and _ only (prose has spaces).
        let Some((name, _)) = text.split_once(" = ") else {
            continue;
        };
        if in_array || name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            continue;
        }
        keys.insert(format!("{section}.{name}"));
    }
    keys
}

/// Keys the README's configuration table lists (its first column, in backticks).
fn readme_keys() -> BTreeSet<String> {
    let table = README
        .split("| key | env | default | |")
        .nth(1)
        .expect("the README has a configuration table");
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('`').nth(1))
        .map(str::to_owned)
        .collect()
}

/// Dotted paths of every value the struct serialises by default (inline tables such as
/// `cases.sla_hours` are one value).
fn struct_paths(
    prefix: &str,
    v: &toml::Value,
    out: &mut BTreeSet<String>,
    known: &BTreeSet<String>,
) {
    match v {
        toml::Value::Table(t) if !known.contains(prefix) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                struct_paths(&path, v, out, known);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

#[test]
fn config_default_and_the_readme_list_every_key_of_the_configuration() {
    let file = default_file_keys();
    let readme = readme_keys();
    let value = toml::Value::try_from(Config::default()).expect("the defaults serialise");
    let mut paths = BTreeSet::new();
    struct_paths("", &value, &mut paths, &file);
    let missing_from_file: Vec<&String> = paths
        .iter()
        .filter(|p| !file.contains(*p) && !p.starts_with("auth.oidc"))
        .collect();
    assert!(
        missing_from_file.is_empty(),
        "config default does not print: {missing_from_file:?}"
    );
    let missing_from_readme: Vec<&String> = file.difference(&readme).collect();
    assert!(
        missing_from_readme.is_empty(),
        "the README's configuration table lacks: {missing_from_readme:?}"
    );
    let stale_in_readme: Vec<&String> = readme.difference(&file).collect();
    assert!(
        stale_in_readme.is_empty(),
        "the README lists keys config default does not know: {stale_in_readme:?}"
    );
}
