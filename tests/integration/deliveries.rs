//! Mail whose fate is unknown (a worker died between handing it over and hearing back): the
//! deliveries console says how many, warns that a recipient may get it twice, and re-sends them
//! all in one action, recorded in the audit log; a second submit changes nothing.

use uuid::Uuid;

use crate::browser::extract;
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, TestDb, as_owner, tenant_id};

const GIRONDE: &str = "gironde.localhost";

// Over 100 lines: one resend followed end to end (uncertain mails counted → resent in one
// action → recorded → a double submit changes nothing); each step reads what the last queued.
#[tokio::test]
async fn uncertain_mails_are_counted_and_resent_in_one_recorded_action() {
    // Mail sending off (ECOUTE_MAIL_SENDING=off): what is queued again stays queued to be seen.
    let test_db = TestDb::new().await;
    let mut settings = test_db.settings();
    settings.mail_sending = false;
    let app = TestApp::spawn_with_settings(test_db, settings).await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let aude = tenant_id(&owner, "aude").await;
    // Three uncertain mails here, one sent, and one uncertain in another space.
    for (space, to, status) in [
        (gironde, "a@exemple.fr", "uncertain"),
        (gironde, "b@exemple.fr", "uncertain"),
        (gironde, "c@exemple.fr", "uncertain"),
        (gironde, "d@exemple.fr", "sent"),
        (aude, "e@exemple.fr", "uncertain"),
    ] {
        as_owner(
            &owner,
            space,
            format!(
                "INSERT INTO mail_outbox (tenant_id, to_address, subject, text_body, status, kind) \
                 VALUES ('{space}', '{to}', 'Votre avis compte', 'Bonjour', '{status}', 'invitation')"
            ),
        )
        .await;
    }
    let password = make_operator(
        &owner,
        "courriels@caf33.caf.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let mut operator = signed_in(&app, GIRONDE, "courriels@caf33.caf.fr", &password).await;

    let (status, html) = operator.get("/admin/courriels").await;
    assert_eq!(status, 200);
    assert!(html.contains("3 courriels à vérifier"), "{html}");
    assert!(html.contains("deux fois"), "the page warns of duplicates");
    assert!(html.contains("Renvoyer les 3 courriels à vérifier"));
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();

    let (status, location, _) = operator
        .post_form("/admin/courriels/incertains", &[("csrf", &csrf)])
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/courriels?fait=courriels_incertains"))
    );
    let statuses = |space: Uuid| {
        let owner = owner.clone();
        async move {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT to_address, status FROM mail_outbox WHERE tenant_id = $1 ORDER BY to_address")
                    .bind(space)
                    .fetch_all(&owner)
                    .await
                    .unwrap();
            rows.into_iter().map(|(to, s)| format!("{to}:{s}")).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        statuses(gironde).await,
        [
            "a@exemple.fr:queued",
            "b@exemple.fr:queued",
            "c@exemple.fr:queued",
            "d@exemple.fr:sent"
        ]
    );
    assert_eq!(
        statuses(aude).await,
        ["e@exemple.fr:uncertain"],
        "another space's mail is untouched"
    );
    let audit = || {
        let owner = owner.clone();
        async move {
            sqlx::query_as::<_, (String, serde_json::Value)>(
                "SELECT operator_email, details FROM audit_log WHERE tenant_id = $1 AND action = 'mail.resend_uncertain'",
            )
            .bind(gironde)
            .fetch_all(&owner)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        audit().await,
        [("courriels@caf33.caf.fr".to_owned(), serde_json::json!({ "count": 3 }))]
    );

    // The confirmation, then a double submit: nothing more is queued or recorded.
    let (_, html) = operator.get("/admin/courriels?fait=courriels_incertains").await;
    assert!(html.contains("de nouveau en file d’envoi"));
    assert!(!html.contains("à vérifier</h2>"), "no uncertain mail left to announce");
    let (status, _, _) = operator
        .post_form("/admin/courriels/incertains", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(audit().await.len(), 1);
}
