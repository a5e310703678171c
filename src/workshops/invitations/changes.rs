//! A session moved or changed after people were invited: each is told by mail what changed,
//! with its calendar entry updated (same UID, next SEQUENCE).

use super::*;

/// Tells people whose session an operator changed where to go now, with a calendar file that
/// adds the new session and cancels the old one. `moves`: (application, previous session).
/// Only people already invited or confirmed are told (the others hear it with their invitation).
pub async fn send_session_changes(tx: &mut TenantTx, draw: Uuid, moves: &[(Uuid, Uuid)]) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    for (application, previous) in moves {
        let row = sqlx::query!(
            r#"SELECT a.email, w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at, w.sequence
               FROM workshop_selections s
               JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
               JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
              WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3
                AND s.status IN ('invited', 'confirmed') AND a.email <> ''"#,
            tx.tenant_id(),
            draw,
            application,
        )
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { continue };
        let old = sqlx::query_as!(
            SessionRow,
            "SELECT w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at, w.sequence
               FROM workshop_sessions w WHERE w.tenant_id = $1 AND w.id = $2",
            tx.tenant_id(),
            previous,
        )
        .fetch_optional(&mut **tx)
        .await?;
        let new = SessionRow {
            id: row.id,
            title: row.title.clone(),
            caf_name: row.caf_name,
            place: row.place.clone(),
            address: row.address.clone(),
            accessibility: row.accessibility,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            sequence: row.sequence,
        };
        let email = row.email;
        let lang = recipient_lang(tx, &email).await?;
        let calendar = match &old {
            Some(old) => moved_calendar(&new, old, *application, lang),
            None => new.calendar(*application, lang),
        };
        let when = crate::web::format::date_time(lang, row.starts_at);
        let body = lang.fill(
            "workshop_mail.change_body",
            &[
                ("title", &row.title),
                ("when", &when),
                ("place", &row.place),
                ("address", &row.address),
            ],
        );
        let text = format!(
            "{}\n\n{body}\n\n{}",
            lang.text("mail_text.hello"),
            lang.text("workshop_mail.change_agenda")
        );
        let subject = lang.text("workshop_mail.change_subject");
        let content = MailContent {
            kind: MailKind::Workshop,
            subject: &subject,
            text: &text,
            campaign: None,
            attachment: Some(&calendar),
            lang,
        };
        queue_to(tx, &email, &content).await?;
        sent += 1;
    }
    Ok(sent)
}

/// A session as a calendar file shows it.
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    pub(super) id: Uuid,
    pub(super) title: String,
    pub(super) caf_name: String,
    pub(super) place: String,
    pub(super) address: String,
    pub(super) accessibility: String,
    pub(super) starts_at: DateTime<Utc>,
    pub(super) ends_at: DateTime<Utc>,
    pub(super) sequence: i32,
}

impl SessionRow {
    /// The session's summary, location and description for a calendar, in `lang`.
    pub(super) fn texts(&self, lang: Lang) -> (String, String, String) {
        let location = format!("{}, {}", self.place, self.address);
        let mut description = lang.fill("workshop_calendar.organised_by", &[("caf", &self.caf_name)]);
        if !self.accessibility.trim().is_empty() {
            description.push('\n');
            let accessibility = self.accessibility.trim();
            description.push_str(&lang.fill("workshop_calendar.accessibility", &[("text", accessibility)]));
        }
        (self.title.clone(), location, description)
    }

    /// The session's event for one person.
    pub(super) fn event<'a>(
        &self,
        application: Uuid,
        stamp: DateTime<Utc>,
        (summary, location, description): &'a (String, String, String),
    ) -> crate::workshops::calendar::Event<'a> {
        crate::workshops::calendar::Event {
            application,
            session: self.id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            stamp,
            summary,
            location,
            description,
            sequence: self.sequence,
        }
    }

    /// The `.ics` of this session for one person, in their language.
    pub(super) fn calendar(&self, application: Uuid, lang: Lang) -> Attachment {
        self.event(application, Utc::now(), &self.texts(lang)).attachment()
    }
}

/// The calendar file for a move from `old` to `new`.
pub(super) fn moved_calendar(new: &SessionRow, old: &SessionRow, application: Uuid, lang: Lang) -> Attachment {
    let stamp = Utc::now();
    let (new_texts, old_texts) = (new.texts(lang), old.texts(lang));
    crate::workshops::calendar::moved(
        &new.event(application, stamp, &new_texts),
        &old.event(application, stamp, &old_texts),
    )
}

/// The `.ics` of the person's session, when one is assigned.
pub(super) async fn session_calendar(
    tx: &mut TenantTx,
    draw: Uuid,
    application: Uuid,
    lang: Lang,
) -> Result<Option<Attachment>, sqlx::Error> {
    let row = sqlx::query_as!(
        SessionRow,
        "SELECT w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at, w.sequence
           FROM workshop_selections s
           JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3",
        tx.tenant_id(),
        draw,
        application,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.calendar(application, lang)))
}

/// The lines of an invitation that say when and where the person's session is (date, start
/// and end times in Paris time, place, address, accessibility), when one is assigned.
pub(super) async fn session_lines(
    tx: &mut TenantTx,
    draw: Uuid,
    application: Uuid,
    lang: Lang,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT w.title, w.place, w.address, w.accessibility,
                w.starts_at AT TIME ZONE 'Europe/Paris' AS "starts!",
                w.ends_at AT TIME ZONE 'Europe/Paris' AS "ends!"
           FROM workshop_selections s
           JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3"#,
        tx.tenant_id(),
        draw,
        application,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| {
        use crate::web::format::{clock, day};
        let mut lines = [
            lang.fill("workshop_mail.session", &[("title", &r.title)]),
            lang.fill(
                "workshop_mail.date",
                &[
                    ("day", &day(lang, r.starts.date())),
                    ("start", &clock(lang, r.starts.time())),
                    ("end", &clock(lang, r.ends.time())),
                ],
            ),
            lang.fill("workshop_mail.place", &[("place", &r.place), ("address", &r.address)]),
        ]
        .join("\n");
        if !r.accessibility.trim().is_empty() {
            lines.push('\n');
            lines.push_str(&lang.fill("workshop_mail.accessibility", &[("text", r.accessibility.trim())]));
        }
        lines
    }))
}
