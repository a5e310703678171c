//! Open data: the anonymised contributions and survey answers of a campaign whose results are
//! published, as CSV or JSON. Published contributions only, free text kept; no e-mail, no
//! pseudonym, no respondent code (people have not consented to being named in open data).

use axum::extract::{Path, State};
use axum::response::Response;

use crate::campaigns::cache::CampaignCache;
use crate::error::PageError;
use crate::exports::{self, Table};
use crate::tenancy::TenantId;
use crate::web::Ground;
use crate::web::page::Page;

/// Drops the named columns (and, when `published_only`, rows whose `statut` is not published).
fn anonymise(table: Table, drop: &[&str], published_only: bool) -> Table {
    let status = table.headers.iter().position(|h| h == "statut");
    let keep: Vec<usize> = (0..table.headers.len())
        .filter(|&i| !drop.contains(&table.headers[i].as_str()))
        .collect();
    let rows = table
        .rows
        .into_iter()
        .filter(|row| !published_only || status.is_none_or(|s| row[s] == "published"))
        .map(|row| keep.iter().map(|&i| row[i].clone()).collect())
        .collect();
    Table {
        headers: keep.iter().map(|&i| table.headers[i].clone()).collect(),
        rows,
    }
}

/// `GET /consultations/{slug}/resultats/donnees/{file}`: `contributions` or `reponses`, `.csv`
/// or `.json`.
pub async fn download(
    State(state): State<Ground>,
    State(campaigns): State<CampaignCache>,
    page: Page,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (what, format) = file.rsplit_once('.').ok_or(PageError::NotFound)?;
    if !matches!(format, "csv" | "json") {
        return Err(PageError::NotFound);
    }
    let campaign = campaigns
        .find(&state.db, &page.tenant, &slug)
        .await?
        .ok_or(PageError::NotFound)?;
    if campaign.results_published_at.is_none() || !campaign.admits(&page.tenant, page.account.as_ref()) {
        return Err(PageError::NotFound);
    }
    // In the campaign owner's space (a national campaign's figures span every space).
    let mut tx = state
        .db
        .begin_in(TenantId::from_database(campaign.summary.tenant_id))
        .await?;
    let table = match what {
        "contributions" => anonymise(
            exports::contributions(&mut tx, &campaign).await?,
            &["auteur", "statut", "id"],
            true,
        ),
        "reponses" => {
            let questions = crate::surveys::queries::list_questions(&mut tx, &campaign).await?;
            anonymise(
                exports::responses(&mut tx, &campaign, &questions).await?,
                &["répondant"],
                false,
            )
        }
        _ => return Err(PageError::NotFound),
    };
    tx.commit().await?;
    let (body, content_type) = if format == "csv" {
        (table.to_csv().map_err(anyhow::Error::from)?, "text/csv; charset=utf-8")
    } else {
        (
            serde_json::to_vec_pretty(&table.to_json()).map_err(anyhow::Error::from)?,
            "application/json",
        )
    };
    crate::web::pages::attachment(body, content_type, &format!("{slug}-{what}-donnees-ouvertes.{format}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_data_drops_people_and_unpublished_rows() {
        let table = Table {
            headers: vec!["id".into(), "texte".into(), "statut".into(), "auteur".into()],
            rows: vec![
                vec!["1".into(), "Publié".into(), "published".into(), "Marie".into()],
                vec!["2".into(), "Masqué".into(), "hidden".into(), "Paul".into()],
            ],
        };
        let open = anonymise(table, &["auteur", "statut", "id"], true);
        assert_eq!(open.headers, vec!["texte".to_owned()]);
        assert_eq!(open.rows, vec![vec!["Publié".to_owned()]]);
    }
}
