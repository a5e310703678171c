//! The operator consoles through HTTP: invitation → password → sign-in (with TOTP), the
//! national console activating a module live, roles checked as a matrix, moderation, the staff
//! list, the audit log, and the database refusing what the application must not do.

use reqwest::Method;
use sqlx::PgPool;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, session_for, tenant_id};

const NATIONAL: &str = "localhost";
const GIRONDE: &str = "gironde.localhost";

/// An operator with a password (and a role in `space`, unless national admin), made directly in
/// the database; returns the password.
pub(crate) async fn make_operator(
    owner: &PgPool,
    email: &str,
    national_admin: bool,
    role: Option<(&str, &str)>,
) -> String {
    let password = format!("phrase de passe {}", Uuid::new_v4().simple());
    let hash = ecoute::operators::password::hash(&password).unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO operators (email, name, national_admin, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(email)
    .bind(email.split('@').next().unwrap())
    .bind(national_admin)
    .bind(&hash)
    .fetch_one(owner)
    .await
    .unwrap();
    if let Some((space, role)) = role {
        let tenant = tenant_id(owner, space).await;
        let mut tx = ecoute::db::owner_tx_in(owner, tenant).await.unwrap();
        sqlx::query("INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ($1, $2, $3)")
            .bind(tenant)
            .bind(id)
            .bind(role)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    password
}

/// Signs in through the form; returns the browser and the sign-in answer (status, location).
pub async fn sign_in<'a>(
    app: &'a TestApp,
    host: &str,
    email: &str,
    password: &str,
) -> (Browser<'a>, u16, Option<String>) {
    let mut browser = Browser::new(app, host);
    let csrf = browser.csrf("/admin/connexion").await;
    let (status, location, _) = browser
        .post_form(
            "/admin/connexion",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("retour", "/admin"),
            ],
        )
        .await;
    (browser, status, location)
}

pub(crate) async fn signed_in<'a>(app: &'a TestApp, host: &str, email: &str, password: &str) -> Browser<'a> {
    let (browser, status, location) = sign_in(app, host, email, password).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/admin")),
        "{email} signs in on {host}"
    );
    browser
}

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
    let (_, html) = admin.get("/admin/modules").await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, location, _) = admin.post_form("/admin/modules/ain/ouvrir", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(
        location.starts_with("http://ain.localhost/admin/relais?jeton="),
        "{location}"
    );
    let relay = &location[location.find("/admin/relais").unwrap()..];
    let mut there = Browser::new(&app, "ain.localhost");
    let (status, _) = there.get(relay).await;
    assert_eq!(status, 303);
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

#[tokio::test]
async fn roles_allow_what_the_matrix_says_in_their_space_only() {
    use ecoute::web::console::rights::Action;
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let people = [
        ("nat@cnaf.fr", true, None, "national admin"),
        (
            "loc@caf33.caf.fr",
            false,
            Some(("gironde", "local_operator")),
            "local operator",
        ),
        ("mod@caf33.caf.fr", false, Some(("gironde", "moderator")), "moderator"),
        ("ana@caf33.caf.fr", false, Some(("gironde", "analyst")), "analyst"),
    ];
    // (path, action) pairs the console serves on a local host.
    let pages = [
        ("/admin", Action::View),
        ("/admin/moderation", Action::Moderate),
        ("/admin/equipe", Action::InviteOperators),
        ("/admin/journal", Action::ViewAudit),
    ];
    let gironde = {
        let resolver = ecoute::tenancy::TenantResolver::new(app.test_db.app_pool().await, "localhost");
        match resolver.resolve(GIRONDE).await.unwrap() {
            ecoute::tenancy::resolve::Resolution::Found(t) => t,
            _ => panic!("gironde exists"),
        }
    };
    for (email, national, role, who) in people {
        let password = make_operator(&owner, email, national, role).await;
        let mut browser = signed_in(&app, GIRONDE, email, &password).await;
        let operator = ecoute::operators::Operator {
            id: Uuid::nil(),
            email: email.into(),
            name: String::new(),
            national_admin: national,
            role: role.and_then(|(_, r)| ecoute::operators::Role::parse(r)),
        };
        for (path, action) in pages {
            let expected = if ecoute::web::console::rights::allowed(&operator, &gironde, action) {
                200
            } else {
                403
            };
            assert_eq!(browser.get(path).await.0, expected, "{who} GET {path}");
        }
        // A write: adding to the staff list (InviteParticipants).
        let csrf = browser.csrf("/admin/securite").await;
        let (status, _, _) = browser
            .post_form(
                "/admin/equipe/agents",
                &[("csrf", &csrf), ("emails", "agent.test@exemple.fr")],
            )
            .await;
        let expected = if ecoute::web::console::rights::allowed(&operator, &gironde, Action::InviteParticipants) {
            303
        } else {
            403
        };
        assert_eq!(status, expected, "{who} adds staff");

        // Another space: the session does not travel, and only the national admin gets in.
        let mut elsewhere = Browser::new(&app, "aude.localhost");
        elsewhere.set_cookie("ecoute_console", browser.cookie("ecoute_console").unwrap());
        assert_eq!(
            elsewhere.get("/admin").await.0,
            303,
            "{who}: a gironde session means nothing on aude"
        );
        let (_, status, _) = sign_in(&app, "aude.localhost", email, &password).await;
        assert_eq!(status, if national { 303 } else { 403 }, "{who} signs in on aude");
    }
}

#[tokio::test]
async fn moderators_hide_reported_content_with_a_reason_and_the_log_keeps_it() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let mut author = Browser::new(&app, GIRONDE);
    author.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "auteur@exemple.fr").await,
    );
    let body = serde_json::json!({"kind": "idee", "title": "Un contenu à signaler", "body": "Un texte qui sera signalé par quelqu’un."});
    let (_, idea) = author
        .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
        .await;
    let id = idea["id"].as_str().unwrap().to_owned();
    let mut reader = Browser::new(&app, GIRONDE);
    reader.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );
    let (status, _) = reader
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/reports"),
            Some(serde_json::json!({"reason": "Propos injurieux"})),
        )
        .await;
    assert_eq!(status, 202);

    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, GIRONDE, "mod@caf33.caf.fr", &password).await;
    let (status, html) = moderator.get("/admin/moderation").await;
    assert_eq!(status, 200);
    assert!(html.contains("Un contenu à signaler") && html.contains("Propos injurieux"));
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let (status, _, html) = moderator
        .post_form(
            "/admin/moderation",
            &[
                ("csrf", &csrf),
                ("kind", "idea"),
                ("id", &id),
                ("decision", "hide"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("motif"));
    let (status, _, _) = moderator
        .post_form(
            "/admin/moderation",
            &[
                ("csrf", &csrf),
                ("kind", "idea"),
                ("id", &id),
                ("decision", "hide"),
                ("reason", "Injurieux (charte §2)"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = moderator.get("/admin/moderation").await;
    assert!(html.contains("Aucun contenu signalé"), "the queue is empty");
    let (_, page) = app.get_text(GIRONDE, &format!("/consultations/{slug}")).await;
    assert!(!page.contains("Un contenu à signaler"), "hidden from the list at once");
    // Someone else's id: refused.
    let (status, _, _) = moderator
        .post_form(
            "/admin/moderation",
            &[
                ("csrf", &csrf),
                ("kind", "idea"),
                ("id", &Uuid::new_v4().to_string()),
                ("decision", "hide"),
                ("reason", "xxx"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // The moderator cannot read the log; an operator can, and sees the decision.
    assert_eq!(moderator.get("/admin/journal").await.0, 403);
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (_, journal) = operator.get("/admin/journal").await;
    assert!(journal.contains("moderation.hide") && journal.contains("mod@caf33.caf.fr"));
    // Participants, pseudonymised: the author's pseudonym and counts, never an address.
    let (status, people) = operator.get("/admin/participants").await;
    assert_eq!(status, 200);
    assert!(
        people.contains("<td>auteur</td><td>1</td>"),
        "pseudonym and one contribution"
    );
    assert!(!people.contains("@exemple.fr"), "no e-mail address");
}

#[tokio::test]
async fn the_staff_list_opens_staff_only_campaigns_and_reports_bad_lines() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query("UPDATE campaigns SET audience = 'staff' WHERE slug = $1")
        .bind(&slug)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut agent = Browser::new(&app, GIRONDE);
    agent.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "agent.externe@exemple.fr").await,
    );
    let ideas = format!("/api/v1/campaigns/{slug}/ideas");
    assert_eq!(agent.api(Method::GET, &ideas, None).await.0, 403, "not staff by domain");

    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let csrf = operator.csrf("/admin/securite").await;
    let (status, _, html) = operator
        .post_form(
            "/admin/equipe/agents",
            &[
                ("csrf", &csrf),
                (
                    "emails",
                    "agent.externe@exemple.fr\npas-une-adresse\nautre@exemple.fr; AUTRE@exemple.fr",
                ),
            ],
        )
        .await;
    assert_eq!(status, 422, "one bad line is reported");
    assert!(html.contains("Ligne 2") && html.contains("pas-une-adresse"));
    assert!(
        html.contains("2 adresses ajoutées"),
        "the valid lines were taken, deduplicated"
    );
    assert!(
        html.contains(">pas-une-adresse</textarea>"),
        "the refused address comes back in the field, to be corrected; the taken ones do not"
    );
    let (status, _, html) = operator
        .post_form(
            "/admin/equipe/invitations",
            &[("csrf", &csrf), ("email", "collegue@caf33"), ("role", "moderator")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"collegue@caf33\"") && html.contains("value=\"moderator\" selected"),
        "an invitation refused for its address keeps the address and the role"
    );
    assert_eq!(
        agent.api(Method::GET, &ideas, None).await.0,
        200,
        "now staff by invitation"
    );
    let queued: i64 = {
        let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM mail_outbox WHERE subject LIKE 'Consultations internes%'")
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(queued, 2, "each new member is told once");
}

#[tokio::test]
async fn the_database_refuses_what_the_application_role_must_not_do() {
    let app = TestApp::spawn().await;
    let pool = app.test_db.app_pool().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    let national = tenant_id(&owner, "national").await;
    // A module may only be activated from the national space's context.
    let mut tx = ecoute::db::owner_tx_in(&pool, gironde).await.unwrap();
    let refused = sqlx::query("SELECT console_activate_module('pirate', '02', 'Pirate', '#003189', '#e1000f')")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("national space"), "{refused}");
    tx.rollback().await.unwrap();
    // Nor written directly.
    let refused = sqlx::query("UPDATE tenants SET status = 'suspended' WHERE id = $1")
        .bind(gironde)
        .execute(&pool)
        .await;
    assert!(refused.is_err());
    // The audit log only grows.
    let mut tx = ecoute::db::owner_tx_in(&pool, national).await.unwrap();
    sqlx::query("INSERT INTO audit_log (tenant_id, operator_email, action) VALUES ($1, 'x@cnaf.fr', 'test')")
        .bind(national)
        .execute(&mut *tx)
        .await
        .unwrap();
    let refused = sqlx::query("DELETE FROM audit_log").execute(&mut *tx).await;
    assert!(refused.is_err(), "no DELETE on the audit log");
    tx.rollback().await.unwrap();
    // Another space's console rows are invisible.
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    assert!(!password.is_empty());
    let mut tx = ecoute::db::owner_tx_in(&pool, national).await.unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM operator_roles")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 0, "gironde's roles are not visible from the national space");
}

/// Posts a form with owned values.
async fn post(browser: &mut Browser<'_>, path: &str, fields: &[(&str, String)]) -> (u16, Option<String>, String) {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post_form(path, &refs).await
}

#[tokio::test]
async fn an_operator_writes_a_campaign_with_its_survey_and_publishes_it() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (status, html) = operator.get("/admin/campagnes/nouvelle").await;
    assert_eq!(status, 200);
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let opens = extract(&html, "name=\"opens_on\" value=\"").unwrap();
    let closes = extract(&html, "name=\"closes_on\" value=\"").unwrap();

    // Bad input is explained next to each field, in French.
    let (status, _, html) = post(
        &mut operator,
        "/admin/campagnes",
        &[
            ("csrf", csrf.clone()),
            ("title", String::new()),
            ("opens_on", opens.clone()),
            ("closes_on", "2020-01-01".into()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Ce champ est obligatoire") && html.contains("La clôture doit suivre l’ouverture"));
    assert!(html.contains("Choisissez au moins un mode de participation"));

    let campaign = [
        ("csrf", csrf.clone()),
        ("title", "Vos rendez-vous à l’agence".to_owned()),
        ("summary", "Dites-nous comment prendre rendez-vous.".into()),
        ("body_md", "Nous voulons **simplifier** la prise de rendez-vous.".into()),
        ("opens_on", opens.clone()),
        ("closes_on", closes.clone()),
        ("audience", "public".into()),
        ("themes", "Rendez-vous\nAccueil".into()),
        ("has_survey", "on".into()),
        ("has_ideas", "on".into()),
    ];
    let (status, location, _) = post(&mut operator, "/admin/campagnes", &campaign).await;
    assert_eq!(status, 303);
    let edit = location.unwrap().split('?').next().unwrap().to_owned();
    assert!(edit.starts_with("/admin/campagnes/"));
    let slug = "vos-rendez-vous-a-l-agence";
    assert_eq!(
        app.get(GIRONDE, &format!("/consultations/{slug}")).await.status(),
        404,
        "a draft is not public"
    );
    assert_eq!(
        post(&mut operator, "/admin/campagnes", &campaign).await.0,
        409,
        "same address twice"
    );

    // Publishing a survey without questions is refused.
    let (status, _, html) = post(
        &mut operator,
        &format!("{edit}/publication"),
        &[("csrf", csrf.clone()), ("action", "publier".into())],
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("Ajoutez au moins une question"));

    // Questions of every kind, one conditional.
    let question = |kind: &str, label: &str, extra: &[(&'static str, &str)]| {
        let mut fields = vec![
            ("csrf", csrf.clone()),
            ("kind", kind.to_owned()),
            ("label", label.to_owned()),
        ];
        fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        fields
    };
    let questions = format!("{edit}/questions");
    let (status, _, html) = post(
        &mut operator,
        &questions,
        &question(
            "single_choice",
            "Avez-vous déjà pris rendez-vous ?",
            &[("options", "Oui")],
        ),
    )
    .await;
    assert_eq!(status, 422, "one option is not a choice");
    assert!(html.contains("au moins deux choix"));
    for fields in [
        question(
            "single_choice",
            "Avez-vous déjà pris rendez-vous ?",
            &[("options", "Oui\nNon"), ("required", "on")],
        ),
        question(
            "multiple_choice",
            "Par quels moyens ?",
            &[("options", "Téléphone\nSite\nAgence"), ("max_choices", "2")],
        ),
        question(
            "scale",
            "Votre satisfaction",
            &[("scale_min", "1"), ("scale_max", "10")],
        ),
        question("short_text", "Votre commune", &[]),
        question("ranking", "Classez ces horaires", &[("options", "Matin\nMidi\nSoir")]),
    ] {
        assert_eq!(post(&mut operator, &questions, &fields).await.0, 303);
    }
    let (_, html) = operator.get(&edit).await;
    let first_id = extract(&html, "<li id=\"q-").unwrap();
    let conditional = question(
        "long_text",
        "Pourquoi pas encore ?",
        &[("condition_question", &first_id), ("condition_value", "Non")],
    );
    assert_eq!(post(&mut operator, &questions, &conditional).await.0, 303);
    let wrong = question(
        "long_text",
        "X",
        &[("condition_question", &first_id), ("condition_value", "Peut-être")],
    );
    assert_eq!(post(&mut operator, &questions, &wrong).await.0, 422);

    // Move the last question up; delete "Votre commune".
    let (_, html) = operator.get(&edit).await;
    let ids: Vec<String> = html
        .split("<li id=\"q-")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 6);
    let (status, _, _) = post(
        &mut operator,
        &format!("{questions}/{}/deplacer", ids[5]),
        &[("csrf", csrf.clone()), ("direction", "haut".into())],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, _) = post(
        &mut operator,
        &format!("{questions}/{}/suppression", ids[3]),
        &[("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, html) = post(
        &mut operator,
        &format!("{questions}/{}/suppression", ids[0]),
        &[("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(status, 409, "another question depends on the first");
    assert!(html.contains("dépend de celle-ci"));

    // Preview, then publish: the public page and its survey are there.
    let (status, html) = operator.get(&format!("{edit}/apercu")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Aperçu")
            && html.contains("Pourquoi pas encore ?")
            && html.contains("<strong>simplifier</strong>")
    );
    let (status, _, _) = post(
        &mut operator,
        &format!("{edit}/publication"),
        &[("csrf", csrf.clone()), ("action", "publier".into())],
    )
    .await;
    assert_eq!(status, 303);
    let (status, html) = app.get_text(GIRONDE, &format!("/consultations/{slug}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Vos rendez-vous à l’agence"));
    let mut citizen = Browser::new(&app, GIRONDE);
    citizen.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "habitante@exemple.fr").await,
    );
    let (status, survey) = citizen
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey"), None)
        .await;
    assert_eq!(status, 200);
    let labels: Vec<&str> = survey
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        vec![
            "Avez-vous déjà pris rendez-vous ?",
            "Par quels moyens ?",
            "Votre satisfaction",
            "Pourquoi pas encore ?",
            "Classez ces horaires"
        ]
    );

    // An analyst reads but does not write; another space's operator cannot even see it.
    let password = make_operator(&owner, "ana@caf33.caf.fr", false, Some(("gironde", "analyst"))).await;
    let mut analyst = signed_in(&app, GIRONDE, "ana@caf33.caf.fr", &password).await;
    assert_eq!(analyst.get("/admin/campagnes").await.0, 200);
    assert_eq!(analyst.get(&edit).await.0, 403);
    let password = make_operator(&owner, "loc@caf11.caf.fr", false, Some(("aude", "local_operator"))).await;
    let mut aude = signed_in(&app, "aude.localhost", "loc@caf11.caf.fr", &password).await;
    assert_eq!(aude.get(&edit).await.0, 404, "another space's campaign id");
    let csrf_aude = aude.csrf("/admin/securite").await;
    let (status, _, _) = post(
        &mut aude,
        &format!("{edit}/publication"),
        &[("csrf", csrf_aude), ("action", "retirer".into())],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.get(GIRONDE, &format!("/consultations/{slug}")).await.status(),
        200,
        "still published"
    );
}

#[tokio::test]
async fn exports_have_one_column_per_question_a_bom_and_only_for_those_allowed() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    ecoute::demo::seed(&owner).await.unwrap();
    let slug = "simplifier-les-demarches";
    let mut browser = Browser::new(&app, GIRONDE);
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );
    let (_, questions) = browser
        .api(Method::GET, &format!("/api/v1/campaigns/{slug}/survey"), None)
        .await;
    let q: Vec<String> = questions
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    let url = format!("/api/v1/campaigns/{slug}/survey/response");
    // From Gironde: "Oui", so the conditional question 2 is answered.
    let answers = serde_json::json!({"answers": {
        q[0].clone(): "Oui", q[1].clone(): ["Déclaration trimestrielle"], q[2].clone(): 4,
        q[5].clone(): "=1+1 n’est pas une formule"
    }});
    assert_eq!(browser.api(Method::PUT, &url, Some(answers)).await.0, 200);
    // From Aude: "Non", question 2 is not shown; its cell stays empty in its own column.
    let mut other = Browser::new(&app, "aude.localhost");
    other.set_cookie("ecoute_session", &session_for(&owner, "aude", "autre@exemple.fr").await);
    let answers = serde_json::json!({"answers": {q[0].clone(): "Non", q[2].clone(): 9}});
    assert_eq!(other.api(Method::PUT, &url, Some(answers)).await.0, 200);
    let body = serde_json::json!({"kind": "idee", "title": "Un justificatif en moins", "body": "Ne plus demander l’avis d’imposition."});
    assert_eq!(
        other
            .api(Method::POST, &format!("/api/v1/campaigns/{slug}/ideas"), Some(body))
            .await
            .0,
        201
    );

    // The national admin exports the national campaign.
    let password = make_operator(&owner, "nat@cnaf.fr", true, None).await;
    let mut admin = signed_in(&app, NATIONAL, "nat@cnaf.fr", &password).await;
    let (_, list) = admin.get("/admin/campagnes").await;
    let row = list
        .split("<tr>")
        .find(|row| row.contains("Simplifier vos démarches en ligne"))
        .expect("the campaign is listed");
    let id = extract(row, "href=\"/admin/campagnes/")
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let response = app
        .client
        .get(app.url(&format!("/admin/campagnes/{id}/export/reponses.csv")))
        .header("host", NATIONAL)
        .header(
            "cookie",
            format!("ecoute_console={}", admin.cookie("ecoute_console").unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("simplifier-les-demarches-reponses.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
    assert_eq!(lines.len(), 3, "a header and two respondents:\n{text}");
    assert_eq!(lines[0].len(), 3 + 6, "one column per question");
    assert!(lines[0][4].starts_with("2. Lesquelles"));
    let gironde_row = lines.iter().find(|l| l[1] == "gironde").unwrap();
    let aude_row = lines.iter().find(|l| l[1] == "aude").unwrap();
    assert_eq!(
        (gironde_row[3], gironde_row[4], gironde_row[5]),
        ("Oui", "Déclaration trimestrielle", "4")
    );
    assert_eq!(
        (aude_row[3], aude_row[4], aude_row[5]),
        ("Non", "", "9"),
        "the hidden question is an empty cell"
    );
    assert!(
        gironde_row[8].starts_with("'=1+1"),
        "no formula reaches the spreadsheet"
    );

    let (status, json) = admin
        .api(
            Method::GET,
            &format!("/admin/campagnes/{id}/export/contributions.json"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["titre"], "Un justificatif en moins");
    assert_eq!(rows[0]["espace"], "aude");
    assert_eq!(
        admin.get(&format!("/admin/campagnes/{id}/export/secrets.csv")).await.0,
        404
    );

    // A moderator may not export; the journal records the exports.
    let password = make_operator(&owner, "mod@cnaf.fr", false, Some(("national", "moderator"))).await;
    let mut moderator = signed_in(&app, NATIONAL, "mod@cnaf.fr", &password).await;
    assert_eq!(
        moderator
            .get(&format!("/admin/campagnes/{id}/export/reponses.csv"))
            .await
            .0,
        403
    );
    let (_, journal) = admin.get("/admin/journal").await;
    assert!(journal.contains("export.reponses") && journal.contains("export.contributions"));

    // The metering overview counts national campaigns' contributions in the national space
    // (tests/integration/metering.rs checks the figures); a moderator may not open it.
    let (status, usage) = admin.get("/admin/compteurs").await;
    assert_eq!(status, 200);
    assert!(usage.contains("data-space=\"national\"") && usage.contains("data-space=\"aude\""));
    assert_eq!(moderator.get("/admin/compteurs").await.0, 403);
}

/// A multipart/form-data body: text fields, then an optional file field `logo`.
fn multipart(fields: &[(&str, &str)], logo: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = format!("----ecoute{}", Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    if let Some((filename, bytes)) = logo {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n")
                .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn post_branding(
    app: &TestApp,
    browser: &Browser<'_>,
    fields: &[(&str, &str)],
    logo: Option<(&str, &[u8])>,
) -> (u16, String) {
    let (content_type, body) = multipart(fields, logo);
    let cookies = ["ecoute_console", "ecoute_visiteur"]
        .iter()
        .filter_map(|name| browser.cookie(name).map(|v| format!("{name}={v}")))
        .collect::<Vec<_>>()
        .join("; ");
    let response = app
        .client
        .post(app.url("/admin/apparence"))
        .header("host", GIRONDE)
        .header("cookie", cookies)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

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

#[tokio::test]
async fn a_list_of_invitations_is_checked_line_by_line_sent_once_and_followed() {
    let sink = crate::smtp::SmtpSink::start().await;
    let app = TestApp::spawn_with_smtp(&format!("smtp://127.0.0.1:{}", sink.port)).await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let gironde = tenant_id(&owner, "gironde").await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    // Someone unsubscribed from this space earlier.
    let mut tx = ecoute::db::owner_tx_in(&owner, gironde).await.unwrap();
    sqlx::query(
        "INSERT INTO mail_suppressions (tenant_id, address, reason) VALUES ($1, 'parti@exemple.fr', 'unsubscribed')",
    )
    .bind(gironde)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let page = format!("/admin/campagnes/{id}/invitations");
    let (status, html) = operator.get(&page).await;
    assert_eq!(status, 200);
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let subject = extract(&html, "name=\"subject\" value=\"").unwrap();
    let csv = "nom;email\nDurand;anne@exemple.fr\nMartin;PAUL@exemple.fr\nsans adresse\nBernard;luc@\nDurand bis;anne@exemple.fr\nParti;parti@exemple.fr\n";
    let (content_type, body) = {
        let boundary = format!("----ecoute{}", Uuid::new_v4().simple());
        let mut body = String::new();
        for (name, value) in [
            ("csrf", csrf.as_str()),
            ("addresses", "marc@exemple.fr, lea@exemple.fr"),
            ("subject", subject.as_str()),
            ("message", "Bonjour, donnez-nous votre avis."),
        ] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"liste.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"));
        (format!("multipart/form-data; boundary={boundary}"), body)
    };
    let cookies = format!(
        "ecoute_console={}; ecoute_visiteur={}",
        operator.cookie("ecoute_console").unwrap(),
        operator.cookie("ecoute_visiteur").unwrap()
    );
    let response = app
        .client
        .post(app.url(&page))
        .header("host", GIRONDE)
        .header("cookie", cookies)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report = response.text().await.unwrap();
    // Taken: marc, lea, anne, paul (4 queued); parti suppressed; anne twice; lines 4 and 5 refused.
    assert!(report.contains("<strong>4</strong>"), "four queued:\n{report}");
    assert!(
        report.contains("<td>4</td><td>sans adresse</td>") && report.contains("<td>5</td><td>luc@</td>"),
        "line numbers and reasons"
    );

    // The worker delivers each once, with the campaign's link; the unsubscribed address gets nothing.
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            sink.messages().len() >= 4
        })
        .await,
        "the server's worker delivers them"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let received = sink.messages();
    let mut to: Vec<String> = received.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "anne@exemple.fr",
            "lea@exemple.fr",
            "marc@exemple.fr",
            "paul@exemple.fr"
        ],
        "each once"
    );
    assert!(
        received
            .iter()
            .all(|m| m.data.contains(&format!("/consultations/{slug}")))
    );

    // Progress and the delivery list.
    let (status, progress) = operator.api(Method::GET, &format!("{page}/etat"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (progress["done"].as_i64(), progress["total"].as_i64()),
        (Some(5), Some(5)),
        "{progress}"
    );
    let (status, list) = operator.get(&format!("/admin/courriels?campagne={id}")).await;
    assert_eq!(status, 200);
    assert!(list.contains("anne@exemple.fr") && list.contains("parti@exemple.fr"));
}

#[tokio::test]
async fn a_cover_image_is_uploaded_checked_and_shown_on_the_public_page() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;
    let (_, html) = operator.get(&format!("/admin/campagnes/{id}")).await;
    let csrf = extract(&html, "name=\"csrf\" value=\"").unwrap();
    let upload = |image: Vec<u8>, alt: &'static str| {
        let boundary = format!("----ecoute{}", Uuid::new_v4().simple());
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"couverture.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend(image);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        let cookies = format!(
            "ecoute_console={}; ecoute_visiteur={}",
            operator.cookie("ecoute_console").unwrap(),
            operator.cookie("ecoute_visiteur").unwrap()
        );
        app.client
            .post(app.url(&format!("/admin/campagnes/{id}/couverture")))
            .header("host", GIRONDE)
            .header("cookie", cookies)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
    };
    let png: Vec<u8> = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 128]].concat();
    assert_eq!(
        upload(b"GIF89a...".to_vec(), "Une image").await.unwrap().status(),
        422,
        "not a PNG, JPEG or WebP"
    );
    assert_eq!(
        upload(png.clone(), "").await.unwrap().status(),
        422,
        "an alternative is required"
    );
    let big = [png.as_slice(), &vec![0u8; 1024 * 1024]].concat();
    assert_eq!(upload(big, "Trop grande").await.unwrap().status(), 422);
    assert_eq!(
        upload(png.clone(), "L’accueil de Mérignac").await.unwrap().status(),
        303
    );
    let (_, page) = app.get_text(GIRONDE, &format!("/consultations/{slug}")).await;
    let page = page.replace("&#x2f;", "/");
    let image = extract(&page, "<img class=\"cover\" src=\"").expect("the cover is shown");
    assert!(image.starts_with("/espace/images/"), "{image}");
    assert!(page.contains("alt=\"L’accueil de Mérignac\""));
    let served = app.get(GIRONDE, &image).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());
}
