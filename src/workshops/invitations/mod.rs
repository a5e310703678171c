//! Invitations of the drawn panel: a single-use link per person with a deadline, confirm or
//! decline, and promotion from the waitlist that keeps the quotas.
//!
//! Every answer and every promotion first locks the draw row (`FOR UPDATE`), so answers and
//! promotions of one draw happen one after the other: a confirmation racing the promotion that
//! follows a decline (or an expiry) can never leave one seat to two people. The partial unique
//! index on `(draw, seat)` for invited and confirmed rows is the database's own guard.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::criteria::{Answers, Criterion, PercentQuotas, build_instance};
use super::selection::replacement;
use crate::mail::{Attachment, MailContent, MailKind, queue_to, recipient_lang};
use crate::tenancy::TenantTx;
use crate::tokens::{hash_token, new_token};
use crate::web::i18n::Lang;

mod changes;
mod edits;
mod reminders;

pub use changes::*;
pub use edits::*;
pub use reminders::*;

/// What the link leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Confirm,
    Decline,
}

/// The outcome of an answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Confirmed,
    /// Declined; `promoted` says whether someone from the waitlist got the seat.
    Declined {
        promoted: bool,
    },
    /// The link was already used (or the seat given back).
    AlreadyUsed,
    /// The deadline passed; the seat went to the waitlist.
    Expired,
    Unknown,
}

/// Gives every invited person without a link one (deadline `days` from now) and queues the
/// mail; returns how many were sent.
pub async fn send_invitations(tx: &mut TenantTx, draw: Uuid, origin: &str, days: i64) -> Result<usize, sqlx::Error> {
    let pending = sqlx::query!(
        "SELECT s.application_id, a.email FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.status = 'invited' AND s.token_hash IS NULL
            AND a.email <> ''
          ORDER BY s.seat",
        tx.tenant_id(),
        draw,
    )
    .fetch_all(&mut **tx)
    .await?;
    let deadline = Utc::now() + Duration::days(days);
    for p in &pending {
        invite(tx, draw, p.application_id, &p.email, origin, deadline).await?;
    }
    Ok(pending.len())
}

pub(super) async fn invite(
    tx: &mut TenantTx,
    draw: Uuid,
    application: Uuid,
    email: &str,
    origin: &str,
    deadline: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    // Someone imported without an address is reached by phone or letter, from the panel's
    // export: no link, no mail.
    if email.is_empty() {
        return Ok(());
    }
    let token = new_token();
    sqlx::query!(
        "UPDATE workshop_selections SET token_hash = $4, deadline = $5
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
        tx.tenant_id(),
        draw,
        application,
        hash_token(&token),
        deadline,
    )
    .execute(&mut **tx)
    .await?;
    // In the language of the account with this address, if any (else French).
    let lang = recipient_lang(tx, email).await?;
    let session = match session_lines(tx, draw, application, lang).await? {
        Some(lines) => format!("{lines}\n\n"),
        None => format!("{}\n\n", lang.text("workshop_mail.invite_no_session")),
    };
    let calendar = session_calendar(tx, draw, application, lang).await?;
    let agenda = if calendar.is_some() {
        format!("\n\n{}", lang.text("workshop_mail.invite_agenda"))
    } else {
        String::new()
    };
    let deadline = crate::web::format::date(lang, deadline);
    let text = format!(
        "{}\n\n{}\n\n{session}{} {origin}/ateliers/reponse/{token}?choix=oui\n{} {origin}/ateliers/reponse/{token}?choix=non\n\n{}{agenda}",
        lang.text("mail_text.hello"),
        lang.text("workshop_mail.invite_drawn"),
        lang.text("workshop_mail.invite_confirm"),
        lang.text("workshop_mail.invite_decline"),
        lang.fill("workshop_mail.invite_deadline", &[("date", &deadline)]),
    );
    let subject = lang.text("workshop_mail.invite_subject");
    let content = MailContent {
        kind: MailKind::Workshop,
        subject: &subject,
        text: &text,
        campaign: None,
        attachment: calendar.as_ref(),
        lang,
    };
    let queued = queue_to(tx, email, &content).await?;
    // The console follows this mail: "invité" once it has left the outbox.
    sqlx::query!(
        "UPDATE workshop_selections SET invitation_mail_id = $4
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
        tx.tenant_id(),
        draw,
        application,
        queued.id(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Answers an invitation by its link's token.
pub async fn answer(
    tx: &mut TenantTx,
    token: &str,
    answer: Answer,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, sqlx::Error> {
    let Some(draw): Option<Uuid> = sqlx::query_scalar!(
        "SELECT draw_id FROM workshop_selections WHERE tenant_id = $1 AND token_hash = $2",
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Outcome::Unknown);
    };
    lock_draw(tx, draw).await?;
    let row = sqlx::query!(
        "SELECT application_id, status, deadline FROM workshop_selections WHERE tenant_id = $1 AND token_hash = $2",
        tx.tenant_id(),
        hash_token(token),
    )
    .fetch_one(&mut **tx)
    .await?;
    let (application, status, deadline) = (row.application_id, row.status, row.deadline);
    if status != "invited" {
        return Ok(if status == "expired" {
            Outcome::Expired
        } else {
            Outcome::AlreadyUsed
        });
    }
    if deadline.is_some_and(|d| d < now) {
        set_status(tx, draw, application, "expired").await?;
        promote(tx, draw, application, origin).await?;
        return Ok(Outcome::Expired);
    }
    match answer {
        Answer::Confirm => {
            set_status(tx, draw, application, "confirmed").await?;
            Ok(Outcome::Confirmed)
        }
        Answer::Decline => {
            set_status(tx, draw, application, "declined").await?;
            let promoted = promote(tx, draw, application, origin).await?;
            Ok(Outcome::Declined { promoted })
        }
    }
}

/// Records the answer an operator took by phone or letter from someone drawn who has no
/// address (imported from a file): as the link would, a decline gives the seat to the waitlist.
/// `None` when that person is not drawn and waiting for an answer (already answered, a double
/// submit) or has an address (their answer goes through their link).
pub async fn answer_for(
    tx: &mut TenantTx,
    draw: Uuid,
    application: Uuid,
    answer: Answer,
    origin: &str,
) -> Result<Option<Outcome>, sqlx::Error> {
    lock_draw(tx, draw).await?;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3 AND s.status = 'invited' AND a.email = ''",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .bind(application)
    .fetch_one(&mut **tx)
    .await?;
    if waiting == 0 {
        return Ok(None);
    }
    Ok(Some(match answer {
        Answer::Confirm => {
            set_status(tx, draw, application, "confirmed").await?;
            Outcome::Confirmed
        }
        Answer::Decline => {
            set_status(tx, draw, application, "declined").await?;
            let promoted = promote(tx, draw, application, origin).await?;
            Outcome::Declined { promoted }
        }
    }))
}

/// Expires the unanswered invitations of the space past their deadline and promotes for each;
/// returns how many expired.
pub async fn expire_overdue(tx: &mut TenantTx, origin: &str, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let overdue = sqlx::query!(
        "SELECT draw_id, application_id FROM workshop_selections
          WHERE tenant_id = $1 AND status = 'invited' AND deadline < $2 ORDER BY draw_id, seat",
        tx.tenant_id(),
        now,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut expired = 0;
    for (draw, application) in overdue.into_iter().map(|o| (o.draw_id, o.application_id)) {
        lock_draw(tx, draw).await?;
        let done = sqlx::query!(
            "UPDATE workshop_selections SET status = 'expired', answered_at = now()
              WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status = 'invited'",
            tx.tenant_id(),
            draw,
            application,
        )
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 1 {
            promote(tx, draw, application, origin).await?;
            expired += 1;
        }
    }
    Ok(expired)
}

pub(crate) async fn lock_draw(tx: &mut TenantTx, draw: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT 1 AS locked FROM workshop_draws WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        tx.tenant_id(),
        draw,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn set_status(
    tx: &mut TenantTx,
    draw: Uuid,
    application: Uuid,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE workshop_selections SET status = $4, answered_at = now()
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
        tx.tenant_id(),
        draw,
        application,
        status,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives `leaving`'s seat to the first person on the waitlist who keeps every quota, invites
/// them (same deadline length as a fresh invitation: 7 days), with `leaving`'s session when
/// they named it as possible. Call with the draw locked.
pub(super) async fn promote(tx: &mut TenantTx, draw: Uuid, leaving: Uuid, origin: &str) -> Result<bool, sqlx::Error> {
    let head = sqlx::query!(
        "SELECT d.seats, d.quotas, d.households, r.criteria FROM workshop_draws d
           JOIN workshop_recruitments r ON r.tenant_id = d.tenant_id AND r.id = d.recruitment_id
          WHERE d.tenant_id = $1 AND d.id = $2",
        tx.tenant_id(),
        draw,
    )
    .fetch_one(&mut **tx)
    .await?;
    let seats = head.seats;
    let quotas: PercentQuotas = serde_json::from_value(head.quotas).unwrap_or_default();
    let criteria: Vec<Criterion> = serde_json::from_value(head.criteria).unwrap_or_default();
    let rows = sqlx::query!(
        r#"SELECT s.application_id, s.status, s.seat, s.waitlist_rank, a.answers, a.email, a.cells, i.header AS "header?"
           FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
           LEFT JOIN workshop_imports i ON i.tenant_id = a.tenant_id AND i.id = a.import_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2"#,
        tx.tenant_id(),
        draw,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut answers: Vec<Answers> = Vec::with_capacity(rows.len());
    let mut panel = Vec::new();
    let mut waitlist: Vec<(i32, usize)> = Vec::new();
    let mut leaving_index = None;
    let mut seat = None;
    for (i, r) in rows.iter().enumerate() {
        let value: Value = r.answers.clone();
        answers.push(serde_json::from_value(value).unwrap_or_default());
        let status = r.status.as_str();
        if r.application_id == leaving {
            leaving_index = Some(i);
            seat = r.seat;
            panel.push(i);
        } else if status == "invited" || status == "confirmed" {
            panel.push(i);
        } else if status == "waitlist" {
            waitlist.push((r.waitlist_rank.unwrap_or(i32::MAX), i));
        }
    }
    let (Some(leaving_index), Some(seat)) = (leaving_index, seat) else {
        return Ok(false);
    };
    waitlist.sort_unstable();
    let order: Vec<usize> = waitlist.into_iter().map(|(_, i)| i).collect();
    let (mut instance, _) = build_instance(&criteria, &quotas, seats.max(1) as u32, &answers);
    // The household rule of the draw holds for promotions too.
    let cells: Vec<Vec<(String, String)>> = rows
        .iter()
        .map(|r| {
            let header: Vec<String> = r
                .header
                .clone()
                .and_then(|h| serde_json::from_value(h).ok())
                .unwrap_or_default();
            let cells: Vec<String> = r
                .cells
                .clone()
                .and_then(|c| serde_json::from_value(c).ok())
                .unwrap_or_default();
            header.into_iter().zip(cells).collect()
        })
        .collect();
    instance.households = crate::workshops::imports::households(&cells, &head.households);
    let Some(next) = replacement(&instance, &panel, leaving_index, &order) else {
        return Ok(false);
    };
    let application = rows[next].application_id;
    let email = rows[next].email.clone();
    // The newcomer takes the leaving person's session too when they named it as possible (the
    // seat there is free now); the leaving person no longer holds a place in it.
    sqlx::query!(
        "UPDATE workshop_selections s SET status = 'invited', seat = $4, waitlist_rank = NULL,
                session_id = (SELECT l.session_id FROM workshop_selections l, workshop_applications a
                               WHERE l.tenant_id = $1 AND l.draw_id = $2 AND l.application_id = $5
                                 AND a.tenant_id = $1 AND a.id = $3 AND l.session_id = ANY (a.sessions))
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3",
        tx.tenant_id(),
        draw,
        application,
        seat,
        leaving,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE workshop_selections SET session_id = NULL
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
        tx.tenant_id(),
        draw,
        leaving,
    )
    .execute(&mut **tx)
    .await?;
    invite(tx, draw, application, &email, origin, Utc::now() + Duration::days(7)).await?;
    Ok(true)
}
