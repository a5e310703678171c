//! The `.ics` file sent with a workshop invitation or reminder once the person's session is
//! known, written by hand per RFC 5545: lines end with CRLF and are folded at 75 octets (never
//! inside a UTF-8 character), text values escape `\`, `;`, `,` and newlines, times are UTC
//! (`…Z`), and the UID is stable for one person and one session, so a reminder updates the
//! event an invitation put in their calendar instead of adding a second one.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::mail::Attachment;

/// The content type of the attachment (`METHOD:PUBLISH`: an event to add, no reply expected).
pub const CONTENT_TYPE: &str = "text/calendar; method=PUBLISH; charset=utf-8";

/// One workshop session as it goes into a person's calendar.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// The person's application (one per person and recruitment).
    pub application: Uuid,
    pub session: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// When the file is made (`DTSTAMP`).
    pub stamp: DateTime<Utc>,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    /// The session's revision (`SEQUENCE`): a changed session's event replaces the earlier one.
    pub sequence: i32,
}

impl Event<'_> {
    /// Stable for this person and session.
    pub fn uid(&self) -> String {
        format!("atelier-{}-{}@ecoute", self.application, self.session)
    }

    /// The whole iCalendar object.
    pub fn to_ics(&self) -> String {
        calendar(&[self.vevent(false)])
    }

    /// The event's `VEVENT` lines; a cancelled one (`STATUS:CANCELLED`, a higher `SEQUENCE`)
    /// tells calendars that imported it to drop it.
    fn vevent(&self, cancelled: bool) -> Vec<String> {
        let mut lines = vec![
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", self.uid()),
            format!("DTSTAMP:{}", utc(self.stamp)),
            format!("DTSTART:{}", utc(self.starts_at)),
            format!("DTEND:{}", utc(self.ends_at)),
            format!("SUMMARY:{}", escape_text(self.summary)),
            format!("LOCATION:{}", escape_text(self.location)),
            format!("DESCRIPTION:{}", escape_text(self.description)),
        ];
        if cancelled {
            lines.push(format!("SEQUENCE:{}", self.sequence + 1));
            lines.push("STATUS:CANCELLED".to_owned());
        } else if self.sequence > 0 {
            lines.push(format!("SEQUENCE:{}", self.sequence));
        }
        lines.push("END:VEVENT".to_owned());
        lines
    }

    /// The file as a mail attachment.
    pub fn attachment(&self) -> Attachment {
        Attachment {
            filename: "atelier.ics".to_owned(),
            content_type: CONTENT_TYPE.to_owned(),
            text: self.to_ics(),
        }
    }
}

/// A person moved from one session to another: the new event, and the old one cancelled, in
/// one file (one attachment per mail).
pub fn moved(new: &Event<'_>, old: &Event<'_>) -> Attachment {
    Attachment {
        filename: "atelier.ics".to_owned(),
        content_type: CONTENT_TYPE.to_owned(),
        text: calendar(&[old.vevent(true), new.vevent(false)]),
    }
}

/// A `VCALENDAR` around events, folded, CRLF-terminated.
fn calendar(events: &[Vec<String>]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//ecoute//ateliers//FR".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
    ];
    for event in events {
        lines.extend(event.iter().cloned());
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|l| fold_line(l)).collect()
}

/// `20261205T130000Z`.
fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, newlines as `\n`.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line folded (RFC 5545 3.1): at most 75 octets per physical line, each
/// continuation starting with a space, never splitting a UTF-8 character; ends with CRLF.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    // The first line holds 75 octets; continuations 74 after their leading space.
    let mut room = 75;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > room {
            out.push_str("\r\n ");
            room = 74;
            used = 0;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newlines() {
        assert_eq!(
            escape_text("Salle 2; bât. B, \\ étage\nAccès\r\nPMR"),
            "Salle 2\\; bât. B\\, \\\\ étage\\nAccès\\nPMR"
        );
        assert_eq!(escape_text("a\u{7}b"), "ab");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let short = fold_line("SUMMARY:court");
        assert_eq!(short, "SUMMARY:court\r\n");
        let line = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold_line(&line);
        assert!(folded.ends_with("\r\n"));
        let physical: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 2);
        for (i, p) in physical.iter().enumerate() {
            assert!(p.len() <= 75, "line {i} has {} octets", p.len());
            if i > 0 {
                assert!(p.starts_with(' '));
            }
        }
        // Unfolding gives the line back.
        let unfolded: String = physical
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { *p } else { &p[1..] })
            .collect();
        assert_eq!(unfolded, line);
        // Exactly 75 octets: not folded; 76: folded.
        assert_eq!(fold_line(&"a".repeat(75)).matches("\r\n").count(), 1);
        assert_eq!(fold_line(&"a".repeat(76)).matches("\r\n").count(), 2);
    }

    #[test]
    fn an_event_has_utc_times_a_stable_uid_and_crlf_lines() {
        let application = Uuid::from_u128(1);
        let session = Uuid::from_u128(2);
        let event = Event {
            application,
            session,
            starts_at: Utc.with_ymd_and_hms(2026, 12, 5, 13, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 5, 15, 30, 0).unwrap(),
            stamp: Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap(),
            summary: "Atelier : l’accueil, vos idées",
            location: "Maison des familles, 1 rue du Port; Bordeaux",
            description: "Ligne 1\nLigne 2",
            sequence: 0,
        };
        let ics = event.to_ics();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
        assert!(ics.contains("\r\nDTSTART:20261205T130000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20261205T153000Z\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20261122T080000Z\r\n"));
        assert!(ics.contains("\r\nMETHOD:PUBLISH\r\n"));
        assert!(ics.contains("LOCATION:Maison des familles\\, 1 rue du Port\\; Bordeaux\r\n"));
        assert!(ics.contains("DESCRIPTION:Ligne 1\\nLigne 2\r\n"));
        let again = Event {
            stamp: Utc::now(),
            ..event.clone()
        };
        assert_eq!(event.uid(), again.uid(), "same person and session: same UID");
        let other = Event {
            session: Uuid::from_u128(3),
            ..event
        };
        assert_ne!(other.uid(), again.uid());

        // Moved to another session: one file, the old event cancelled, then the new one.
        // Unfolded (the UID lines are longer than 75 octets).
        let moved = moved(&other, &again).text.replace("\r\n ", "");
        assert_eq!(moved.matches("BEGIN:VEVENT").count(), 2);
        let (old_part, new_part) = moved.split_once("END:VEVENT").unwrap();
        assert!(old_part.contains(&format!("UID:{}", again.uid())));
        assert!(old_part.contains("\r\nSTATUS:CANCELLED\r\n") && old_part.contains("\r\nSEQUENCE:1\r\n"));
        assert!(new_part.contains(&format!("UID:{}", other.uid())));
        assert!(!new_part.contains("CANCELLED"));
        assert!(moved.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
    }
}
