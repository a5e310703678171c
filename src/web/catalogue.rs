//! The catalogue test of the texts Rust code names: every string literal of `src/` that reads
//! as a key of the locale tables (`"moderation_mail.subject_idea"`, or the fixed start of a key
//! built with `format!`, `"results.status.{}"`) exists in French and in English. A key missing
//! from a locale would show as the key itself (`Lang::text` falls back to it), in a page or a
//! mail. The templates' texts are checked by `web::templates::tests`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::i18n::Lang;

/// Names that end a file name, not a key (`"mail.html"`, `"export.csv"`).
const FILE_ENDINGS: [&str; 14] = [
    "html", "txt", "toml", "css", "js", "mjs", "svg", "csv", "json", "pdf", "ics", "md", "rs", "png",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            out.push(path);
        }
    }
}

/// The string literals of a Rust source (plain `"…"` ones, on one line: keys are short), up to
/// its tests (which name made-up keys on purpose).
fn literals(source: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(open) = rest.find('"') {
            // `r#"…"#` and byte strings hold SQL and data, not keys.
            let before = &rest[..open];
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            if !(before.ends_with('r') || before.ends_with("r#") || before.ends_with('b')) {
                out.push(&after[..close]);
            }
            rest = &after[close + 1..];
        }
    }
    out
}

/// Where a dotted path leads in a locale: `Some(true)` a text, `Some(false)` a table.
fn lookup(table: &toml::Table, path: &[&str]) -> Option<bool> {
    let mut at = table;
    for (i, part) in path.iter().enumerate() {
        match at.get(*part)? {
            toml::Value::Table(t) => at = t,
            _ => return (i == path.len() - 1).then_some(true),
        }
    }
    Some(false)
}

/// Whether the last part of `path` starts keys of its table (`workshops.drawn` for
/// `workshops.drawn_title`).
fn starts_keys(table: &toml::Table, path: &[&str]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = table;
    for part in parents {
        match at.get(*part) {
            Some(toml::Value::Table(t)) => at = t,
            _ => return false,
        }
    }
    at.keys().any(|k| k.starts_with(&format!("{last}_")))
}

/// The keys (or fixed starts of keys) that Rust code names and a locale lacks.
pub(crate) fn missing_keys(root: &Path, fr: &toml::Table, en: &toml::Table) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let sections: BTreeSet<&str> = fr.keys().chain(en.keys()).map(String::as_str).collect();
    let mut missing = BTreeSet::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        for literal in literals(&source) {
            let parts: Vec<&str> = literal.split('.').collect();
            // A key: dotted words, its first a section of the locales, not a file name.
            let Some((first, _)) = parts.split_first() else {
                continue;
            };
            let fixed: Vec<&str> = parts.iter().copied().take_while(|p| !p.contains('{')).collect();
            let words = |p: &&str| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            };
            if parts.len() < 2
                || !sections.contains(first)
                || !fixed.iter().all(words)
                || FILE_ENDINGS.contains(parts.last().unwrap())
            {
                continue;
            }
            // Built with `format!`: its fixed start must be a table of both locales.
            let built = fixed.len() < parts.len();
            if built && fixed.len() < 2 {
                continue;
            }
            for (lang, table) in [("fr", fr), ("en", en)] {
                let found = lookup(table, &fixed)
                    // An audit action's code: its label is `audit.actions.<code>` (checked by
                    // `audit::actions`' own test).
                    .or_else(|| lookup(table, &[&["audit", "actions"], &fixed[..]].concat()))
                    // The start of keys completed by `format!("{key}_title")`.
                    .or_else(|| (!built && starts_keys(table, &fixed)).then_some(true));
                if found.is_none() || (built && found == Some(true)) {
                    let name = file.strip_prefix(root).unwrap_or(file).display();
                    missing.insert(format!("{name}: \"{literal}\" ({lang})"));
                }
            }
        }
    }
    missing.into_iter().collect()
}

#[test]
fn every_text_rust_code_names_is_translated() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src");
    let missing = missing_keys(&root, Lang::Fr.texts(), Lang::En.texts());
    assert!(
        missing.is_empty(),
        "texts named in Rust but missing from a locale:\n{}",
        missing.join("\n")
    );
}

/// The walk sees the keys of mail written in Rust, and a key removed from one locale fails it.
#[test]
fn a_key_missing_from_one_locale_is_found() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src");
    let mut en = Lang::En.texts().clone();
    let Some(toml::Value::Table(mail)) = en.get_mut("moderation_mail") else {
        panic!("the moderation mail's texts are in the locales");
    };
    mail.remove("subject_comment");
    let missing = missing_keys(&root, Lang::Fr.texts(), &en);
    assert_eq!(
        missing,
        vec!["moderation/notice.rs: \"moderation_mail.subject_comment\" (en)".to_owned()],
    );
}
