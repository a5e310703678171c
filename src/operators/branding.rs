//! The branding editor: logo (checked by its bytes, not its name; 512 KiB at most), colours
//! (refused when links on white would fail WCAG AA), welcome text, and a preview before saving.
//! The preview needs no JavaScript (a "Prévisualiser" button); with it, colours and text
//! update as they are typed. Colours reach the preview through a stylesheet URL, since the
//! CSP forbids inline styles.

use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::PageError;
use crate::tenancy::branding::check_brand_colours;
use crate::tenancy::files::parse_color;
use crate::web::Ground;
use crate::web::assets::brand_properties;
use crate::web::console::Operator;
use crate::web::console::render_console;
use crate::web::console::{ConsoleOf, right};
use crate::web::console::{NoticeQuery, notice};
use crate::web::page::Page;
use crate::web::pages::see_other;
use crate::web::uploads::read_capped;
use crate::web::uploads::sniff_image;

pub const LOGO_MAX_BYTES: usize = 512 * 1024;
pub const WELCOME_MAX: usize = 2000;

#[derive(Debug, Default, Serialize)]
struct BrandingForm {
    primary_color: String,
    secondary_color: String,
    welcome_text: String,
    logo_url: Option<String>,
}

#[derive(Serialize)]
struct Shown {
    field: &'static str,
    message: String,
}

fn current(page: &Page) -> BrandingForm {
    let b = &page.tenant.branding;
    BrandingForm {
        primary_color: b.primary_color.clone(),
        secondary_color: b.secondary_color.clone(),
        welcome_text: b.welcome_text.clone(),
        logo_url: b.logo_url.clone(),
    }
}

fn render(
    page: &Page,
    operator: &Operator,
    form: BrandingForm,
    errors: Vec<Shown>,
    previewing: bool,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct View {
        preview_css: String,
        paragraphs: Vec<String>,
        form: BrandingForm,
        errors: Vec<Shown>,
        previewing: bool,
        max_kib: usize,
        notice: Option<String>,
    }
    let colours_ok = parse_color(&form.primary_color).is_ok() && parse_color(&form.secondary_color).is_ok();
    let (p, s) = if colours_ok {
        (form.primary_color.clone(), form.secondary_color.clone())
    } else {
        (
            page.tenant.branding.primary_color.clone(),
            page.tenant.branding.secondary_color.clone(),
        )
    };
    let view = View {
        preview_css: format!(
            "/admin/apparence/apercu.css?{}",
            serde_urlencoded::to_string([("primary", p.as_str()), ("secondary", s.as_str())]).unwrap_or_default()
        ),
        paragraphs: paragraphs(&form.welcome_text),
        form,
        errors,
        previewing,
        max_kib: LOGO_MAX_BYTES / 1024,
        notice,
    };
    render_console(
        page,
        operator,
        "console_branding.html",
        "/admin/apparence",
        view,
        status,
    )
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GET /admin/apparence`.
pub async fn form(
    page: Page,
    operator: ConsoleOf<right::EditBranding>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let form = current(&page);
    render(
        &page,
        &operator,
        form,
        Vec::new(),
        false,
        notice(&page, &query),
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    primary: String,
    secondary: String,
}

/// `GET /admin/apparence/apercu.css?primary=…&secondary=…`: the preview's colours.
pub async fn preview_css(
    _page: Page,
    _operator: ConsoleOf<right::EditBranding>,
    Query(query): Query<PreviewQuery>,
) -> Result<Response, PageError> {
    let (Ok(p), Ok(s)) = (parse_color(&query.primary), parse_color(&query.secondary)) else {
        return Err(PageError::BadRequest);
    };
    let mut response = brand_properties(".brand-preview", &p, &s).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    Ok(response)
}

/// What the branding form sent: the fields over the space's current branding, the logo's
/// bytes (or that they were over the limit).
struct Sent {
    form: BrandingForm,
    csrf: String,
    action: String,
    remove_logo: bool,
    logo: Option<Vec<u8>>,
    too_big: bool,
}

async fn read_sent(mut form: BrandingForm, multipart: &mut Multipart) -> Result<Sent, PageError> {
    let (mut csrf, mut action, mut remove_logo) = (String::new(), String::new(), false);
    let mut logo: Option<Vec<u8>> = None;
    let mut too_big = false;
    while let Some(mut field) = multipart.next_field().await.map_err(crate::web::uploads::refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "logo" {
            match read_capped(&mut field, LOGO_MAX_BYTES).await? {
                Some(bytes) if !bytes.is_empty() => logo = Some(bytes),
                Some(_) => {}
                None => too_big = true,
            }
            continue;
        }
        let value = crate::web::uploads::text(&mut field).await?;
        match name.as_str() {
            "csrf" => csrf = value,
            "action" => action = value,
            "primary_color" => form.primary_color = value.trim().to_owned(),
            "secondary_color" => form.secondary_color = value.trim().to_owned(),
            "welcome_text" => form.welcome_text = value.trim().to_owned(),
            "remove_logo" => remove_logo = value == "on",
            _ => {}
        }
    }
    Ok(Sent {
        form,
        csrf,
        action,
        remove_logo,
        logo,
        too_big,
    })
}

/// `POST /admin/apparence` (multipart, for the logo): preview or save.
pub async fn save(
    State(state): State<Ground>,
    page: Page,
    operator: ConsoleOf<right::EditBranding>,
    _headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let Sent {
        mut form,
        csrf,
        action,
        remove_logo,
        logo,
        too_big,
    } = read_sent(current(&page), &mut multipart).await?;
    if !crate::web::csrf::csrf_valid(&state.csrf_key, page.tenant.id, &page.visitor, &csrf) {
        return Err(PageError::Forbidden);
    }
    let mut errors = Vec::new();
    let mut shown = |field: &'static str, key: &str| {
        errors.push(Shown {
            field,
            message: page.text(key),
        })
    };
    match (parse_color(&form.primary_color), parse_color(&form.secondary_color)) {
        (Ok(p), Ok(s)) => {
            if let Err(key) = check_brand_colours(&p, &s) {
                shown("primary_color", key);
            }
            form.primary_color = p;
            form.secondary_color = s;
        }
        _ => shown("primary_color", "console.colour_invalid"),
    }
    if form.welcome_text.chars().count() > WELCOME_MAX {
        shown("welcome_text", "validation.too_long");
    }
    let logo_type = match &logo {
        _ if too_big => {
            shown("logo", "branding.logo_too_big");
            None
        }
        Some(bytes) => match sniff_image(bytes) {
            Some(kind) => Some(kind),
            None => {
                shown("logo", "branding.logo_not_image");
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() || action == "preview" {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render(&page, &operator, form, errors, true, None, status);
    }
    let mut tx = state.db.begin(&page.tenant).await?;
    if remove_logo {
        form.logo_url = None;
    }
    if let (Some(bytes), Some(kind)) = (&logo, logo_type) {
        if let Err(refusal) = crate::metering::quotas::allow_storage(&mut tx, bytes.len() as i64, 0).await? {
            drop(tx);
            let errors = vec![Shown {
                field: "logo",
                message: refusal.message(page.lang.code()),
            }];
            return render(&page, &operator, form, errors, true, None, StatusCode::CONFLICT);
        }
        let id = crate::web::uploads::store_image(&mut tx, kind, bytes).await?;
        form.logo_url = Some(format!("/espace/logo/{id}"));
    }
    sqlx::query("SELECT console_set_branding($1, $2, $3, $4, $5)")
        .bind(page.tenant.id)
        .bind(&form.primary_color)
        .bind(&form.secondary_color)
        .bind(&form.welcome_text)
        .bind(&form.logo_url)
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        &operator.0,
        crate::audit::AuditAction::BRANDING_UPDATE,
        &page.tenant.slug,
        serde_json::json!({
            "primary_color": form.primary_color,
            "secondary_color": form.secondary_color,
            "logo": form.logo_url,
        }),
    )
    .await?;
    tx.commit().await?;
    state.resolver.invalidate_all();
    see_other("/admin/apparence?fait=apparence")
}

/// This console's routes, merged into the domain's.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
{
    use axum::Router;
    use axum::routing::get;
    Router::new()
        .route("/admin/apparence", get(form).post(save))
        .route("/admin/apparence/apercu.css", get(preview_css))
}
