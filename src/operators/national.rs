//! The national console's own section: the network's Caf and their modules. Only on the
//! national host, only for national admins ([`Action::ManageModules`]).
//!
//! Activating a module creates its space through `console_activate_module`, a database
//! function that refuses unless the transaction is in the national space's context; the
//! `tenants` trigger tells every instance, so the module answers at once, without a restart.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::team::send_operator_invitation;
use crate::accounts::EmailAddress;
use crate::error::PageError;
use crate::operators::Role;
use crate::tenancy::branding::check_brand_colours;
use crate::tenancy::files::parse_color;
use crate::tenancy::{TenantId, TenantKind, TenantSlug};
use crate::web::Ground;
use crate::web::console::Action;
use crate::web::console::Operator;
use crate::web::console::SignedInOperator;
use crate::web::console::render_console;
use crate::web::console::{NoticeQuery, notice};
use crate::web::csrf::{CheckedForm, CsrfForm};
use crate::web::page::Page;
use crate::web::pages::see_other;

/// One Caf of the network and its module, if it has one.
#[derive(Debug, Serialize)]
pub struct ModuleRow {
    pub code: String,
    pub name: String,
    pub departements: Vec<String>,
    pub tenant_id: Option<Uuid>,
    pub slug: Option<String>,
    /// `none`, `active` or `suspended`.
    pub status: String,
    pub url: Option<String>,
    pub operators: i64,
    /// A slug to suggest when activating: the name without "Caf de la".
    pub suggested_slug: String,
}

fn suggest_slug(name: &str) -> String {
    let lowered = name.to_lowercase();
    let stripped = [
        "caf de la ",
        "caf de l'",
        "caf de l’",
        "caf des ",
        "caf du ",
        "caf de ",
        "caf ",
    ]
    .iter()
    .find_map(|p| lowered.strip_prefix(p))
    .unwrap_or(&lowered);
    let mut slug = String::new();
    for c in stripped.chars() {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(63).collect()
}

async fn modules(state: &Ground, page: &Page) -> Result<Vec<ModuleRow>, sqlx::Error> {
    let mut tx = state.db.begin(&page.tenant).await?;
    // Operator counts are per space (RLS), so they are read in each module's context below;
    // the registry and the catalogue are shared.
    let rows = sqlx::query!(
        r#"SELECT c.code, c.name, c.departements, t.id AS "tenant_id?: TenantId", t.slug AS "slug?",
                  COALESCE(t.status, 'none') AS "status!"
             FROM caf_catalogue c LEFT JOIN tenants t ON t.caf_code = c.code AND t.kind = 'local'
            ORDER BY c.code"#,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let base = state.resolver.base_domain().to_owned();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let operators = match r.tenant_id {
            Some(id) => {
                let mut tx = state.db.begin_in(id).await?;
                let n = sqlx::query_scalar!(
                    r#"SELECT count(*) AS "n!" FROM operator_roles WHERE tenant_id = $1"#,
                    id.uuid(),
                )
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                n
            }
            None => 0,
        };
        out.push(ModuleRow {
            code: r.code,
            suggested_slug: suggest_slug(&r.name),
            name: r.name,
            departements: r.departements,
            tenant_id: r.tenant_id.map(TenantId::uuid),
            url: r
                .slug
                .as_ref()
                .map(|s| page.origin.base_url_for(&format!("{s}.{base}"))),
            slug: r.slug,
            status: r.status,
            operators,
        });
    }
    Ok(out)
}

/// A local module by its subdomain, and its host.
async fn local_module(
    state: &Ground,
    slug: &str,
) -> Result<(String, std::sync::Arc<crate::tenancy::Tenant>), PageError> {
    let host = format!("{slug}.{}", state.resolver.base_domain());
    match state.resolver.resolve(&host).await? {
        crate::tenancy::resolve::Resolution::Found(t) if t.kind == TenantKind::Local => Ok((host, t)),
        _ => Err(PageError::NotFound),
    }
}

/// Labels that already mean something under the base domain.
const RESERVED_SLUGS: [&str; 4] = ["www", "api", "admin", "static"];

fn national_only(page: &Page, operator: &Operator) -> Result<(), PageError> {
    if page.tenant.kind != TenantKind::National {
        return Err(PageError::NotFound);
    }
    operator.may(&page.tenant, Action::ManageModules)
}

#[derive(Serialize, Default)]
struct ModuleErrors {
    code: Option<String>,
    message: Option<String>,
    /// What was typed in the refused activation form (the row of Caf `code`), shown again.
    slug: String,
    name: String,
    primary_color: String,
    secondary_color: String,
    /// The refused invitation: the module's slug and the address typed.
    invite_slug: String,
    email: String,
}

/// `GET /admin/modules`.
pub async fn list(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    national_only(&page, &operator)?;
    let notice = notice(&page, &query);
    render(
        &state,
        &page,
        &operator,
        notice,
        ModuleErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &Ground,
    page: &Page,
    operator: &Operator,
    notice: Option<String>,
    errors: ModuleErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let modules = modules(state, page).await?;
    #[derive(Serialize)]
    struct View {
        active: usize,
        suspended: usize,
        modules: Vec<ModuleRow>,
        notice: Option<String>,
        errors: ModuleErrors,
    }
    let view = View {
        active: modules.iter().filter(|m| m.status == "active").count(),
        suspended: modules.iter().filter(|m| m.status == "suspended").count(),
        modules,
        notice,
        errors,
    };
    render_console(page, operator, "console_modules.html", "/admin/modules", view, status)
}

#[derive(Deserialize)]
pub struct ActivateForm {
    code: String,
    slug: String,
    name: String,
    primary_color: String,
    secondary_color: String,
}

/// `POST /admin/modules`: activates a Caf's module. Live at once on `<slug>.<base domain>`.
pub async fn activate(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    checked: CheckedForm<ActivateForm>,
) -> Result<Response, PageError> {
    let (form, refused) = checked.shown(|f| ["slug", "name", "primary_color", "secondary_color"].contains(&f))?;
    national_only(&page, &operator)?;
    let slug = form.slug.trim().to_lowercase();
    let name = form.name.trim().to_owned();
    let colours = parse_color(&form.primary_color).and_then(|p| parse_color(&form.secondary_color).map(|s| (p, s)));
    let problem = if refused.is_some() {
        Some("error.invalid_text.field")
    } else if TenantSlug::parse(&slug).is_err() || RESERVED_SLUGS.contains(&slug.as_str()) {
        Some("console.slug_invalid")
    } else if name.is_empty() || name.chars().count() > 200 {
        Some("validation.required")
    } else {
        match &colours {
            Err(_) => Some("console.colour_invalid"),
            Ok((p, s)) => check_brand_colours(p, s).err(),
        }
    };
    if let Some(key) = problem {
        let errors = ModuleErrors {
            code: Some(form.code.clone()),
            message: Some(page.text(key)),
            slug: form.slug,
            name: form.name,
            primary_color: form.primary_color,
            secondary_color: form.secondary_color,
            ..Default::default()
        };
        return render(&state, &page, &operator, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (primary, secondary) = colours.unwrap_or_default();
    let mut tx = state.db.begin(&page.tenant).await?;
    let created: Result<Uuid, sqlx::Error> = sqlx::query_scalar("SELECT console_activate_module($1, $2, $3, $4, $5)")
        .bind(&slug)
        .bind(&form.code)
        .bind(&name)
        .bind(&primary)
        .bind(&secondary)
        .fetch_one(&mut *tx)
        .await;
    match created {
        Ok(id) => {
            crate::audit::record(
                &mut tx,
                &operator.0,
                crate::audit::AuditAction::MODULES_ACTIVATE,
                &slug,
                serde_json::json!({ "caf": form.code, "tenant_id": id, "name": name }),
            )
            .await?;
            tx.commit().await?;
            state.resolver.invalidate_all();
            see_other("/admin/modules?fait=activation")
        }
        Err(error) if crate::db::is_duplicate(&error) => {
            drop(tx);
            let errors = ModuleErrors {
                code: Some(form.code),
                message: Some(page.text("console.module_exists")),
                slug: form.slug,
                name: form.name,
                primary_color: form.primary_color,
                secondary_color: form.secondary_color,
                ..Default::default()
            };
            render(&state, &page, &operator, None, errors, StatusCode::CONFLICT).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

/// `POST /admin/modules/{slug}/statut`: suspend or resume.
pub async fn set_status(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    national_only(&page, &operator)?;
    if !matches!(form.status.as_str(), "active" | "suspended") {
        return Err(PageError::BadRequest);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1 AND kind = 'local'")
        .bind(&slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(PageError::NotFound)?;
    sqlx::query("SELECT console_set_module_status($1, $2)")
        .bind(id)
        .bind(&form.status)
        .execute(&mut *tx)
        .await?;
    let action = if form.status == "active" {
        crate::audit::AuditAction::MODULES_RESUME
    } else {
        crate::audit::AuditAction::MODULES_SUSPEND
    };
    crate::audit::record(&mut tx, &operator.0, action, &slug, serde_json::json!({})).await?;
    tx.commit().await?;
    state.resolver.invalidate_all();
    see_other(&format!(
        "/admin/modules?fait={}",
        if form.status == "active" {
            "reprise"
        } else {
            "suspension"
        }
    ))
}

#[derive(Deserialize)]
pub struct FirstOperatorForm {
    email: String,
}

/// `POST /admin/modules/{slug}/invitation`: invites a module's (first) local operator. The
/// invitation belongs to the module's space (so its link opens there); both spaces' logs
/// record it.
pub async fn invite_first_operator(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(slug): Path<String>,
    checked: CheckedForm<FirstOperatorForm>,
) -> Result<Response, PageError> {
    let (form, refused) = checked.shown(|f| f == "email")?;
    national_only(&page, &operator)?;
    let (host, module) = local_module(&state, &slug).await?;
    let parsed = match refused {
        Some(_) => Err("error.invalid_text.field"),
        None => EmailAddress::parse(&form.email).map_err(|_| "validation.email"),
    };
    let Ok(email) = parsed else {
        let errors = ModuleErrors {
            message: parsed.err().map(|key| page.text(key)),
            invite_slug: slug,
            email: form.email,
            ..Default::default()
        };
        return render(&state, &page, &operator, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let base = page.origin.base_url_for(&host);
    let mut tx = state.db.begin(&module).await?;
    send_operator_invitation(
        &mut tx,
        &module,
        &base,
        email.as_str(),
        Role::LocalOperator,
        &operator.0,
    )
    .await?;
    tx.commit().await?;
    let mut tx = state.db.begin(&page.tenant).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::MODULES_INVITE_OPERATOR,
        &slug,
        serde_json::json!({ "email": email.as_str() }),
    )
    .await?;
    tx.commit().await?;
    see_other("/admin/modules?fait=invitation")
}

/// `GET /admin/modules/{slug}/ouvrir`: opens the module's console without signing in again.
/// The national admin's session (second factor included) vouches for them; the module's host
/// gets a one-minute, single-use ticket.
///
/// A link, not a form: the page's Content-Security-Policy (`form-action 'self'`) refuses a
/// form whose answer redirects to another origin, and a top-level link may go anywhere. A GET
/// from another site carries no console cookie (`SameSite=Strict`), so it only ever reaches the
/// sign-in page; the ticket goes to the admin's own browser, in a redirect no page can read.
pub async fn open_module(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    national_only(&page, &operator)?;
    let (host, module) = local_module(&state, &slug).await?;
    let mut tx = state.db.begin(&module).await?;
    let token = crate::operators::queries::create_handoff(&mut tx, operator.0.id).await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::CONSOLE_OPEN_FROM_NATIONAL,
        &slug,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    see_other(&format!(
        "{}/admin/relais?jeton={token}",
        page.origin.base_url_for(&host)
    ))
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::{get, post};
    Router::new()
        .route("/admin/modules", get(list).post(activate))
        .route("/admin/modules/{slug}/statut", post(set_status))
        .route("/admin/modules/{slug}/invitation", post(invite_first_operator))
        .route("/admin/modules/{slug}/ouvrir", get(open_module))
}
