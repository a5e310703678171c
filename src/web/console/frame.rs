//! The console frame: the layout every console page shares, with the navigation this operator
//! may use in this space. Each domain's console pages render through [`render_console`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Operator;
use super::rights::{Action, allowed};
use crate::error::PageError;
use crate::tenancy::TenantKind;
use crate::web::page::Page;

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: String,
    current: bool,
}

/// The console sections this operator may open here.
fn nav(page: &Page, operator: &Operator, current: &str) -> Vec<NavItem> {
    let sections: [(&'static str, &str, Action, bool); 14] = [
        ("/admin", "console.nav.home", Action::View, true),
        ("/admin/campagnes", "console.nav.campaigns", Action::View, true),
        (
            "/admin/ateliers",
            "console.nav.workshops",
            Action::ManageWorkshops,
            true,
        ),
        (
            "/admin/compteurs",
            "console.nav.metering",
            Action::ViewMetering,
            page.tenant.kind == TenantKind::National,
        ),
        (
            "/admin/modules",
            "console.nav.modules",
            Action::ManageModules,
            page.tenant.kind == TenantKind::National,
        ),
        ("/admin/moderation", "console.nav.moderation", Action::Moderate, true),
        (
            "/admin/contributions",
            "console.nav.contributions",
            Action::Moderate,
            true,
        ),
        ("/admin/apparence", "console.nav.branding", Action::EditBranding, true),
        ("/admin/regles", "console.nav.rules", Action::EditRules, true),
        ("/admin/participants", "console.nav.participants", Action::View, true),
        ("/admin/equipe", "console.nav.team", Action::InviteOperators, true),
        (
            "/admin/courriels",
            "console.nav.deliveries",
            Action::InviteParticipants,
            true,
        ),
        ("/admin/journal", "console.nav.audit", Action::ViewAudit, true),
        ("/admin/securite", "console.nav.security", Action::View, true),
    ];
    sections
        .into_iter()
        .filter(|(_, _, action, shown)| *shown && allowed(operator, &page.tenant, *action))
        .map(|(href, key, _, _)| NavItem {
            href,
            label: page.text(key),
            current: href == current,
        })
        .collect()
}

/// Renders a console page: the layout, the navigation this operator may use, `view`'s fields.
pub fn render_console<S: Serialize>(
    page: &Page,
    operator: &impl AsRef<Operator>,
    template: &str,
    current: &str,
    view: S,
    status: StatusCode,
) -> Result<Response, PageError> {
    #[derive(Serialize)]
    struct Console<'a, S> {
        operator: &'a Operator,
        console_nav: Vec<NavItem>,
        role_label: String,
        #[serde(flatten)]
        view: S,
    }
    let operator = operator.as_ref();
    let role_label = if operator.national_admin {
        page.text("console.roles.national_admin")
    } else {
        operator
            .role
            .map(|r| page.text(&format!("console.roles.{}", r.as_str())))
            .unwrap_or_default()
    };
    let console = Console {
        operator,
        console_nav: nav(page, operator, current),
        role_label,
        view,
    };
    let mut response = page.render(template, console)?.into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// The `?fait=…` of a redirect after a change: which done-notice the page shows.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    fait: Option<String>,
}

impl NoticeQuery {
    pub fn from_fait(fait: Option<String>) -> Self {
        NoticeQuery { fait }
    }
}

pub fn notice(page: &Page, query: &NoticeQuery) -> Option<String> {
    query
        .fait
        .as_deref()
        .map(|what| page.text(&format!("console.done.{what}")))
}
