//! A session edited after people were invited (its date, times, place, address or
//! accessibility): each person invited to it or confirmed is told by mail what changed, with the
//! session's calendar event again (same UID, the session's next SEQUENCE), so that calendars
//! replace the event their invitation added.

use super::*;

/// Tells the people holding a seat in `session` (invited with a link sent, or confirmed) what
/// changed; `changes` are the lines of the mail ("Date : … (au lieu de …)"). Returns how many
/// were told.
pub async fn send_session_edit(tx: &mut TenantTx, session: Uuid, changes: &[String]) -> Result<usize, sqlx::Error> {
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
    let list: String = changes.iter().map(|c| format!("- {c}\n")).collect();
    let text = format!(
        "Bonjour,\n\nLa Caf a modifié la séance « {} » de l’atelier auquel vous êtes invité ou inscrit \
         (invitée ou inscrite) :\n\n{list}\nLe fichier joint met votre agenda à jour. Si vous ne pouvez plus \
         venir, merci de prévenir la Caf.",
        row.title
    );
    for person in &people {
        let calendar = row.calendar(person.application_id);
        let content = MailContent {
            kind: MailKind::Workshop,
            subject: "Votre séance d’atelier a changé",
            text: &text,
            campaign: None,
            attachment: Some(&calendar),
        };
        queue_to(tx, &person.email, &content).await?;
    }
    Ok(people.len())
}
