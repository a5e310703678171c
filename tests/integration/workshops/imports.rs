//! Volunteers imported from a file into a recruitment, through the console (issue 21, item 2):
//! bad files, the mapping of columns, the preview (refused lines and duplicates with their line),
//! a confirmation that takes effect once, the upload's body limit. The draw over an imported
//! pool is in `imported_draw.rs`.

use uuid::Uuid;

use crate::helpers::tenant_id;

use super::*;

/// The campaign id of the recruitment's campaign (`campaign_with_recruitment` gives its slug).
pub(super) async fn campaign_id(owner: &PgPool, slug: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(slug)
        .fetch_one(owner)
        .await
        .unwrap()
}

/// A web application of `email` to the campaign's recruitment.
async fn web_application(owner: &PgPool, tenant: Uuid, campaign: Uuid, email: &str) {
    let who = account(owner, email).await;
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    sqlx::query(
        "INSERT INTO workshop_applications (tenant_id, recruitment_id, account_id, email, answers, consent_at)
         SELECT $1, id, $3, $4, '{\"family_situation\": \"En couple sans enfant\"}', now()
           FROM workshop_recruitments WHERE campaign_id = $2",
    )
    .bind(tenant)
    .bind(campaign)
    .bind(who)
    .bind(email)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

pub(super) async fn count(owner: &PgPool, tenant: Uuid, sql: &'static str) -> i64 {
    let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    n
}

const FILE: &str = "id;Courriel;Situation familiale;Tranche d’âge;téléphone\r\n\
p1;ana@example.org;Parent seul avec enfant(s);30 à 39 ans;0600000001\r\n\
p2;;En couple sans enfant;65 ans ou plus;0600000002\r\n\
p3;bob@example.org;Célibataire;30 à 39 ans;\r\n\
p4;ANA@example.org;En couple sans enfant;30 à 39 ans;\r\n\
p5;web@example.org;En couple sans enfant;30 à 39 ans;\r\n\
p2;carl@example.org;En couple sans enfant;30 à 39 ans;\r\n\
p7;dan@example.org;en couple sans enfant;18 à 29 ans;0600000007\r\n";

// Over 100 lines: one import end to end (bad files → upload → preview → mapping refused and
// changed → confirm twice → a wrong key); each step reads what the last one stored.
#[tokio::test]
async fn an_operator_imports_a_file_maps_its_columns_sees_the_refused_lines_and_confirms_once() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let slug = campaign_with_recruitment(&app).await;
    let campaign = campaign_id(&owner, &slug).await;
    web_application(&owner, gironde, campaign, "web@example.org").await;
    let imports = format!("/admin/campagnes/{campaign}/ateliers/imports");
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (status, page) = operator.get(&imports).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Importer des volontaires") && page.contains("Jusqu’à 20 Mo"),
        "{page}"
    );
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();

    // Bad files: the form again (422) saying why, nothing kept.
    for (content, said) in [
        ("id;nom;ID\r\n1;a;b\r\n", "colonne vide ou répétée : « ID »"),
        ("id;nom\r\n", "ne contient pas de ligne d’en-tête"),
        (
            "id;nom\r\n1;a\u{0}b\r\n",
            "Ligne 2 : caractère de contrôle non autorisé",
        ),
    ] {
        let (status, _, page) = operator
            .post_multipart(&imports, &[("csrf", &csrf)], Some(("file", "v.csv", content)))
            .await;
        assert_eq!(status, 422, "{content}");
        assert!(page.contains(said), "{said}: {page}");
    }
    assert_eq!(count(&owner, gironde, "SELECT count(*) FROM workshop_imports").await, 0);
    // Without the CSRF token: refused.
    let (status, _, _) = operator
        .post_multipart(&imports, &[("csrf", "faux")], Some(("file", "v.csv", FILE)))
        .await;
    assert_eq!(status, 403);

    let (status, location, _) = operator
        .post_multipart(&imports, &[("csrf", &csrf)], Some(("file", "volontaires.csv", FILE)))
        .await;
    assert_eq!(status, 303);
    let import = location.unwrap();
    let (status, page) = operator.get(&import).await;
    assert_eq!(status, 200);
    assert!(page.contains("<strong>3</strong> lignes valides"), "p1, p2, p7: {page}");
    assert!(
        page.contains("« Célibataire » n’est pas une réponse possible"),
        "line 4"
    );
    assert!(page.contains("<td>4</td>"), "with its line number");
    assert!(
        page.contains("ana@example.org figure déjà à la ligne 2"),
        "within the file, case aside"
    );
    assert!(
        page.contains("web@example.org est déjà dans le vivier"),
        "against the web applications"
    );
    assert!(page.contains("identifiant « p2 » déjà à la ligne 3"));
    assert!(
        page.contains("2 avec une adresse électronique") && page.contains("1 sans adresse"),
        "{page}"
    );
    assert_eq!(
        count(&owner, gironde, "SELECT count(*) FROM workshop_applications").await,
        1,
        "nothing added yet"
    );

    // The mapping: an unknown column is refused (422); without the id column the repeated id
    // no longer matters.
    let mapping = format!("{import}/correspondance");
    let (status, _, page) = operator
        .post_form(
            &mapping,
            &[
                ("csrf", &csrf),
                ("email", "Courriel"),
                ("c-family_situation", "Famille"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Colonne inconnue dans ce fichier : Famille"));
    let (status, _, _) = operator
        .post_form(
            &mapping,
            &[
                ("csrf", &csrf),
                ("email", "Courriel"),
                ("c-family_situation", "Situation familiale"),
                ("c-age_bracket", "Tranche d’âge"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = operator.get(&import).await;
    assert!(
        page.contains("<strong>4</strong> lignes valides"),
        "p2 twice is fine without ids: {page}"
    );

    // Confirm: once, whatever the clicks.
    let key = crate::browser::extract(&page, "name=\"cle\" value=\"").unwrap();
    let confirm = format!("{import}/confirmation");
    for _ in 0..2 {
        let (status, location, _) = operator.post_form(&confirm, &[("csrf", &csrf), ("cle", &key)]).await;
        assert_eq!(status, 303);
        assert_eq!(location.as_deref(), Some(import.as_str()));
    }
    assert_eq!(
        count(
            &owner,
            gironde,
            "SELECT count(*) FROM workshop_applications WHERE import_id IS NOT NULL"
        )
        .await,
        4
    );
    assert_eq!(
        count(
            &owner,
            gironde,
            "SELECT count(*) FROM audit_log WHERE action = 'workshops.import'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &owner,
            gironde,
            "SELECT count(*) FROM workshop_imports WHERE content <> ''"
        )
        .await,
        0,
        "the file's text is dropped once confirmed"
    );
    let (_, page) = operator.get(&import).await;
    assert!(
        page.contains("Import confirmé") && page.contains("Lignes non ajoutées (3)"),
        "{page}"
    );
    let (_, page) = operator.get(&format!("/admin/campagnes/{campaign}/ateliers")).await;
    assert!(
        page.contains("Vivier de volontaires (5)"),
        "imported people join the pool"
    );

    // The same file again: everyone is a duplicate now; a wrong key is refused.
    let (_, location, _) = operator
        .post_multipart(&imports, &[("csrf", &csrf)], Some(("file", "encore.csv", FILE)))
        .await;
    let again = location.unwrap();
    let (_, page) = operator.get(&again).await;
    assert!(
        page.contains("<strong>1</strong> lignes valides"),
        "only p2, without an address: {page}"
    );
    assert!(
        page.contains("ana@example.org est déjà dans le vivier"),
        "an earlier import"
    );
    let (status, _, _) = operator
        .post_form(
            &format!("{again}/confirmation"),
            &[("csrf", &csrf), ("cle", &Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_file_over_the_limit_gets_a_413_naming_it() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_with_recruitment(&app).await;
    let campaign = campaign_id(&owner, &slug).await;
    let imports = format!("/admin/campagnes/{campaign}/ateliers/imports");
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (_, page) = operator.get(&imports).await;
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    // 19 MiB is taken (not a 413: the file is read, then refused for what it holds)…
    let big = format!("id,nom\n{}", "1,a\n".repeat(19 * 1024 * 1024 / 4));
    let (status, _, _) = operator
        .post_multipart(&imports, &[("csrf", &csrf)], Some(("file", "gros.csv", &big)))
        .await;
    assert_eq!(status, 422, "more lines than the engine takes, said as such");
    // …21 MiB is not.
    let huge = "x".repeat(21 * 1024 * 1024);
    let (status, _, page) = operator
        .post_multipart(&imports, &[("csrf", &csrf)], Some(("file", "enorme.csv", &huge)))
        .await;
    assert_eq!(status, 413);
    assert!(page.contains("20 Mo"), "{page}");
}
