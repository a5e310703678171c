//! The operator consoles through HTTP: invitation → password → sign-in (with TOTP), the
//! national console activating a module live, roles checked as a matrix, moderation, the staff
//! list, the audit log, and the database refusing what the application must not do.
//!
//! This file holds what the tests share; the tests are in the files beside it, grouped by flow.

use sqlx::PgPool;
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::{TestApp, tenant_id};

mod accounts;
mod audit;
mod branding;
mod campaigns;
mod contributions;
mod contributions_more;
mod drafts;
mod exports;
mod invitation_batches;
mod invitations;
mod lists;
mod moderation;
mod national_admins;
mod roles;
mod team;

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

/// Posts a form with owned values.
async fn post(browser: &mut Browser<'_>, path: &str, fields: &[(&str, String)]) -> (u16, Option<String>, String) {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post_form(path, &refs).await
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
