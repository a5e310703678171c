//! Address lists as operators give them: pasted, or a CSV file from a spreadsheet. Each line
//! is checked on its own and every address found becomes an entry, in reading order: valid the
//! first time it is met, a repeat (with the line it was first met on) afterwards; a line that
//! cannot be taken is an entry too, with its reason.

use std::collections::HashMap;

use crate::accounts::EmailAddress;

/// What became of one address (or one refused line) of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A valid address, met here first.
    Valid,
    /// A valid address already met on `first_line`.
    Repeat { first_line: usize },
    /// Not taken; the reason is a locale key.
    Refused(&'static str),
}

/// One entry of a list: an address (lowercased) or a refused line (at most 80 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub value: String,
    pub verdict: Verdict,
}

/// A list as read: its entries in reading order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedList {
    pub entries: Vec<Entry>,
}

impl ParsedList {
    /// The valid addresses, each once.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| e.verdict == Verdict::Valid)
            .map(|e| e.value.as_str())
    }

    /// The refused lines, with their reasons.
    pub fn refused(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| matches!(e.verdict, Verdict::Refused(_)))
    }
}

/// Reads lists into one [`ParsedList`], remembering where each address was first met.
#[derive(Default)]
struct Reader {
    list: ParsedList,
    first_seen: HashMap<String, usize>,
}

impl Reader {
    fn refuse(&mut self, line: usize, value: impl Iterator<Item = char>, reason: &'static str) {
        self.list.entries.push(Entry {
            line,
            value: value.take(80).collect(),
            verdict: Verdict::Refused(reason),
        });
    }

    /// Cells split on `,`, `;` or tabs (quotes removed); every cell holding an `@` is an
    /// address (so "a@x.fr, b@y.fr" on one line is two people). A first line without any `@`
    /// is taken as a header; later ones are reported. Empty lines are skipped.
    fn read(&mut self, text: &str) {
        for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            let (number, line) = (index + 1, raw.trim());
            if line.is_empty() {
                continue;
            }
            if crate::web::text::clean(line).is_err() {
                let shown = line.chars().filter(|c| crate::web::text::allowed(*c));
                self.refuse(number, shown, "invitations.control");
                continue;
            }
            let cells: Vec<&str> = line
                .split([',', ';', '\t'])
                .map(|c| c.trim().trim_matches('"').trim())
                .filter(|c| c.contains('@'))
                .collect();
            if cells.is_empty() {
                if index > 0 {
                    self.refuse(number, line.chars(), "invitations.no_address");
                }
                continue;
            }
            for cell in cells {
                let Ok(email) = EmailAddress::parse(cell) else {
                    self.refuse(number, cell.chars(), "invitations.invalid");
                    continue;
                };
                let address = email.as_str().to_owned();
                let verdict = match self.first_seen.get(&address) {
                    Some(&first_line) => Verdict::Repeat { first_line },
                    None => {
                        self.first_seen.insert(address.clone(), number);
                        Verdict::Valid
                    }
                };
                self.list.entries.push(Entry {
                    line: number,
                    value: address,
                    verdict,
                });
            }
        }
    }
}

/// Reads a pasted list or a CSV export (see [`Reader::read`]).
pub fn parse_list(text: &str) -> ParsedList {
    both_lists(text, "")
}

/// The pasted list, then the file's, as one list: an address in both is a repeat in the file.
pub fn both_lists(pasted: &str, file: &str) -> ParsedList {
    let mut reader = Reader::default();
    reader.read(pasted);
    reader.read(file);
    reader.list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: usize, value: &str, verdict: Verdict) -> Entry {
        Entry {
            line,
            value: value.into(),
            verdict,
        }
    }

    #[test]
    fn a_line_with_a_control_character_is_refused_with_its_number() {
        let parsed = parse_list("nom;email\nDurand;anne@exemple.fr\nNul;a\u{0}b@exemple.fr\n");
        assert_eq!(parsed.addresses().collect::<Vec<_>>(), vec!["anne@exemple.fr"]);
        assert_eq!(
            parsed.refused().collect::<Vec<_>>(),
            vec![&entry(3, "Nul;ab@exemple.fr", Verdict::Refused("invitations.control"))]
        );
    }

    #[test]
    fn lists_and_csv_exports_are_read_line_by_line() {
        let csv = "\u{feff}nom;prénom;email\nDurand;Anne;anne.durand@exemple.fr\n\"Martin\";\"Paul\";\"PAUL@exemple.fr\"\n\nsans adresse;x\nBernard;Luc;luc@\npaul@exemple.fr\n";
        let parsed = parse_list(csv);
        assert_eq!(
            parsed.entries,
            vec![
                entry(2, "anne.durand@exemple.fr", Verdict::Valid),
                entry(3, "paul@exemple.fr", Verdict::Valid),
                entry(5, "sans adresse;x", Verdict::Refused("invitations.no_address")),
                entry(6, "luc@", Verdict::Refused("invitations.invalid")),
                entry(7, "paul@exemple.fr", Verdict::Repeat { first_line: 3 }),
            ]
        );
        assert_eq!(
            parse_list("a@b.fr, c@d.fr").addresses().collect::<Vec<_>>(),
            vec!["a@b.fr", "c@d.fr"],
            "a pasted list"
        );
    }

    #[test]
    fn an_address_pasted_and_in_the_file_is_a_repeat_in_the_file() {
        let parsed = both_lists("marc@exemple.fr", "email\nlea@exemple.fr\nMARC@exemple.fr\n");
        assert_eq!(
            parsed.addresses().collect::<Vec<_>>(),
            vec!["marc@exemple.fr", "lea@exemple.fr"]
        );
        assert_eq!(
            parsed.entries[2],
            entry(3, "marc@exemple.fr", Verdict::Repeat { first_line: 1 })
        );
    }
}
