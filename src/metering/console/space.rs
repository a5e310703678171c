//! One space's usage and quotas, as a national admin sees them, and the form that sets its
//! quotas (empty means no limit).

use super::*;

/// The space a national admin looks at, by slug.
pub(super) async fn space_by_slug(tx: &mut TenantTx, slug: &str) -> Result<(TenantId, String), PageError> {
    sqlx::query_as("SELECT id, name FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(PageError::NotFound)
}

#[derive(Serialize)]
pub(super) struct SpaceView {
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) month: String,
    pub(super) quotas: metering::Quotas,
    pub(super) form: QuotaForm,
    pub(super) errors: Vec<String>,
    pub(super) chart: String,
    pub(super) days: Vec<DayUsage>,
    pub(super) usage: metering::Usage,
    pub(super) notice: Option<String>,
}

/// The quota form as typed: empty means no limit.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct QuotaForm {
    #[serde(default)]
    pub(super) emails_per_month: String,
    #[serde(default)]
    pub(super) active_campaigns: String,
    #[serde(default)]
    pub(super) storage_mb: String,
}

impl QuotaForm {
    pub(super) fn from_limits(limits: &BTreeMap<String, i64>) -> QuotaForm {
        let get = |k: &str| limits.get(k).map(|v| v.to_string()).unwrap_or_default();
        QuotaForm {
            emails_per_month: get("emails_per_month"),
            active_campaigns: get("active_campaigns"),
            storage_mb: get("storage_mb"),
        }
    }

    /// The limits, or the keys of the fields that are not whole numbers ≥ 0.
    pub(super) fn parse(&self) -> Result<BTreeMap<String, i64>, Vec<&'static str>> {
        let mut limits = BTreeMap::new();
        let mut wrong = Vec::new();
        for (key, text) in [
            ("emails_per_month", &self.emails_per_month),
            ("active_campaigns", &self.active_campaigns),
            ("storage_mb", &self.storage_mb),
        ] {
            let text = text.trim().replace([' ', '\u{202f}', '\u{a0}'], "");
            if text.is_empty() {
                continue;
            }
            match text.parse::<i64>() {
                Ok(n) if (0..=1_000_000_000).contains(&n) => {
                    limits.insert(key.to_owned(), n);
                }
                _ => wrong.push(key),
            }
        }
        if wrong.is_empty() { Ok(limits) } else { Err(wrong) }
    }
}

/// "<quota> : <what is wrong>" for each field of the quota form that is not a whole number.
pub(super) fn quota_errors(page: &Page, wrong: &[&'static str]) -> Vec<String> {
    wrong
        .iter()
        .map(|key| {
            format!(
                "{} : {}",
                page.text(&format!("metering.quota.{key}")),
                page.text("metering.quota_invalid")
            )
        })
        .collect()
}

pub(super) async fn space_view(
    state: &Ground,
    page: &Page,
    slug: &str,
    month: NaiveDate,
    form: Option<QuotaForm>,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<SpaceView, PageError> {
    let mut tx = state.db.begin(&page.tenant).await?;
    let (id, name) = space_by_slug(&mut tx, slug).await?;
    tx.commit().await?;
    // The space's own figures are read in its own context, as its console reads them.
    let mut tx = state.db.begin_in(id).await?;
    let quotas = quotas::for_space(&mut tx).await?;
    let limits = quotas::limits(&mut tx, id.uuid()).await?;
    let usage = metering::usage::for_space(&mut tx, month).await?;
    let days = metering::usage::daily(&mut tx, Some(id.uuid()), month).await?;
    tx.commit().await?;
    Ok(SpaceView {
        slug: slug.to_owned(),
        name,
        month: month.format("%Y-%m").to_string(),
        quotas,
        form: form.unwrap_or_else(|| QuotaForm::from_limits(&limits)),
        errors,
        chart: contributions_chart(page, &days, month),
        days,
        usage,
        notice,
    })
}

/// `GET /admin/compteurs/{slug}`: one space's usage and quotas, with the quota form.
pub async fn space(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(slug): Path<String>,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    national_only(&page, &operator, Action::ViewMetering)?;
    let month = month(&query)?;
    let notice = query.fait.as_deref().map(|_| page.text("metering.quotas_saved"));
    let view = space_view(&state, &page, &slug, month, None, Vec::new(), notice).await?;
    render_console(
        &page,
        &operator,
        "console_metering_space.html",
        "/admin/compteurs",
        view,
        StatusCode::OK,
    )
}

/// `POST /admin/compteurs/{slug}`: sets the space's quotas (national admins).
pub async fn set_quotas(
    State(state): State<Ground>,
    page: Page,
    operator: SignedInOperator,
    Path(slug): Path<String>,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<QuotaForm>,
) -> Result<Response, PageError> {
    national_only(&page, &operator, Action::ManageModules)?;
    let limits = match form.parse() {
        Ok(limits) => limits,
        Err(wrong) => {
            let errors = quota_errors(&page, &wrong);
            let month = metering::current_month();
            let view = space_view(&state, &page, &slug, month, Some(form), errors, None).await?;
            return render_console(
                &page,
                &operator,
                "console_metering_space.html",
                "/admin/compteurs",
                view,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mut tx = state.db.begin(&page.tenant).await?;
    let (id, _) = space_by_slug(&mut tx, &slug).await?;
    sqlx::query("SELECT console_set_quotas($1, $2)")
        .bind(id)
        .bind(sqlx::types::Json(&limits))
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::MODULE_QUOTAS,
        &slug,
        serde_json::json!({ "quotas": limits }),
    )
    .await?;
    tx.commit().await?;
    crate::web::pages::see_other(&format!("/admin/compteurs/{slug}?fait=quotas"))
}
