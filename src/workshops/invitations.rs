//! Invitations of the drawn panel: a single-use link per person with a deadline, confirm or
//! decline, and promotion from the waitlist that keeps the quotas.
//!
//! Every answer and every promotion first locks the draw row (`FOR UPDATE`), so answers and
//! promotions of one draw happen one after the other: a confirmation racing the promotion that
//! follows a decline (or an expiry) can never leave one seat to two people. The partial unique
//! index on `(draw, seat)` for invited and confirmed rows is the database's own guard.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use super::criteria::{Answers, Criterion, PercentQuotas, build_instance};
use super::selection::replacement;
use crate::mail::{Attachment, MailContent, MailKind, queue_to};
use crate::tenancy::TenantTx;
use crate::tokens::{hash_token, new_token};

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
    let pending: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT s.application_id, a.email FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.status = 'invited' AND s.token_hash IS NULL
          ORDER BY s.seat",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .fetch_all(&mut **tx)
    .await?;
    let deadline = Utc::now() + Duration::days(days);
    for (application, email) in &pending {
        invite(tx, draw, *application, email, origin, deadline).await?;
    }
    Ok(pending.len())
}

async fn invite(
    tx: &mut TenantTx,
    draw: Uuid,
    application: Uuid,
    email: &str,
    origin: &str,
    deadline: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let token = new_token();
    sqlx::query(
        "UPDATE workshop_selections SET token_hash = $4, deadline = $5
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .bind(application)
    .bind(hash_token(&token))
    .bind(deadline)
    .execute(&mut **tx)
    .await?;
    let text = format!(
        "Bonjour,\n\nVous avez été tiré ou tirée au sort pour participer à un atelier de la Caf. \
         Merci de confirmer ou de décliner votre participation avant le {} :\n\n{origin}/ateliers/reponse/{token}\n\n\
         Sans réponse à cette date, votre place sera proposée à une autre personne.",
        deadline.format("%d/%m/%Y")
    );
    let calendar = session_calendar(tx, draw, application).await?;
    let content = MailContent {
        kind: MailKind::Workshop,
        subject: "Votre participation à un atelier de la Caf",
        text: &text,
        campaign: None,
        attachment: calendar.as_ref(),
    };
    queue_to(tx, email, &content).await?;
    Ok(())
}

/// Tells people whose session an operator changed where to go now, with a calendar file that
/// adds the new session and cancels the old one. `moves`: (application, previous session).
/// Only people already invited or confirmed are told (the others hear it with their invitation).
pub async fn send_session_changes(tx: &mut TenantTx, draw: Uuid, moves: &[(Uuid, Uuid)]) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    for (application, previous) in moves {
        let row = sqlx::query(
            "SELECT a.email, w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at,
                    to_char(w.starts_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY à HH24:MI') AS local_start
               FROM workshop_selections s
               JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
               JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
              WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3
                AND s.status IN ('invited', 'confirmed')",
        )
        .bind(tx.tenant_id())
        .bind(draw)
        .bind(application)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { continue };
        let old = sqlx::query(
            "SELECT w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at
               FROM workshop_sessions w WHERE w.tenant_id = $1 AND w.id = $2",
        )
        .bind(tx.tenant_id())
        .bind(previous)
        .fetch_optional(&mut **tx)
        .await?;
        let new_event = calendar_of(&row, *application)?;
        let calendar = match &old {
            Some(old) => moved_calendar(&row, old, *application)?,
            None => new_event,
        };
        let email: String = row.try_get("email")?;
        let text = format!(
            "Bonjour,\n\nLa Caf a changé la séance de l’atelier à laquelle vous êtes inscrit ou inscrite. \
             Votre nouvelle séance : « {} », le {}, {}, {}.\n\nLe fichier joint met votre agenda à jour. \
             Si vous ne pouvez pas venir à cette date, merci de prévenir la Caf.",
            row.try_get::<String, _>("title")?,
            row.try_get::<String, _>("local_start")?,
            row.try_get::<String, _>("place")?,
            row.try_get::<String, _>("address")?,
        );
        let content = MailContent {
            kind: MailKind::Workshop,
            subject: "Votre atelier de la Caf change de séance",
            text: &text,
            campaign: None,
            attachment: Some(&calendar),
        };
        queue_to(tx, &email, &content).await?;
        sent += 1;
    }
    Ok(sent)
}

/// The calendar file for a move from `old` to `new` (two session rows).
fn moved_calendar(
    new: &sqlx::postgres::PgRow,
    old: &sqlx::postgres::PgRow,
    application: Uuid,
) -> Result<Attachment, sqlx::Error> {
    let (new_title, new_location, new_description) = event_texts(new)?;
    let (old_title, old_location, old_description) = event_texts(old)?;
    let stamp = Utc::now();
    let event = |r: &sqlx::postgres::PgRow, summary, location, description| -> Result<_, sqlx::Error> {
        Ok(super::calendar::Event {
            application,
            session: r.try_get("id")?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            stamp,
            summary,
            location,
            description,
        })
    };
    Ok(super::calendar::moved(
        &event(new, &new_title, &new_location, &new_description)?,
        &event(old, &old_title, &old_location, &old_description)?,
    ))
}

/// A session row's summary, location and description for a calendar.
fn event_texts(r: &sqlx::postgres::PgRow) -> Result<(String, String, String), sqlx::Error> {
    let title: String = r.try_get("title")?;
    let location = format!(
        "{}, {}",
        r.try_get::<String, _>("place")?,
        r.try_get::<String, _>("address")?
    );
    let accessibility: String = r.try_get("accessibility")?;
    let mut description = format!("Atelier organisé par la {}.", r.try_get::<String, _>("caf_name")?);
    if !accessibility.trim().is_empty() {
        description.push_str(&format!("\nAccessibilité : {}", accessibility.trim()));
    }
    Ok((title, location, description))
}

/// The `.ics` of the person's session, when one is assigned.
async fn session_calendar(tx: &mut TenantTx, draw: Uuid, application: Uuid) -> Result<Option<Attachment>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT w.id, w.title, w.caf_name, w.place, w.address, w.accessibility, w.starts_at, w.ends_at
           FROM workshop_selections s
           JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .bind(application)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| calendar_of(&r, application)).transpose()
}

/// The event of a session row (`id`, `title`, `caf_name`, `place`, `address`, `accessibility`,
/// `starts_at`, `ends_at`) for one person.
fn calendar_of(r: &sqlx::postgres::PgRow, application: Uuid) -> Result<Attachment, sqlx::Error> {
    let (title, location, description) = event_texts(r)?;
    let event = super::calendar::Event {
        application,
        session: r.try_get("id")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        stamp: Utc::now(),
        summary: &title,
        location: &location,
        description: &description,
    };
    Ok(event.attachment())
}

/// Answers an invitation by its link's token.
pub async fn answer(
    tx: &mut TenantTx,
    token: &str,
    answer: Answer,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, sqlx::Error> {
    let Some(draw): Option<Uuid> =
        sqlx::query_scalar("SELECT draw_id FROM workshop_selections WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tx.tenant_id())
            .bind(hash_token(token))
            .fetch_optional(&mut **tx)
            .await?
    else {
        return Ok(Outcome::Unknown);
    };
    lock_draw(tx, draw).await?;
    let row = sqlx::query(
        "SELECT application_id, status, deadline FROM workshop_selections WHERE tenant_id = $1 AND token_hash = $2",
    )
    .bind(tx.tenant_id())
    .bind(hash_token(token))
    .fetch_one(&mut **tx)
    .await?;
    let application: Uuid = row.try_get("application_id")?;
    let status: String = row.try_get("status")?;
    let deadline: Option<DateTime<Utc>> = row.try_get("deadline")?;
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

/// Expires the unanswered invitations of the space past their deadline and promotes for each;
/// returns how many expired.
pub async fn expire_overdue(tx: &mut TenantTx, origin: &str, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let overdue: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT draw_id, application_id FROM workshop_selections
          WHERE tenant_id = $1 AND status = 'invited' AND deadline < $2 ORDER BY draw_id, seat",
    )
    .bind(tx.tenant_id())
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    let mut expired = 0;
    for (draw, application) in overdue {
        lock_draw(tx, draw).await?;
        let done = sqlx::query(
            "UPDATE workshop_selections SET status = 'expired', answered_at = now()
              WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status = 'invited'",
        )
        .bind(tx.tenant_id())
        .bind(draw)
        .bind(application)
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
    sqlx::query("SELECT 1 FROM workshop_draws WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
        .bind(tx.tenant_id())
        .bind(draw)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn set_status(tx: &mut TenantTx, draw: Uuid, application: Uuid, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE workshop_selections SET status = $4, answered_at = now()
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .bind(application)
    .bind(status)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives `leaving`'s seat to the first person on the waitlist who keeps every quota, invites
/// them (same deadline length as a fresh invitation: 7 days), with `leaving`'s session when
/// they named it as possible. Call with the draw locked.
async fn promote(tx: &mut TenantTx, draw: Uuid, leaving: Uuid, origin: &str) -> Result<bool, sqlx::Error> {
    let head = sqlx::query(
        "SELECT d.seats, d.quotas, r.criteria FROM workshop_draws d
           JOIN workshop_recruitments r ON r.tenant_id = d.tenant_id AND r.id = d.recruitment_id
          WHERE d.tenant_id = $1 AND d.id = $2",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .fetch_one(&mut **tx)
    .await?;
    let seats: i32 = head.try_get("seats")?;
    let quotas: PercentQuotas = serde_json::from_value(head.try_get("quotas")?).unwrap_or_default();
    let criteria: Vec<Criterion> = serde_json::from_value(head.try_get("criteria")?).unwrap_or_default();
    let rows = sqlx::query(
        "SELECT s.application_id, s.status, s.seat, s.waitlist_rank, a.answers, a.email FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.tenant_id = $1 AND s.draw_id = $2",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .fetch_all(&mut **tx)
    .await?;
    let mut answers: Vec<Answers> = Vec::with_capacity(rows.len());
    let mut panel = Vec::new();
    let mut waitlist: Vec<(i32, usize)> = Vec::new();
    let mut leaving_index = None;
    let mut seat = None;
    for (i, r) in rows.iter().enumerate() {
        let value: Value = r.try_get("answers")?;
        answers.push(serde_json::from_value(value).unwrap_or_default());
        let application: Uuid = r.try_get("application_id")?;
        let status: String = r.try_get("status")?;
        if application == leaving {
            leaving_index = Some(i);
            seat = r.try_get::<Option<i32>, _>("seat")?;
            panel.push(i);
        } else if status == "invited" || status == "confirmed" {
            panel.push(i);
        } else if status == "waitlist" {
            waitlist.push((r.try_get::<Option<i32>, _>("waitlist_rank")?.unwrap_or(i32::MAX), i));
        }
    }
    let (Some(leaving_index), Some(seat)) = (leaving_index, seat) else {
        return Ok(false);
    };
    waitlist.sort_unstable();
    let order: Vec<usize> = waitlist.into_iter().map(|(_, i)| i).collect();
    let (instance, _) = build_instance(&criteria, &quotas, seats.max(1) as u32, &answers);
    let Some(next) = replacement(&instance, &panel, leaving_index, &order) else {
        return Ok(false);
    };
    let application: Uuid = rows[next].try_get("application_id")?;
    let email: String = rows[next].try_get("email")?;
    // The newcomer takes the leaving person's session too when they named it as possible (the
    // seat there is free now); the leaving person no longer holds a place in it.
    sqlx::query(
        "UPDATE workshop_selections s SET status = 'invited', seat = $4, waitlist_rank = NULL,
                session_id = (SELECT l.session_id FROM workshop_selections l, workshop_applications a
                               WHERE l.tenant_id = $1 AND l.draw_id = $2 AND l.application_id = $5
                                 AND a.tenant_id = $1 AND a.id = $3 AND l.session_id = ANY (a.sessions))
          WHERE s.tenant_id = $1 AND s.draw_id = $2 AND s.application_id = $3",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .bind(application)
    .bind(seat)
    .bind(leaving)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE workshop_selections SET session_id = NULL
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3",
    )
    .bind(tx.tenant_id())
    .bind(draw)
    .bind(leaving)
    .execute(&mut **tx)
    .await?;
    invite(tx, draw, application, &email, origin, Utc::now() + Duration::days(7)).await?;
    Ok(true)
}

/// Queues the reminders due by `now` to confirmed people with a session: 7 days before, and
/// 1 day before (a person confirmed less than a day before gets only the last one). Each is
/// sent once; returns how many were queued.
pub async fn send_reminders(tx: &mut TenantTx, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let due = sqlx::query(
        "SELECT s.draw_id, s.application_id, a.email, w.id, w.title, w.caf_name, w.place, w.address,
                w.accessibility, w.starts_at, w.ends_at,
                to_char(w.starts_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY à HH24:MI') AS local_start
           FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
           JOIN workshop_sessions w ON w.tenant_id = s.tenant_id AND w.id = s.session_id
          WHERE s.tenant_id = $1 AND s.status = 'confirmed' AND w.starts_at > $2
            AND ((s.reminded_1_at IS NULL AND w.starts_at <= $2 + interval '1 day')
              OR (s.reminded_7_at IS NULL AND s.reminded_1_at IS NULL AND w.starts_at <= $2 + interval '7 days'))
          FOR UPDATE OF s",
    )
    .bind(tx.tenant_id())
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    for r in &due {
        let starts_at: DateTime<Utc> = r.try_get("starts_at")?;
        let last = starts_at <= now + Duration::days(1);
        let email: String = r.try_get("email")?;
        let text = format!(
            "Bonjour,\n\nNous vous rappelons l’atelier « {} » auquel vous avez confirmé votre participation : \
             le {}, {}, {}.\n\nSi vous ne pouvez plus venir, merci de prévenir la Caf.",
            r.try_get::<String, _>("title")?,
            r.try_get::<String, _>("local_start")?,
            r.try_get::<String, _>("place")?,
            r.try_get::<String, _>("address")?,
        );
        let subject = if last {
            "Rappel : votre atelier a lieu demain"
        } else {
            "Rappel : votre atelier dans une semaine"
        };
        let calendar = calendar_of(r, r.try_get("application_id")?)?;
        let content = MailContent {
            kind: MailKind::Workshop,
            subject,
            text: &text,
            campaign: None,
            attachment: Some(&calendar),
        };
        queue_to(tx, &email, &content).await?;
        let column = if last { "reminded_1_at" } else { "reminded_7_at" };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE workshop_selections SET {column} = $4 WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3"
        )))
        .bind(tx.tenant_id())
        .bind(r.try_get::<Uuid, _>("draw_id")?)
        .bind(r.try_get::<Uuid, _>("application_id")?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(due.len())
}
