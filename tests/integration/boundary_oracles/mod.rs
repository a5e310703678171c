//! Issue 17, class 6: no existence oracle. On every route that takes an id, another space's real
//! id and an id that exists nowhere get the same answer (status, Location and body, once the
//! request id and the ids themselves are masked), for a visitor who is at once a signed-in
//! citizen and a signed-in operator of the space asked.
//!
//! The routes are read from the source (every `.route("…", …)` under `src/`, with its methods),
//! so a route added later is walked too; a path parameter the test cannot classify fails it.

use std::path::Path;

use reqwest::Method;
use uuid::Uuid;

use crate::browser::Body;
use crate::consoles::{make_operator, signed_in};
use crate::helpers::{TestApp, as_owner, project_dir, session_for, tenant_id};

mod rows;

pub(crate) use rows::*;

/// One `.route(path, methods)` declaration.
pub(crate) struct Route {
    pub(crate) path: String,
    pub(crate) methods: Vec<Method>,
}

/// Every route declared under `src/`, with the methods of its method router.
pub(crate) fn declared_routes() -> Vec<Route> {
    let mut files = Vec::new();
    let mut dirs = vec![project_dir().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files.iter().flat_map(|f| routes_in(f)).collect()
}

fn routes_in(file: &Path) -> Vec<Route> {
    let source = std::fs::read_to_string(file).unwrap();
    let mut routes = Vec::new();
    for (at, _) in source.match_indices(".route(") {
        let rest = &source[at + ".route(".len()..];
        let Some(rest) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let path = rest.split('"').next().unwrap().to_owned();
        // The method router: up to the parenthesis that closes `.route(`.
        let after = &rest[path.len() + 1..];
        let (mut depth, mut end) = (1, after.len());
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i;
                break;
            }
        }
        let handlers = &after[..end];
        let mut methods = Vec::new();
        for (name, method) in [
            ("get", Method::GET),
            ("post", Method::POST),
            ("put", Method::PUT),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            let called = handlers
                .match_indices(&format!("{name}("))
                .any(|(i, _)| i == 0 || matches!(handlers.as_bytes()[i - 1], b'.' | b' ' | b'\n' | b',' | b'('));
            if called {
                methods.push(method);
            }
        }
        assert!(!methods.is_empty(), "{}: no method found for {path}", file.display());
        routes.push(Route { path, methods });
    }
    routes
}

/// What a path parameter names, from the route's shape.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    CampaignSlug,
    CampaignId,
    Idea,
    /// A comment of the space's idea.
    Comment,
    Question,
    /// A workshop session of a campaign's recruitment.
    Session,
    Asset,
    Mail,
    /// An operator holding a role in the space (the team page's members).
    Member,
    /// A pending operator invitation of the space.
    Invitation,
    /// A batch of invitations to a campaign of the space.
    InvitationBatch,
    /// A volunteer file imported into a workshop recruitment of the space.
    WorkshopImport,
    TenantSlug,
    /// Not a row of a space (a file name, a language, a key in a document, a secret token):
    /// given one fixed value.
    Fixed(&'static str),
}

fn classify(path: &str, param: &str) -> Kind {
    match (param, path) {
        ("slug", p) if p.starts_with("/admin/") => Kind::TenantSlug,
        ("slug", _) => Kind::CampaignSlug,
        ("id", p) if p.starts_with("/api/v1/ideas/") || p.starts_with("/consultations/{slug}/idees/") => Kind::Idea,
        ("id", p) if p.starts_with("/admin/campagnes/") => Kind::CampaignId,
        ("id", p) if p.starts_with("/espace/") => Kind::Asset,
        ("id", p) if p.starts_with("/admin/courriels/") => Kind::Mail,
        ("id", p) if p.starts_with("/admin/equipe/membres/") => Kind::Member,
        // National admins are managed from the national space only: any operator id will do.
        ("id", p) if p.starts_with("/admin/equipe/administrateurs/") => Kind::Member,
        ("id", p) if p.starts_with("/admin/equipe/invitations/") => Kind::Invitation,
        ("comment", p) if p.starts_with("/api/v1/ideas/{id}/comments/") => Kind::Comment,
        ("question", p) if p.starts_with("/admin/campagnes/{id}/questions/") => Kind::Question,
        ("session", p) if p.starts_with("/admin/campagnes/{id}/ateliers/seances/") => Kind::Session,
        ("batch", p) if p.starts_with("/admin/campagnes/{id}/invitations/") => Kind::InvitationBatch,
        ("import", p) if p.starts_with("/admin/campagnes/{id}/ateliers/imports/") => Kind::WorkshopImport,
        ("file", _) => Kind::Fixed("contributions.csv"),
        ("code", _) => Kind::Fixed("en"),
        ("token", _) => Kind::Fixed("jeton-inconnu"),
        ("key", _) => Kind::Fixed("cle"),
        _ => panic!("{path}: classify the parameter {{{param}}} in boundary_oracles.rs"),
    }
}

fn params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

/// The path with `param` set to `value` and every other parameter to the space's own row.
pub(crate) fn fill(path: &str, rows: &Rows, param: &str, value: &str) -> String {
    let mut filled = path.to_owned();
    for p in params(path) {
        let v = if p == param {
            value.to_owned()
        } else {
            match classify(path, &p) {
                Kind::Fixed(v) => v.to_owned(),
                kind => rows.own(kind),
            }
        };
        filled = filled.replace(&format!("{{{p}}}"), &v);
    }
    filled
}

// Over 100 lines: one walk over every route, comparing route by route the answer to another
// space's id with the answer to an unknown one; the sessions and rows the handlers need come first,
// and the walk's counts are checked at its end.
#[tokio::test]
async fn a_foreign_id_answers_like_an_unknown_one() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let rows = rows(&owner).await;
    let password = make_operator(&owner, "op@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut browser = signed_in(&app, "gironde.localhost", "op@caf33.caf.fr", &password).await;
    browser.set_cookie(
        "ecoute_session",
        &session_for(&owner, "gironde", "lecteur@exemple.fr").await,
    );
    let csrf = browser.csrf("/compte").await;
    // A superset of the forms' and bodies' fields, so that handlers get past validation.
    let form: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("reason", "Propos hors sujet"),
        ("body", "Un texte assez long pour passer"),
        ("title", "Un titre"),
        ("kind", "idee"),
        ("decision", "recu"),
        ("label", "Une question"),
        ("direction", "haut"),
    ];
    let json = serde_json::json!({
        "reason": "Propos hors sujet", "body": "Un texte assez long pour passer",
        "title": "Un titre", "kind": "idee", "answers": {},
    });

    let routes = declared_routes();
    let declared: Vec<&str> = routes.iter().map(|r| r.path.as_str()).collect();
    let document = ecoute::app::openapi::document();
    for path in document["paths"].as_object().unwrap().keys() {
        assert!(
            declared.contains(&path.as_str()),
            "the source scan misses {path} of the OpenAPI document"
        );
    }

    // The walk reaches the handlers: with the space's own rows, GET routes answer (not 404), so
    // the sessions and fixtures above are what the handlers need.
    let (mut own_checked, mut own_not_found) = (0, Vec::new());
    for route in routes.iter().filter(|r| r.methods.contains(&Method::GET)) {
        let ids: Vec<String> = params(&route.path);
        if ids.is_empty() || ids.iter().all(|p| matches!(classify(&route.path, p), Kind::Fixed(_))) {
            continue;
        }
        let path = fill(&route.path, &rows, "", "");
        let (status, _, _, _) = browser.send(Method::GET, &path, None).await;
        own_checked += 1;
        if status == 404 {
            own_not_found.push(path);
        }
    }
    // Some are 404 by design here (no results published, no workshop, no analysis run yet).
    assert!(
        own_not_found.len() * 2 < own_checked,
        "most GET routes should find the space's own rows: {own_not_found:?}"
    );

    let mut walked = 0;
    let mut differences = Vec::new();
    for route in &routes {
        for param in params(&route.path) {
            let kind = classify(&route.path, &param);
            if matches!(kind, Kind::Fixed(_)) {
                continue;
            }
            for (_, foreign) in rows.foreign.iter().filter(|(k, _)| *k == kind) {
                let missing = unknown(kind);
                for method in &route.methods {
                    let mut answers = Vec::new();
                    for value in [foreign, &missing] {
                        let path = fill(&route.path, &rows, &param, value);
                        let body = match *method {
                            Method::GET => None,
                            _ if path.starts_with("/api/") => Some(Body::Json(&json)),
                            _ => Some(Body::Form(&form)),
                        };
                        let (status, request_id, location, text) = browser.send(method.clone(), &path, body).await;
                        let mask = |s: &str| {
                            let s = if request_id.is_empty() {
                                s.to_owned()
                            } else {
                                s.replace(&request_id, "<request>")
                            };
                            s.replace(value.as_str(), "<id>")
                        };
                        answers.push((status, location.as_deref().map(mask), mask(&text)));
                    }
                    walked += 1;
                    if answers[0] != answers[1] {
                        differences.push(format!(
                            "{method} {} ({param} = {foreign}): foreign {:?} / unknown {:?}",
                            route.path,
                            (
                                answers[0].0,
                                &answers[0].1,
                                answers[0].2.chars().take(200).collect::<String>()
                            ),
                            (
                                answers[1].0,
                                &answers[1].1,
                                answers[1].2.chars().take(200).collect::<String>()
                            ),
                        ));
                    }
                }
            }
        }
    }
    assert!(walked > 40, "only {walked} requests walked: is the route scan broken?");
    assert!(differences.is_empty(), "existence oracles:\n{}", differences.join("\n"));
}
