//! The national console: usage shown, exported, and set per space.

use ecoute::metering::{self};

use crate::consoles::{make_operator, sign_in};
use crate::helpers::{TestApp, campaign_slug};

use super::*;

#[tokio::test]
async fn the_national_console_shows_exports_and_sets_each_spaces_usage() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let local = campaign_slug(&app, "haute-garonne", "local").await;
    let mut citizen = citizen(&app, "haute-garonne", "hg.metering@exemple.fr").await;
    for i in 0..3 {
        post_idea(&mut citizen, &local, &format!("Idée toulousaine {i}")).await;
    }
    let expected = usage(&app, "haute-garonne").await;
    let password = make_operator(&owner, "admin.metering@cnaf.fr", true, None).await;
    let (mut browser, status, _) = sign_in(&app, "localhost", "admin.metering@cnaf.fr", &password).await;
    assert_eq!(status, 303);

    let (status, page) = browser.get("/admin/compteurs").await;
    assert_eq!(status, 200);
    let row_start = page.find("data-space=\"haute-garonne\"").expect("a row per space");
    let row = &page[row_start..row_start + page[row_start..].find("</tr>").unwrap()];
    assert!(
        row.contains(&format!("<td>{}</td>", expected.contributions)),
        "contributions in the row: {row}"
    );
    assert!(page.contains("<svg") && page.contains("<desc id=\"contributions-chart-desc\">"));
    // Storage in one unit people read, the same in the header and the cells.
    assert!(page.contains(">Stockage</th>") && !page.contains("Kio"), "{page}");
    assert!(
        row.contains("<td>0 Ko <span class=\"meta\">/ 2\u{202F}048 Mo (0\u{202F}%)</span></td>"),
        "{row}"
    );
    let (status, _) = browser.get("/admin/compteurs?mois=juin").await;
    assert_eq!(status, 400);

    let (status, csv) = browser
        .get(&format!(
            "/admin/compteurs.csv?mois={}",
            metering::current_month().format("%Y-%m")
        ))
        .await;
    assert_eq!(status, 200);
    let line = csv.lines().find(|l| l.contains(";haute-garonne;")).expect("a CSV row");
    let cells: Vec<&str> = line.split(';').collect();
    assert_eq!(cells[4], expected.contributions.to_string());
    assert_eq!(cells[5], expected.participants.to_string());

    // Quotas set from the console, checked and audited.
    let csrf = browser.csrf("/admin/compteurs/haute-garonne").await;
    let (status, _, body) = browser
        .post_form(
            "/admin/compteurs/haute-garonne",
            &[
                ("csrf", &csrf),
                ("emails_per_month", "beaucoup"),
                ("active_campaigns", "3"),
                ("storage_mb", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, location, _) = browser
        .post_form(
            "/admin/compteurs/haute-garonne",
            &[
                ("csrf", &csrf),
                ("emails_per_month", "5000"),
                ("active_campaigns", "3"),
                ("storage_mb", ""),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/compteurs/haute-garonne?fait=quotas"))
    );
    let quotas: serde_json::Value = sqlx::query_scalar("SELECT quotas FROM tenants WHERE slug = 'haute-garonne'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(
        quotas,
        serde_json::json!({"emails_per_month": 5000, "active_campaigns": 3})
    );

    // A local operator cannot open the national metering, nor reach it from their own host.
    let op = make_operator(
        &owner,
        "op.hg@caf31.fr",
        false,
        Some(("haute-garonne", "local_operator")),
    )
    .await;
    let (mut local_op, _, _) = sign_in(&app, "haute-garonne.localhost", "op.hg@caf31.fr", &op).await;
    assert_eq!(local_op.get("/admin/compteurs").await.0, 404);
}
