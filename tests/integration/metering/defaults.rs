//! The platform's default quotas: a national setting that every newly activated module gets
//! (before, a new module had no limit at all). Modules already active keep theirs.

use std::collections::BTreeMap;

use crate::browser::extract;
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, tenant_id};

async fn quotas_of(owner: &sqlx::PgPool, slug: &str) -> BTreeMap<String, i64> {
    let value: sqlx::types::Json<BTreeMap<String, i64>> =
        sqlx::query_scalar("SELECT quotas FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_one(owner)
            .await
            .unwrap();
    value.0
}

#[tokio::test]
async fn a_new_module_gets_the_default_quotas_set_by_a_national_admin() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "quotas@cnaf.fr", true, None).await;
    let mut admin = signed_in(&app, "localhost", "quotas@cnaf.fr", &password).await;
    let gironde_before = quotas_of(&owner, "gironde").await;

    // The starting plan, until set.
    let (status, html) = admin.get("/admin/compteurs/quotas-par-defaut").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("value=\"20000\"") && html.contains("value=\"2048\""),
        "{html}"
    );
    let (_, overview) = admin.get("/admin/compteurs").await;
    assert!(overview.contains("href=\"/admin/compteurs/quotas-par-defaut\""));
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();

    // A value that is not a whole number: the form again, the entry kept, nothing saved.
    let bad = [
        ("csrf", csrf.as_str()),
        ("emails_per_month", "beaucoup"),
        ("active_campaigns", "3"),
        ("storage_mb", ""),
    ];
    let (status, _, html) = admin.post_form("/admin/compteurs/quotas-par-defaut", &bad).await;
    assert_eq!(status, 422);
    assert!(html.contains("value=\"beaucoup\"") && html.contains("indiquez un nombre entier positif"));

    let good = [
        ("csrf", csrf.as_str()),
        ("emails_per_month", "5 000"),
        ("active_campaigns", "3"),
        ("storage_mb", ""),
    ];
    let (status, location, _) = admin.post_form("/admin/compteurs/quotas-par-defaut", &good).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/compteurs/quotas-par-defaut?fait=quotas"))
    );
    let (_, html) = admin.get("/admin/compteurs/quotas-par-defaut?fait=quotas").await;
    assert!(html.contains("Quotas par défaut enregistrés") && html.contains("value=\"5000\""));

    // The Ain's module, activated now, gets them; Gironde keeps its own.
    let (_, modules) = admin.get("/admin/modules").await;
    let csrf = extract(&modules, "name=\"csrf\" value=\"").unwrap();
    let activate = [
        ("csrf", csrf.as_str()),
        ("code", "01"),
        ("slug", "ain"),
        ("name", "Caf de l’Ain"),
        ("primary_color", "#1b5e20"),
        ("secondary_color", "#f9a825"),
    ];
    assert_eq!(admin.post_form("/admin/modules", &activate).await.0, 303);
    assert_eq!(
        quotas_of(&owner, "ain").await,
        BTreeMap::from([
            ("active_campaigns".to_owned(), 3),
            ("emails_per_month".to_owned(), 5000)
        ])
    );
    assert_eq!(quotas_of(&owner, "gironde").await, gironde_before);
    let national = tenant_id(&owner, "national").await;
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'modules.default_quotas'")
            .bind(national)
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // A Caf's operator has no such page; the database refuses the setting outside the national space.
    let local = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, "gironde.localhost", "loc@caf33.caf.fr", &local).await;
    assert_eq!(operator.get("/admin/compteurs/quotas-par-defaut").await.0, 404);
    let gironde = tenant_id(&owner, "gironde").await;
    let db = ecoute::tenancy::TenantDb::new(app.test_db.app_pool().await);
    let mut tx = db.begin_in(crate::helpers::space(&db, gironde).await).await.unwrap();
    let refused = sqlx::query("SELECT console_set_default_quotas('{}')")
        .execute(&mut *tx)
        .await;
    assert!(refused.is_err(), "only in the national space's context");
}
