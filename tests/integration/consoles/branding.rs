//! The branding editor: logos checked by their content and colours by their contrast.

use crate::browser::extract;
use crate::helpers::{TestApp, tenant_id};

use super::*;

// Over 100 lines: one operator's session on one space's branding: each refusal (contrast, logo
// content and size, token, NUL) is checked to have left the stylesheet as it was, before the
// accepted saves and the moderator's refusal.
#[tokio::test]
async fn the_branding_editor_checks_logos_by_content_and_colours_by_contrast() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (status, html) = operator.get("/admin/apparence").await;
    assert_eq!(status, 200);
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let good = [
        ("csrf", csrf.as_str()),
        ("action", "save"),
        ("primary_color", "#1B5E20"),
        ("secondary_color", "#f9a825"),
        (
            "welcome_text",
            "Bienvenue à la Caf de la Gironde.\n\nDonnez-nous votre avis.",
        ),
    ];

    let mut fields: Vec<(&str, &str)> = good.to_vec();
    fields[2] = ("primary_color", "#ffdd00");
    let (status, html) = post_branding(&app, &operator, &fields, None).await;
    assert_eq!(status, 422);
    assert!(html.contains("4,5:1"));
    let (status, html) = post_branding(
        &app,
        &operator,
        &good,
        Some(("logo.png", b"<svg onload=alert(1)></svg>")),
    )
    .await;
    assert_eq!(status, 422, "an SVG named .png is refused");
    assert!(html.contains("vérifié sur le contenu"));
    let huge = [png.as_slice(), &vec![0u8; 600 * 1024]].concat();
    let (status, html) = post_branding(&app, &operator, &good, Some(("logo.png", &huge))).await;
    assert_eq!(status, 422);
    assert!(html.contains("512 Kio"));
    let mut preview = good.to_vec();
    preview[1] = ("action", "preview");
    let (status, html) = post_branding(&app, &operator, &preview, None).await;
    assert_eq!(status, 200);
    assert!(html.contains("non enregistré") && html.contains("Donnez-nous votre avis."));
    assert!(
        html.contains("apercu.css?primary=%231b5e20"),
        "the preview's colours come from a stylesheet"
    );
    let (_, css) = app.get_text(GIRONDE, "/branding.css").await;
    assert!(!css.contains("#1b5e20"), "a preview saves nothing");
    let no_token = [
        ("csrf", "faux"),
        ("action", "save"),
        ("primary_color", "#1b5e20"),
        ("secondary_color", "#f9a825"),
    ];
    assert_eq!(post_branding(&app, &operator, &no_token, None).await.0, 403);
    // Text fields of a multipart form are checked like any other: a NUL gets the French page
    // and nothing is saved; line breaks are kept as \n, however the browser sent them.
    let mut nul = good.to_vec();
    nul[4] = ("welcome_text", "Bienvenue\u{0} à tous.");
    let (status, html) = post_branding(&app, &operator, &nul, None).await;
    assert_eq!(status, 422);
    assert!(html.contains("Saisie refusée"), "the French page");
    let (_, css) = app.get_text(GIRONDE, "/branding.css").await;
    assert!(!css.contains("#1b5e20"), "nothing saved");
    let mut crlf = good.to_vec();
    crlf[4] = ("welcome_text", "Bienvenue.\r\n\r\nDonnez-nous votre avis.\rMerci.");
    assert_eq!(post_branding(&app, &operator, &crlf, None).await.0, 303);
    let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
    let stored: String = sqlx::query_scalar("SELECT welcome_text FROM tenants WHERE id = $1")
        .bind(gironde)
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(stored, "Bienvenue.\n\nDonnez-nous votre avis.\nMerci.");

    let (status, _) = post_branding(&app, &operator, &good, Some(("logo.png", &png))).await;
    assert_eq!(status, 303);
    let (_, css) = app.get_text(GIRONDE, "/branding.css").await;
    assert!(css.contains("--brand-primary: #1b5e20"), "live at once: {css}");
    let (_, home) = app.get_text(GIRONDE, "/").await;
    let home = home.replace("&#x2f;", "/");
    assert!(home.contains("Donnez-nous votre avis."));
    let logo = extract(&home, "<img src=\"/espace/logo/").expect("the logo in the header");
    let response = app.get(GIRONDE, &format!("/espace/logo/{logo}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.unwrap().as_ref(), png.as_slice());
    assert_eq!(
        app.get("aude.localhost", &format!("/espace/logo/{logo}"))
            .await
            .status(),
        404,
        "not from another space"
    );

    // A moderator may not; the database refuses another space's branding.
    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, GIRONDE, "mod@caf33.caf.fr", &password).await;
    assert_eq!(moderator.get("/admin/apparence").await.0, 403);
    let pool = app.test_db.app_pool().await;
    let (aude, gironde) = (tenant_id(&owner, "aude").await, tenant_id(&owner, "gironde").await);
    let mut tx = ecoute::db::owner_tx_in(&pool, aude).await.unwrap();
    let refused = sqlx::query("SELECT console_set_branding($1, '#000000', '#000000', 'piraté', NULL)")
        .bind(gironde)
        .execute(&mut *tx)
        .await;
    assert!(refused.is_err());
}
