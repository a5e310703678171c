//! Outgoing e-mail through a transactional outbox, delivered at most once by a worker.
//!
//! - [`queue`](mod@queue): an action that sends mail writes `mail_outbox` rows in its own
//!   transaction, so a mail exists if and only if the action happened. List mail (invitations,
//!   news) to an address that unsubscribed from the space is recorded as `suppressed`, never sent.
//! - [`worker`]: claims due rows per space (`FOR UPDATE SKIP LOCKED`, row-level security
//!   context), sends them over parallel SMTP connections, records every attempt, retries with
//!   a capped backoff and keeps each space under its rate.
//! - [`render`]: text and HTML (minijinja, auto-escaped) in the space's name and colours, with
//!   `List-Unsubscribe` on list mail.
//! - [`unsubscribe`]: `/desabonnement/{token}`, the one-click (RFC 8058) and page flow.
//! - [`status`]: what consoles show: each mail's fate, counts per status, operator decisions.
//!
//! The delivery guarantee (exactly once, or visibly `uncertain`) is explained in `docs/mail.md`.

pub mod address;
mod claim;
pub mod console;
pub mod queue;
pub mod render;
pub mod smtp;
pub mod status;
pub mod unsubscribe;
pub mod worker;

pub use queue::{
    Attachment, BulkQueued, Follower, MailContent, OutgoingMail, Queued, queue, queue_batch, queue_bulk,
    queue_follow_news, queue_to, recipient_lang,
};
pub use unsubscribe::routes;

use serde::Serialize;

/// What a mail is for; decides suppression and `List-Unsubscribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A sign-in link: transactional, always sent, no unsubscribe link.
    SignIn,
    /// An invitation to take part in a campaign: list mail.
    Invitation,
    /// News of a space (results, new campaigns): list mail.
    News,
    /// Workshop invitations and reminders to people who applied: they asked to be contacted
    /// and have deadlines, so it goes like transactional mail (never suppressed, not held back
    /// by the monthly quota).
    Workshop,
    /// The author of a contribution a moderator hid is told why: about the person's own
    /// contribution, it goes like transactional mail too.
    Moderation,
    /// A reply to what the person wrote, or an update of an idea they follow: list mail (its
    /// text also links to stop following that idea alone).
    Conversation,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::SignIn => "sign_in",
            MailKind::Invitation => "invitation",
            MailKind::News => "news",
            MailKind::Workshop => "workshop",
            MailKind::Moderation => "moderation",
            MailKind::Conversation => "conversation",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "sign_in" => Some(MailKind::SignIn),
            "invitation" => Some(MailKind::Invitation),
            "news" => Some(MailKind::News),
            "workshop" => Some(MailKind::Workshop),
            "moderation" => Some(MailKind::Moderation),
            "conversation" => Some(MailKind::Conversation),
            _ => None,
        }
    }

    /// List mail can be unsubscribed from; transactional mail answers a person's own request.
    pub fn is_list_mail(self) -> bool {
        !matches!(self, MailKind::SignIn | MailKind::Workshop | MailKind::Moderation)
    }

    /// After this long without success a mail is marked `failed`: a sign-in link is useless
    /// long before (it expires after 15 minutes), an invitation still matters for days, a
    /// workshop mail for a day (a reminder the day before is useless later).
    pub fn give_up_after(self) -> chrono::Duration {
        match self {
            MailKind::SignIn => chrono::Duration::hours(1),
            MailKind::Workshop => chrono::Duration::days(1),
            MailKind::Moderation => chrono::Duration::days(3),
            // A reply is news for a day; later, the page says it better.
            MailKind::Conversation => chrono::Duration::days(1),
            MailKind::Invitation | MailKind::News => chrono::Duration::days(3),
        }
    }
}

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its turn (or for the SMTP server to come back).
    Queued,
    /// A worker holds it.
    Sending,
    /// The SMTP server answered 250.
    Sent,
    /// Refused for good (5xx), or still not sent when it stopped being useful.
    Failed,
    /// List mail to an address that unsubscribed: not sent.
    Suppressed,
    /// A worker stopped after handing the message over and before hearing the answer: it may
    /// or may not have been delivered. Never resent automatically; an operator decides.
    Uncertain,
}

impl MailStatus {
    pub const ALL: [MailStatus; 6] = [
        MailStatus::Queued,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Suppressed,
        MailStatus::Uncertain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Suppressed => "suppressed",
            MailStatus::Uncertain => "uncertain",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        MailStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}
