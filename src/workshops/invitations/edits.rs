//! A session edited after people were invited (its date, times, place, address or
//! accessibility): each person invited to it or confirmed is told by mail what changed, with the
//! session's calendar event again (same UID, the session's next SEQUENCE), so that calendars
//! replace the event their invitation added.

use super::*;

/// Tells the people holding a seat in `session` (invited with a link sent, or confirmed) what
/// changed; `changes` writes the lines of the mail ("Début : … (au lieu de …)") in a language,
/// each person's. Returns how many were told.
pub async fn send_session_edit(
    tx: &mut TenantTx,
    session: Uuid,
    changes: &(dyn Fn(Lang) -> Vec<String> + Send + Sync),
) -> Result<usize, sqlx::Error> {
    let people = sqlx::query!(
        r#"SELECT s.application_id, a.email
           FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.tenant_id = $1 AND s.session_id = $2 AND s.status IN ('invited', 'confirmed')
            AND s.token_hash IS NOT NULL"#,
        tx.tenant_id(),
        session,
    )
    .fetch_all(&mut **tx)
    .await?;
    let Some(row) = sqlx::query_as!(
        SessionRow,
        "SELECT w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at, w.sequence
           FROM workshop_sessions w WHERE w.tenant_id = $1 AND w.id = $2",
        tx.tenant_id(),
        session,
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(0);
    };
    for person in &people {
        let lang = recipient_lang(tx, &person.email).await?;
        let list: String = changes(lang).iter().map(|c| format!("- {c}\n")).collect();
        let text = format!(
            "{}\n\n{}\n\n{list}\n{}",
            lang.text("mail_text.hello"),
            lang.fill("workshop_mail.edit_body", &[("title", &row.title)]),
            lang.text("workshop_mail.edit_agenda")
        );
        let subject = lang.text("workshop_mail.edit_subject");
        let calendar = row.calendar(person.application_id, lang);
        let content = MailContent {
            kind: MailKind::Workshop,
            subject: &subject,
            text: &text,
            campaign: None,
            attachment: Some(&calendar),
            lang,
        };
        queue_to(tx, &person.email, &content).await?;
    }
    Ok(people.len())
}
