//! Demo content for `ecoute demo`: a few campaigns in the national space and in each demo
//! module, so the spaces look like what they will be, and ([`contributions`]) people taking part
//! in them. Idempotent: seeding twice changes nothing. [`scale`] seeds a Grand-Débat-sized
//! national campaign for measurements (`ecoute demo --scale grand-debat`).

mod contribution_texts;
pub mod contributions;
pub mod scale;

use chrono::{Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

struct DemoCampaign {
    tenant: &'static str,
    slug: &'static str,
    scope: &'static str,
    audience: &'static str,
    title: &'static str,
    summary: &'static str,
    themes: &'static [&'static str],
    /// Days from today to the opening (negative: already open).
    opens_in_days: i64,
    weeks: i64,
}

/// Cover images of demo campaigns: (slug, URL, text alternative).
const COVERS: &[(&str, &str, &str)] = &[(
    "simplifier-les-demarches",
    "/static/cover-demarches.svg",
    "Illustration : un formulaire en ligne validé et un téléphone affichant l’application.",
)];

const CAMPAIGNS: &[DemoCampaign] = &[
    DemoCampaign {
        tenant: "national",
        slug: "simplifier-les-demarches",
        scope: "national",
        audience: "public",
        title: "Simplifier vos démarches en ligne",
        summary: "Déclaration trimestrielle, changement de situation, justificatifs : dites-nous ce qui vous complique la vie sur caf.fr et l’application, et ce qui vous aiderait.",
        themes: &["Démarches en ligne", "Application mobile", "Justificatifs"],
        opens_in_days: -10,
        weeks: 8,
    },
    DemoCampaign {
        tenant: "national",
        slug: "familles-monoparentales",
        scope: "national",
        audience: "public",
        title: "Parents solos : de quoi avez-vous besoin ?",
        summary: "Garde d’enfants, pension alimentaire, logement : partagez votre expérience pour améliorer l’accompagnement des familles monoparentales.",
        themes: &["Familles monoparentales", "Pension alimentaire", "Garde d’enfants"],
        opens_in_days: 14,
        weeks: 8,
    },
    DemoCampaign {
        tenant: "gironde",
        slug: "accueil-bordeaux",
        scope: "local",
        audience: "public",
        title: "Notre accueil à Bordeaux et dans les points relais",
        summary: "Horaires, rendez-vous, accueil sans rendez-vous, bornes : aidez la Caf de la Gironde à repenser l’accueil dans ses agences et ses points relais.",
        themes: &["Accueil", "Rendez-vous", "Points relais"],
        opens_in_days: -5,
        weeks: 8,
    },
    DemoCampaign {
        tenant: "gironde",
        slug: "outils-agents",
        scope: "local",
        audience: "staff",
        title: "Vos outils de travail au quotidien",
        summary: "Consultation interne réservée aux agents de la Caf de la Gironde : quels irritants dans vos outils, quelles idées pour gagner du temps ?",
        themes: &["Outils internes", "Qualité de vie au travail"],
        opens_in_days: -3,
        weeks: 6,
    },
    DemoCampaign {
        tenant: "haute-garonne",
        slug: "vacances-loisirs",
        scope: "local",
        audience: "public",
        title: "Vacances et loisirs des enfants",
        summary: "Accueils de loisirs, aides aux vacances, séjours : la Caf de la Haute-Garonne veut mieux connaître vos besoins pour l’été prochain.",
        themes: &["Vacances", "Accueils de loisirs", "Aides financières"],
        opens_in_days: -20,
        weeks: 8,
    },
    DemoCampaign {
        tenant: "aude",
        slug: "logement-jeunes",
        scope: "local",
        audience: "public",
        title: "Se loger quand on a moins de 25 ans",
        summary: "Aides au logement, colocation, premier appartement : racontez-nous votre parcours pour que la Caf de l’Aude vous accompagne mieux.",
        themes: &["Logement", "Jeunes", "Aides au logement"],
        opens_in_days: -2,
        weeks: 8,
    },
];

/// The demo survey of the national "simplifier vos démarches" campaign: one question of each
/// kind, and a conditional one.
struct DemoQuestion {
    kind: &'static str,
    label: &'static str,
    required: bool,
    options: &'static [&'static str],
    max_choices: Option<i32>,
    /// (position of the question it depends on, value)
    condition: Option<(i32, &'static str)>,
}

const SURVEY: &[DemoQuestion] = &[
    DemoQuestion {
        kind: "single_choice",
        label: "Avez-vous fait une démarche sur caf.fr ou l’application au cours des six derniers mois ?",
        required: true,
        options: &["Oui", "Non"],
        max_choices: None,
        condition: None,
    },
    DemoQuestion {
        kind: "multiple_choice",
        label: "Lesquelles ?",
        required: false,
        options: &[
            "Déclaration trimestrielle",
            "Changement de situation",
            "Envoi d’un justificatif",
            "Demande d’aide au logement",
            "Prise de rendez-vous",
        ],
        max_choices: Some(3),
        condition: Some((1, "Oui")),
    },
    DemoQuestion {
        kind: "scale",
        label: "Sur une échelle de 1 à 10, vos démarches en ligne sont-elles simples ?",
        required: true,
        options: &[],
        max_choices: None,
        condition: None,
    },
    DemoQuestion {
        kind: "ranking",
        label: "Classez ce qui vous aiderait le plus",
        required: false,
        options: &[
            "Des formulaires plus courts",
            "Un suivi de dossier en temps réel",
            "Un rappel avant chaque échéance",
        ],
        max_choices: None,
        condition: None,
    },
    DemoQuestion {
        kind: "short_text",
        label: "En un mot, votre dernière démarche était…",
        required: false,
        options: &[],
        max_choices: None,
        condition: None,
    },
    DemoQuestion {
        kind: "long_text",
        label: "Racontez-nous une difficulté rencontrée, et ce qui vous aurait aidé",
        required: false,
        options: &[],
        max_choices: None,
        condition: None,
    },
];

async fn seed_survey(owner: &PgPool) -> anyhow::Result<()> {
    let found: Option<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT c.tenant_id, c.id FROM campaigns c JOIN tenants t ON t.id = c.tenant_id
          WHERE t.kind = 'national' AND c.slug = 'simplifier-les-demarches'",
    )
    .fetch_optional(owner)
    .await?;
    let Some((tenant_id, campaign_id)) = found else {
        return Ok(());
    };
    let mut tx = crate::db::owner_tx_in(owner, tenant_id).await?;
    let existing: i64 =
        sqlx::query_scalar("SELECT count(*) FROM survey_questions WHERE tenant_id = $1 AND campaign_id = $2")
            .bind(tenant_id)
            .bind(campaign_id)
            .fetch_one(&mut *tx)
            .await?;
    if existing > 0 {
        return Ok(());
    }
    sqlx::query("UPDATE campaigns SET has_survey = true WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
    let mut ids: Vec<Uuid> = Vec::new();
    for (i, q) in SURVEY.iter().enumerate() {
        let condition_id = q.condition.map(|(position, _)| ids[position as usize - 1]);
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO survey_questions (tenant_id, campaign_id, position, kind, label, required, options, max_choices,
                                           condition_question_id, condition_value)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(tenant_id)
        .bind(campaign_id)
        .bind(i as i32 + 1)
        .bind(q.kind)
        .bind(q.label)
        .bind(q.required)
        .bind(q.options)
        .bind(q.max_choices)
        .bind(condition_id)
        .bind(q.condition.map(|(_, v)| v))
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts the demo campaigns that are missing. Returns how many were added.
pub async fn seed(owner: &PgPool) -> anyhow::Result<usize> {
    let mut added = 0;
    let today = Utc::now();
    for c in CAMPAIGNS {
        let tenant_id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
            .bind(c.tenant)
            .fetch_optional(owner)
            .await?;
        let Some(tenant_id) = tenant_id else {
            tracing::warn!(tenant = c.tenant, "demo tenant missing; skipping its campaigns");
            continue;
        };
        let opens_at = today + Duration::days(c.opens_in_days);
        // Write inside the tenant's context: RLS is forced, even for the owner.
        let mut tx = crate::db::owner_tx_in(owner, tenant_id).await?;
        let result = sqlx::query(
            "INSERT INTO campaigns (tenant_id, slug, scope, audience, title, summary, themes, opens_at, closes_at, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
             ON CONFLICT (tenant_id, slug) DO NOTHING",
        )
        .bind(tenant_id)
        .bind(c.slug)
        .bind(c.scope)
        .bind(c.audience)
        .bind(c.title)
        .bind(c.summary)
        .bind(c.themes)
        .bind(opens_at)
        .bind(opens_at + Duration::weeks(c.weeks))
        .execute(&mut *tx)
        .await?;
        if let Some((_, url, alt)) = COVERS.iter().find(|(slug, _, _)| *slug == c.slug) {
            sqlx::query(
                "UPDATE campaigns SET cover_image_url = $3, cover_image_alt = $4
                  WHERE tenant_id = $1 AND slug = $2 AND cover_image_url IS NULL",
            )
            .bind(tenant_id)
            .bind(c.slug)
            .bind(url)
            .bind(alt)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        added += result.rows_affected() as usize;
    }
    seed_survey(owner).await?;
    Ok(added)
}

/// Demo operators, with fresh random passwords (printed by `ecoute demo`, never stored in
/// clear): a national admin, and a local operator of each demo module. Returns
/// (e-mail, password, space slug or "national").
pub async fn seed_operators(owner: &PgPool) -> anyhow::Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    let locals: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, slug FROM tenants WHERE kind = 'local' ORDER BY slug")
        .fetch_all(owner)
        .await?;
    let mut people = vec![("admin@cnaf.demo".to_owned(), "Admin national (démo)".to_owned(), None)];
    for (id, slug) in &locals {
        people.push((
            format!("operateur@{slug}.demo"),
            format!("Opérateur {slug} (démo)"),
            Some((*id, slug.clone())),
        ));
    }
    for (email, name, space) in people {
        let password = crate::tokens::new_token()[..16].to_owned();
        let hash = crate::operators::password::hash(&password)?;
        let operator: Uuid = sqlx::query_scalar(
            "INSERT INTO operators (email, name, national_admin, password_hash) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, failed_attempts = 0, locked_until = NULL
             RETURNING id",
        )
        .bind(&email)
        .bind(&name)
        .bind(space.is_none())
        .bind(&hash)
        .fetch_one(owner)
        .await?;
        let label = match &space {
            None => "national".to_owned(),
            Some((id, slug)) => {
                let mut tx = crate::db::owner_tx_in(owner, *id).await?;
                sqlx::query(
                    "INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ($1, $2, 'local_operator')
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(operator)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                slug.clone()
            }
        };
        out.push((email, password, label));
    }
    Ok(out)
}
