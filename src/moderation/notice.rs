//! The mail that tells an author their contribution was hidden, and why: the charter reason and
//! its article (linked), the moderator's note when there is one, a link to the contribution
//! (where the author sees the same) and to the article that says how to contest the decision.
//!
//! Queued in the decision's transaction (the outbox), so it leaves if and only if the decision
//! stands. In the author's language (`accounts.lang`), not the moderator's. Nobody to tell when
//! the account is gone.

use uuid::Uuid;

use super::Target;
use super::reasons::{CHARTER_PATH, CONTEST_ARTICLE, CharterReason};
use crate::mail::{MailContent, MailKind, Queued, queue_to};
use crate::tenancy::TenantTx;
use crate::web::i18n::Lang;

/// Where the author and what they wrote are, for the mail.
struct Hidden {
    email: String,
    lang: Lang,
    idea_id: Uuid,
    idea_title: String,
    campaign_slug: String,
    campaign_title: String,
}

async fn find_author(tx: &mut TenantTx, target: Target) -> Result<Option<Hidden>, sqlx::Error> {
    let comment = matches!(target, Target::Comment(_));
    // The idea (the target, or the comment's), its campaign, and the author of the target, if
    // their account still exists and this space may reach it.
    let row = sqlx::query!(
        r#"WITH t AS (
             SELECT c.idea_id, c.account_id FROM idea_comments c WHERE $3 AND c.tenant_id = $1 AND c.id = $2
             UNION ALL
             SELECT i.id, i.account_id FROM ideas i WHERE NOT $3 AND i.tenant_id = $1 AND i.id = $2
         )
         SELECT a.email AS "email!", a.lang, i.id, i.title, ca.slug, ca.title AS campaign_title
           FROM t
           JOIN ideas i ON i.tenant_id = $1 AND i.id = t.idea_id
           JOIN campaigns ca ON ca.tenant_id = $1 AND ca.id = i.campaign_id
           JOIN accounts a ON a.id = t.account_id AND a.deleted_at IS NULL"#,
        tx.tenant_id(),
        target.id(),
        comment,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Hidden {
        email: r.email,
        lang: Lang::parse(&r.lang).unwrap_or_default(),
        idea_id: r.id,
        idea_title: r.title,
        campaign_slug: r.slug,
        campaign_title: r.campaign_title,
    }))
}

/// Queues the mail to the author of `target`, just hidden for `reason` with `note` (may be
/// empty). `base_url` is the space's origin (`https://gironde.…`), for the links. `None` when
/// there is nobody to tell.
pub async fn tell_author(
    tx: &mut TenantTx,
    target: Target,
    reason: CharterReason,
    note: &str,
    space_name: &str,
    base_url: &str,
) -> Result<Option<Queued>, sqlx::Error> {
    let Some(hidden) = find_author(tx, target).await? else {
        return Ok(None);
    };
    let text = mail_text(&hidden, target, reason, note.trim(), space_name, base_url);
    let subject = match target {
        Target::Idea(_) => hidden
            .lang
            .fill("moderation_mail.subject_idea", &[("title", &hidden.idea_title)]),
        Target::Comment(_) => hidden.lang.text("moderation_mail.subject_comment"),
    };
    let content = MailContent {
        kind: MailKind::Moderation,
        subject: &subject,
        text: &text,
        campaign: None,
        attachment: None,
        lang: hidden.lang,
    };
    queue_to(tx, &hidden.email, &content).await.map(Some)
}

fn mail_text(hidden: &Hidden, target: Target, reason: CharterReason, note: &str, space: &str, base: &str) -> String {
    let lang = hidden.lang;
    let idea = format!("{base}/consultations/{}/idees/{}", hidden.campaign_slug, hidden.idea_id);
    let named = [
        ("title", hidden.idea_title.as_str()),
        ("campaign", hidden.campaign_title.as_str()),
        ("space", space),
    ];
    let (what, link) = match target {
        Target::Idea(_) => (lang.fill("moderation_mail.what_idea", &named), idea),
        Target::Comment(id) => (
            lang.fill("moderation_mail.what_comment", &named),
            // The idea page at the comment's page of the discussion, as `ideas::comment_path`
            // writes it (moderation may not call into ideas, which calls into moderation).
            format!("{idea}?commentaire={id}#commentaire-{id}"),
        ),
    };
    let label = lang.text(&reason.label_key());
    let article = reason.article().to_string();
    let mut text = format!(
        "{}\n\n{what}\n\n{}\n",
        lang.text("mail_text.hello"),
        lang.fill("moderation_mail.reason", &[("reason", &label), ("article", &article)])
    );
    if !note.is_empty() {
        text.push_str(&lang.fill("moderation_mail.note", &[("note", note)]));
        text.push('\n');
    }
    let article_link = format!("{base}{}", reason.article_path());
    let contest = CONTEST_ARTICLE.to_string();
    text.push_str(&format!(
        "\n{}\n\n{}\n{link}\n\n{}\n{base}{CHARTER_PATH}#article-{CONTEST_ARTICLE}\n",
        lang.fill(
            "moderation_mail.article",
            &[("article", &article), ("link", &article_link)]
        ),
        lang.text("moderation_mail.seen"),
        lang.fill("moderation_mail.contest", &[("article", &contest)]),
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_names_the_reason_its_article_and_the_links() {
        let mut hidden = Hidden {
            email: "a@exemple.fr".into(),
            lang: Lang::Fr,
            idea_id: Uuid::nil(),
            idea_title: "Des guichets ouverts le samedi".into(),
            campaign_slug: "accueil".into(),
            campaign_title: "L’accueil".into(),
        };
        let text = mail_text(
            &hidden,
            Target::Idea(Uuid::nil()),
            CharterReason::Insults,
            "Le deuxième paragraphe vise une personne.",
            "Caf de la Gironde",
            "https://gironde.exemple.fr",
        );
        assert!(
            text.contains("Motif : propos injurieux, menaçants ou diffamatoires (charte de participation, article 3)."),
            "{text}"
        );
        assert!(text.contains("Précision de la modération : Le deuxième paragraphe vise une personne."));
        assert!(text.contains("https://gironde.exemple.fr/charte-de-participation#article-3"));
        assert!(
            text.contains(
                "https://gironde.exemple.fr/consultations/accueil/idees/00000000-0000-0000-0000-000000000000"
            )
        );
        assert!(text.contains("#article-10"));
        let without_note = mail_text(
            &hidden,
            Target::Comment(Uuid::nil()),
            CharterReason::Hate,
            "",
            "X",
            "https://x",
        );
        assert!(!without_note.contains("Précision"));
        assert!(without_note.contains("#commentaire-"));
        hidden.lang = Lang::En;
        let english = mail_text(
            &hidden,
            Target::Idea(Uuid::nil()),
            CharterReason::Insults,
            "",
            "X",
            "https://x",
        );
        assert!(english.starts_with("Hello,"), "{english}");
        assert!(english.contains("Reason: "), "{english}");
        assert!(!english.contains("Motif"), "{english}");
    }
}
