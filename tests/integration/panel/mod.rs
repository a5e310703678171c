//! `ecoute panel`, the real binary on small CSV pools: the example pool of
//! `tests/fixtures/panel/` and variants of it written by each test (an infeasible quota, a bad
//! line). No database, no server.
//!
//! This file holds what the tests share; the tests are in the files beside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod outputs;
mod refusals;

/// Seats asked of the example pool (48 respondents).
pub const SEATS: usize = 12;

pub fn fixture(name: &str) -> PathBuf {
    crate::helpers::project_dir().join("tests/fixtures/panel").join(name)
}

pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// A fresh folder for one test's files.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecoute-panel-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The finished command: exit code, standard output and error.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `ecoute panel ARGS…` with the example pool unless `args` names other files.
pub fn panel(args: &[&str]) -> Run {
    let categories = fixture("categories.csv");
    let respondents = fixture("respondents.csv");
    let mut all: Vec<String> = vec!["panel".into()];
    if !args.contains(&"--categories") {
        all.extend(["--categories".into(), categories.display().to_string()]);
    }
    if !args.contains(&"--respondents") {
        all.extend(["--respondents".into(), respondents.display().to_string()]);
    }
    if !args.contains(&"--seats") {
        all.extend(["--seats".into(), SEATS.to_string()]);
    }
    all.extend(args.iter().map(|a| a.to_string()));
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_ecoute"))
        .args(&all)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("the ecoute binary runs");
    Run {
        code: status.code().expect("an exit code"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// A CSV file as rows of cells (header first).
pub fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The example pool read back independently of the engine: each respondent's row by id, and
/// the quotas as (column, value) -> (min, max).
pub struct Example {
    pub header: Vec<String>,
    pub by_id: HashMap<String, Vec<String>>,
    pub order: Vec<String>,
    pub quotas: HashMap<(String, String), (usize, usize)>,
}

impl Example {
    pub fn load() -> Example {
        let respondents = rows(&fixture("respondents.csv"));
        let header = respondents[0].clone();
        let order: Vec<String> = respondents[1..].iter().map(|r| r[0].clone()).collect();
        let by_id = respondents[1..].iter().map(|r| (r[0].clone(), r.clone())).collect();
        let quotas = rows(&fixture("categories.csv"))[1..]
            .iter()
            .map(|r| {
                (
                    (r[0].clone(), r[1].clone()),
                    (r[2].parse().unwrap(), r[3].parse().unwrap()),
                )
            })
            .collect();
        Example {
            header,
            by_id,
            order,
            quotas,
        }
    }

    /// Whether a panel (ids) has the seats and meets every quota; the first broken quota
    /// otherwise.
    pub fn check(&self, panel: &[String]) -> Result<(), String> {
        if panel.len() != SEATS {
            return Err(format!("{} people for {SEATS} seats", panel.len()));
        }
        for ((feature, value), (min, max)) in &self.quotas {
            let column = self.header.iter().position(|h| h == feature).unwrap();
            let n = panel.iter().filter(|id| &self.by_id[*id][column] == value).count();
            if n < *min || n > *max {
                return Err(format!("{feature}: {value}: {n} not in {min}..={max}"));
            }
        }
        Ok(())
    }

    /// The household (address, town, case aside) of a respondent.
    pub fn household(&self, id: &str) -> (String, String) {
        let row = &self.by_id[id];
        (row[5].to_lowercase(), row[6].to_lowercase())
    }
}

/// The draws of `draws.csv`, in order, as lists of ids.
pub fn draws(path: &Path) -> Vec<Vec<String>> {
    let mut panels: Vec<Vec<String>> = Vec::new();
    for row in &rows(path)[1..] {
        let d: usize = row[0].parse().unwrap();
        if panels.len() < d {
            panels.push(Vec::new());
        }
        assert_eq!(panels.len(), d, "draws in order, numbered from 1");
        panels[d - 1].push(row[1].clone());
    }
    panels
}

/// Everything below `dir`, as paths relative to it: what a refused run must not add to.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}
