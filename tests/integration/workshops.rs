//! Workshop recruitment: the database rules the invitation flow relies on, exercised as the
//! application role (RLS forced).

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::helpers::{TestDb, insert_campaign, tenant_id};

async fn in_space(pool: &PgPool, tenant: Uuid) -> Transaction<'static, Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn account(owner: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("INSERT INTO accounts (email, pseudonym) VALUES ($1, 'volontaire') RETURNING id")
        .bind(email)
        .fetch_one(owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_confirmation_racing_a_promotion_never_gives_one_seat_to_two_people() {
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers").await;
    let a = account(&owner, "c@example.org").await;
    let b = account(&owner, "d@example.org").await;
    let mut tx = in_space(&app, gironde).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let mut ids = Vec::new();
    for who in [a, b] {
        ids.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
                 VALUES ($1, $2, $3, 'x@example.org', now()) RETURNING id",
            )
            .bind(gironde)
            .bind(recruitment)
            .bind(who)
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        );
    }
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 7, 1, '{}', 'leximin', 0.5, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, waitlist_rank)
         VALUES ($1, $2, $3, 0.5, 'invited', 1, NULL), ($1, $2, $4, 0.5, 'waitlist', NULL, 1)",
    )
    .bind(gironde)
    .bind(draw)
    .bind(ids[0])
    .bind(ids[1])
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // A second application of the same person to the same recruitment is refused.
    let mut tx = in_space(&app, gironde).await;
    let again = sqlx::query(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
         VALUES ($1, $2, $3, 'x@example.org', now())",
    )
    .bind(gironde)
    .bind(recruitment)
    .bind(a)
    .execute(&mut *tx)
    .await;
    assert!(again.is_err(), "one application per person and recruitment");
    tx.rollback().await.unwrap();

    // A confirms (not committed yet) while a promotion gives seat 1 to B.
    let mut confirm = in_space(&app, gironde).await;
    let confirmed = sqlx::query(
        "UPDATE workshop_selections SET status = 'confirmed', answered_at = now()
          WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status = 'invited'",
    )
    .bind(gironde)
    .bind(draw)
    .bind(ids[0])
    .execute(&mut *confirm)
    .await
    .unwrap();
    assert_eq!(confirmed.rows_affected(), 1);
    let promote = {
        let app = app.clone();
        let (draw, b) = (draw, ids[1]);
        tokio::spawn(async move {
            let mut tx = in_space(&app, gironde).await;
            let r = sqlx::query(
                "UPDATE workshop_selections SET status = 'invited', seat = 1, waitlist_rank = NULL
                  WHERE tenant_id = $1 AND draw_id = $2 AND application_id = $3 AND status = 'waitlist'",
            )
            .bind(gironde)
            .bind(draw)
            .bind(b)
            .execute(&mut *tx)
            .await;
            match r {
                Ok(_) => tx.commit().await.map(|_| ()),
                Err(e) => Err(e),
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    confirm.commit().await.unwrap();
    let promoted = promote.await.unwrap();
    let error = promoted.expect_err("the seat is taken by the confirmation");
    assert_eq!(
        error.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("23505"),
        "{error}"
    );
    let mut tx = in_space(&app, gironde).await;
    let holders: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workshop_selections WHERE draw_id = $1 AND seat = 1 AND status IN ('invited', 'confirmed')",
    )
    .bind(draw)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(holders, 1);
    tx.commit().await.unwrap();

    // Another space sees none of it.
    let aude = tenant_id(&owner, "aude").await;
    let mut tx = in_space(&app, aude).await;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM workshop_selections")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0);
}

/// A campaign of `gironde` with a recruitment (standard questionnaire, one session); returns
/// the campaign's slug.
async fn campaign_with_recruitment(app: &crate::helpers::TestApp) -> String {
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let criteria = serde_json::to_value(ecoute::workshops::criteria::standard_criteria(&["33".into()])).unwrap();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let recruitment: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_recruitments (tenant_id, campaign_id, intro, criteria) VALUES ($1, $2, 'Venez nous aider.', $3) RETURNING id",
    )
    .bind(gironde)
    .bind(campaign)
    .bind(criteria)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, accessibility, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier du matin', 'Caf de la Gironde', 'Maison des familles', '1 rue du Port, Bordeaux', 'Accès de plain-pied',
                 now() + interval '30 days', now() + interval '30 days 3 hours', 12)",
    )
    .bind(gironde)
    .bind(recruitment)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_volunteer_applies_once_with_consent_edits_and_a_second_application_is_refused() {
    use crate::browser::{Browser, extract};
    let app = crate::helpers::TestApp::spawn().await;
    let slug = campaign_with_recruitment(&app).await;
    let owner = app.test_db.owner().await;
    let path = format!("/consultations/{slug}/ateliers");

    let mut anonymous = Browser::new(&app, "gironde.localhost");
    let (status, _) = anonymous.get(&path).await;
    assert_eq!(status, 303, "signed-in only");

    let mut person = Browser::new(&app, "gironde.localhost");
    person.set_cookie(
        "ecoute_session",
        &crate::helpers::session_for(&owner, "gironde", "lea@exemple.fr").await,
    );
    let (status, form) = person.get(&path).await;
    assert_eq!(status, 200);
    assert!(form.contains("Situation familiale") && form.contains("Atelier du matin"));
    assert!(
        form.contains("conservées 6 mois après la dernière séance"),
        "retention shown"
    );
    let csrf = extract(&form, "name=\"csrf\" value=\"").unwrap();
    let session_id = extract(&form, "name=\"sessions\" value=\"").unwrap();

    // No consent, a required answer missing: both explained, nothing stored.
    let (status, _, page) = person
        .post_form(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("application_id", ""),
                ("c-family_situation", "Parent seul avec enfant(s)"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Cochez la case de consentement"));
    assert!(page.contains("id=\"c-age_bracket-erreur\">Cette question est obligatoire."));
    assert!(
        page.contains("value=\"Parent seul avec enfant(s)\" checked"),
        "what was typed is kept"
    );

    let answers = [
        ("csrf", csrf.as_str()),
        ("application_id", ""),
        ("c-family_situation", "Parent seul avec enfant(s)"),
        ("c-children_count", "2"),
        ("c-benefit_recipient", "Oui"),
        ("c-benefits", "RSA"),
        ("c-departement", "33"),
        ("c-age_bracket", "30 à 39 ans"),
        ("sessions", session_id.as_str()),
        ("accessibility_needs", "Garde d’enfants"),
        ("consent", "oui"),
    ];
    let (status, location, _) = person.post_form(&path, &answers).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("{path}?enregistre=1").as_str()));

    // A second application (an old tab without the application's id) gets a clear refusal.
    let (status, _, page) = person.post_form(&path, &answers).await;
    assert_eq!(status, 409);
    assert!(page.contains("Candidature déjà enregistrée"));

    // Editing the application.
    let (_, form) = person.get(&path).await;
    assert!(form.contains("vous pouvez la modifier"));
    let application_id = extract(&form, "name=\"application_id\" value=\"").unwrap();
    assert!(!application_id.is_empty());
    let mut edited = answers.to_vec();
    edited[1] = ("application_id", application_id.as_str());
    edited[7] = ("c-age_bracket", "40 à 49 ans");
    let (status, _, _) = person.post_form(&path, &edited).await;
    assert_eq!(status, 303);

    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let rows: Vec<(serde_json::Value, Vec<Uuid>)> =
        sqlx::query_as("SELECT answers, sessions FROM workshop_applications")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "one application per person");
    assert_eq!(rows[0].0["age_bracket"], "40 à 49 ans");
    assert_eq!(rows[0].0["benefits"], serde_json::json!(["RSA"]));
    assert_eq!(rows[0].1.len(), 1);
}

#[tokio::test]
async fn profiles_are_purged_after_the_retention_period_keeping_anonymous_counts_and_an_audit_line() {
    use ecoute::workshops::retention::{AUDIT_ACTOR, purge_expired};
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let criteria = serde_json::to_value(ecoute::workshops::criteria::standard_criteria(&["33".into()])).unwrap();
    let mut recruitments = Vec::new();
    // One whose last session ended 7 months ago, one a month ago (6 months' retention each).
    for (n, ended) in [(0, "7 months"), (1, "1 month")] {
        let campaign = insert_campaign(&owner, "gironde", "local", &format!("Ateliers {n}")).await;
        let who = account(&owner, &format!("v{n}@example.org")).await;
        let mut tx = in_space(&app, gironde).await;
        let recruitment: Uuid = sqlx::query_scalar(
            "INSERT INTO workshop_recruitments (tenant_id, campaign_id, criteria) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(gironde)
        .bind(campaign)
        .bind(&criteria)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
             VALUES ($1, $2, 'Atelier', 'Caf', 'Lieu', 'Adresse', now() - $3::text::interval - interval '2 hours', now() - $3::text::interval, 10)",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(ended)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
             VALUES ($1, $2, $3, 'v@example.org', $4, now())",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(who)
        .bind(serde_json::json!({"family_situation": "Parent seul avec enfant(s)", "benefits": ["RSA"], "commune": "Bègles"}))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        recruitments.push(recruitment);
    }

    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let purged = purge_expired(&db, chrono::Utc::now()).await.unwrap();
    assert_eq!(purged.len(), 1, "{purged:?}");
    assert_eq!(purged[0].recruitment_id, recruitments[0]);
    assert_eq!(purged[0].applications, 1);

    let mut tx = in_space(&app, gironde).await;
    let left: Vec<Uuid> = sqlx::query_scalar("SELECT recruitment_id FROM workshop_applications")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        left,
        vec![recruitments[1]],
        "only the recent recruitment keeps its profiles"
    );
    let counts: serde_json::Value =
        sqlx::query_scalar("SELECT anonymous_counts FROM workshop_recruitments WHERE id = $1")
            .bind(recruitments[0])
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(counts["applications"], 1);
    assert_eq!(counts["answers"]["family_situation"]["Parent seul avec enfant(s)"], 1);
    assert_eq!(counts["answers"]["benefits"]["RSA"], 1);
    assert!(
        !counts.to_string().contains("Bègles"),
        "free text is not kept: {counts}"
    );
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT operator_email, action FROM audit_log WHERE action = 'workshops.purge'")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(audit, vec![(AUDIT_ACTOR.to_owned(), "workshops.purge".to_owned())]);
    tx.commit().await.unwrap();

    // A second pass has nothing left to do.
    assert!(purge_expired(&db, chrono::Utc::now()).await.unwrap().is_empty());
}

/// An operator with a password and a role in `space`, signed in through the form.
async fn operator_browser<'a>(
    app: &'a crate::helpers::TestApp,
    space: &str,
    role: &str,
) -> crate::browser::Browser<'a> {
    let owner = app.test_db.owner().await;
    let email = format!("{role}@{space}.example.org");
    let password = format!("phrase de passe {}", Uuid::new_v4().simple());
    let hash = ecoute::operators::password::hash(&password).unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO operators (email, name, national_admin, password_hash) VALUES ($1, 'Opératrice', false, $2) RETURNING id",
    )
    .bind(&email)
    .bind(&hash)
    .fetch_one(&owner)
    .await
    .unwrap();
    let tenant = tenant_id(&owner, space).await;
    let mut tx = ecoute::db::owner_tx_in(&owner, tenant).await.unwrap();
    sqlx::query("INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ($1, $2, $3)")
        .bind(tenant)
        .bind(id)
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut browser = crate::browser::Browser::new(app, &format!("{space}.localhost"));
    let csrf = browser.csrf("/admin/connexion").await;
    let (status, _, _) = browser
        .post_form(
            "/admin/connexion",
            &[
                ("csrf", &csrf),
                ("email", &email),
                ("password", &password),
                ("retour", "/admin"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    browser
}

#[tokio::test]
async fn an_operator_opens_a_recruitment_adds_a_session_and_draws_a_panel_that_meets_the_quotas() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let path = format!("/admin/campagnes/{campaign}/ateliers");

    let mut moderator = operator_browser(&app, "gironde", "moderator").await;
    let (status, _) = moderator.get(&path).await;
    assert_eq!(status, 403, "moderators do not see volunteers' profiles");

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (status, page) = operator.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ouvrir un recrutement"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let (status, _, _) = operator.post_form(&path, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);

    let session_path = format!("{path}/seances");
    let session = [
        ("csrf", csrf.as_str()),
        ("title", "Atelier du samedi"),
        ("place", "Maison des familles"),
        ("address", "1 rue du Port, Bordeaux"),
        ("accessibility", "Plain-pied"),
        ("starts_at", "2027-01-16T09:30"),
        ("ends_at", "2027-01-16T12:00"),
        ("capacity", "12"),
    ];
    let (status, _, _) = operator.post_form(&session_path, &session).await;
    assert_eq!(status, 303);
    let mut backwards = session;
    backwards[6] = ("ends_at", "2027-01-16T08:00");
    let (status, _, page) = operator.post_form(&session_path, &backwards).await;
    assert_eq!(status, 422);
    assert!(page.contains("Séance incomplète"));
    // A NUL in a field: the form again, the entry kept without it, nothing stored.
    let mut nul = session;
    nul[2] = ("place", "Maison\u{0} des familles");
    let (status, _, page) = operator.post_form(&session_path, &nul).await;
    assert_eq!(status, 422);
    assert!(page.contains("caractère de contrôle non autorisé"), "the message");
    assert!(page.contains("value=\"Maison des familles\""), "the place is kept");

    // 30 volunteers, 15 of them single parents.
    let mut tx = in_space(&test_app_pool(&app).await, gironde).await;
    let recruitment: Uuid = sqlx::query_scalar("SELECT id FROM workshop_recruitments WHERE campaign_id = $1")
        .bind(campaign)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for i in 0..30 {
        let who = account(&owner, &format!("vol{i}@example.org")).await;
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let family = if i % 2 == 0 {
            "Parent seul avec enfant(s)"
        } else {
            "En couple avec enfant(s)"
        };
        sqlx::query(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
             VALUES ($1, $2, $3, $4, $5, now())",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(who)
        .bind(format!("vol{i}@example.org"))
        .bind(serde_json::json!({"family_situation": family, "age_bracket": "30 à 39 ans"}))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let (_, page) = operator.get(&path).await;
    assert!(page.contains("Vivier de volontaires (30)"));
    assert!(
        page.contains("2027 09:30 – 12:00"),
        "sessions in Paris time, as entered (08:30 UTC in January)"
    );

    let draw_path = format!("{path}/tirage");
    // Infeasible: more seats than volunteers; a minimum above the volunteers who have it.
    let (status, _, page) = operator
        .post_form(&draw_path, &[("csrf", &csrf), ("seats", "40")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("40 places pour 30 volontaires"), "{page}");
    let (status, _, page) = operator
        .post_form(
            &draw_path,
            &[("csrf", &csrf), ("seats", "20"), ("q-min-family_situation-1", "100")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("seuls 15 volontaires l’ont : il en manque 5"), "{page}");

    // At least 70 % single parents among 10 seats.
    let (status, _, _) = operator
        .post_form(
            &draw_path,
            &[("csrf", &csrf), ("seats", "10"), ("q-min-family_situation-1", "70")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = operator.get(&path).await;
    assert!(page.contains("Graine publiée"));
    assert_eq!(page.matches("Tiré au sort, invité").count(), 10);
    // LEXIMIN: single parents 7/15, the others 3/15 — shown to the operator.
    assert!(
        page.contains("46.67 %") && page.contains("20.00 %"),
        "probabilities shown"
    );

    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let single_parents: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workshop_selections s JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.status = 'invited' AND a.answers->>'family_situation' = 'Parent seul avec enfant(s)'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert!(single_parents >= 7, "{single_parents}");
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'workshops.draw'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(audit, 1);
    tx.commit().await.unwrap();

    let (status, _, page) = operator
        .post_form(&draw_path, &[("csrf", &csrf), ("seats", "10")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("déjà été fait"));
    // The questionnaire is frozen once drawn.
    let (status, _, page) = operator
        .post_form(
            &format!("{path}/questions"),
            &[("csrf", &csrf), ("q_label", "Trop tard ?"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Le tirage a déjà été fait : le questionnaire ne peut plus changer."));
    assert!(!page.contains("Trop tard ?"));

    // Invitations: one single-use link each, through the outbox.
    let (status, _, _) = operator
        .post_form(&format!("{path}/invitations"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let tokens = invitation_tokens(&owner, gironde).await;
    assert_eq!(tokens.len(), 10);

    let mut volunteer = crate::browser::Browser::new(&app, "gironde.localhost");
    let answer = |t: &str| format!("/ateliers/reponse/{t}");
    let (status, page) = volunteer.get(&answer(&tokens[0])).await;
    assert_eq!(status, 200, "{page}");
    let vcsrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let (status, _, page) = volunteer
        .post_form(&answer(&tokens[0]), &[("csrf", &vcsrf), ("reponse", "oui")])
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Participation confirmée"));
    let (status, _, page) = volunteer
        .post_form(&answer(&tokens[0]), &[("csrf", &vcsrf), ("reponse", "non")])
        .await;
    assert_eq!(status, 409, "a link works once");
    assert!(page.contains("Lien déjà utilisé"));

    // Declines promote from the waitlist, keeping the quotas, and the promoted get a link.
    for t in &tokens[1..4] {
        let (status, _, page) = volunteer
            .post_form(&answer(t), &[("csrf", &vcsrf), ("reponse", "non")])
            .await;
        assert_eq!(status, 200, "{page}");
    }
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let (holding, single): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE a.answers->>'family_situation' = 'Parent seul avec enfant(s)')
           FROM workshop_selections s JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.status IN ('invited', 'confirmed')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(holding, 10, "every seat given back was taken again");
    assert!(single >= 7, "the quota holds after promotions: {single}");
    assert_eq!(invitation_tokens(&owner, gironde).await.len(), 13);

    // A confirmation and a decline of the same link at once: exactly one wins.
    let racing = tokens[4].clone();
    let mut a = crate::browser::Browser::new(&app, "gironde.localhost");
    let mut b = crate::browser::Browser::new(&app, "gironde.localhost");
    let (_, pa) = a.get(&answer(&racing)).await;
    let (_, pb) = b.get(&answer(&racing)).await;
    let ca = crate::browser::extract(&pa, "name=\"csrf\" value=\"").unwrap();
    let cb = crate::browser::extract(&pb, "name=\"csrf\" value=\"").unwrap();
    let (path_a, path_b) = (answer(&racing), answer(&racing));
    let (fa, fb) = (
        [("csrf", ca.as_str()), ("reponse", "oui")],
        [("csrf", cb.as_str()), ("reponse", "non")],
    );
    let (ra, rb) = tokio::join!(a.post_form(&path_a, &fa), b.post_form(&path_b, &fb));
    let mut statuses = [ra.0, rb.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let doubled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT seat FROM workshop_selections WHERE status IN ('invited', 'confirmed')
                               GROUP BY seat HAVING count(*) > 1) d",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(doubled, 0);
    tx.commit().await.unwrap();

    // A link used after its deadline: "too late" (410, in French), the seat goes to the next
    // person of the waitlist, who gets a link of their own.
    let late = tokens[5].clone();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE workshop_selections SET deadline = now() - interval '1 hour' WHERE token_hash = $1")
        .bind(ecoute::tokens::hash_token(&late))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sent_before = invitation_tokens(&owner, gironde).await.len();
    let (status, _, page) = volunteer
        .post_form(&answer(&late), &[("csrf", &vcsrf), ("reponse", "oui")])
        .await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("Délai dépassé"), "{page}");
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let late_status: String = sqlx::query_scalar("SELECT status FROM workshop_selections WHERE token_hash = $1")
        .bind(ecoute::tokens::hash_token(&late))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let holding: i64 =
        sqlx::query_scalar("SELECT count(*) FROM workshop_selections WHERE status IN ('invited', 'confirmed')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(late_status, "expired");
    assert_eq!(holding, 10, "the seat was given to the waitlist");
    assert_eq!(invitation_tokens(&owner, gironde).await.len(), sent_before + 1);
    let (status, _, _) = volunteer
        .post_form(&answer(&late), &[("csrf", &vcsrf), ("reponse", "oui")])
        .await;
    assert_eq!(status, 410, "still too late the second time");

    // Attendance: confirmed people get a session and a presence; the summary counts them.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let confirmed: Vec<Uuid> = sqlx::query_scalar(
        "SELECT application_id FROM workshop_selections WHERE status = 'confirmed' ORDER BY application_id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let session: Uuid = sqlx::query_scalar("SELECT id FROM workshop_sessions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(!confirmed.is_empty());
    let mut fields = vec![("csrf".to_owned(), csrf.clone())];
    for (k, id) in confirmed.iter().enumerate() {
        fields.push((format!("seance-{id}"), session.to_string()));
        if k == 0 {
            fields.push((format!("present-{id}"), "oui".to_owned()));
        }
    }
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, _) = operator.post_form(&format!("{path}/presences"), &borrowed).await;
    assert_eq!(status, 303);
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let (assigned, attended): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE session_id IS NOT NULL), count(*) FILTER (WHERE attended) FROM workshop_selections",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((assigned, attended), (confirmed.len() as i64, 1));
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains(&format!("<td>12</td><td>{}</td><td>1</td>", confirmed.len())),
        "per-session summary"
    );
}

/// The tokens in the workshop invitation mails queued so far, oldest first.
async fn invitation_tokens(owner: &PgPool, tenant: Uuid) -> Vec<String> {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT text_body FROM mail_outbox WHERE subject = 'Votre participation à un atelier de la Caf' ORDER BY created_at, id",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    texts
        .iter()
        .map(|t| {
            t.split("/ateliers/reponse/")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn test_app_pool(app: &crate::helpers::TestApp) -> PgPool {
    app.test_db.app_pool().await
}

#[tokio::test]
async fn an_invitation_unanswered_by_its_deadline_expires_and_the_waitlist_is_invited() {
    use ecoute::workshops::retention::{Links, expire_invitations};
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers").await;
    let mut tx = in_space(&app, gironde).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let session: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier', 'Caf', 'Maison des familles', '1 rue du Port', now() + interval '20 days', now() + interval '20 days 2 hours', 1)
         RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let mut ids = Vec::new();
    for email in ["late@example.org", "next@example.org"] {
        let who = account(&owner, email).await;
        ids.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, sessions, consent_at)
                 VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
            )
            .bind(gironde)
            .bind(recruitment)
            .bind(who)
            .bind(email)
            .bind(vec![session])
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        );
    }
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 1, '{}', 'leximin', 0.5, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, waitlist_rank, token_hash, deadline, session_id)
         VALUES ($1, $2, $3, 0.5, 'invited', 1, NULL, '\\x01', now() - interval '1 hour', $5),
                ($1, $2, $4, 0.5, 'waitlist', NULL, 1, NULL, NULL, NULL)",
    )
    .bind(gironde)
    .bind(draw)
    .bind(ids[0])
    .bind(ids[1])
    .bind(session)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let links = Links {
        link_base: "https://{host}".into(),
        base_domain: "ecoute.test".into(),
    };
    assert_eq!(expire_invitations(&db, &links, chrono::Utc::now()).await.unwrap(), 1);
    let mut tx = in_space(&app, gironde).await;
    let states: Vec<(Uuid, String, Option<i32>, Option<Uuid>)> =
        sqlx::query_as("SELECT application_id, status, seat, session_id FROM workshop_selections ORDER BY status")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(
        states,
        vec![
            (ids[0], "expired".to_owned(), Some(1), None),
            (ids[1], "invited".to_owned(), Some(1), Some(session))
        ],
        "the newcomer takes the seat and the session they had named"
    );
    let (mail, kind, file): (String, String, Option<String>) = sqlx::query_as(
        "SELECT text_body, kind, attachment_name FROM mail_outbox WHERE to_address = 'next@example.org'",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), file.as_deref()), ("workshop", Some("atelier.ics")));
    assert!(mail.contains("https://gironde.ecoute.test/ateliers/reponse/"), "{mail}");
    tx.commit().await.unwrap();
    assert_eq!(expire_invitations(&db, &links, chrono::Utc::now()).await.unwrap(), 0);
}

#[tokio::test]
async fn confirmed_people_get_one_reminder_a_week_before_and_one_the_day_before() {
    use ecoute::workshops::invitations::send_reminders;
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers").await;
    let who = account(&owner, "rappel@example.org").await;
    let mut tx = in_space(&app, gironde).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let session: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier', 'Caf', 'Maison des familles', '1 rue du Port', now() + interval '5 days', now() + interval '5 days 2 hours', 10)
         RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let application: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
         VALUES ($1, $2, $3, 'rappel@example.org', now()) RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .bind(who)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 1, '{}', 'leximin', 1, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
         VALUES ($1, $2, $3, 1, 'confirmed', 1, $4)",
    )
    .bind(gironde)
    .bind(draw)
    .bind(application)
    .bind(session)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let pass = |at: chrono::DateTime<chrono::Utc>| {
        let db = &db;
        async move {
            let mut tx = db.begin_in(crate::helpers::space(db, gironde).await).await.unwrap();
            let n = send_reminders(&mut tx, at).await.unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    let now = chrono::Utc::now();
    assert_eq!(pass(now).await, 1, "a week before (five days, in fact)");
    assert_eq!(pass(now).await, 0, "once");
    let eve = now + chrono::Duration::hours(4 * 24 + 12);
    assert_eq!(pass(eve).await, 1, "the day before");
    assert_eq!(pass(eve).await, 0, "once");
    let mut tx = in_space(&app, gironde).await;
    let subjects: Vec<String> = sqlx::query_scalar(
        "SELECT subject FROM mail_outbox WHERE to_address = 'rappel@example.org' ORDER BY created_at",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        subjects,
        vec![
            "Rappel : votre atelier dans une semaine",
            "Rappel : votre atelier a lieu demain"
        ]
    );
    let files: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT kind, attachment_name, replace(attachment_text, E'\\r\\n ', '') LIKE '%UID:atelier-' || $1 || '-' || $2 || '@ecoute%'
           FROM mail_outbox WHERE to_address = 'rappel@example.org'",
    )
    .bind(application.to_string())
    .bind(session.to_string())
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        files,
        vec![("workshop".to_owned(), Some("atelier.ics".to_owned()), true); 2],
        "each reminder carries the same event (same UID), as workshop mail"
    );
    tx.commit().await.unwrap();
}

/// A recruitment with one session (5 to 7 December 2026, 14:00–16:30 Paris time) and one person
/// drawn and invited (no link yet) with `session` assigned or not; returns (draw, application,
/// session).
async fn one_invited_person(
    app: &PgPool,
    owner: &PgPool,
    tenant: Uuid,
    email: &str,
    with_session: bool,
) -> (Uuid, Uuid, Uuid) {
    let campaign = insert_campaign(owner, "gironde", "local", "Ateliers").await;
    let who = account(owner, email).await;
    let mut tx = in_space(app, tenant).await;
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(tenant)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let session: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, accessibility, starts_at, ends_at, capacity)
         VALUES ($1, $2, 'Atelier accueil', 'Caf de la Gironde', 'Maison des familles', '1 rue du Port, Bordeaux', 'Rampe; ascenseur',
                 '2026-12-05 14:00 Europe/Paris', '2026-12-05 16:30 Europe/Paris', 10)
         RETURNING id",
    )
    .bind(tenant)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let application: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, consent_at)
         VALUES ($1, $2, $3, $4, now()) RETURNING id",
    )
    .bind(tenant)
    .bind(recruitment)
    .bind(who)
    .bind(email)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 1, '{}', 'leximin', 1, 0, 'test') RETURNING id",
    )
    .bind(tenant)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
         VALUES ($1, $2, $3, 1, 'invited', 1, $4)",
    )
    .bind(tenant)
    .bind(draw)
    .bind(application)
    .bind(with_session.then_some(session))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (draw, application, session)
}

#[tokio::test]
async fn workshop_mail_reaches_people_who_unsubscribed_even_over_quota_and_is_metered_as_sent() {
    use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
    use ecoute::mail::{MailContent, MailKind, Queued, queue_to};
    let smtp = crate::smtp::SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let email = "desabonnee@example.org";
    let (draw, _, _) = one_invited_person(&app, &owner, gironde, email, false).await;
    // She unsubscribed from the space's list mail, and the space has used its monthly quota.
    sqlx::query("INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ($1, $2, 'unsubscribed')")
        .bind(gironde)
        .bind(email)
        .execute(&owner)
        .await
        .unwrap();
    sqlx::query("UPDATE tenants SET quotas = '{\"emails_per_month\": 0}' WHERE id = $1")
        .bind(gironde)
        .execute(&owner)
        .await
        .unwrap();
    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let sent = ecoute::workshops::invitations::send_invitations(&mut tx, draw, "https://gironde.ecoute.test", 7)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    // List mail to her is still suppressed: the suppression is real.
    let news = MailContent {
        kind: MailKind::News,
        subject: "Nouvelles",
        text: "Des nouvelles.",
        campaign: None,
        attachment: None,
    };
    assert!(matches!(
        queue_to(&mut tx, email, &news).await.unwrap(),
        Queued::Suppressed(_)
    ));
    tx.commit().await.unwrap();

    let options = WorkerOptions {
        link_base: "http://{host}".into(),
        base_domain: "localhost".into(),
        ..WorkerOptions::default()
    };
    let transport = Transport::from_settings(Some(&smtp.url()), "ne-pas-repondre@localhost").unwrap();
    let worker = MailWorker::with_options(app.clone(), transport, options);
    assert_eq!(
        worker.drain().await.unwrap(),
        1,
        "the workshop invitation goes, over quota"
    );
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert_eq!(mail.to, vec![email.to_owned()]);
    assert_eq!(mail.header("List-Unsubscribe"), None, "not list mail");
    assert!(mail.part("text/plain").unwrap().contains("/ateliers/reponse/"));
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "no session yet: no calendar file"
    );

    let mut tx = in_space(&app, gironde).await;
    let kinds: Vec<(String, String)> = sqlx::query_as("SELECT kind, status FROM mail_outbox ORDER BY kind")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        kinds,
        vec![
            ("news".to_owned(), "suppressed".to_owned()),
            ("workshop".to_owned(), "sent".to_owned())
        ]
    );
    let metered: Vec<(String, i64)> = sqlx::query_as(
        "SELECT metric, sum(quantity)::int8 FROM usage_events WHERE metric IN ('emails_sent', 'invitations')
          GROUP BY metric ORDER BY metric",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        metered,
        vec![("emails_sent".to_owned(), 1)],
        "counted as an e-mail sent, not as a campaign invitation"
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_invitation_with_a_session_carries_an_ics_with_the_sessions_times_and_place() {
    use ecoute::mail::worker::{MailWorker, Transport, WorkerOptions};
    let smtp = crate::smtp::SmtpSink::start().await;
    let test_db = TestDb::new().await;
    let owner = test_db.owner().await;
    let app = test_db.app_pool().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let email = "calendrier@example.org";
    let (draw, application, session) = one_invited_person(&app, &owner, gironde, email, true).await;
    let db = ecoute::tenancy::TenantDb::new(app.clone());
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    ecoute::workshops::invitations::send_invitations(&mut tx, draw, "https://gironde.ecoute.test", 7)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let options = WorkerOptions {
        link_base: "http://{host}".into(),
        base_domain: "localhost".into(),
        ..WorkerOptions::default()
    };
    let transport = Transport::from_settings(Some(&smtp.url()), "ne-pas-repondre@localhost").unwrap();
    let worker = MailWorker::with_options(app.clone(), transport, options);
    assert_eq!(worker.drain().await.unwrap(), 1);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert!(mail.data.is_ascii());
    assert!(
        mail.header("Content-Type").unwrap().starts_with("multipart/mixed"),
        "{}",
        mail.data
    );
    // The text is still there, inside the mixed message.
    assert!(mail.data.contains("multipart/alternative"));
    let part_head = mail
        .data
        .split("\n\n")
        .find(|h| h.contains("Content-Type: text/calendar"))
        .expect("a calendar part");
    assert!(part_head.contains("method=PUBLISH"), "{part_head}");
    assert!(part_head.contains("charset=utf-8"), "{part_head}");
    assert!(part_head.contains("atelier.ics"), "{part_head}");
    let ics = mail.part("text/calendar").expect("the calendar's text");
    // The sink turns CRLF into LF; unfold continuation lines.
    let unfolded = ics.replace("\r\n", "\n").replace("\n ", "");
    let lines: Vec<&str> = unfolded.lines().collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert!(lines.contains(&"BEGIN:VEVENT") && lines.contains(&"END:VEVENT"));
    // 14:00 and 16:30 in Paris on 5 December are 13:00 and 15:30 UTC.
    assert!(lines.contains(&"DTSTART:20261205T130000Z"), "{unfolded}");
    assert!(lines.contains(&"DTEND:20261205T153000Z"), "{unfolded}");
    assert!(
        lines.contains(&"LOCATION:Maison des familles\\, 1 rue du Port\\, Bordeaux"),
        "{unfolded}"
    );
    assert!(lines.contains(&"SUMMARY:Atelier accueil"), "{unfolded}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("DESCRIPTION:") && l.contains("Rampe\\; ascenseur")),
        "{unfolded}"
    );
    let uid = format!("UID:atelier-{application}-{session}@ecoute");
    assert!(lines.contains(&uid.as_str()), "{unfolded}");
    assert!(lines.iter().any(|l| l.starts_with("DTSTAMP:") && l.ends_with('Z')));
}

#[tokio::test]
async fn the_console_assigns_drawn_people_to_sessions_they_can_attend_within_seats_and_names_the_rest() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let recruitment: Uuid =
        sqlx::query_scalar("INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ($1, $2) RETURNING id")
            .bind(gironde)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let mut sessions = Vec::new();
    for (title, capacity) in [("Matin", 1), ("Soir", 2)] {
        sessions.push(
            sqlx::query_scalar::<_, Uuid>(
                "INSERT INTO workshop_sessions (tenant_id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
                 VALUES ($1, $2, $3, 'Caf', 'Maison des familles', '1 rue du Port', now() + interval '20 days', now() + interval '20 days 2 hours', $4)
                 RETURNING id",
            )
            .bind(gironde)
            .bind(recruitment)
            .bind(title)
            .bind(capacity)
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let (morning, evening) = (sessions[0], sessions[1]);
    // Seat order: anne (morning or evening), bruno (morning only), chloe (evening, already
    // placed there by hand), dina (no session named), emile (morning only).
    let people: [(&str, Vec<Uuid>, Option<Uuid>); 5] = [
        ("anne", vec![morning, evening], None),
        ("bruno", vec![morning], None),
        ("chloe", vec![evening], Some(evening)),
        ("dina", vec![], None),
        ("emile", vec![morning], None),
    ];
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let draw: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_draws (tenant_id, recruitment_id, seed, seats, quotas, algorithm, min_probability, gini, drawn_by)
         VALUES ($1, $2, 1, 5, '{}', 'leximin', 1, 0, 'test') RETURNING id",
    )
    .bind(gironde)
    .bind(recruitment)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut ids = std::collections::HashMap::new();
    for (seat, (name, available, placed)) in people.iter().enumerate() {
        let email = format!("{name}@example.org");
        let who = account(&owner, &email).await;
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let application: Uuid = sqlx::query_scalar(
            "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, sessions, consent_at)
             VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
        )
        .bind(gironde)
        .bind(recruitment)
        .bind(who)
        .bind(&email)
        .bind(available)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO workshop_selections (tenant_id, draw_id, application_id, probability, status, seat, session_id)
             VALUES ($1, $2, $3, 1, 'invited', $4, $5)",
        )
        .bind(gironde)
        .bind(draw)
        .bind(application)
        .bind(seat as i32 + 1)
        .bind(placed)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        ids.insert(*name, application);
    }

    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let mut moderator = operator_browser(&app, "gironde", "moderator").await;
    let (_, page) = moderator.get("/admin").await;
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").expect("a form with a token");
    let (status, _, _) = moderator
        .post_form(&format!("{path}/repartition"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 403, "moderators cannot assign");

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (status, page) = operator.get(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Personnes tirées au sort sans séance, que la répartition peut placer : 2"),
        "{page}"
    );
    assert!(page.contains("qu’aucune séance ne peut accueillir (2)"), "{page}");
    assert!(page.contains("dina@example.org : aucune séance indiquée comme possible"));
    assert!(page.contains("emile@example.org : les séances possibles sont complètes"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let (status, location, _) = operator
        .post_form(&format!("{path}/repartition"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap_or_default().ends_with("?fait=repartition"));

    let placed = |owner: PgPool| async move {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let rows: Vec<(Uuid, Option<Uuid>)> =
            sqlx::query_as("SELECT application_id, session_id FROM workshop_selections WHERE draw_id = $1")
                .bind(draw)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        rows.into_iter().collect::<std::collections::HashMap<_, _>>()
    };
    let after = placed(owner.clone()).await;
    // Bruno can only come in the morning: anne, who can do both, goes in the evening with chloe.
    assert_eq!(after[&ids["bruno"]], Some(morning));
    assert_eq!(after[&ids["anne"]], Some(evening));
    assert_eq!(after[&ids["chloe"]], Some(evening), "the hand assignment is kept");
    assert_eq!(after[&ids["dina"]], None);
    assert_eq!(after[&ids["emile"]], None);

    let (_, page) = operator.get(&format!("{path}?fait=repartition")).await;
    assert!(page.contains("Répartition faite"));
    assert!(page.contains("que la répartition peut placer : 0"));
    assert!(page.contains("emile@example.org : les séances possibles sont complètes"));
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let audit: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'workshops.assign'")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit, vec![serde_json::json!({"placed": 2, "unplaced": 2})]);

    // The operator still decides: anne (invited, not confirmed yet) moved to the morning by
    // hand, over its single seat, and bruno taken out of it.
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains(&format!("name=\"seance-{}\"", ids["anne"])),
        "invited people are listed"
    );
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let field = |name: &str| format!("seance-{}", ids[name]);
    let (morning_id, evening_id) = (morning.to_string(), evening.to_string());
    let form = [
        ("csrf".to_owned(), csrf),
        (field("anne"), morning_id.clone()),
        (field("bruno"), String::new()),
        (field("chloe"), evening_id),
        (field("dina"), String::new()),
        (field("emile"), String::new()),
        (format!("present-{}", ids["anne"]), "oui".to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, _) = operator.post_form(&format!("{path}/presences"), &form).await;
    assert_eq!(status, 303);
    let after = placed(owner.clone()).await;
    assert_eq!(after[&ids["anne"]], Some(morning));
    assert_eq!(after[&ids["bruno"]], None);
    // Anne, moved, is told, with a calendar that cancels the evening and adds the morning;
    // bruno, taken out, and chloe, unchanged, get nothing.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let told: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT to_address, kind, attachment_text FROM mail_outbox WHERE subject = 'Votre atelier de la Caf change de séance'",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.starts_with("anne"), "{told:?}");
    assert_eq!(told[0].1, "workshop");
    // Unfolded: RFC 5545 folds lines over 75 octets, the UIDs' among them.
    let ics = told[0].2.as_deref().expect("a calendar file").replace("\r\n ", "");
    let (cancelled, added) = ics.split_once("END:VEVENT").unwrap();
    assert!(cancelled.contains(&format!("-{evening}@ecoute")) && cancelled.contains("STATUS:CANCELLED"));
    assert!(added.contains(&format!("-{morning}@ecoute")) && !added.contains("CANCELLED"));
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let attended: Option<bool> =
        sqlx::query_scalar("SELECT attended FROM workshop_selections WHERE application_id = $1")
            .bind(ids["anne"])
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(attended, None, "attendance is for confirmed people only");
}

#[tokio::test]
async fn the_campaign_page_links_to_the_application_page_while_a_recruitment_is_open() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let campaign = insert_campaign(&owner, "gironde", "local", "Ateliers familles").await;
    let slug: String = sqlx::query_scalar("SELECT slug FROM campaigns WHERE id = $1")
        .bind(campaign)
        .fetch_one(&owner)
        .await
        .unwrap();
    let public = format!("/consultations/{slug}");
    let link = format!("href=\"/consultations/{slug}/ateliers\"");
    let (status, page) = app.get_text("gironde.localhost", &public).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&link), "no recruitment, no link");

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let (_, console) = operator.get(&path).await;
    let csrf = crate::browser::extract(&console, "name=\"csrf\" value=\"").unwrap();
    let (status, _, _) = operator.post_form(&path, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (status, page) = app.get_text("gironde.localhost", &public).await;
    assert_eq!(status, 200);
    assert!(page.contains(&link), "{page}");
    assert!(page.contains("Proposer ma participation"));
    // The link leads somewhere: the application page answers.
    let (status, _) = app.get_text("gironde.localhost", &format!("{public}/ateliers")).await;
    assert!(status == 200 || status == 303, "{status}");
    // Another space does not see this space's recruitment on a page of its own.
    let (_, elsewhere) = app.get_text("aude.localhost", &public).await;
    assert!(!elsewhere.contains(&link));

    // Closed (here by the owner, as another instance would): every instance drops its copy.
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE workshop_recruitments SET open = false WHERE campaign_id = $1")
        .bind(campaign)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            !app.get_text("gironde.localhost", &public).await.1.contains(&link)
        })
        .await,
        "the link goes once the recruitment closes"
    );
}

#[tokio::test]
async fn an_operator_adds_a_choice_question_with_quotas_and_a_text_question_and_bad_input_is_explained() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let slug = campaign_with_recruitment(&app).await;
    let campaign: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let questions = format!("{path}/questions");

    let mut moderator = operator_browser(&app, "gironde", "moderator").await;
    let (_, page) = moderator.get("/admin").await;
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").expect("a form with a token");
    let (status, _, _) = moderator
        .post_form(
            &questions,
            &[("csrf", &csrf), ("q_label", "Transport"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 403);

    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (_, page) = operator.get(&path).await;
    assert!(page.contains("Ajouter une question"));
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    // Without the token: refused, nothing added.
    let (status, _, _) = operator
        .post_form(&questions, &[("q_label", "Sans jeton"), ("q_kind", "text")])
        .await;
    assert!(status == 403 || status == 400, "{status}");
    // Invalid: each message next to its field, what was typed kept.
    let (status, _, page) = operator
        .post_form(
            &questions,
            &[
                ("csrf", &csrf),
                ("q_label", "Commune"),
                ("q_kind", "single"),
                ("q_options", "Voiture"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(
        "<p class=\"error-message\" id=\"q_label-error\">Le questionnaire contient déjà une question avec cet intitulé.</p>"
    ));
    assert!(page.contains("id=\"q_options-error\">Un choix demande au moins 2 réponses possibles, une par ligne.</p>"));
    assert!(page.contains(">Voiture</textarea>"), "typed options are kept");
    assert!(page.contains("aria-invalid=\"true\""));
    // A NUL in the label: the message beside it, the entry kept without it.
    let (status, _, page) = operator
        .post_form(
            &questions,
            &[("csrf", &csrf), ("q_label", "Trans\u{0}port"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"q_label-error\">Ce texte contient un caractère de contrôle non autorisé"));
    assert!(
        page.contains("value=\"Transport\""),
        "the label is kept, without the NUL"
    );

    let (status, location, _) = operator
        .post_form(
            &questions,
            &[
                ("csrf", &csrf),
                ("q_label", "Comment viendrez-vous ?"),
                ("q_kind", "single"),
                ("q_options", "Voiture\nTransports en commun\nÀ pied ou à vélo"),
                ("q_required", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("fait=question"));
    let (status, _, _) = operator
        .post_form(
            &questions,
            &[("csrf", &csrf), ("q_label", "Une remarque ?"), ("q_kind", "text")],
        )
        .await;
    assert_eq!(status, 303);

    // The console offers quotas on the choice question's answers, not on the text.
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains("Comment viendrez-vous ?</span> (choix unique, ajoutée par la Caf)"),
        "{page}"
    );
    assert!(page.contains("Une remarque ?</span> (texte court, ajoutée par la Caf)"));
    assert!(page.contains("name=\"q-min-custom_1-1\""), "a quota field per answer");
    assert!(!page.contains("q-min-custom_2-"), "no quota on a text question");
    // The volunteer sees and must answer it.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let criteria: serde_json::Value =
        sqlx::query_scalar("SELECT criteria FROM workshop_recruitments WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'workshops.question'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit, 2);
    let custom: Vec<&serde_json::Value> = criteria
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["key"].as_str().unwrap().starts_with("custom_"))
        .collect();
    assert_eq!(custom.len(), 2);
    assert_eq!(custom[0]["key"], "custom_1");
    assert_eq!(custom[0]["required"], true);
    assert_eq!(custom[0]["options"].as_array().unwrap().len(), 3);
    assert_eq!(custom[1]["kind"], "text");
    let session = crate::helpers::session_for(&owner, "gironde", "volontaire@example.org").await;
    let mut citizen = crate::browser::Browser::new(&app, "gironde.localhost");
    citizen.set_cookie("ecoute_session", &session);
    let (status, form) = citizen.get(&format!("/consultations/{slug}/ateliers")).await;
    assert_eq!(status, 200);
    assert!(form.contains("Comment viendrez-vous ?") && form.contains("Transports en commun"));

    // Before the draw, the operator can take one of their questions back; never a standard one.
    let remove = |key: &str| format!("{path}/questions/{key}/suppression");
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains(&format!("action=\"{}\"", remove("custom_2"))),
        "a remove button"
    );
    assert!(!page.contains(&format!("action=\"{}\"", remove("family_situation"))));
    let (status, _, _) = operator
        .post_form(&remove("family_situation"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 400, "the standard criteria stay");
    let (status, _, _) = operator.post_form(&remove("custom_9"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 404);
    let (status, _, _) = operator.post_form(&remove("custom_2"), &[]).await;
    assert!(status == 403 || status == 400, "no CSRF token: {status}");
    // A volunteer already answered both questions.
    let who = account(&owner, "deja@example.org").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let application: Uuid = sqlx::query_scalar(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
         SELECT $1, id, $3, 'deja@example.org', '{\"custom_1\": \"Voiture\", \"custom_2\": \"Rien\"}', now()
           FROM workshop_recruitments WHERE campaign_id = $2 RETURNING id",
    )
    .bind(gironde)
    .bind(campaign)
    .bind(who)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, location, _) = operator.post_form(&remove("custom_2"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("fait=suppression"));
    let (_, page) = operator.get(&path).await;
    assert!(!page.contains("Une remarque ?"), "gone from the questionnaire");
    assert!(page.contains("Comment viendrez-vous ?"));
    let (_, form) = citizen.get(&format!("/consultations/{slug}/ateliers")).await;
    assert!(!form.contains("Une remarque ?"), "and from the volunteers' form");
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let removed: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'workshops.question_removed'")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    let answers: serde_json::Value = sqlx::query_scalar("SELECT answers FROM workshop_applications WHERE id = $1")
        .bind(application)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["key"], "custom_2");
    assert_eq!(removed[0]["answers_removed"], 1);
    assert_eq!(
        answers,
        serde_json::json!({"custom_1": "Voiture"}),
        "its answers went with it"
    );
}
