//! A draw over a pool imported from a file (issue 21, item 2): quotas in seats with their
//! percentage beside, the household rule, infeasible quotas explained, the CSV exports in the
//! columns of `ecoute panel`, invitations by mail only to those with an address.

use uuid::Uuid;

use crate::helpers::tenant_id;

use super::imports::{campaign_id, count};
use super::*;

/// 20 people in 10 households of two (same address), single parents the odd ones, an address
/// for half of them.
fn households_file() -> String {
    let mut file = String::from("id,email,Situation familiale,adresse,commune\n");
    for i in 1..=20 {
        let family = if i % 2 == 1 {
            "Parent seul avec enfant(s)"
        } else {
            "En couple avec enfant(s)"
        };
        let email = if i <= 10 {
            format!("p{i:02}@example.org")
        } else {
            String::new()
        };
        file += &format!("p{i:02},{email},{family},\"{} rue du Port\",Bordeaux\n", (i + 1) / 2);
    }
    file
}

// Over 100 lines: a draw over an imported pool, from the import to the exports and the
// invitations (each step needs the draw the last one made).
#[tokio::test]
async fn a_draw_over_an_imported_pool_takes_quotas_in_seats_keeps_households_apart_and_exports_the_panel() {
    let app = crate::helpers::TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let slug = campaign_with_recruitment(&app).await;
    let campaign = campaign_id(&owner, &slug).await;
    let path = format!("/admin/campagnes/{campaign}/ateliers");
    let mut operator = operator_browser(&app, "gironde", "local_operator").await;
    let (_, page) = operator.get(&format!("{path}/imports")).await;
    let csrf = crate::browser::extract(&page, "name=\"csrf\" value=\"").unwrap();
    let file = households_file();
    let (_, location, _) = operator
        .post_multipart(
            &format!("{path}/imports"),
            &[("csrf", &csrf)],
            Some(("file", "foyers.csv", &file)),
        )
        .await;
    let import = location.unwrap();
    let (_, page) = operator.get(&import).await;
    assert!(page.contains("<strong>20</strong> lignes valides"), "{page}");
    let key = crate::browser::extract(&page, "name=\"cle\" value=\"").unwrap();
    let (status, _, _) = operator
        .post_form(&format!("{import}/confirmation"), &[("csrf", &csrf), ("cle", &key)])
        .await;
    assert_eq!(status, 303);

    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains("name=\"foyer-1\""),
        "the imported columns are offered: {page}"
    );
    let draw = format!("{path}/tirage");
    let single_parents_min = "q-min-family_situation-1";
    // The other form of each quota, without drawing.
    let (status, _, page) = operator
        .post_form(
            &draw,
            &[
                ("csrf", &csrf),
                ("seats", "8"),
                ("unite", "pourcentage"),
                (single_parents_min, "40"),
                ("apercu", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("soit 4 places"), "40 % of 8 seats, rounded up: {page}");
    let (status, _, page) = operator
        .post_form(
            &draw,
            &[
                ("csrf", &csrf),
                ("seats", "8"),
                ("unite", "places"),
                (single_parents_min, "3"),
                ("apercu", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("soit 37,5\u{202F}%"), "{page}");
    assert_eq!(
        count(&owner, gironde, "SELECT count(*) FROM workshop_draws").await,
        0,
        "nothing drawn"
    );
    // A count over the seats, infeasible quotas, more seats than households: explained, 422.
    let (status, _, page) = operator
        .post_form(
            &draw,
            &[
                ("csrf", &csrf),
                ("seats", "8"),
                ("unite", "places"),
                (single_parents_min, "9"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("nombre de places invalide"), "{page}");
    let (status, _, page) = operator
        .post_form(
            &draw,
            &[
                ("csrf", &csrf),
                ("seats", "12"),
                ("unite", "places"),
                (single_parents_min, "11"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("seuls 10 volontaires l’ont : il en manque 1"), "{page}");
    let (status, _, page) = operator
        .post_form(&draw, &[("csrf", &csrf), ("seats", "11"), ("foyer-3", "oui")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("11 places pour 10 foyers"), "{page}");

    // 8 seats, at least 5 single parents (in seats), one person per address at most.
    let (status, _, _) = operator
        .post_form(
            &draw,
            &[
                ("csrf", &csrf),
                ("seats", "8"),
                ("unite", "places"),
                (single_parents_min, "5"),
                ("foyer-3", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = operator.get(&path).await;
    assert!(
        page.contains("au plus une personne par valeur de <span lang=\"fr\">adresse</span>"),
        "{page}"
    );
    assert!(
        page.contains("soit 62,5\u{202F}%"),
        "the quota asked, in seats, with its percentage"
    );
    assert!(page.contains("leximin exact ("), "which method ran");
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    let seated: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.cells ->> 3, a.answers ->> 'family_situation' FROM workshop_selections s
           JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
          WHERE s.status = 'invited'",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(seated.len(), 8);
    let addresses: std::collections::HashSet<&String> = seated.iter().map(|s| &s.0).collect();
    assert_eq!(addresses.len(), 8, "one person per household: {seated:?}");
    assert!(seated.iter().filter(|s| s.1 == "Parent seul avec enfant(s)").count() >= 5);

    // The exports, in the command's columns.
    let (status, csv) = operator.get(&format!("{path}/probabilites.csv")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "id;probability");
    assert_eq!(lines.len(), 21);
    assert!(
        lines[1].starts_with("p01;") && lines[20].starts_with("p20;"),
        "the file's order"
    );
    let total: f64 = lines[1..]
        .iter()
        .map(|l| l.split(';').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((total - 8.0).abs() < 1e-6, "probabilities add up to the seats: {total}");
    let pairs: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(';').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(
        pairs.chunks(2).all(|h| h[0] + h[1] <= 1.0 + 1e-6),
        "a household shares one seat at most"
    );
    let (status, csv) = operator.get(&format!("{path}/panel.csv")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    // The questionnaire's columns (the file's `commune` answers its Commune question), then
    // the file's own columns.
    assert!(
        lines[0].starts_with("id;email;Situation familiale;") && lines[0].ends_with(";Commune;Tranche d’âge;adresse"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 9);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(";Bordeaux;") && l.ends_with(" rue du Port")),
        "{csv}"
    );
    assert_eq!(
        count(
            &owner,
            gironde,
            "SELECT count(*) FROM audit_log WHERE action = 'workshops.export'"
        )
        .await,
        2
    );

    // Invitations: by mail to those with an address; the others are to contact otherwise.
    let with_address = lines[1..].iter().filter(|l| l.contains("@example.org")).count() as i64;
    let (status, _, _) = operator
        .post_form(&format!("{path}/invitations"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        count(
            &owner,
            gironde,
            "SELECT count(*) FROM mail_outbox WHERE kind = 'workshop'"
        )
        .await,
        with_address
    );
    let (_, page) = operator.get(&path).await;
    assert_eq!(
        page.matches("à contacter par téléphone ou courrier").count() as i64,
        8 - with_address,
        "{page}"
    );

    // Their answers, taken by phone, are recorded by the operator: a decline gives the seat to
    // the waitlist (within the quotas and the household rule), once however many clicks.
    // Households 6 to 10 have no address: at least 3 of the 8 seats.
    assert!(with_address <= 5);
    {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        let offline: Vec<Uuid> = sqlx::query_scalar(
            "SELECT s.application_id FROM workshop_selections s
               JOIN workshop_applications a ON a.tenant_id = s.tenant_id AND a.id = s.application_id
              WHERE s.status = 'invited' AND a.email = '' ORDER BY s.seat",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let answers = format!("{path}/reponses");
        for _ in 0..2 {
            let (status, _, _) = operator
                .post_form(
                    &answers,
                    &[("csrf", &csrf), ("personne", &offline[0].to_string()), ("choix", "non")],
                )
                .await;
            assert_eq!(status, 303);
        }
        let seated = "SELECT count(*) FROM workshop_selections WHERE status IN ('invited', 'confirmed')";
        assert_eq!(count(&owner, gironde, seated).await, 8, "the seat went to the waitlist");
        assert_eq!(
            count(
                &owner,
                gironde,
                "SELECT count(*) FROM workshop_selections WHERE status = 'declined'"
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &owner,
                gironde,
                "SELECT count(*) FROM audit_log WHERE action = 'workshops.answer'"
            )
            .await,
            1
        );
        let (status, _, page) = operator
            .post_form(
                &answers,
                &[
                    ("csrf", &csrf),
                    ("personne", &offline[0].to_string()),
                    ("choix", "peut-être"),
                ],
            )
            .await;
        assert_eq!(status, 400, "{page}");
    }
}
