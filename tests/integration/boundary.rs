//! What the edges answer to bad input (issue 18, items 1 to 3): every refusal under `/api` is a
//! problem document, found by walking the served OpenAPI document; a NUL in any JSON string
//! field (found from the document's schemas) is refused before PostgreSQL sees it; upload
//! routes take what the console promises and name their limit when refused. The pages' side of
//! text checks is in `boundary_text.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, campaign_slug, session_for};

const HOST: &str = "gironde.localhost";

/// Sends a request and returns status, content type and body.
async fn send(
    app: &TestApp,
    session: &str,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: String,
) -> (u16, String, String) {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("host", HOST)
        .header("cookie", format!("ecoute_session={session}"));
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// Asserts a refusal is a complete problem document with a 4xx status; returns it.
fn problem(what: &str, (status, content_type, body): (u16, String, String)) -> Value {
    assert!(
        (400..500).contains(&status),
        "{what}: 4xx expected, got {status}: {body}"
    );
    assert_eq!(content_type, "application/problem+json", "{what} ({status}): {body}");
    let doc: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{what}: {body}"));
    for key in ["type", "title", "detail"] {
        assert!(doc[key].is_string(), "{what}: `{key}` in {doc}");
    }
    assert_eq!(doc["status"], status, "{what}: {doc}");
    doc
}

/// A valid instance of a schema (required properties only).
fn sample(schema: &Value, schemas: &Value) -> Value {
    if let Some(name) = schema["$ref"].as_str() {
        return sample(&schemas[name.rsplit('/').next().unwrap()], schemas);
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("object") => {
            let mut object = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                object.insert(name.into(), sample(&schema["properties"][name], schemas));
            }
            Value::Object(object)
        }
        Some("string") if schema["format"] == "uuid" => json!(Uuid::new_v4()),
        Some("string") => json!("Un texte tout à fait valide"),
        Some("integer") => json!(1),
        _ => json!("x"),
    }
}

/// The JSON pointer of every string a body of this schema may hold (a free-form object gets
/// one made-up key).
fn string_fields(schema: &Value, schemas: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(name) = schema["$ref"].as_str() {
        return string_fields(&schemas[name.rsplit('/').next().unwrap()], schemas, at, out);
    }
    // An optional field is `"type": ["string", "null"]`.
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds.iter().find(|k| *k != "null").and_then(Value::as_str),
        kind => kind.as_str(),
    };
    match kind {
        Some("object") => {
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                string_fields(property, schemas, &format!("{at}/{name}"), out);
            }
            // Any value: `true` or the empty schema.
            let free = &schema["additionalProperties"];
            if *free == true || free.as_object().is_some_and(|o| o.is_empty()) {
                out.push(format!("{at}/libre"));
            }
        }
        Some("string") if schema["format"] != "uuid" => out.push(at.to_owned()),
        None if schema["enum"].is_array() => out.push(at.to_owned()),
        _ => {}
    }
}

/// Sets the value at a pointer, creating objects on the way.
fn set(body: &mut Value, pointer: &str, value: Value) {
    let mut at = body;
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    for token in &tokens[..tokens.len() - 1] {
        at = at.as_object_mut().unwrap().entry(*token).or_insert(json!({}));
    }
    at.as_object_mut()
        .unwrap()
        .insert(tokens[tokens.len() - 1].into(), value);
}

// Over 100 lines: one walk over every operation of the OpenAPI document with the same
// session and idea, counting what was refused and checking at the end that nothing refused was
// stored; the count and the check need the whole walk.
#[tokio::test]
async fn every_api_operation_answers_bad_input_with_a_problem_document() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let session = session_for(&owner, "gironde", "sonde@exemple.fr").await;
    let posted = send(
        &app,
        &session,
        Method::POST,
        &format!("/api/v1/campaigns/{slug}/ideas"),
        Some("application/json"),
        json!({"kind": "idee", "title": "Une idée pour tester", "body": "Un texte assez long pour être accepté."})
            .to_string(),
    )
    .await;
    assert_eq!(posted.0, 201, "{posted:?}");
    let idea: Uuid = sqlx::query_scalar("SELECT id FROM ideas LIMIT 1")
        .fetch_one(&owner)
        .await
        .unwrap();
    let commented = send(
        &app,
        &session,
        Method::POST,
        &format!("/api/v1/ideas/{idea}/comments"),
        Some("application/json"),
        json!({"body": "Un commentaire pour tester"}).to_string(),
    )
    .await;
    assert_eq!(commented.0, 201, "{commented:?}");
    let comment: Uuid = sqlx::query_scalar("SELECT id FROM idea_comments LIMIT 1")
        .fetch_one(&owner)
        .await
        .unwrap();
    let stored = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT count(*) FROM ideas) + (SELECT count(*) FROM idea_comments) + (SELECT count(*) FROM content_reports)",
        )
        .fetch_one(&owner)
        .await
        .unwrap()
    };
    let before = stored().await;

    let (_, _, document) = send(&app, &session, Method::GET, "/api/openapi.json", None, String::new()).await;
    let document: Value = serde_json::from_str(&document).unwrap();
    let schemas = &document["components"]["schemas"];
    let (mut operations, mut nul_fields) = (0, 0);
    for (template, item) in document["paths"].as_object().unwrap() {
        let path = template
            .replace("{slug}", &slug)
            .replace("{id}", &idea.to_string())
            .replace("{comment}", &comment.to_string());
        let methods: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        let other = ["put", "patch", "delete", "post", "get"]
            .into_iter()
            .find(|m| !methods.contains(m))
            .unwrap();
        let method = |m: &str| Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
        let refused = send(&app, &session, method(other), &path, None, String::new()).await;
        assert_eq!(refused.0, 405, "{other} {template}");
        problem(&format!("{other} {template}"), refused);
        for (name, bad) in [
            ("{id}", "pas-un-identifiant"),
            ("{comment}", "pas-un-identifiant"),
            ("{slug}", "inconnue%00"),
            ("{slug}", "%FF"),
        ] {
            if template.contains(name) {
                let path = template
                    .replace(name, bad)
                    .replace("{slug}", &slug)
                    .replace("{id}", &idea.to_string())
                    .replace("{comment}", &comment.to_string());
                for m in &methods {
                    let what = format!("{m} {path}");
                    problem(&what, send(&app, &session, method(m), &path, None, String::new()).await);
                }
            }
        }
        for (m, operation) in item.as_object().unwrap() {
            operations += 1;
            let Some(schema) = operation["requestBody"]["content"]["application/json"].get("schema") else {
                continue;
            };
            let what = format!("{m} {template}");
            let syntax = send(
                &app,
                &session,
                method(m),
                &path,
                Some("application/json"),
                "{\"a\":".into(),
            )
            .await;
            assert_eq!(syntax.0, 400, "{what}: syntax error");
            problem(&what, syntax);
            let valid = sample(schema, schemas);
            let unsupported = send(&app, &session, method(m), &path, Some("text/plain"), valid.to_string()).await;
            assert_eq!(unsupported.0, 415, "{what}: text/plain");
            problem(&what, unsupported);
            let missing = send(&app, &session, method(m), &path, None, valid.to_string()).await;
            assert_eq!(missing.0, 415, "{what}: no content type");
            let mut wrong_type = valid.clone();
            let mut fields = Vec::new();
            string_fields(schema, schemas, "", &mut fields);
            set(&mut wrong_type, &fields[0], json!(12));
            let typed = send(
                &app,
                &session,
                method(m),
                &path,
                Some("application/json"),
                wrong_type.to_string(),
            )
            .await;
            assert_eq!(typed.0, 422, "{what}: a number for {}: {typed:?}", fields[0]);
            let doc = problem(&what, typed);
            assert_eq!(doc["errors"][0]["pointer"], fields[0].as_str(), "{what}: {doc}");
            for field in fields {
                nul_fields += 1;
                let mut body = valid.clone();
                set(&mut body, &field, json!("avant\u{0}après"));
                let refused = send(
                    &app,
                    &session,
                    method(m),
                    &path,
                    Some("application/json"),
                    body.to_string(),
                )
                .await;
                assert_eq!(refused.0, 422, "{what}: NUL in {field}: {refused:?}");
                let doc = problem(&what, refused);
                assert_eq!(doc["errors"][0]["pointer"], field.as_str(), "{what}: {doc}");
            }
        }
    }
    assert!(
        operations >= 24 && nul_fields >= 13,
        "{operations} operations, {nul_fields} fields"
    );
    assert_eq!(stored().await, before, "nothing refused was stored");

    let unknown = send(&app, &session, Method::GET, "/api/v1/inconnue", None, String::new()).await;
    assert_eq!(unknown.0, 404);
    problem("unknown route", unknown);
    let page = send(
        &app,
        &session,
        Method::GET,
        &format!("/api/v1/campaigns/{slug}/ideas?page=abc"),
        None,
        String::new(),
    )
    .await;
    problem("bad page number", page);
    let search = send(
        &app,
        &session,
        Method::GET,
        &format!("/api/v1/campaigns/{slug}/ideas?q=a%00b"),
        None,
        String::new(),
    )
    .await;
    assert_eq!(search.0, 422);
    let doc = problem("NUL in q", search);
    assert_eq!(doc["errors"][0]["pointer"], "/q");
}

#[tokio::test]
async fn an_address_list_may_reach_the_size_the_console_promises_and_a_larger_one_is_told_the_limit() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let slug = campaign_slug(&app, "gironde", "local").await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let password = crate::consoles::make_operator(
        &owner,
        "taille@caf33.caf.fr",
        false,
        Some(("gironde", "local_operator")),
    )
    .await;
    let mut operator = crate::consoles::signed_in(&app, HOST, "taille@caf33.caf.fr", &password).await;
    let page = format!("/admin/campagnes/{id}/invitations");
    let (_, html) = operator.get(&page).await;
    let csrf = crate::browser::extract(&html, "name=\"csrf\" value=\"").unwrap();
    let cookies = format!(
        "ecoute_console={}; ecoute_visiteur={}",
        operator.cookie("ecoute_console").unwrap(),
        operator.cookie("ecoute_visiteur").unwrap()
    );
    let upload = |mebibytes: usize, csv_line: &'static str| {
        let boundary = "----ecoutelimite";
        let mut body = String::new();
        for (name, value) in [
            ("csrf", csrf.as_str()),
            ("subject", "Votre avis"),
            ("message", "Bonjour."),
        ] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"liste.csv\"\r\nContent-Type: text/csv\r\n\r\nnom;email\r\n"));
        while body.len() < mebibytes * 1024 * 1024 {
            body.push_str(csv_line);
        }
        body.push_str(&format!("\r\n--{boundary}--\r\n"));
        app.client
            .post(app.url(&page))
            .header("host", HOST)
            .header("cookie", cookies.clone())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
    };
    let line = "Durand;anne@exemple.fr;une colonne de commentaires assez longue pour remplir le fichier vite\n";
    let three = upload(3, line).await.unwrap();
    let status = three.status().as_u16();
    let batch = three.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let text = three.text().await.unwrap();
    assert_eq!(
        status,
        303,
        "3 MiB is within the 4 Mo promised: {}",
        &text[..text.len().min(2000)]
    );
    let (_, preview) = operator.get(&batch.expect("the batch's page")).await;
    assert!(
        preview.contains("<strong>1</strong> adresse à inviter"),
        "one address to invite, the other lines repeat it"
    );

    let five = upload(5, line).await.unwrap();
    assert_eq!(five.status().as_u16(), 413);
    let text = five.text().await.unwrap();
    assert!(
        text.contains("Envoi trop volumineux") && text.contains("4 Mo"),
        "the limit is named: {text}"
    );

    let malformed = app
        .client
        .post(app.url(&page))
        .header("host", HOST)
        .header("cookie", cookies.clone())
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x\r\nn'importe quoi")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    assert!(
        malformed.text().await.unwrap().contains("Requête invalide"),
        "the French page"
    );
}
