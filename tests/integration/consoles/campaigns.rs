//! Writing a campaign in the console: its survey, publication, and the cover image shown on the
//! public page.

use reqwest::Method;
use uuid::Uuid;

use crate::browser::{Browser, extract};
use crate::helpers::{TestApp, campaign_slug, session_for};

use super::*;

// Over 100 lines: one campaign written end to end (draft with bad input explained → empty survey
// refused → questions added, moved, deleted → preview → published → read by an analyst, hidden from
// another space); each step edits the campaign the last one left.
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
    let (status, list) = analyst.get("/admin/campagnes").await;
    assert_eq!(status, 200);
    assert!(!list.contains("/ateliers\""), "no workshops link without the right");
    assert_eq!(analyst.get(&edit).await.0, 403);
    // The operator reaches the campaign's workshop recruitment from the list and its page.
    let workshops = format!("{edit}/ateliers\"");
    assert!(operator.get("/admin/campagnes").await.1.contains(&workshops));
    assert!(operator.get(&edit).await.1.contains(&workshops));
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
