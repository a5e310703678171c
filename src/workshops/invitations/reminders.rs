//! Reminders to confirmed people: one a week before their session, one the day before.

use super::*;

/// Queues the reminders due by `now` to confirmed people with a session: 7 days before, and
/// 1 day before (a person confirmed less than a day before gets only the last one). Each is
/// sent once; returns how many were queued.
pub async fn send_reminders(tx: &mut TenantTx, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let due = sqlx::query!(
        r#"SELECT s.draw_id, s.application_id, a.email, w.id, w.title, w.caf_name, w.place, w.address,
                w.accessibility, w.starts_at, w.ends_at, w.sequence
           FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
           JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
          WHERE s.tenant_id = $1 AND s.status = 'confirmed' AND w.starts_at > $2
            AND ((s.reminded_1_at IS NULL AND w.starts_at <= $2 + interval '1 day')
              OR (s.reminded_7_at IS NULL AND s.reminded_1_at IS NULL AND w.starts_at <= $2 + interval '7 days'))
          FOR UPDATE OF s"#,
        tx.tenant_id(),
        now,
    )
    .fetch_all(&mut **tx)
    .await?;
    let count = due.len();
    for r in due {
        let last = r.starts_at <= now + Duration::days(1);
        let lang = recipient_lang(tx, &r.email).await?;
        let when = crate::web::format::date_time(lang, r.starts_at);
        let body = lang.fill(
            "workshop_mail.reminder_body",
            &[
                ("title", &r.title),
                ("when", &when),
                ("place", &r.place),
                ("address", &r.address),
            ],
        );
        let text = format!(
            "{}\n\n{body}\n\n{}",
            lang.text("mail_text.hello"),
            lang.text("workshop_mail.reminder_cannot_come")
        );
        let subject = lang.text(if last {
            "workshop_mail.reminder_subject_tomorrow"
        } else {
            "workshop_mail.reminder_subject_week"
        });
        let session = SessionRow {
            id: r.id,
            title: r.title,
            caf_name: r.caf_name,
            place: r.place,
            address: r.address,
            accessibility: r.accessibility,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            sequence: r.sequence,
        };
        let calendar = session.calendar(r.application_id, lang);
        let content = MailContent {
            kind: MailKind::Workshop,
            subject: &subject,
            text: &text,
            campaign: None,
            attachment: Some(&calendar),
            lang,
        };
        queue_to(tx, &r.email, &content).await?;
        // One statement per column, each checked at compile time.
        if last {
            sqlx::query!(
                "UPDATE workshop_selections SET reminded_1_at = $4 WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
                tx.tenant_id(),
                r.draw_id,
                r.application_id,
                now,
            )
            .execute(&mut **tx)
            .await?;
        } else {
            sqlx::query!(
                "UPDATE workshop_selections SET reminded_7_at = $4 WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
                tx.tenant_id(),
                r.draw_id,
                r.application_id,
                now,
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(count)
}
