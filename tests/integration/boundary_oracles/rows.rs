//! The rows the walk uses: a campaign, question, idea, image, mail, team member, pending
//! invitation and invitation batch of each space, its own (gironde) and foreign ones (aude's, the
//! national drafts).

use super::*;

/// A space's own rows (gironde) and foreign ones (aude's, and the national space's drafts).
pub(crate) struct Rows {
    pub(super) own: Vec<(Kind, String)>,
    pub(super) foreign: Vec<(Kind, String)>,
}

impl Rows {
    pub(super) fn own(&self, kind: Kind) -> String {
        self.own
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.clone())
            .unwrap()
    }
}

pub(super) fn unknown(kind: Kind) -> String {
    match kind {
        Kind::CampaignSlug | Kind::TenantSlug => format!("inconnu-{}", Uuid::new_v4().simple()),
        _ => Uuid::new_v4().to_string(),
    }
}

/// Campaign, question, idea (with a comment) and workshop session of `tenant`; returns
/// (campaign id, slug, question, idea, session, comment).
pub(super) async fn campaign_rows(
    owner: &sqlx::PgPool,
    tenant: Uuid,
    scope: &str,
    published: bool,
) -> (Uuid, String, Uuid, Uuid, Uuid, Uuid) {
    let (campaign, question, idea, session) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let comment = Uuid::new_v4();
    let slug = format!("c-{}", Uuid::new_v4().simple());
    let published = if published { "now()" } else { "NULL" };
    as_owner(owner, tenant, format!(
        "INSERT INTO campaigns (tenant_id, id, slug, scope, title, summary, opens_at, closes_at, published_at, has_survey)
         VALUES ('{tenant}', '{campaign}', '{slug}', '{scope}', 'Une consultation', 'résumé', now() - interval '1 day', now() + interval '9 days', {published}, true);
         INSERT INTO survey_questions (tenant_id, id, campaign_id, position, kind, label)
         VALUES ('{tenant}', '{question}', '{campaign}', 1, 'short_text', 'Une question');
         INSERT INTO ideas (tenant_id, id, campaign_id, origin_tenant_id, kind, title, body, submission_key)
         VALUES ('{tenant}', '{idea}', '{campaign}', '{tenant}', 'idee', 'Une idée', 'Le corps de l''idée', gen_random_uuid());
         INSERT INTO idea_comments (tenant_id, id, idea_id, origin_tenant_id, body, submission_key)
         VALUES ('{tenant}', '{comment}', '{idea}', '{tenant}', 'Un commentaire', gen_random_uuid());
         WITH r AS (INSERT INTO workshop_recruitments (tenant_id, campaign_id) VALUES ('{tenant}', '{campaign}') RETURNING id)
         INSERT INTO workshop_sessions (tenant_id, id, recruitment_id, title, caf_name, place, address, starts_at, ends_at, capacity)
         SELECT '{tenant}', '{session}', r.id, 'Séance', 'Caf', 'Salle', '1 rue', now() + interval '9 days', now() + interval '9 days 2 hours', 5 FROM r;"
    ))
    .await;
    (campaign, slug, question, idea, session, comment)
}

/// A logo, a mail, a member of the team and a pending invitation of `tenant`; returns
/// (asset, mail, member, invitation).
pub(super) async fn space_rows(owner: &sqlx::PgPool, tenant: Uuid) -> (Uuid, Uuid, Uuid, Uuid) {
    let (asset, mail, member, invitation) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    sqlx::query("INSERT INTO operators (id, email, name) VALUES ($1, $2, 'Membre')")
        .bind(member)
        .bind(format!("membre-{}@exemple.fr", member.simple()))
        .execute(owner)
        .await
        .unwrap();
    as_owner(owner, tenant, format!(
        "INSERT INTO space_assets (tenant_id, id, content_type, bytes) VALUES ('{tenant}', '{asset}', 'image/png', '\\x89504e47');
         INSERT INTO mail_outbox (tenant_id, id, to_address, subject, text_body, status)
         VALUES ('{tenant}', '{mail}', 'x@exemple.fr', 'Objet', 'Texte', 'failed');
         INSERT INTO operator_roles (tenant_id, operator_id, role) VALUES ('{tenant}', '{member}', 'analyst');
         INSERT INTO operator_invitations (tenant_id, id, email, role, token_hash, expires_at)
         VALUES ('{tenant}', '{invitation}', 'invitee-{invitation}@exemple.fr', 'analyst', gen_random_bytes(32), now() + interval '7 days');"
    ))
    .await;
    (asset, mail, member, invitation)
}

/// A pending batch of invitations to `campaign` of `tenant`, with one address; returns its id.
pub(super) async fn batch_row(owner: &sqlx::PgPool, tenant: Uuid, campaign: Uuid) -> Uuid {
    let batch = Uuid::new_v4();
    as_owner(
        owner,
        tenant,
        format!(
            "INSERT INTO invitation_batches (tenant_id, id, campaign_id, subject, message, addresses, prepared_by)
         VALUES ('{tenant}', '{batch}', '{campaign}', 'Votre avis', 'Bonjour.', 1, 'op@exemple.fr');
         INSERT INTO invitation_batch_lines (tenant_id, batch_id, position, line, address, value)
         VALUES ('{tenant}', '{batch}', 1, 1, 'invitee@exemple.fr', 'invitee@exemple.fr');"
        ),
    )
    .await;
    batch
}

/// A volunteer file uploaded (not confirmed) into the workshop recruitment of `campaign`;
/// returns its id.
pub(super) async fn import_row(owner: &sqlx::PgPool, tenant: Uuid, campaign: Uuid) -> Uuid {
    let import = Uuid::new_v4();
    as_owner(
        owner,
        tenant,
        format!(
            "INSERT INTO workshop_imports (tenant_id, id, recruitment_id, file_name, content, header, created_by)
             SELECT '{tenant}', '{import}', id, 'v.csv', E'id,nom\\n1,a\\n', '[\"id\", \"nom\"]', 'op@exemple.fr'
               FROM workshop_recruitments WHERE campaign_id = '{campaign}';"
        ),
    )
    .await;
    import
}

pub(crate) async fn rows(owner: &sqlx::PgPool) -> Rows {
    let (a, b, national) = (
        tenant_id(owner, "gironde").await,
        tenant_id(owner, "aude").await,
        tenant_id(owner, "national").await,
    );
    let (a_campaign, a_slug, a_question, a_idea, a_session, a_comment) = campaign_rows(owner, a, "local", true).await;
    let (b_campaign, b_slug, b_question, b_idea, b_session, b_comment) = campaign_rows(owner, b, "local", true).await;
    let (n_campaign, n_slug, n_question, n_idea, n_session, n_comment) =
        campaign_rows(owner, national, "national", false).await;
    let (a_asset, a_mail, a_member, a_invitation) = space_rows(owner, a).await;
    let (b_asset, b_mail, b_member, b_invitation) = space_rows(owner, b).await;
    let (a_batch, b_batch) = (
        batch_row(owner, a, a_campaign).await,
        batch_row(owner, b, b_campaign).await,
    );
    let (a_import, b_import) = (
        import_row(owner, a, a_campaign).await,
        import_row(owner, b, b_campaign).await,
    );
    let s = |u: Uuid| u.to_string();
    Rows {
        own: vec![
            (Kind::CampaignSlug, a_slug),
            (Kind::CampaignId, s(a_campaign)),
            (Kind::Idea, s(a_idea)),
            (Kind::Comment, s(a_comment)),
            (Kind::Question, s(a_question)),
            (Kind::Session, s(a_session)),
            (Kind::Asset, s(a_asset)),
            (Kind::Mail, s(a_mail)),
            (Kind::Member, s(a_member)),
            (Kind::Invitation, s(a_invitation)),
            (Kind::InvitationBatch, s(a_batch)),
            (Kind::WorkshopImport, s(a_import)),
            (Kind::TenantSlug, "gironde".into()),
        ],
        foreign: vec![
            (Kind::CampaignSlug, b_slug),
            (Kind::CampaignSlug, n_slug),
            (Kind::CampaignId, s(b_campaign)),
            (Kind::CampaignId, s(n_campaign)),
            (Kind::Idea, s(b_idea)),
            (Kind::Idea, s(n_idea)),
            (Kind::Comment, s(b_comment)),
            (Kind::Comment, s(n_comment)),
            (Kind::Question, s(b_question)),
            (Kind::Question, s(n_question)),
            (Kind::Session, s(b_session)),
            (Kind::Session, s(n_session)),
            (Kind::Asset, s(b_asset)),
            (Kind::Mail, s(b_mail)),
            (Kind::Member, s(b_member)),
            (Kind::Invitation, s(b_invitation)),
            (Kind::InvitationBatch, s(b_batch)),
            (Kind::WorkshopImport, s(b_import)),
            (Kind::TenantSlug, "aude".into()),
        ],
    }
}
