//! The audit log in the console (issue 20, item 4): actions in words, not codes; filters by
//! who, what (one action or a group), which object and when (days in Paris); fifty lines a page
//! with links that keep the filters; a CSV download of what the filters select, itself logged.

use crate::helpers::{TestApp, as_owner, tenant_id};

use super::*;

/// The `<tr>` of the log's table body.
fn rows(html: &str) -> usize {
    html.split("<tbody>")
        .nth(1)
        .map_or(0, |body| body.matches("<tr>").count())
}

// Over 100 lines: one fixture (121 lines of known people, actions and dates), then each filter,
// the pages and the download, in turn, against it.
#[tokio::test]
async fn the_log_reads_in_words_filters_pages_and_downloads() {
    let app = TestApp::spawn().await;
    let owner = app.test_db.owner().await;
    let gironde = tenant_id(&owner, "gironde").await;
    // 60 staff additions by one person, one a day back from now; 60 campaign changes by
    // another, one a day from 10 March 2026 noon (Paris); one more at 00:30 on 10 March in
    // Paris, which is still 9 March in UTC.
    as_owner(
        &owner,
        gironde,
        format!(
            "INSERT INTO audit_log (tenant_id, at, operator_email, action, target)
             SELECT '{gironde}', now() - make_interval(days => i), 'a@caf33.caf.fr', 'team.add_staff', 'agent-' || i || '@caf33.caf.fr'
               FROM generate_series(1, 60) i;
             INSERT INTO audit_log (tenant_id, at, operator_email, action, target)
             SELECT '{gironde}', timestamptz '2026-03-10 12:00 Europe/Paris' + make_interval(days => i), 'b@caf33.caf.fr', 'campaign.update', 'consultation-' || i
               FROM generate_series(0, 58) i;
             INSERT INTO audit_log (tenant_id, at, operator_email, action, target)
             VALUES ('{gironde}', timestamptz '2026-03-09 23:30 UTC', 'b@caf33.caf.fr', 'campaign.update', 'consultation-minuit');"
        ),
    )
    .await;
    let password = make_operator(&owner, "loc@caf33.caf.fr", false, Some(("gironde", "local_operator"))).await;
    let mut operator = signed_in(&app, GIRONDE, "loc@caf33.caf.fr", &password).await;

    // Words, not codes; newest first: this sign-in heads the first page.
    let (status, page) = operator.get("/admin/journal").await;
    assert_eq!(status, 200);
    assert!(page.contains("<td>Connexion à la console</td>"), "{page}");
    assert!(page.contains("<td>Agents ajoutés</td>"));
    // Codes are only the filter's option values, never shown.
    assert!(
        !page.contains(">team.add_staff<") && !page.contains(">console.sign_in<"),
        "no raw code shown"
    );
    assert!(page.contains("<option value=\"moderation.hide\">Contenu masqué</option>"));
    assert!(page.contains("121 actions · page 1 / 3"));
    assert_eq!(rows(&page), 50);
    assert!(page.contains("href=\"/admin/journal?page=2\" rel=\"next\""));
    assert!(page.find("Connexion à la console").unwrap() < page.find("Agents ajoutés").unwrap());
    let (_, last) = operator.get("/admin/journal?page=3").await;
    assert_eq!(rows(&last), 21);
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));

    // Who.
    let (_, by_a) = operator.get("/admin/journal?qui=a%40caf33.caf.fr").await;
    assert!(by_a.contains("60 actions correspondant aux filtres · page 1 / 2"));
    assert!(!by_a.contains("<td>b@caf33.caf.fr</td>"));
    assert!(
        by_a.contains("href=\"/admin/journal?qui=a%40caf33.caf.fr&amp;page=2\""),
        "pages keep the filters"
    );
    // What: a group, or one action.
    let (_, team) = operator.get("/admin/journal?quoi=team").await;
    assert!(team.contains("60 actions correspondant"));
    let (_, sign_ins) = operator.get("/admin/journal?quoi=console.sign_in").await;
    assert!(sign_ins.contains("1 action correspondant") && rows(&sign_ins) == 1);
    // Which object, case ignored.
    let (_, agent) = operator.get("/admin/journal?objet=AGENT-7%40").await;
    assert!(agent.contains("1 action correspondant") && agent.contains("agent-7@caf33.caf.fr"));
    // When: days in Paris, both ends included.
    let (_, march) = operator.get("/admin/journal?du=2026-03-10&au=2026-03-19").await;
    assert!(
        march.contains("11 actions correspondant"),
        "ten noons and the 00:30 of 10 March"
    );
    assert!(march.contains("consultation-minuit") && march.contains("10 mars 2026, 0\u{a0}h\u{a0}30"));
    let (_, combined) = operator
        .get("/admin/journal?qui=b%40caf33.caf.fr&quoi=campaign&au=2026-03-10")
        .await;
    assert!(combined.contains("2 actions correspondant"));
    let (status, refused) = operator.get("/admin/journal?du=demain").await;
    assert_eq!(status, 422);
    assert!(refused.contains("La date de début n’est pas une date valide"));
    let (_, nothing) = operator.get("/admin/journal?qui=personne%40exemple.fr").await;
    assert!(nothing.contains("Aucune action ne correspond à ces filtres."));

    // The download: the filtered lines, labels and codes, in the console's CSV dialect.
    assert!(team.contains("href=\"/admin/journal/export.csv?quoi=team\""));
    let (status, csv) = operator.get("/admin/journal/export.csv?quoi=team").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with('\u{feff}'), "a BOM for spreadsheets");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Date (heure de Paris);Par;Action;Code de l’action;Objet;Détails (JSON)"
    );
    assert_eq!(lines.len(), 61);
    assert!(lines[1].contains(";a@caf33.caf.fr;Agents ajoutés;team.add_staff;agent-1@caf33.caf.fr;{}"));
    let (status, _) = operator.get("/admin/journal/export.csv?du=hier").await;
    assert_eq!(status, 400);
    let (_, after) = operator.get("/admin/journal?quoi=audit").await;
    assert!(after.contains("<td>Journal téléchargé</td>"), "the download is logged");

    // In English.
    operator.set_cookie("lang", "en");
    let (_, english) = operator.get("/admin/journal?quoi=console").await;
    assert!(english.contains("<td>Signed in to the console</td>"));

    // A moderator reads neither the log nor its download.
    let password = make_operator(&owner, "mod@caf33.caf.fr", false, Some(("gironde", "moderator"))).await;
    let mut moderator = signed_in(&app, GIRONDE, "mod@caf33.caf.fr", &password).await;
    assert_eq!(moderator.get("/admin/journal").await.0, 403);
    assert_eq!(moderator.get("/admin/journal/export.csv").await.0, 403);
}
