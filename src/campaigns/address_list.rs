//! Address lists as operators give them: pasted, or a CSV file from a spreadsheet. Each line
//! is checked on its own: valid addresses are taken once, the others are reported with their
//! line number and the reason.

use serde::Serialize;

use crate::accounts::EmailAddress;

/// A line that could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    pub line: usize,
    pub value: String,
    /// Locale key.
    pub reason: &'static str,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedList {
    pub addresses: Vec<String>,
    pub duplicates: usize,
    pub problems: Vec<LineProblem>,
}

/// Reads a pasted list or a CSV export: cells split on `,`, `;` or tabs (quotes removed); every
/// cell holding an `@` is an address (so "a@x.fr, b@y.fr" on one line is two people). A first
/// line without any `@` is taken as a header; later ones are reported. Empty lines are skipped.
pub fn parse_list(text: &str) -> ParsedList {
    let mut parsed = ParsedList::default();
    let mut seen = std::collections::HashSet::new();
    for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if crate::web::text::clean(line).is_err() {
            parsed.problems.push(LineProblem {
                line: index + 1,
                value: line
                    .chars()
                    .filter(|c| crate::web::text::allowed(*c))
                    .take(80)
                    .collect(),
                reason: "invitations.control",
            });
            continue;
        }
        let cells: Vec<&str> = line
            .split([',', ';', '\t'])
            .map(|c| c.trim().trim_matches('"').trim())
            .collect();
        let found: Vec<&&str> = cells.iter().filter(|c| c.contains('@')).collect();
        if found.is_empty() {
            if index > 0 || parsed.addresses.len() + parsed.problems.len() > 0 {
                parsed.problems.push(LineProblem {
                    line: index + 1,
                    value: line.chars().take(80).collect(),
                    reason: "invitations.no_address",
                });
            }
            continue;
        }
        for cell in found {
            match EmailAddress::parse(cell) {
                Ok(email) => {
                    if seen.insert(email.as_str().to_owned()) {
                        parsed.addresses.push(email.as_str().to_owned());
                    } else {
                        parsed.duplicates += 1;
                    }
                }
                Err(_) => parsed.problems.push(LineProblem {
                    line: index + 1,
                    value: cell.chars().take(80).collect(),
                    reason: "invitations.invalid",
                }),
            }
        }
    }
    parsed
}

/// The pasted list, then the file's, as one list: an address in both counts as a duplicate.
pub fn both_lists(pasted: &str, file: &str) -> ParsedList {
    let mut list = parse_list(pasted);
    let from_file = parse_list(file);
    list.problems.extend(from_file.problems);
    list.duplicates += from_file.duplicates;
    for address in from_file.addresses {
        if list.addresses.contains(&address) {
            list.duplicates += 1;
        } else {
            list.addresses.push(address);
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_control_character_is_refused_with_its_number() {
        let parsed = parse_list("nom;email\nDurand;anne@exemple.fr\nNul;a\u{0}b@exemple.fr\n");
        assert_eq!(parsed.addresses, vec!["anne@exemple.fr"]);
        assert_eq!(
            parsed.problems,
            vec![LineProblem {
                line: 3,
                value: "Nul;ab@exemple.fr".into(),
                reason: "invitations.control"
            }]
        );
    }

    #[test]
    fn lists_and_csv_exports_are_read_line_by_line() {
        let csv = "\u{feff}nom;prénom;email\nDurand;Anne;anne.durand@exemple.fr\n\"Martin\";\"Paul\";\"PAUL@exemple.fr\"\n\nsans adresse;x\nBernard;Luc;luc@\npaul@exemple.fr\n";
        let parsed = parse_list(csv);
        assert_eq!(parsed.addresses, vec!["anne.durand@exemple.fr", "paul@exemple.fr"]);
        assert_eq!(parsed.duplicates, 1);
        assert_eq!(
            parsed.problems,
            vec![
                LineProblem {
                    line: 5,
                    value: "sans adresse;x".into(),
                    reason: "invitations.no_address"
                },
                LineProblem {
                    line: 6,
                    value: "luc@".into(),
                    reason: "invitations.invalid"
                },
            ]
        );
        assert_eq!(
            parse_list("a@b.fr, c@d.fr").addresses,
            vec!["a@b.fr", "c@d.fr"],
            "a pasted list"
        );
    }
}
