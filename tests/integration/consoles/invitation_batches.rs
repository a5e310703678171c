//! Invitation batches at scale and over time: a list of ten thousand rows previewed and
//! confirmed with its counts, and re-inviting as a separate action, done once and audited.

use std::time::{Duration, Instant};

use reqwest::Method;

use super::invitations::{audited, confirm, operator_and_campaign, outbox, twin, uploaded};
use crate::helpers::{TestApp, as_owner, tenant_id};

// Over 100 lines: one list of ten thousand rows through the three steps, with the fixtures
// it is checked against (addresses invited before, unsubscribed) and each step's counts.
#[tokio::test]
async fn a_list_of_ten_thousand_rows_is_previewed_and_confirmed_with_its_counts() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let (mut b, campaign) = operator_and_campaign(&app, "masse@caf33.caf.fr").await;
    // personne-0 to 99 were invited before; personne-100 to 109 unsubscribed from the space.
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO campaign_invitations (tenant_id, campaign_id, address)
         SELECT '{gironde}', '{campaign}', 'personne-' || i || '@exemple.fr' FROM generate_series(0, 99) i;
         INSERT INTO mail_suppressions (tenant_id, address, reason)
         SELECT '{gironde}', 'personne-' || i || '@exemple.fr', 'unsubscribed' FROM generate_series(100, 109) i;"
        ),
    )
    .await;
    // 9,950 distinct addresses, 30 repeats of the first ones, 20 invalid: 10,000 rows.
    let mut csv = String::from("nom;email\n");
    for i in 0..10_000 {
        let cell = match i {
            0..9950 => format!("personne-{i}@exemple.fr"),
            9950..9980 => format!("personne-{}@exemple.fr", i - 9950),
            _ => format!("invalide-{i}@"),
        };
        csv.push_str(&format!("Personne {i};{cell}\n"));
    }

    let started = Instant::now();
    let path = uploaded(&mut b, campaign, "", Some(&csv)).await;
    let uploaded_in = started.elapsed();
    let (status, html) = b.get(&path).await;
    assert_eq!(status, 200);
    let previewed_in = started.elapsed();
    for shown in [
        "<strong>9840</strong> adresses à inviter",
        "<strong>100</strong> adresses déjà invitées",
        "<strong>10</strong> adresses désabonnées",
        "<strong>30</strong> doublons dans la liste",
        "<strong>20</strong> lignes refusées",
        "… et 9740 de plus",
        "<td>9953</td><td>personne-1@exemple.fr</td><td>déjà à la ligne 3</td>",
    ] {
        assert!(html.contains(shown), "the preview shows {shown}");
    }
    assert!(
        html.matches("<tr>").count() < 600,
        "a page of the first rows of each kind, not ten thousand"
    );
    let (status, location) = confirm(&mut b, &path).await;
    assert_eq!((status, location.as_deref()), (303, Some(path.as_str())));
    let confirmed_in = started.elapsed();
    println!(
        "10,000 rows: upload {uploaded_in:?}, preview {:?}, confirm {:?} (read and post)",
        previewed_in - uploaded_in,
        confirmed_in - previewed_in
    );
    assert!(
        confirmed_in < Duration::from_secs(60),
        "set-based: the three steps of 10,000 rows take seconds ({confirmed_in:?})"
    );

    let queued = outbox(&app, campaign).await;
    assert_eq!(queued.len(), 9850, "9,840 invitations and 10 recorded as suppressed");
    assert_eq!(queued.iter().filter(|(_, s)| s == "suppressed").count(), 10);
    let (status, progress) = b.api(Method::GET, &format!("{path}/etat"), None).await;
    assert_eq!(status, 200);
    assert_eq!(progress["total"], 9850, "{progress}");
    let (_, html) = b.get(&path).await;
    assert!(html.contains("<strong>9850</strong> adresses invitées"));
    assert!(html.contains("<strong>100</strong> adresses déjà invitées, non réinvitées"));
    assert!(html.contains("Réinviter ces 100 adresses"));
    let (status, location) = confirm_again(&mut b, &path, &html).await;
    assert_eq!((status, location.as_deref()), (303, Some(path.as_str())));
    assert_eq!(
        outbox(&app, campaign).await.len(),
        9850,
        "a replayed confirm adds nothing"
    );
}

/// Posts the confirm of an already confirmed batch with its key (read from the database: the
/// page no longer shows the form).
async fn confirm_again(b: &mut crate::browser::Browser<'_>, path: &str, html: &str) -> (u16, Option<String>) {
    let owner = b.app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let batch = path.rsplit('/').next().unwrap();
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let key: uuid::Uuid = sqlx::query_scalar("SELECT confirm_key FROM invitation_batches WHERE id = $1::uuid")
        .bind(batch)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let csrf = crate::browser::extract(html, "name=\"csrf\" value=\"").unwrap();
    let (status, location, _) = b
        .post_form(
            &format!("{path}/confirmer"),
            &[("csrf", &csrf), ("cle", &key.to_string())],
        )
        .await;
    (status, location)
}

#[tokio::test]
async fn re_inviting_is_a_separate_action_done_once_and_audited() {
    let app = TestApp::spawn().await;
    let (mut b, campaign) = operator_and_campaign(&app, "relance@caf33.caf.fr").await;
    let first = uploaded(&mut b, campaign, "a@exemple.fr\nb@exemple.fr", None).await;
    assert_eq!(confirm(&mut b, &first).await.0, 303);

    let second = uploaded(&mut b, campaign, "b@exemple.fr\nc@exemple.fr", None).await;
    let today = ecoute::web::i18n::format_date(ecoute::web::i18n::Lang::Fr, chrono::Utc::now());
    let (_, html) = b.get(&second).await;
    assert!(
        html.contains(&format!(
            "<td>1</td><td>b@exemple.fr</td><td>déjà invitée le {today}</td>"
        )),
        "the preview says when: {html}"
    );
    let (csrf, _) = super::invitations::confirm_form(&mut b, &second).await;
    let reinvite = format!("{second}/reinviter");
    let (status, _, _) = b.post_form(&reinvite, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303, "before the confirm there is nothing to re-invite");
    assert_eq!(confirm(&mut b, &second).await.0, 303);
    let addresses = |queued: Vec<(String, String)>| queued.into_iter().map(|(a, _)| a).collect::<Vec<_>>();
    assert_eq!(
        addresses(outbox(&app, campaign).await),
        vec!["a@exemple.fr", "b@exemple.fr", "c@exemple.fr"],
        "the confirm skipped b"
    );
    let (_, html) = b.get(&second).await;
    assert!(html.contains("Réinviter cette adresse"));

    // Re-invited on purpose, twice at once: once.
    let mut other = twin(&b);
    let form = [("csrf", csrf.as_str())];
    let (one, two) = tokio::join!(b.post_form(&reinvite, &form), other.post_form(&reinvite, &form));
    for (status, location, _) in [one, two] {
        assert_eq!(status, 303);
        assert_eq!(location.unwrap(), format!("{second}?fait=reinvitations"));
    }
    let (status, _, _) = b.post_form(&reinvite, &form).await;
    assert_eq!(status, 303);
    assert_eq!(
        addresses(outbox(&app, campaign).await),
        vec!["a@exemple.fr", "b@exemple.fr", "b@exemple.fr", "c@exemple.fr"],
        "b once more, once"
    );
    assert_eq!(audited(&app, "invitations.reinvite").await, 1);
    let (_, html) = b.get(&format!("{second}?fait=reinvitations")).await;
    assert!(html.contains("Les adresses déjà invitées sont réinvitées"));
    assert!(html.contains(&format!("<td>1</td><td>b@exemple.fr</td><td>réinvitée le {today}</td>")));
    assert!(!html.contains("/reinviter\""), "nothing left to re-invite");
    // The first batch skipped nobody: nothing to re-invite there either.
    let (status, _, _) = b.post_form(&format!("{first}/reinviter"), &form).await;
    assert_eq!(status, 303);
    assert_eq!(outbox(&app, campaign).await.len(), 4);
}
