//! A long discussion is read page by page (issue 23: an idea's page with 386 comments weighed
//! 200 KB and rendered them all on every request): fifty threads a page, each with its replies,
//! oldest first; links to one comment open the page that holds it, and a new comment, a refused
//! reply or an edit comes back on its own page.

use super::*;
use crate::helpers::{as_owner, tenant_id};

/// The threads shown on a page: the bodies "Fil N." in page order.
fn threads_on(page: &str) -> Vec<u32> {
    page.match_indices("<p>Fil ")
        .map(|(at, _)| {
            let rest = &page[at + 7..];
            rest[..rest.find('.').unwrap()].parse().unwrap()
        })
        .collect()
}

/// An idea of Gironde with 150 threads by its author, a minute apart ("Fil 1." the oldest), and
/// a reply of the reader to "Fil 110." (page 3).
struct Discussion<'a> {
    reader: Browser<'a>,
    owner: sqlx::PgPool,
    id: String,
    idea_path: String,
    thread_110: String,
    reply: String,
}

async fn long_discussion(app: &TestApp) -> Discussion<'_> {
    let mut author = signed_in(app, "autrice@exemple.fr").await;
    let mut reader = signed_in(app, "lecteur@exemple.fr").await;
    let (slug, id) = idea_of(app, &mut author, "Un long débat").await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, submission_key, created_at)
             SELECT tenant_id, id, tenant_id, account_id, 'Fil ' || g || '.', gen_random_uuid(),
                    now() - (200 - g) * interval '1 minute'
               FROM ideas, generate_series(1, 150) g WHERE id = '{id}'"
        ),
    )
    .await;
    let thread_110: String = sqlx::query_scalar("SELECT id::text FROM idea_comments WHERE body = 'Fil 110.'")
        .fetch_one(&owner)
        .await
        .unwrap();
    let (status, made) = reader
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({ "body": "Une réponse au fil 110.", "parent_id": thread_110 })),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    Discussion {
        reader,
        owner,
        idea_path: format!("/consultations/{slug}/idees/{id}"),
        id,
        thread_110,
        reply: made["id"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn a_long_discussion_is_read_in_pages_of_fifty_threads() {
    let app = TestApp::spawn().await;
    let Discussion { idea_path, reply, .. } = long_discussion(&app).await;
    let get = |path: String| {
        let app = &app;
        async move { app.get_text("gironde.localhost", &path).await }
    };

    // Anonymous visitors: fifty threads a page, in order, and the pages' links. Each page is a
    // shared page of its own (a key without the page number would serve page 1 twice).
    let (status, first) = get(idea_path.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(threads_on(&first), (1..=50).collect::<Vec<_>>());
    assert!(first.contains("Page 1 / 3"));
    assert!(first.contains(&format!("href=\"{idea_path}?page=2#comments-heading\" rel=\"next\"")));
    assert!(!first.contains("rel=\"prev\""));
    let (_, second) = get(format!("{idea_path}?page=2")).await;
    assert_eq!(threads_on(&second), (51..=100).collect::<Vec<_>>());
    assert!(second.contains("start=\"51\""));
    assert!(second.contains(&format!("href=\"{idea_path}?page=1#comments-heading\" rel=\"prev\"")));
    let (_, first_again) = get(idea_path.clone()).await;
    assert_eq!(threads_on(&first_again), (1..=50).collect::<Vec<_>>());

    // The last page holds the reply under its thread; a number past the end shows the last page.
    for asked in ["3", "99"] {
        let (status, last) = get(format!("{idea_path}?page={asked}")).await;
        assert_eq!(status, 200);
        assert_eq!(threads_on(&last), (101..=150).collect::<Vec<_>>(), "page {asked}");
        assert!(last.contains(&format!("id=\"commentaire-{reply}\"")) && !last.contains("rel=\"next\""));
    }
    let (_, zero) = get(format!("{idea_path}?page=0")).await;
    assert_eq!(threads_on(&zero)[0], 1);
    let (status, _) = get(format!("{idea_path}?page=deux")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn links_to_a_comment_open_its_page_and_a_new_one_lands_on_the_last() {
    let app = TestApp::spawn().await;
    let Discussion {
        mut reader,
        owner,
        id,
        idea_path,
        thread_110,
        reply,
    } = long_discussion(&app).await;

    // A link to a comment (mails, "Mes contributions") opens the page of its thread.
    let (_, linked) = app
        .get_text("gironde.localhost", &format!("{idea_path}?commentaire={reply}"))
        .await;
    assert!(linked.contains("Page 3 / 3") && linked.contains(&format!("id=\"commentaire-{reply}\"")));
    // A pending comment is not shown, and its thread is not counted: its link opens the last page
    // there is, not a page past it.
    let mut tx = ecoute::db::owner_tx_in(&owner, tenant_id(&owner, "gironde").await)
        .await
        .unwrap();
    let pending: String = sqlx::query_scalar(
        "INSERT INTO idea_comments (tenant_id, idea_id, origin_tenant_id, account_id, body, status, submission_key)
         SELECT tenant_id, id, tenant_id, account_id, 'En attente.', 'pending', gen_random_uuid()
           FROM ideas WHERE id = $1::uuid RETURNING id::text",
    )
    .bind(&id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, linked) = app
        .get_text("gironde.localhost", &format!("{idea_path}?commentaire={pending}"))
        .await;
    assert!(
        linked.contains("Page 3 / 3") && !linked.contains("En attente."),
        "the last page"
    );

    // A new comment lands on a fourth page, and its address leads there, twice the same.
    let (_, page) = reader.get(&idea_path).await;
    let key = extract(&page, "name=\"submission_key\" value=\"").unwrap();
    let fields = [
        ("csrf", csrf_of(&page)),
        ("submission_key", key),
        ("body", "Fil 151.".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = reader.post_form(&format!("{idea_path}/commentaires"), &fields).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    let (status, again, _) = reader.post_form(&format!("{idea_path}/commentaires"), &fields).await;
    assert_eq!(
        (status, again.as_deref()),
        (303, Some(location.as_str())),
        "a double submission"
    );
    let new: String = sqlx::query_scalar("SELECT id::text FROM idea_comments WHERE body = 'Fil 151.'")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(location, format!("{idea_path}?commentaire={new}#commentaire-{new}"));
    let (_, landed) = reader.get(location.split('#').next().unwrap()).await;
    assert!(landed.contains("Page 4 / 4"));
    assert_eq!(threads_on(&landed), vec![151]);

    // A refused reply to a thread of page 3 comes back on page 3, under that thread, and the
    // pager's links lead to the idea page (not to the address the form was posted to).
    let (_, page) = reader.get(&idea_path).await;
    let fields = [
        ("csrf", csrf_of(&page)),
        ("submission_key", uuid::Uuid::new_v4().to_string()),
        ("parent_id", thread_110.clone()),
        ("body", "x".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, refused) = reader.post_form(&format!("{idea_path}/commentaires"), &fields).await;
    assert_eq!(status, 422);
    assert!(refused.contains("Page 3 / 4") && refused.contains(&format!("id=\"reply-{thread_110}-error\"")));
    assert!(refused.contains(&format!("href=\"{idea_path}?page=4#comments-heading\"")));

    // The API still gives the whole discussion.
    let (status, all) = reader
        .api(reqwest::Method::GET, &format!("/api/v1/ideas/{id}/comments"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(all.as_array().unwrap().len(), 151);
}
