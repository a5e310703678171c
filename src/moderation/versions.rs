//! The earlier versions of edited contributions, for the moderators: an author may edit what
//! was reported, and the moderator judges what was written as well as what is shown now. The
//! ideas domain writes them (`contribution_versions`) when an author edits.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use crate::tenancy::TenantTx;

/// An earlier text of an idea or comment.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// The idea's title then (`None` for a comment).
    pub title: Option<String>,
    pub body: String,
    pub written_at: chrono::DateTime<chrono::Utc>,
    pub replaced_at: chrono::DateTime<chrono::Utc>,
}

/// The earlier versions of the contributions `targets` (idea or comment ids of this space),
/// oldest first, by the id of the idea or comment they are versions of.
pub async fn earlier_versions(tx: &mut TenantTx, targets: &[Uuid]) -> Result<HashMap<Uuid, Vec<Version>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT COALESCE(comment_id, idea_id) AS "target!", title, body, written_at, replaced_at
             FROM contribution_versions
            WHERE tenant_id = $1 AND COALESCE(comment_id, idea_id) = ANY($2)
            ORDER BY replaced_at, id"#,
        tx.tenant_id(),
        targets,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut versions: HashMap<Uuid, Vec<Version>> = HashMap::new();
    for r in rows {
        versions.entry(r.target).or_default().push(Version {
            title: r.title,
            body: r.body,
            written_at: r.written_at,
            replaced_at: r.replaced_at,
        });
    }
    Ok(versions)
}
