//! Mail delivery end to end: a real SMTP server over TCP in this process, real PostgreSQL as
//! the application role, the worker as production runs it.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use std::collections::HashMap;
use std::time::Duration;

use ecoute::mail::status::{self, Filter};
use ecoute::mail::worker::{Transport, WorkerOptions};
use ecoute::mail::{MailContent, MailKind, OutgoingMail, Queued, queue, queue_bulk, queue_to};
use ecoute::tenancy::TenantDb;
use uuid::Uuid;

use crate::helpers::{TestDb, tenant_id};
use crate::smtp::ReceivedMail;

mod bulk;
mod delivery;
mod list_mail;

const SENDER: &str = "La Caf à votre écoute <ne-pas-repondre@localhost>";

fn options() -> WorkerOptions {
    WorkerOptions {
        per_minute: None,
        connections: 4,
        batch: 16,
        lease: Duration::from_secs(30),
        link_base: "http://{host}:8080".into(),
        base_domain: "localhost".into(),
        sweep_every: Duration::from_millis(500),
    }
}

fn transport(url: &str) -> Transport {
    Transport::from_settings(Some(url), SENDER).unwrap()
}

/// One space, reached as the application role (row-level security applies).
struct Space {
    db: TenantDb,
    id: Uuid,
}

impl Space {
    async fn new(test_db: &TestDb, slug: &str) -> Self {
        let owner = test_db.owner().await;
        let id = tenant_id(&owner, slug).await;
        owner.close().await;
        Space {
            db: TenantDb::new(test_db.app_pool().await),
            id,
        }
    }

    async fn invite(&self, to: &str, subject: &str, text: &str) -> Queued {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        let content = MailContent {
            kind: MailKind::Invitation,
            subject,
            text,
            campaign: None,
            attachment: None,
            lang: ecoute::web::i18n::Lang::Fr,
        };
        let queued = queue_to(&mut tx, to, &content).await.unwrap();
        tx.commit().await.unwrap();
        queued
    }

    async fn invite_many(&self, to: &[String], campaign: Option<Uuid>) -> ecoute::mail::BulkQueued {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        let content = MailContent {
            kind: MailKind::Invitation,
            subject: "Votre avis compte",
            text: "Bonjour,\n\nDonnez votre avis : http://gironde.localhost/consultations/accueil",
            campaign,
            attachment: None,
            lang: ecoute::web::i18n::Lang::Fr,
        };
        let queued = queue_bulk(&mut tx, to, &content).await.unwrap();
        tx.commit().await.unwrap();
        queued
    }

    async fn sign_in_mail(&self, to: &str) -> Queued {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        let mail = OutgoingMail {
            to: to.into(),
            subject: "Votre lien de connexion".into(),
            text: "Ouvrez ce lien : http://gironde.localhost/connexion/lien?jeton=x".into(),
            lang: ecoute::web::i18n::Lang::Fr,
        };
        let queued = queue(&mut tx, &mail).await.unwrap();
        tx.commit().await.unwrap();
        queued
    }

    async fn counts(&self) -> status::Counts {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        status::counts(&mut tx, &Filter::default()).await.unwrap()
    }

    /// (status, attempts, last error, Message-ID) of one mail.
    async fn mail(&self, id: Uuid) -> (String, i32, Option<String>, String) {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        sqlx::query_as("SELECT status, attempts, last_error, message_id FROM mail_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    }

    /// Message-ID → status of every mail of the space.
    async fn statuses(&self) -> HashMap<String, String> {
        let mut tx = self
            .db
            .begin_in(crate::helpers::space(&self.db, self.id).await)
            .await
            .unwrap();
        sqlx::query_as::<_, (String, String)>("SELECT message_id, status FROM mail_outbox")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
            .into_iter()
            .collect()
    }
}

fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}@exemple.fr")).collect()
}

/// How many times each Message-ID arrived.
fn arrivals(messages: &[ReceivedMail]) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in messages {
        *seen.entry(m.message_id()).or_default() += 1;
    }
    seen
}

fn to(messages: &[ReceivedMail], address: &str) -> Vec<ReceivedMail> {
    messages
        .iter()
        .filter(|m| m.to == vec![address.to_owned()])
        .cloned()
        .collect()
}

/// Nothing answers on `port`.
async fn smtp_nothing_on(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err()
}
