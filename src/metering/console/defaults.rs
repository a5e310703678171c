//! The platform's default quotas, which every module gets when it is activated: a setting of
//! the national space (`tenants.default_quotas` on its row; the database's starting plan until
//! it is set), read and written by national admins at `/admin/compteurs/quotas-par-defaut`.

use super::*;

/// The defaults as the database gives them (its starting plan when never set).
async fn defaults(tx: &mut TenantTx) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let value: sqlx::types::Json<BTreeMap<String, i64>> = sqlx::query_scalar("SELECT platform_default_quotas()")
        .fetch_one(&mut **tx)
        .await?;
    Ok(value.0)
}

#[derive(Serialize)]
struct DefaultsView {
    form: QuotaForm,
    errors: Vec<String>,
    notice: Option<String>,
}

fn render(page: &Page, operator: &Operator, view: DefaultsView, status: StatusCode) -> Result<Response, PageError> {
    render_console(
        page,
        operator,
        "console_default_quotas.html",
        "/admin/compteurs",
        view,
        status,
    )
}

/// `GET /admin/compteurs/quotas-par-defaut`.
pub async fn default_quotas(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    national_only(&page, &operator, Action::ManageModules)?;
    let mut tx = state.db.begin(&page.tenant).await?;
    let limits = defaults(&mut tx).await?;
    tx.commit().await?;
    let view = DefaultsView {
        form: QuotaForm::from_limits(&limits),
        errors: Vec::new(),
        notice: query.fait.as_deref().map(|_| page.text("metering.defaults_saved")),
    };
    render(&page, &operator, view, StatusCode::OK)
}

/// `POST /admin/compteurs/quotas-par-defaut`: new defaults (empty: no limit), audited.
pub async fn set_default_quotas(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<QuotaForm>,
) -> Result<Response, PageError> {
    national_only(&page, &operator, Action::ManageModules)?;
    let limits = match form.parse() {
        Ok(limits) => limits,
        Err(wrong) => {
            let errors = quota_errors(&page, &wrong);
            let view = DefaultsView {
                form,
                errors,
                notice: None,
            };
            return render(&page, &operator, view, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    sqlx::query("SELECT console_set_default_quotas($1)")
        .bind(sqlx::types::Json(&limits))
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::MODULES_DEFAULT_QUOTAS,
        "",
        serde_json::json!({ "quotas": limits }),
    )
    .await?;
    tx.commit().await?;
    crate::web::pages::see_other("/admin/compteurs/quotas-par-defaut?fait=quotas")
}
