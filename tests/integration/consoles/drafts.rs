//! A campaign's life as a draft: created once however often its form is sent, copied as a new
//! draft (with its survey and conditions) once per copy form, deleted after a confirmation, and
//! kept when it is published or has received something.

use sqlx::PgPool;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, tenant_id};

use super::*;

async fn count(owner: &PgPool, sql: &'static str, tenant: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(tenant).fetch_one(owner).await.unwrap()
}

/// A new draft through the form, sent twice with the same key; returns its editor's path.
async fn new_draft(operator: &mut Browser<'_>, title: &str) -> String {
    let (_, html) = operator.get("/admin/campagnes/nouvelle").await;
    let field = |name: &str| extract(&html, &format!("name=\"{name}\" value=\"")).unwrap();
    let form = [
        ("csrf", field("csrf")),
        ("creation_key", field("creation_key")),
        ("title", title.to_owned()),
        ("opens_on", field("opens_on")),
        ("closes_on", field("closes_on")),
        ("audience", "public".into()),
        ("has_survey", "on".into()),
        ("has_ideas", "on".into()),
    ];
    let (status, first, _) = post(operator, "/admin/campagnes", &form).await;
    assert_eq!(status, 303);
    let (status, second, _) = post(operator, "/admin/campagnes", &form).await;
    assert_eq!(status, 303, "the same form again leads to the draft it made");
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first, second);
    first.split('?').next().unwrap().to_owned()
}

// Over 100 lines: one draft's whole life (made, given a conditional survey, copied twice with one
// form, the copy deleted twice with one confirmation, the original kept once published), each step
// on what the last one left.
#[tokio::test]
async fn a_draft_is_made_copied_and_deleted_once_however_often_its_forms_are_sent() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let password = make_operator(
        &owner,
        "brouillons@caf33.caf.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let mut operator = signed_in(&app, GIRONDE, "brouillons@caf33.caf.fr", &password).await;
    let campaigns = "SELECT count(*) FROM campaigns WHERE tenant_id = $1";
    let before = count(&owner, campaigns, gironde).await;

    let edit = new_draft(&mut operator, "Vos démarches de rentrée").await;
    assert_eq!(
        count(&owner, campaigns, gironde).await,
        before + 1,
        "one draft for two sends"
    );

    // A survey: a choice, then a question shown on one of its answers.
    let (_, html) = operator.get(&edit).await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let question = |kind: &str, label: &str, extra: &[(&'static str, String)]| {
        let mut fields = vec![
            ("csrf", csrf.clone()),
            ("kind", kind.to_owned()),
            ("label", label.to_owned()),
        ];
        fields.extend(extra.iter().cloned());
        fields
    };
    let add = format!("{edit}/questions");
    let choice = question(
        "single_choice",
        "Avez-vous un compte ?",
        &[("options", "Oui\nNon".into())],
    );
    assert_eq!(post(&mut operator, &add, &choice).await.0, 303);
    let (_, html) = operator.get(&edit).await;
    let first = extract(&html, "<li id=\"q-").unwrap();
    let why = question(
        "long_text",
        "Pourquoi pas ?",
        &[("condition_question", first.clone()), ("condition_value", "Non".into())],
    );
    assert_eq!(post(&mut operator, &add, &why).await.0, 303);

    // Copied: the same copy form twice makes one copy, with the survey and its condition.
    let (_, html) = operator.get(&edit).await;
    assert!(html.contains("Dupliquer en nouveau brouillon"));
    let key = extract(&html, "name=\"key\" value=\"").unwrap();
    let copy_form = [("csrf", csrf.clone()), ("key", key)];
    let (status, made, _) = post(&mut operator, &format!("{edit}/copie"), &copy_form).await;
    assert_eq!(status, 303);
    let (status, again, _) = post(&mut operator, &format!("{edit}/copie"), &copy_form).await;
    assert_eq!(status, 303);
    let made = made.unwrap();
    assert_eq!(Some(&made), again.as_ref(), "the second send leads to the first copy");
    assert!(made.ends_with("?fait=copie"), "{made}");
    assert_eq!(
        count(&owner, campaigns, gironde).await,
        before + 2,
        "one copy for two sends"
    );
    let copy = made.split('?').next().unwrap().to_owned();
    let copy_id: Uuid = copy.rsplit('/').next().unwrap().parse().unwrap();
    let (slug, title, published): (String, String, bool) =
        sqlx::query_as("SELECT slug, title, published_at IS NOT NULL FROM campaigns WHERE tenant_id = $1 AND id = $2")
            .bind(gironde)
            .bind(copy_id)
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(
        (slug.as_str(), title.as_str(), published),
        (
            "vos-demarches-de-rentree-copie",
            "Vos démarches de rentrée (copie)",
            false
        )
    );
    // The copy's condition points at the copy's own first question, not the original's.
    let condition: (Uuid, Uuid, String) = sqlx::query_as(
        "SELECT c.id, q.condition_question_id, q.condition_value FROM survey_questions q
           JOIN survey_questions c ON c.tenant_id = q.tenant_id AND c.id = q.condition_question_id
          WHERE q.tenant_id = $1 AND q.campaign_id = $2 AND c.campaign_id = $2",
    )
    .bind(gironde)
    .bind(copy_id)
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_ne!(condition.1.to_string(), first);
    assert_eq!(condition.2, "Non");
    let (status, html) = operator.get(&made).await;
    assert_eq!(status, 200);
    assert!(html.contains("Copie créée en brouillon") && html.contains("Pourquoi pas ?"));

    // Deleted after a confirmation page; the confirmation sent twice is harmless.
    let (status, html) = operator.get(&format!("{copy}/suppression")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Supprimer ce brouillon ?") && html.contains("Ses 2 questions seront supprimées"));
    let confirm = [("csrf", csrf.clone())];
    for _ in 0..2 {
        let (status, location, _) = post(&mut operator, &format!("{copy}/suppression"), &confirm).await;
        assert_eq!(status, 303);
        assert_eq!(location.as_deref(), Some("/admin/campagnes?fait=suppression_campagne"));
    }
    assert_eq!(count(&owner, campaigns, gironde).await, before + 1);
    let (_, html) = operator.get("/admin/campagnes?fait=suppression_campagne").await;
    assert!(html.contains("Brouillon supprimé."));
    let audited =
        "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action IN ('campaign.duplicate', 'campaign.delete')";
    assert_eq!(
        count(&owner, audited, gironde).await,
        2,
        "one audit line per copy and per deletion"
    );

    // Published, the original cannot be deleted: the editor says to withdraw it first.
    let publish = [("csrf", csrf.clone()), ("action", "publier".to_owned())];
    assert_eq!(
        post(&mut operator, &format!("{edit}/publication"), &publish).await.0,
        303
    );
    let (status, html) = operator.get(&format!("{edit}/suppression")).await;
    assert_eq!(status, 409);
    assert!(html.contains("retirez-la d’abord"));
    let (status, _, html) = post(&mut operator, &format!("{edit}/suppression"), &confirm).await;
    assert_eq!(status, 409);
    assert!(html.contains("retirez-la d’abord"));
    assert_eq!(count(&owner, campaigns, gironde).await, before + 1);
}

#[tokio::test]
async fn a_withdrawn_campaign_that_received_an_idea_is_not_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let password = make_operator(
        &owner,
        "retrait@caf33.caf.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let mut operator = signed_in(&app, GIRONDE, "retrait@caf33.caf.fr", &password).await;
    let edit = new_draft(&mut operator, "Une idée reçue").await;
    let id: Uuid = edit.rsplit('/').next().unwrap().parse().unwrap();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query(
        "INSERT INTO ideas (tenant_id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         VALUES ($1, $2, $1, 'idee', 'Une idée', 'Son texte, assez long.', gen_random_uuid())",
    )
    .bind(gironde)
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, html) = operator.get(&edit).await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, _, html) = post(&mut operator, &format!("{edit}/suppression"), &[("csrf", csrf)]).await;
    assert_eq!(status, 409);
    assert!(html.contains("elle a déjà reçu des contributions"), "{html}");
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns WHERE tenant_id = $1 AND id = $2")
        .bind(gironde)
        .bind(id)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(kept, 1);
}
