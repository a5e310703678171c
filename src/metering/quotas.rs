//! Plan quotas: a space's limits (`tenants.quotas`, from `tenants/` and the national console),
//! how much of each is used, the warning at 80 % and the refusal at 100 %.
//!
//! | quota | what it limits | at 100 % |
//! |---|---|---|
//! | `emails_per_month` | invitations and news sent this month (Paris calendar) | further list mail waits in the queue (`mail_claim`), never dropped; sign-in links still go |
//! | `active_campaigns` | published campaigns not yet closed | publishing another is refused |
//! | `storage_mb` | bytes of uploaded images | an upload is refused |

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use super::usage;
use crate::tenancy::TenantTx;

/// The quota keys a plan may set, in display order.
pub const KEYS: [&str; 3] = ["emails_per_month", "active_campaigns", "storage_mb"];

/// Share of a quota from which consoles warn.
pub const WARNING_AT: f64 = 0.8;

/// How close to its limit a quota is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaLevel {
    /// No limit, or under 80 %.
    Fine,
    /// 80 % or more.
    Warning,
    /// The limit is reached: the next action of this kind is refused (or, for mail, waits).
    Reached,
}

/// One quota: its key, what is used and the limit (`None`: unlimited).
#[derive(Debug, Clone, Serialize)]
pub struct Quota {
    pub key: &'static str,
    pub used: i64,
    pub limit: Option<i64>,
    pub level: QuotaLevel,
    /// Used share in whole percent (0 without a limit), for gauges.
    pub percent: i64,
}

impl Quota {
    pub fn new(key: &'static str, used: i64, limit: Option<i64>) -> Quota {
        let (level, percent) = match limit {
            None => (QuotaLevel::Fine, 0),
            Some(limit) if used >= limit => (QuotaLevel::Reached, if limit == 0 { 100 } else { used * 100 / limit }),
            Some(limit) => {
                let share = used as f64 / limit as f64;
                let level = if share >= WARNING_AT {
                    QuotaLevel::Warning
                } else {
                    QuotaLevel::Fine
                };
                (level, used * 100 / limit)
            }
        };
        Quota {
            key,
            used,
            limit,
            level,
            percent,
        }
    }

    /// How many more are allowed (`None`: unlimited).
    pub fn remaining(&self) -> Option<i64> {
        self.limit.map(|limit| (limit - self.used).max(0))
    }
}

/// Every quota of a space, as its consoles show them.
#[derive(Debug, Clone, Serialize)]
pub struct Quotas {
    pub emails_per_month: Quota,
    pub active_campaigns: Quota,
    pub storage_mb: Quota,
}

impl Quotas {
    pub fn all(&self) -> [&Quota; 3] {
        [&self.emails_per_month, &self.active_campaigns, &self.storage_mb]
    }

    /// The quotas at 80 % or more, for the console's banner.
    pub fn alerts(&self) -> Vec<&Quota> {
        self.all().into_iter().filter(|q| q.level != QuotaLevel::Fine).collect()
    }
}

/// A refusal at 100 %: what was refused, and the quota that refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRefusal {
    pub key: &'static str,
    pub used: i64,
    pub limit: i64,
}

impl QuotaRefusal {
    /// The refusal in the interface's language (`fr` or `en`).
    pub fn message(&self, lang: &str) -> String {
        let fr = lang != "en";
        match (self.key, fr) {
            ("active_campaigns", true) => format!(
                "Publication refusée : votre formule permet {} {} à la fois et {} {} déjà. \
                 Clôturez une consultation ou demandez à la Cnaf d’augmenter ce quota.",
                self.limit,
                if self.limit < 2 {
                    "consultation ouverte"
                } else {
                    "consultations ouvertes"
                },
                self.used,
                if self.used < 2 { "l’est" } else { "le sont" },
            ),
            ("active_campaigns", false) => format!(
                "Publication refused: your plan allows {} open {} at a time and {} already {}. \
                 Close a campaign or ask the Cnaf to raise this quota.",
                self.limit,
                if self.limit == 1 { "campaign" } else { "campaigns" },
                self.used,
                if self.used == 1 { "is" } else { "are" },
            ),
            ("storage_mb", true) => format!(
                "Envoi refusé : l’espace de stockage de votre formule ({} Mo) serait dépassé ({} Mo utilisés). \
                 Supprimez des images ou demandez à la Cnaf d’augmenter ce quota.",
                self.limit, self.used
            ),
            ("storage_mb", false) => format!(
                "Upload refused: your plan’s storage ({} MB) would be exceeded ({} MB used). \
                 Remove images or ask the Cnaf to raise this quota.",
                self.limit, self.used
            ),
            (_, true) => format!(
                "Quota mensuel de courriels atteint ({} sur {}) : les invitations attendent dans la file jusqu’au mois prochain \
                 ou jusqu’à une hausse du quota.",
                self.used, self.limit
            ),
            (_, false) => format!(
                "Monthly e-mail quota reached ({} of {}): invitations wait in the queue until next month or a raised quota.",
                self.used, self.limit
            ),
        }
    }
}

/// A space's limits as stored (`tenants.quotas`).
pub async fn limits(tx: &mut TenantTx, tenant: Uuid) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let quotas: Option<sqlx::types::Json<BTreeMap<String, i64>>> = sqlx::query_scalar!(
        r#"SELECT quotas AS "quotas: sqlx::types::Json<BTreeMap<String, i64>>" FROM tenants WHERE id = $1"#,
        tenant,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(quotas.map(|q| q.0).unwrap_or_default())
}

/// Published campaigns of the space that are not closed yet.
async fn active_campaigns(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM campaigns
          WHERE tenant_id = $1 AND published_at IS NOT NULL AND closes_at > now()"#,
        tx.tenant_id(),
    )
    .fetch_one(&mut **tx)
    .await
}

/// Whole mebibytes, rounded up: 1 byte over a quota is over it.
pub fn mebibytes(bytes: i64) -> i64 {
    (bytes + (1 << 20) - 1) >> 20
}

/// The space's quotas with what it uses now (this month for mail).
pub async fn for_space(tx: &mut TenantTx) -> Result<Quotas, sqlx::Error> {
    let tenant = tx.tenant_id();
    let limits = limits(tx, tenant).await?;
    let used = usage::for_space(tx, super::current_month()).await?;
    let sending: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM mail_outbox WHERE tenant_id = $1 AND status = 'sending'"#,
        tenant,
    )
    .fetch_one(&mut **tx)
    .await?;
    let active = active_campaigns(tx).await?;
    Ok(Quotas {
        emails_per_month: Quota::new(
            "emails_per_month",
            used.emails_sent + sending,
            limits.get("emails_per_month").copied(),
        ),
        active_campaigns: Quota::new("active_campaigns", active, limits.get("active_campaigns").copied()),
        storage_mb: Quota::new(
            "storage_mb",
            mebibytes(used.storage_bytes),
            limits.get("storage_mb").copied(),
        ),
    })
}

/// Refuses publishing one more campaign when the space has as many open as its plan allows.
/// Call inside the publishing transaction, before the write.
pub async fn allow_publication(tx: &mut TenantTx) -> Result<Result<(), QuotaRefusal>, sqlx::Error> {
    let tenant = tx.tenant_id();
    let Some(limit) = limits(tx, tenant).await?.get("active_campaigns").copied() else {
        return Ok(Ok(()));
    };
    let active = active_campaigns(tx).await?;
    Ok(if active >= limit {
        Err(QuotaRefusal {
            key: "active_campaigns",
            used: active,
            limit,
        })
    } else {
        Ok(())
    })
}

/// Refuses storing `extra` more bytes beyond the space's storage quota. `freed` is what the
/// same action deletes (a replaced image).
pub async fn allow_storage(tx: &mut TenantTx, extra: i64, freed: i64) -> Result<Result<(), QuotaRefusal>, sqlx::Error> {
    let tenant = tx.tenant_id();
    let Some(limit_mb) = limits(tx, tenant).await?.get("storage_mb").copied() else {
        return Ok(Ok(()));
    };
    let stored: i64 = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(quantity), 0)::bigint AS "stored!" FROM usage_by_day WHERE tenant_id = $1 AND metric = 'storage_bytes'"#,
        tenant,
    )
    .fetch_one(&mut **tx)
    .await?;
    let after = stored - freed + extra;
    Ok(if after > limit_mb << 20 {
        Err(QuotaRefusal {
            key: "storage_mb",
            used: mebibytes(stored),
            limit: limit_mb,
        })
    } else {
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_warn_at_eighty_percent_and_refuse_at_the_limit() {
        assert_eq!(Quota::new("k", 79, Some(100)).level, QuotaLevel::Fine);
        assert_eq!(Quota::new("k", 80, Some(100)).level, QuotaLevel::Warning);
        assert_eq!(Quota::new("k", 99, Some(100)).level, QuotaLevel::Warning);
        assert_eq!(Quota::new("k", 100, Some(100)).level, QuotaLevel::Reached);
        assert_eq!(Quota::new("k", 120, Some(100)).remaining(), Some(0));
        assert_eq!(Quota::new("k", 0, Some(0)).level, QuotaLevel::Reached);
        assert_eq!(Quota::new("k", 1_000_000, None).level, QuotaLevel::Fine);
        assert_eq!(Quota::new("k", 1_000_000, None).remaining(), None);
        assert_eq!(Quota::new("k", 4, Some(5)).percent, 80);
    }

    #[test]
    fn storage_rounds_up_to_whole_mebibytes() {
        assert_eq!(mebibytes(0), 0);
        assert_eq!(mebibytes(1), 1);
        assert_eq!(mebibytes(1 << 20), 1);
        assert_eq!(mebibytes((1 << 20) + 1), 2);
    }

    #[test]
    fn refusals_say_what_and_why_in_both_languages() {
        let r = QuotaRefusal {
            key: "active_campaigns",
            used: 5,
            limit: 5,
        };
        assert!(r.message("fr").contains("Publication refusée"));
        assert!(
            r.message("fr")
                .contains("5 consultations ouvertes à la fois et 5 le sont déjà")
        );
        let one = QuotaRefusal { limit: 1, used: 1, ..r };
        assert!(
            one.message("fr")
                .contains("1 consultation ouverte à la fois et 1 l’est déjà")
        );
        assert!(one.message("en").contains("1 open campaign at a time and 1 already is"));
        assert!(r.message("en").contains("Publication refused"));
    }
}
