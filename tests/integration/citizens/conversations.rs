//! Conversations on an idea: comments say when they were written, and can be reported like
//! ideas.

use super::*;

#[tokio::test]
async fn comments_are_dated_and_each_can_be_reported() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut reader = signed_in(&app, "lecteur@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let comment = comment_on(&mut reader, &id, "Tout à fait d’accord.").await;
    let idea_path = format!("/consultations/{slug}/idees/{id}");

    // A full date, in French, for people and for screen readers (the machine form beside it).
    let (_, page) = app.get_text("gironde.localhost", &idea_path).await;
    let at = page.find(&format!("id=\"commentaire-{comment}\"")).unwrap();
    let item = &page[at..];
    let time = &item[item.find("<time datetime=\"").expect("a <time> on the comment")..];
    let datetime = extract(time, "datetime=\"").unwrap();
    assert!(
        datetime.len() == 20 && datetime.ends_with('Z'),
        "a valid datetime: {datetime}"
    );
    let shown = &time[time.find('>').unwrap() + 1..time.find("</time>").unwrap()];
    // "le 7 décembre 2026 à 18 h 05", or "… à 18 h" on the hour (a run at :00 once failed here),
    // in Paris time: the UTC year's last hour is already the next year there.
    let year: i32 = datetime[..4].parse().unwrap();
    let (day, clock) = shown.split_once(" à ").expect("a day and a time");
    assert!(
        day.starts_with("le ") && (day.ends_with(&year.to_string()) || day.ends_with(&(year + 1).to_string())),
        "{shown}"
    );
    let (hour, minutes) = clock.split_once(" h").expect("a French clock");
    assert!(
        (1..=2).contains(&hour.len())
            && hour.bytes().all(|b| b.is_ascii_digit())
            && (minutes.is_empty() || (minutes.len() == 3 && minutes[1..].bytes().all(|b| b.is_ascii_digit()))),
        "{shown}"
    );

    // Someone else's comment has its own report form; the report reaches the moderators.
    let (_, page) = author.get(&idea_path).await;
    let marker = format!("id=\"report-{comment}\"");
    assert!(page.contains(&marker), "a report form on the comment");
    assert!(page.contains(&format!("name=\"comment_id\" value=\"{comment}\"")));
    let (status, _, html) = author
        .post_form(
            &format!("{idea_path}/signalement"),
            &[("csrf", &csrf_of(&page)), ("comment_id", &comment), ("reason", "x")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains(&format!("id=\"report-{comment}-error\"")) && html.contains(">x</textarea>"),
        "a refused report comes back on its comment"
    );
    let (status, _, _) = author
        .post_form(
            &format!("{idea_path}/signalement"),
            &[
                ("csrf", &csrf_of(&page)),
                ("comment_id", &comment),
                ("reason", "Propos déplacés."),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let owner = app.test_db.owner().await;
    let reported: Vec<(String, String)> = sqlx::query_as("SELECT target_kind, target_id::text FROM content_reports")
        .fetch_all(&owner)
        .await
        .unwrap();
    assert_eq!(reported, vec![("comment".to_owned(), comment.clone())]);
    let (_, page) = reader.get(&idea_path).await;
    assert!(!page.contains(&marker), "one does not report one's own comment");
}

async fn conversation_mail(app: &TestApp) -> Vec<(String, String)> {
    let owner = app.test_db.owner().await;
    sqlx::query_as(
        "SELECT to_address, text_body FROM mail_outbox WHERE kind = 'conversation' ORDER BY created_at, to_address",
    )
    .fetch_all(&owner)
    .await
    .unwrap()
}

// Over 100 lines: one thread's mail from the first reply to the unfollow link and the switch
// that turns reply mail off, each step counting what the earlier ones queued.
#[tokio::test]
async fn replies_tell_the_author_and_followers_once_an_hour_and_unfollowing_takes_one_click() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut follower = signed_in(&app, "suiveuse@exemple.fr").await;
    let mut writer = signed_in(&app, "redacteur@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let idea_path = format!("/consultations/{slug}/idees/{id}");

    let (_, page) = follower.get(&idea_path).await;
    assert!(page.contains("Suivre cette idée"));
    let csrf = csrf_of(&page);
    for _ in 0..2 {
        let (status, _, _) = follower
            .post_form(&format!("{idea_path}/suivi"), &[("csrf", &csrf), ("action", "suivre")])
            .await;
        assert_eq!(status, 303);
    }
    let (_, page) = follower.get(&idea_path).await;
    assert!(page.contains("Ne plus suivre cette idée") && page.contains("Vous suivez cette idée."));

    // A comment: the idea's author (answered) and the follower hear of it, not its writer.
    let first = comment_on(&mut writer, &id, "Le samedi matin, oui.").await;
    let mails = conversation_mail(&app).await;
    let to: Vec<&str> = mails.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(to, vec!["autrice@exemple.fr", "suiveuse@exemple.fr"], "{mails:?}");
    assert!(
        mails[0].1.contains("quelqu’un a répondu à ce que vous avez écrit"),
        "{}",
        mails[0].1
    );
    // Its link opens the page of the discussion that holds the comment.
    assert!(
        mails[0]
            .1
            .contains(&format!("{idea_path}?commentaire={first}#commentaire-{first}"))
    );
    // Within the hour, another comment mails nobody again about this idea.
    comment_on(&mut writer, &id, "Et le mercredi aussi.").await;
    assert_eq!(conversation_mail(&app).await.len(), 2, "one mail per idea and hour");
    // A reply tells the author of the comment it answers.
    let (status, _) = author
        .api(
            Method::POST,
            &format!("/api/v1/ideas/{id}/comments"),
            Some(serde_json::json!({"body": "Merci !", "parent_id": first})),
        )
        .await;
    assert_eq!(status, 201);
    let mails = conversation_mail(&app).await;
    assert_eq!(mails.len(), 3);
    assert_eq!(mails[2].0, "redacteur@exemple.fr");

    // The follower's mail stops following in one click (after a confirmation page that a mail
    // scanner cannot click through); the space's other mail still goes.
    let text = &mails.iter().find(|(to, _)| to == "suiveuse@exemple.fr").unwrap().1;
    let start = text.find("/desabonnement/").expect("an unfollow link");
    let link = text[start..].split_whitespace().next().unwrap().to_owned();
    assert!(link.ends_with(&format!("?idee={id}")), "{link}");
    let mut anyone = Browser::new(&app, "gironde.localhost");
    let (status, html) = anyone.get(&link).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ne plus suivre cette contribution") && html.contains(&format!("?idee={id}\"")),
        "{html}"
    );
    let (status, _, html) = anyone.post_form(&link, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Vous ne suivez plus cette contribution"), "{html}");
    let owner = app.test_db.owner().await;
    let counts: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM idea_follows), (SELECT count(*) FROM mail_suppressions)")
            .fetch_one(&owner)
            .await
            .unwrap();
    assert_eq!(counts, (0, 0), "unfollowed, not unsubscribed from the space");

    // The author turns reply mail off: the next reply, an hour later, mails nobody.
    let (_, mine) = author.get("/compte/contributions").await;
    assert!(mine.contains("name=\"reponses\" value=\"non\""));
    let (status, _, _) = author
        .post_form(
            "/compte/contributions/reponses",
            &[("csrf", &csrf_of(&mine)), ("reponses", "non")],
        )
        .await;
    assert_eq!(status, 303);
    let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
    crate::helpers::as_owner(
        &owner,
        gironde,
        "UPDATE idea_mail_sent SET sent_at = sent_at - interval '2 hours'".to_owned(),
    )
    .await;
    comment_on(&mut writer, &id, "Une dernière précision.").await;
    assert_eq!(conversation_mail(&app).await.len(), 3, "reply mail turned off");
}

#[tokio::test]
async fn a_decision_naming_a_followed_idea_tells_its_followers_once_the_results_are_public() {
    let app = TestApp::spawn().await;
    let mut author = signed_in(&app, "autrice@exemple.fr").await;
    let mut follower = signed_in(&app, "suiveuse@exemple.fr").await;
    let (slug, id) = idea_of(&app, &mut author, "Des guichets le samedi").await;
    let idea_path = format!("/consultations/{slug}/idees/{id}");
    let (_, page) = follower.get(&idea_path).await;
    let (status, _, _) = follower
        .post_form(
            &format!("{idea_path}/suivi"),
            &[("csrf", &csrf_of(&page)), ("action", "suivre")],
        )
        .await;
    assert_eq!(status, 303);

    let owner = app.test_db.owner().await;
    let gironde = crate::helpers::tenant_id(&owner, "gironde").await;
    let campaign: uuid::Uuid = sqlx::query_scalar("SELECT id FROM campaigns WHERE slug = $1")
        .bind(&slug)
        .fetch_one(&owner)
        .await
        .unwrap();
    let password =
        crate::consoles::make_operator(&owner, "decide@caf33.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = crate::consoles::signed_in(&app, "gironde.localhost", "decide@caf33.fr", &password).await;
    let csrf = operator.csrf(&format!("/admin/campagnes/{campaign}/resultats")).await;
    let form = format!("/admin/campagnes/{campaign}/decisions");
    let decide =
        |title: &'static str, status: &'static str| [("title", title), ("status", status), ("ideas", id.as_str())];
    // Drafted before the results are public: nobody is told yet.
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(decide("Un guichet à l’étude", "a_l_etude"));
    let (status, _, body) = operator.post_form(&form, &fields).await;
    assert_eq!(status, 303, "{body}");
    assert!(conversation_mail(&app).await.is_empty());

    crate::helpers::as_owner(
        &owner,
        gironde,
        format!("UPDATE campaigns SET results_published_at = now() WHERE id = '{campaign}'"),
    )
    .await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(decide("Des guichets ouverts le samedi", "adoptee"));
    let (status, _, _) = operator.post_form(&form, &fields).await;
    assert_eq!(status, 303);
    let mails = conversation_mail(&app).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(
        mails[0].0, "suiveuse@exemple.fr",
        "the follower, not the author who does not follow"
    );
    assert!(
        mails[0]
            .1
            .contains("une décision la mentionne : « Des guichets ouverts le samedi » (Adoptée)"),
        "{}",
        mails[0].1
    );
}
