//! Importing volunteers from a file into a recruitment (`…/ateliers/imports`), in steps that are
//! each safe to repeat (the crate's [`crate::workshops::imports`] reads and checks the file):
//!
//! 1. **Upload** (`POST …/imports`, multipart, up to 20 Mo: `web::limits`): the file is read;
//!    a file that cannot be read (not UTF-8, no line, a malformed or repeated header) is
//!    refused with the form again (422). Otherwise it is kept as an import and the browser is
//!    sent (303) to the import's page, its columns mapped by guess.
//! 2. **Mapping and preview** (`GET …/imports/{import}`; `POST …/correspondance` stores the
//!    columns chosen and comes back, 303): every line checked, the valid ones counted, the
//!    refused ones and the duplicates listed with their line and reason.
//! 3. **Confirm** (`POST …/confirmation`, with the import's idempotency key): the valid lines
//!    become applications, checked again under the recruitment's lock; audited; 303 to the
//!    import's page, which then shows what was added. A second confirm (a double click, a
//!    reload, the back button) finds it done and only redirects.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::campaigns::queries::CampaignDetail;
use crate::error::PageError;
use crate::tenancy::TenantTx;
use crate::web::Ground;
use crate::web::console::{ConsoleOf, Operator, render_console, right};
use crate::web::csrf::CsrfForm;
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::web::uploads::{read_capped, text};
use crate::workshops::applications::{Recruitment, find_recruitment};
use crate::workshops::imports::{self, Mapping, SheetError, store};

/// How many refused lines a page lists (the others are counted).
pub(super) const SHOWN_LINES: usize = 200;

fn import_path(id: Uuid, import: Uuid) -> String {
    format!("/admin/campagnes/{id}/ateliers/imports/{import}")
}

/// The campaign and its recruitment (404 without one).
pub(super) async fn recruitment(
    tx: &mut TenantTx,
    page: &Page,
    id: Uuid,
) -> Result<(CampaignDetail, Recruitment), PageError> {
    let campaign = crate::campaigns::authoring::find(tx, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let recruitment = find_recruitment(tx, page.tenant.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok((campaign, recruitment))
}

/// An import in the recruitment's list.
#[derive(Serialize)]
struct Listed {
    id: Uuid,
    file_name: String,
    created_at: chrono::DateTime<chrono::Utc>,
    created_by: String,
    accepted: Option<i32>,
}

async fn render_list(
    tx: &mut TenantTx,
    page: &Page,
    operator: &Operator,
    (campaign, recruitment): (&CampaignDetail, &Recruitment),
    problem: Option<String>,
) -> Result<Response, PageError> {
    let imports = store::list(tx, recruitment.id)
        .await?
        .into_iter()
        .map(|(id, file_name, created_at, created_by, accepted)| Listed {
            id,
            file_name,
            created_at,
            created_by,
            accepted,
        })
        .collect();
    #[derive(Serialize)]
    struct View<'a> {
        campaign: &'a CampaignDetail,
        drawn: bool,
        imports: Vec<Listed>,
        problem: Option<String>,
        max_mib: usize,
    }
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = View {
        campaign,
        drawn: recruitment.drawn,
        imports,
        problem,
        max_mib: imports::MAX_BYTES / (1024 * 1024),
    };
    render_console(
        page,
        operator,
        "console_workshop_imports.html",
        "/admin/ateliers",
        view,
        status,
    )
}

/// `GET /admin/campagnes/{id}/ateliers/imports`: the upload form and the imports so far.
pub async fn list(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, recruitment) = recruitment(&mut tx, &page, id).await?;
    let response = render_list(&mut tx, &page, &operator.0, (&campaign, &recruitment), None).await?;
    tx.commit().await?;
    Ok(response)
}

/// Why a file cannot be read, in words.
fn sheet_problem(page: &Page, error: &SheetError) -> String {
    let t = |key: &str| page.text(&format!("workshop_import.file.{key}"));
    match error {
        SheetError::NotUtf8 => t("not_utf8"),
        SheetError::Empty => t("empty"),
        SheetError::BadHeader(name) => t("bad_header").replace("{column}", name),
        SheetError::Malformed(line) => t("malformed").replace("{line}", &line.to_string()),
        SheetError::TooManyLines => t("too_many_lines").replace("{max}", &imports::MAX_LINES.to_string()),
        SheetError::Control(line) => t("control").replace("{line}", &line.to_string()),
    }
}

/// `POST /admin/campagnes/{id}/ateliers/imports` (multipart): keeps the file as an import and
/// sends to its page.
pub async fn upload(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path(id): Path<Uuid>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut file, mut file_name) = (String::new(), None, String::new());
    while let Some(mut field) = multipart.next_field().await.map_err(crate::web::uploads::refused)? {
        match field.name().unwrap_or_default() {
            "file" => {
                file_name = field.file_name().unwrap_or_default().chars().take(300).collect();
                file = Some(
                    read_capped(&mut field, imports::MAX_BYTES)
                        .await?
                        .ok_or(PageError::TooLarge)?,
                );
            }
            "csrf" => csrf = text(&mut field).await?,
            _ => {}
        }
    }
    if !crate::web::csrf::csrf_valid(&state.csrf_key, page.tenant.id, &page.visitor, &csrf) {
        return Err(PageError::Forbidden);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let (campaign, recruitment) = recruitment(&mut tx, &page, id).await?;
    if recruitment.drawn {
        let problem = page.text("workshop_import.after_draw");
        return render_list(&mut tx, &page, &operator.0, (&campaign, &recruitment), Some(problem)).await;
    }
    let bytes = file.unwrap_or_default();
    let sheet = match imports::read_sheet(&bytes) {
        Ok(sheet) => sheet,
        Err(e) => {
            let problem = sheet_problem(&page, &e);
            return render_list(&mut tx, &page, &operator.0, (&campaign, &recruitment), Some(problem)).await;
        }
    };
    let name = crate::web::text::clean(&file_name)
        .map(|n| n.into_owned())
        .unwrap_or_default();
    let content = String::from_utf8(bytes).map_err(anyhow::Error::from)?;
    store::forget_stale(&mut tx).await?;
    let import = store::create(
        &mut tx,
        recruitment.id,
        &name,
        &content,
        &sheet.header,
        &operator.0.email,
    )
    .await?;
    let guess = Mapping::guess(&sheet.header, &recruitment.criteria);
    store::set_mapping(&mut tx, recruitment.id, import, &guess).await?;
    tx.commit().await?;
    see_other(&import_path(id, import))
}

/// `GET /admin/campagnes/{id}/ateliers/imports/{import}`.
pub async fn show(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path((id, import)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let response =
        super::import_page::render(&mut tx, &page, &operator.0, id, import, Vec::new(), StatusCode::OK).await?;
    tx.commit().await?;
    Ok(response)
}

/// `POST …/imports/{import}/correspondance`: the columns chosen (`email`, `id`, `c-{key}` per
/// criterion; empty: not in the file).
pub async fn set_mapping(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path((id, import)): Path<(Uuid, Uuid)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (_, recruitment) = recruitment(&mut tx, &page, id).await?;
    let found = store::find(&mut tx, recruitment.id, import, false)
        .await?
        .ok_or(PageError::NotFound)?;
    let chosen = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mapping = Mapping {
        email: chosen("email"),
        id: chosen("id"),
        criteria: recruitment
            .criteria
            .iter()
            .filter_map(|c| chosen(&format!("c-{}", c.key)).map(|col| (c.key.clone(), col)))
            .collect(),
    };
    let unknown = mapping.unknown_columns(&found.header);
    if !unknown.is_empty() {
        let problem = page
            .text("workshop_import.unknown_column")
            .replace("{column}", &unknown.join(", "));
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return super::import_page::render(&mut tx, &page, &operator.0, id, import, vec![problem], status).await;
    }
    store::set_mapping(&mut tx, recruitment.id, import, &mapping).await?;
    tx.commit().await?;
    see_other(&format!("{}#apercu", import_path(id, import)))
}

/// The confirm form: the import's idempotency key.
#[derive(Deserialize)]
pub struct ConfirmForm {
    cle: Uuid,
}

/// `POST …/imports/{import}/confirmation`: adds the valid lines to the pool, once.
pub async fn confirm(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::ManageWorkshops>,
    Path((id, import)): Path<(Uuid, Uuid)>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let path = import_path(id, import);
    let mut tx = state.db.begin(&page.tenant).await?;
    let (_, recruitment) = recruitment(&mut tx, &page, id).await?;
    // Two confirmations of two imports cannot both let the same address in.
    crate::workshops::queries::lock_recruitment(&mut tx, id).await?;
    let found = store::find(&mut tx, recruitment.id, import, true)
        .await?
        .ok_or(PageError::NotFound)?;
    if found.confirmed_at.is_some() {
        return see_other(&path);
    }
    if found.confirm_key != form.cle {
        return Err(PageError::BadRequest);
    }
    let refuse = |key: &str, status| {
        let problem = page.text(key);
        (problem, status)
    };
    let (problem, status) = if recruitment.drawn {
        refuse("workshop_import.after_draw", StatusCode::CONFLICT)
    } else {
        let sheet = imports::read_sheet(found.content.as_bytes()).unwrap_or_default();
        let mapping = found.mapping.clone().unwrap_or_default();
        let taken = store::taken(&mut tx, recruitment.id).await?;
        let preview = imports::preview(&sheet, &recruitment.criteria, &mapping, &taken);
        if !preview.accepted.is_empty() {
            let refused: Vec<_> = preview
                .refused
                .iter()
                .map(|(line, reason)| serde_json::json!({"line": line, "reason": reason.describe(&|k| page.text(k))}))
                .collect();
            let refused = serde_json::Value::Array(refused);
            store::confirm(
                &mut tx,
                recruitment.id,
                import,
                &preview.accepted,
                &refused,
                &operator.0.email,
            )
            .await?;
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::WORKSHOPS_IMPORT,
                &import.to_string(),
                serde_json::json!({
                    "file": found.file_name,
                    "accepted": preview.accepted.len(),
                    "refused": preview.refused.len(),
                }),
            )
            .await?;
            tx.commit().await?;
            return see_other(&path);
        }
        refuse("workshop_import.nothing_valid", StatusCode::UNPROCESSABLE_ENTITY)
    };
    super::import_page::render(&mut tx, &page, &operator.0, id, import, vec![problem], status).await
}
