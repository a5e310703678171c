//! Issue 17, class 3: a row of one space cannot name a row of another. References between
//! tenant rows are foreign keys that carry tenant_id; the catalogue is read so that a reference
//! added later without it fails here.

use std::collections::BTreeSet;

use ecoute::tenancy::TenantDb;
use reqwest::Method;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::{TestApp, as_owner, insert_campaign, session_for, tenant_id};

/// Id columns of tenant tables that carry no foreign key, each with the reason. Any other
/// column named `*_id`/`*_ids` or typed uuid, in a table with tenant_id, must be in a foreign key.
const UNREFERENCED_ID_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "space_oidc_providers",
        "client_id",
        "the OpenID client identifier the space's provider issued (text), not a row's id",
    ),
    (
        "campaigns",
        "creation_key",
        "the key of the console form that made the campaign (idempotency), not a row's id",
    ),
    (
        "analysis_assignments",
        "contribution_id",
        "idea or answer key, written by the analysis job from the campaign's own reads",
    ),
    (
        "analysis_duplicates",
        "contribution_ids",
        "array, written by the analysis job",
    ),
    (
        "analysis_themes",
        "representatives",
        "array, written by the analysis job",
    ),
    (
        "analysis_merges",
        "contribution_id",
        "idea or answer key: constraint trigger analysis_merges_contributions",
    ),
    (
        "analysis_merges",
        "into_contribution_id",
        "idea or answer key: constraint trigger analysis_merges_contributions",
    ),
    ("analysis_edits", "theme_key", "a theme key, not a row"),
    ("analysis_edits", "other_key", "a theme key, not a row"),
    ("analysis_themes", "theme_key", "a theme key, not a row"),
    ("decision_themes", "theme_key", "a theme key, not a row"),
    (
        "analysis_edits",
        "operator_id",
        "an operator (platform table), kept for the record",
    ),
    (
        "analysis_merges",
        "operator_id",
        "an operator (platform table), kept for the record",
    ),
    (
        "analysis_runs",
        "requested_by",
        "an operator (platform table), kept for the record",
    ),
    (
        "analysis_settings",
        "updated_by",
        "an operator (platform table), kept for the record",
    ),
    (
        "content_reports",
        "target_id",
        "checked through idea_id and the generated comment_id",
    ),
    (
        "moderation_actions",
        "target_id",
        "checked through the generated idea_id and comment_id",
    ),
    ("ideas", "submission_key", "a form's one-time key"),
    (
        "invitation_batches",
        "confirm_key",
        "the confirm form's idempotency key",
    ),
    ("idea_comments", "submission_key", "a form's one-time key"),
    ("workshop_imports", "confirm_key", "the confirm form's idempotency key"),
    (
        "workshop_applications",
        "external_id",
        "an imported person's id in their file (text)",
    ),
    ("survey_responses", "submission_key", "a form's one-time key"),
    (
        "workshop_applications",
        "sessions",
        "array of the recruitment's sessions",
    ),
    ("mail_outbox", "message_id", "the SMTP Message-ID (text)"),
];

/// Every foreign key from a table with tenant_id to another such table pairs tenant_id with
/// tenant_id; every other id column is in a foreign key or listed above.
#[tokio::test]
async fn tenant_references_carry_tenant_id() {
    let test_db = crate::helpers::TestDb::new().await;
    let owner = test_db.owner().await;
    let unpaired: Vec<String> = sqlx::query_scalar(
        "WITH tt AS (SELECT attrelid AS rel, attnum FROM pg_attribute
                      WHERE attname = 'tenant_id' AND NOT attisdropped
                        AND attrelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')))
         SELECT k.conrelid::regclass::text || ': ' || pg_get_constraintdef(k.oid)
           FROM pg_constraint k
           JOIN tt src ON src.rel = k.conrelid
           JOIN tt dst ON dst.rel = k.confrelid
          WHERE k.contype = 'f'
            AND NOT EXISTS (SELECT 1 FROM unnest(k.conkey, k.confkey) AS p(l, r)
                             WHERE p.l = src.attnum AND p.r = dst.attnum)",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert!(
        unpaired.is_empty(),
        "foreign keys between tenant tables without tenant_id on both sides: {unpaired:#?}"
    );

    let unreferenced: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE c.relkind IN ('r', 'p')
            AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
            AND a.attname NOT IN ('id', 'tenant_id')
            AND (a.attname LIKE '%\\_id' OR a.attname LIKE '%\\_ids' OR a.atttypid IN ('uuid'::regtype, 'uuid[]'::regtype))
            AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                             WHERE k.contype = 'f' AND k.conrelid = c.oid AND a.attnum = ANY (k.conkey))",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    let found: BTreeSet<(String, String)> = unreferenced.into_iter().collect();
    let listed: BTreeSet<(String, String)> = UNREFERENCED_ID_COLUMNS
        .iter()
        .map(|(t, c, _)| (t.to_string(), c.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&listed).collect();
    assert!(
        new.is_empty(),
        "id columns without a foreign key (add one with tenant_id, or list the reason): {new:?}"
    );
    let stale: Vec<_> = listed.difference(&found).collect();
    assert!(
        stale.is_empty(),
        "listed as unreferenced but now in a foreign key (drop from the list): {stale:?}"
    );
}

/// One idea and one comment in `tenant`'s campaign; returns (idea, comment).
async fn idea_with_comment(owner: &PgPool, tenant: Uuid, campaign: Uuid) -> (Uuid, Uuid) {
    let (idea, comment) = (Uuid::new_v4(), Uuid::new_v4());
    as_owner(owner, tenant, format!(
        "INSERT INTO ideas (tenant_id, id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         VALUES ('{tenant}', '{idea}', '{campaign}', '{tenant}', 'idee', 'Une idée', 'Le corps de l''idée', gen_random_uuid());
         INSERT INTO idea_comments (tenant_id, id, idea_id, origin_tenant_id, body, submission_key)
         VALUES ('{tenant}', '{comment}', '{idea}', '{tenant}', 'Un commentaire', gen_random_uuid());"
    ))
    .await;
    (idea, comment)
}

/// Error code of a foreign key violation (the merges' trigger raises it too).
const FOREIGN_KEY_VIOLATION: &str = "23503";

#[tokio::test]
async fn the_database_refuses_references_across_spaces() {
    let test_db = crate::helpers::TestDb::new().await;
    let owner = test_db.owner().await;
    let (a, b) = (tenant_id(&owner, "gironde").await, tenant_id(&owner, "aude").await);
    let a_campaign = insert_campaign(&owner, "gironde", "local", "Campagne A").await;
    let b_campaign = insert_campaign(&owner, "aude", "local", "Campagne B").await;
    let (a_idea, a_comment) = idea_with_comment(&owner, a, a_campaign).await;
    let (a_other_idea, _) = idea_with_comment(&owner, a, a_campaign).await;
    let (b_idea, b_comment) = idea_with_comment(&owner, b, b_campaign).await;
    let db = TenantDb::new(test_db.app_pool().await);

    let attempts = [
        (
            "a report naming another space's comment",
            format!(
                "INSERT INTO content_reports (tenant_id, target_kind, target_id, idea_id, origin_tenant_id, reason)
             VALUES ('{a}', 'comment', '{b_comment}', '{a_idea}', '{a}', 'Signalement')"
            ),
        ),
        (
            "a report naming a comment of another idea",
            format!(
                "INSERT INTO content_reports (tenant_id, target_kind, target_id, idea_id, origin_tenant_id, reason)
             VALUES ('{a}', 'comment', '{a_comment}', '{a_other_idea}', '{a}', 'Signalement')"
            ),
        ),
        (
            "a report naming another space's idea",
            format!(
                "INSERT INTO content_reports (tenant_id, target_kind, target_id, idea_id, origin_tenant_id, reason)
             VALUES ('{a}', 'idea', '{b_idea}', '{b_idea}', '{a}', 'Signalement')"
            ),
        ),
        (
            "a merge of another space's idea",
            format!(
                "INSERT INTO analysis_merges (tenant_id, campaign_id, contribution_id, into_contribution_id)
             VALUES ('{a}', '{a_campaign}', '{b_idea}', '{a_idea}')"
            ),
        ),
        (
            "a merge into another space's idea",
            format!(
                "INSERT INTO analysis_merges (tenant_id, campaign_id, contribution_id, into_contribution_id)
             VALUES ('{a}', '{a_campaign}', '{a_idea}', '{b_idea}')"
            ),
        ),
        (
            "a moderation of another space's comment",
            format!(
                "INSERT INTO moderation_actions (tenant_id, target_kind, target_id, action, reason, actor)
             VALUES ('{a}', 'comment', '{b_comment}', 'hide', 'Hors charte', 'moderateur')"
            ),
        ),
        (
            "a reply to a comment of another idea",
            format!(
                "INSERT INTO idea_comments (tenant_id, idea_id, parent_id, origin_tenant_id, body, submission_key)
             VALUES ('{a}', '{a_other_idea}', '{a_comment}', '{a}', 'Réponse', gen_random_uuid())"
            ),
        ),
    ];
    for (what, sql) in attempts {
        let mut tx = db.begin_in(crate::helpers::space(&db, a).await).await.unwrap();
        let error = sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await.expect_err(what);
        assert_eq!(
            error.as_database_error().and_then(|e| e.code()).as_deref(),
            Some(FOREIGN_KEY_VIOLATION),
            "{what}: {error}"
        );
    }

    // The same rows within one space and one idea are accepted.
    let mut tx = db.begin_in(crate::helpers::space(&db, a).await).await.unwrap();
    for sql in [
        format!(
            "INSERT INTO content_reports (tenant_id, target_kind, target_id, idea_id, origin_tenant_id, reason)
             VALUES ('{a}', 'comment', '{a_comment}', '{a_idea}', '{a}', 'Signalement')"
        ),
        format!(
            "INSERT INTO analysis_merges (tenant_id, campaign_id, contribution_id, into_contribution_id)
             VALUES ('{a}', '{a_campaign}', '{a_other_idea}', '{a_idea}')"
        ),
        format!(
            "INSERT INTO moderation_actions (tenant_id, target_kind, target_id, action, reason, actor)
             VALUES ('{a}', 'comment', '{a_comment}', 'hide', 'Hors charte', 'moderateur')"
        ),
    ] {
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Reporting, through the API and the page form, a comment that is not the idea's (another
/// space's, another idea's, or unknown) answers 404, the same for each.
#[tokio::test]
async fn a_report_naming_a_foreign_comment_is_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let (a, b) = (tenant_id(&owner, "gironde").await, tenant_id(&owner, "aude").await);
    let a_campaign = insert_campaign(&owner, "gironde", "local", "Campagne A").await;
    let b_campaign = insert_campaign(&owner, "aude", "local", "Campagne B").await;
    let (a_idea, a_comment) = idea_with_comment(&owner, a, a_campaign).await;
    let (_, a_other_comment) = idea_with_comment(&owner, a, a_campaign).await;
    let (_, b_comment) = idea_with_comment(&owner, b, b_campaign).await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(a_campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let mut browser = Browser::new(&app, "gironde.localhost");
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );

    let mut answers = Vec::new();
    for comment in [b_comment, a_other_comment, Uuid::new_v4()] {
        let (status, body) = browser
            .api(
                Method::POST,
                &format!("/api/v1/ideas/{a_idea}/reports"),
                Some(serde_json::json!({"reason": "Propos hors sujet", "comment_id": comment})),
            )
            .await;
        answers.push((status, body));
    }
    assert_eq!(answers[0].0, 404, "{:?}", answers[0].1);
    assert!(answers.iter().all(|x| *x == answers[0]), "{answers:?}");

    let page = format!("/consultations/{slug}/idees/{a_idea}");
    let mut statuses = Vec::new();
    for comment in [b_comment, a_other_comment, Uuid::new_v4()] {
        let csrf = browser.csrf(&page).await;
        let (status, _, _) = browser
            .post_form(
                &format!("{page}/signalement"),
                &[
                    ("csrf", &csrf),
                    ("reason", "Propos hors sujet"),
                    ("comment_id", &comment.to_string()),
                ],
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(statuses, [404, 404, 404]);

    // The idea's own comment is reported.
    let (status, body) = browser
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{a_idea}/reports"),
            Some(serde_json::json!({"reason": "Propos hors sujet", "comment_id": a_comment})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}
