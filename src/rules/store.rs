//! What the operator of a space fills in for its rules pages (`space_rules`, one row per
//! space): the parts no data of the platform can give. Each field is checked where the form
//! is read ([`SpaceRules::parse`]); an empty one is shown on the pages as not given yet.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::mail::address::EmailAddress;
use crate::tenancy::TenantTx;

/// The operator's part of the rules pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpaceRules {
    /// The publisher's postal address.
    pub publisher_address: String,
    /// Name and function of the publication director.
    pub publication_director: String,
    /// Where people write (the platform, its content, its accessibility, a moderation).
    pub contact_email: String,
    pub dpo_name: String,
    pub dpo_email: String,
    pub dpo_address: String,
    pub host_name: String,
    pub host_address: String,
}

/// The fields in the form's order: name, longest length, whether it is an e-mail address,
/// whether it takes several lines.
pub const FIELDS: [(&str, usize, bool, bool); 8] = [
    ("publication_director", 200, false, false),
    ("publisher_address", 500, false, true),
    ("contact_email", 254, true, false),
    ("dpo_name", 200, false, false),
    ("dpo_email", 254, true, false),
    ("dpo_address", 500, false, true),
    ("host_name", 200, false, false),
    ("host_address", 500, false, true),
];

/// A field the form refused, and the locale key of why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: &'static str,
}

impl SpaceRules {
    /// The value of a field by name (one of [`FIELDS`]).
    pub fn get(&self, field: &str) -> &str {
        match field {
            "publisher_address" => &self.publisher_address,
            "publication_director" => &self.publication_director,
            "contact_email" => &self.contact_email,
            "dpo_name" => &self.dpo_name,
            "dpo_email" => &self.dpo_email,
            "dpo_address" => &self.dpo_address,
            "host_name" => &self.host_name,
            "host_address" => &self.host_address,
            _ => "",
        }
    }

    fn slot(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "publisher_address" => &mut self.publisher_address,
            "publication_director" => &mut self.publication_director,
            "contact_email" => &mut self.contact_email,
            "dpo_name" => &mut self.dpo_name,
            "dpo_email" => &mut self.dpo_email,
            "dpo_address" => &mut self.dpo_address,
            "host_name" => &mut self.host_name,
            "host_address" => &mut self.host_address,
            _ => return None,
        })
    }

    /// Reads the form's fields (`value(name)`): trimmed, at most their length, addresses
    /// plausible and lowercased. Returns what was typed (to show again) and the problems.
    pub fn parse(value: impl Fn(&str) -> Option<String>) -> (SpaceRules, Vec<FieldProblem>) {
        let mut rules = SpaceRules::default();
        let mut problems = Vec::new();
        for (field, max, email, multiline) in FIELDS {
            let raw = value(field).unwrap_or_default();
            let mut text = raw.trim().replace("\r\n", "\n");
            if !multiline {
                text = text.replace('\n', " ");
            }
            if text.chars().count() > max {
                problems.push(FieldProblem {
                    field,
                    message: "validation.too_long",
                });
            } else if email && !text.is_empty() {
                match EmailAddress::parse(&text) {
                    Ok(address) => text = address.as_str().to_owned(),
                    Err(_) => problems.push(FieldProblem {
                        field,
                        message: "rules_console.email_invalid",
                    }),
                }
            }
            if let Some(slot) = rules.slot(field) {
                *slot = text;
            }
        }
        (rules, problems)
    }

    /// The names of the fields that differ from `before` (for the audit log).
    pub fn changed_from(&self, before: &SpaceRules) -> Vec<&'static str> {
        FIELDS
            .iter()
            .map(|(field, ..)| *field)
            .filter(|field| self.get(field) != before.get(field))
            .collect()
    }
}

/// The space's rules as last saved, and when and by whom (`None` when never saved).
pub async fn find(tx: &mut TenantTx) -> Result<(SpaceRules, Option<(DateTime<Utc>, String)>), sqlx::Error> {
    let row = sqlx::query!(
        "SELECT publisher_address, publication_director, contact_email, dpo_name, dpo_email, dpo_address,
                host_name, host_address, updated_at, updated_by
           FROM space_rules WHERE tenant_id = $1",
        tx.tenant_id(),
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => (
            SpaceRules {
                publisher_address: r.publisher_address,
                publication_director: r.publication_director,
                contact_email: r.contact_email,
                dpo_name: r.dpo_name,
                dpo_email: r.dpo_email,
                dpo_address: r.dpo_address,
                host_name: r.host_name,
                host_address: r.host_address,
            },
            Some((r.updated_at, r.updated_by)),
        ),
        None => (SpaceRules::default(), None),
    })
}

/// Saves the space's rules (one row per space), naming `by`.
pub async fn save(tx: &mut TenantTx, rules: &SpaceRules, by: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO space_rules (tenant_id, publisher_address, publication_director, contact_email, dpo_name,
                                  dpo_email, dpo_address, host_name, host_address, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10)
         ON CONFLICT (tenant_id) DO UPDATE SET
             publisher_address = EXCLUDED.publisher_address, publication_director = EXCLUDED.publication_director,
             contact_email = EXCLUDED.contact_email, dpo_name = EXCLUDED.dpo_name, dpo_email = EXCLUDED.dpo_email,
             dpo_address = EXCLUDED.dpo_address, host_name = EXCLUDED.host_name, host_address = EXCLUDED.host_address,
             updated_at = now(), updated_by = EXCLUDED.updated_by",
        tx.tenant_id(),
        rules.publisher_address,
        rules.publication_director,
        rules.contact_email,
        rules.dpo_name,
        rules.dpo_email,
        rules.dpo_address,
        rules.host_name,
        rules.host_address,
        by,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_trimmed_checked_and_addresses_lowercased() {
        let form = |field: &str| {
            Some(match field {
                "contact_email" => " Contact@Caf33.CAF.fr ".to_owned(),
                "dpo_email" => "pas une adresse".to_owned(),
                "publisher_address" => "Rue Claude-Bonnier\r\n33000 Bordeaux".to_owned(),
                "publication_director" => "Marie Dupont,\ndirectrice".to_owned(),
                "host_name" => "x".repeat(201),
                _ => String::new(),
            })
        };
        let (rules, problems) = SpaceRules::parse(form);
        assert_eq!(rules.contact_email, "contact@caf33.caf.fr");
        assert_eq!(rules.publisher_address, "Rue Claude-Bonnier\n33000 Bordeaux");
        assert_eq!(rules.publication_director, "Marie Dupont, directrice");
        assert_eq!(
            problems.iter().map(|p| p.field).collect::<Vec<_>>(),
            ["dpo_email", "host_name"]
        );
        let before = SpaceRules::default();
        assert!(rules.changed_from(&before).contains(&"contact_email"));
        assert!(!rules.changed_from(&before).contains(&"dpo_name"));
    }
}
