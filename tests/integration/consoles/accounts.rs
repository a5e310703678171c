//! Operator accounts: a national admin invited by the CLI goes through invitation, password,
//! sign-in and a module made live; wrong passwords lock the account and TOTP is asked once set.

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, tenant_id};

use super::*;

// Over 100 lines: one flow end to end (CLI invitation → password → sign-in →
// module activated → its console by ticket → its first operator invited → suspended and resumed
// → the national log of all of it); each step needs the account, module or session the last one left.
#[tokio::test]
async fn a_national_admin_invited_by_the_cli_opens_a_module_that_is_live_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;

    // The first national admin: an invitation from the command line, accepted in the browser.
    let (host, token) = ecoute::operators::invitations::invite_from_cli(
        &owner,
        None,
        "directrice@cnaf.fr",
        ecoute::operators::Role::NationalAdmin,
        "localhost",
    )
    .await
    .unwrap();
    assert_eq!(host, NATIONAL);
    let mut visitor = Browser::new(&app, NATIONAL);
    let path = format!("/admin/invitation/{token}");
    let (status, html) = visitor.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("directrice@cnaf.fr"));
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, _, html) = visitor
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Claire"),
                ("password", "court"),
                ("confirmation", "court"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("au moins 12 caractères"), "the error is explained");
    let password = "une longue phrase de passe";
    let (status, location, _) = visitor
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Claire"),
                ("password", password),
                ("confirmation", password),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/connexion?bienvenue=1"))
    );
    let (status, _, _) = visitor
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Claire"),
                ("password", password),
                ("confirmation", password),
            ],
        )
        .await;
    assert_eq!(status, 410, "an invitation is used once");
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM operators WHERE email = 'directrice@cnaf.fr'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(password));

    // The modules: the 101 Caf; activating the Ain's makes ain.localhost answer at once.
    let mut admin = signed_in(&app, NATIONAL, "directrice@cnaf.fr", password).await;
    let (status, html) = admin.get("/admin/modules").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("<tr id=\"caf-").count(), 101);
    assert_eq!(app.get("ain.localhost", "/").await.status(), 404);
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let activate = |slug: &'static str, primary: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("code", "01".to_owned()),
            ("slug", slug.to_owned()),
            ("name", "Caf de l’Ain".to_owned()),
            ("primary_color", primary.to_owned()),
            ("secondary_color", "#f9a825".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let form = as_refs(&activate("ain", "#ffdd00"));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = admin.post_form("/admin/modules", &fields).await;
    assert_eq!(status, 422, "yellow links on white are unreadable");
    assert!(html.contains("4,5:1"));
    assert!(
        html.contains("value=\"#ffdd00\"") && html.contains("<details open>"),
        "the refused activation keeps what was typed, its form open"
    );
    let mut nul = activate("ain", "#1b5e20");
    nul[3].1 = "Caf de\u{0} l’Ain".to_owned();
    let fields: Vec<(&str, &str)> = nul.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, html) = admin.post_form("/admin/modules", &fields).await;
    assert_eq!(status, 422);
    assert!(html.contains("caractère de contrôle non autorisé") && html.contains("value=\"Caf de l’Ain\""));
    let form = as_refs(&activate("www", "#1b5e20"));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin.post_form("/admin/modules", &fields).await.0,
        422,
        "reserved subdomain"
    );
    let form = as_refs(&activate("ain", "#1b5e20"));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = admin.post_form("/admin/modules", &fields).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin/modules?fait=activation"))
    );
    let (status, home) = app.get_text("ain.localhost", "/").await;
    assert_eq!(status, 200, "live without a restart");
    assert!(home.contains("Caf de l’Ain"));
    assert_eq!(
        admin.post_form("/admin/modules", &fields).await.0,
        409,
        "twice is refused"
    );

    // "Open its console": a one-time ticket takes the admin there without a second sign-in.
    // A link (a form could not redirect to another origin under `form-action 'self'`).
    let (_, html) = admin.get("/admin/modules").await;
    assert!(html.contains("<a href=\"/admin/modules/ain/ouvrir\">"), "{html}");
    let (status, _, location, _) = admin
        .send(reqwest::Method::GET, "/admin/modules/ain/ouvrir", None)
        .await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(
        location.starts_with("http://ain.localhost/admin/relais?jeton="),
        "{location}"
    );
    let relay = &location[location.find("/admin/relais").unwrap()..];
    let mut there = Browser::new(&app, "ain.localhost");
    let (status, html) = there.get(relay).await;
    // A page of the module's host that goes on: a redirect would lose the SameSite=Strict
    // cookie it sets, the navigation having started on the national host.
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<meta http-equiv="refresh" content="0; url=&#x2f;admin">"#),
        "{html}"
    );
    assert_eq!(there.get("/admin").await.0, 200, "signed in on the module");
    let mut again = Browser::new(&app, "ain.localhost");
    again.get(relay).await;
    assert_eq!(again.get("/admin").await.0, 303, "a ticket works once");
    let mut elsewhere = Browser::new(&app, GIRONDE);
    elsewhere.get(relay).await;
    assert_eq!(elsewhere.get("/admin").await.0, 303, "and only on its own host");

    // Its first operator, invited from the national console: the link opens on the module.
    let (_, html) = admin.get("/admin/modules").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, _, html) = admin
        .post_form(
            "/admin/modules/ain/invitation",
            &[("csrf", &csrf), ("email", "responsable@caf01")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"responsable@caf01\""),
        "a refused address comes back in its field"
    );
    let (status, _, _) = admin
        .post_form(
            "/admin/modules/ain/invitation",
            &[("csrf", &csrf), ("email", "responsable@caf01.caf.fr")],
        )
        .await;
    assert_eq!(status, 303);
    let ain = tenant_id(&owner, "ain").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, ain).await.unwrap();
    let mail: String =
        sqlx::query_scalar("SELECT text_body FROM mail_outbox WHERE to_address = 'responsable@caf01.caf.fr'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let link = mail
        .lines()
        .find(|l| l.contains("/admin/invitation/"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(link.starts_with("http://ain.localhost/admin/invitation/"), "{link}");
    let path = &link[link.find("/admin/").unwrap()..];
    let mut newcomer = Browser::new(&app, "ain.localhost");
    let (_, html) = newcomer.get(path).await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let secret = "encore une phrase de passe";
    let (status, _, _) = newcomer
        .post_form(
            path,
            &[
                ("csrf", &csrf),
                ("name", "Paul"),
                ("password", secret),
                ("confirmation", secret),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let mut local = signed_in(&app, "ain.localhost", "responsable@caf01.caf.fr", secret).await;
    assert_eq!(local.get("/admin").await.0, 200);
    assert_eq!(
        local.get("/admin/modules").await.0,
        404,
        "no modules section on a local host"
    );
    let (_, status, _) = sign_in(&app, NATIONAL, "responsable@caf01.caf.fr", secret).await;
    assert_eq!(status, 403, "no role on the national space");

    // Suspending takes the module down at once; resuming brings it back.
    let (_, html) = admin.get("/admin/modules").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    admin
        .post_form("/admin/modules/ain/statut", &[("csrf", &csrf), ("status", "suspended")])
        .await;
    assert_eq!(app.get("ain.localhost", "/").await.status(), 503);
    admin
        .post_form("/admin/modules/ain/statut", &[("csrf", &csrf), ("status", "active")])
        .await;
    assert_eq!(app.get("ain.localhost", "/").await.status(), 200);

    // Everything above is in the national log.
    let (_, journal) = admin.get("/admin/journal").await;
    for action in [
        "modules.activate",
        "modules.invite_operator",
        "modules.suspend",
        "modules.resume",
    ] {
        assert!(journal.contains(action), "{action} is logged");
    }
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_totp_is_asked_once_set() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "op@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;

    for _ in 0..5 {
        let (_, status, _) = sign_in(&app, GIRONDE, "op@caf33.caf.fr", "pas le bon mot de passe").await;
        assert_eq!(status, 401);
    }
    let (_, status, _) = sign_in(&app, GIRONDE, "op@caf33.caf.fr", &password).await;
    assert_eq!(status, 401, "locked, even with the right password");
    let (_, status, _) = sign_in(&app, GIRONDE, "personne@caf33.caf.fr", &password).await;
    assert_eq!(status, 401, "an unknown address gets the same answer");
    sqlx::query("UPDATE operators SET locked_until = now() - interval '1 second' WHERE email = 'op@caf33.caf.fr'")
        .execute(&owner)
        .await
        .unwrap();

    // Turn TOTP on: the code must come from the new secret.
    let mut browser = signed_in(&app, GIRONDE, "op@caf33.caf.fr", &password).await;
    let (_, html) = browser.get("/admin/securite").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let secret_hex = extract(&html, "name=\"secret\" value=\"").unwrap();
    let secret: Vec<u8> = (0..secret_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&secret_hex[i..i + 2], 16).unwrap())
        .collect();
    let now = chrono::Utc::now().timestamp();
    let bad = (ecoute::operators::totp::code_at(&secret, now) + 1) % 1_000_000;
    let fields = |code: String| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "enable".into()),
            ("secret", secret_hex.clone()),
            ("code", code),
        ]
    };
    let form = fields(format!("{bad:06}"));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(browser.post_form("/admin/securite", &refs).await.0, 422);
    let form = fields(format!("{:06}", ecoute::operators::totp::code_at(&secret, now)));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(browser.post_form("/admin/securite", &refs).await.0, 303);

    // The next sign-in waits for a code; the console stays closed until then.
    let (mut second, status, location) = sign_in(&app, GIRONDE, "op@caf33.caf.fr", &password).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with("/admin/connexion/code"));
    let (status, _) = second.get("/admin").await;
    assert_eq!(status, 303, "not before the code");
    let csrf = second.csrf("/admin/connexion/code").await;
    let (status, _, _) = second
        .post_form("/admin/connexion/code", &[("csrf", &csrf), ("code", "000000")])
        .await;
    assert!(status == 401 || ecoute::operators::totp::code_at(&secret, now) == 0);
    // The code that turned the factor on was used: the next step's (within the drift window).
    let code = format!(
        "{:06}",
        ecoute::operators::totp::code_at(&secret, chrono::Utc::now().timestamp() + 30)
    );
    let (status, location, _) = second
        .post_form(
            "/admin/connexion/code",
            &[("csrf", &csrf), ("code", &code), ("retour", "/admin")],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin")));
    assert_eq!(second.get("/admin").await.0, 200);

    // The same code again, in another sign-in: refused, it was good once (RFC 6238 §5.2).
    let (mut third, _, _) = sign_in(&app, GIRONDE, "op@caf33.caf.fr", &password).await;
    let csrf = third.csrf("/admin/connexion/code").await;
    let (status, _, _) = third
        .post_form(
            "/admin/connexion/code",
            &[("csrf", &csrf), ("code", &code), ("retour", "/admin")],
        )
        .await;
    assert_eq!(status, 401, "a replayed code is refused");
    assert_eq!(third.get("/admin").await.0, 303);
}
