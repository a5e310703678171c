//! HTML rendering with minijinja. Templates are compiled into the binary (one file to deploy)
//! and auto-escaped because their names end in `.html`.

use std::sync::LazyLock;

use minijinja::Environment;
use serde::Serialize;

use super::i18n::Lang;
use crate::tenancy::Tenant;

/// `plural(n, forms)` in a template: the form of `forms` (`{ one = …, other = … }` in the
/// locales) that goes with `n` in the page's language.
fn plural(state: &minijinja::State, n: i64, forms: minijinja::Value) -> Result<minijinja::Value, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|l| l.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    forms.get_attr(lang.plural_form(n))
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_function("plural", plural);
    super::format::add_filters(&mut env);
    env.add_function("when", super::moments::when);
    env.add_function("iso", super::moments::iso);
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("home.html", include_str!("templates/home.html")),
        ("error.html", include_str!("templates/error.html")),
        ("signin.html", include_str!("templates/signin.html")),
        ("campaign.html", include_str!("templates/campaign.html")),
        ("idea.html", include_str!("templates/idea.html")),
        ("idea_edit.html", include_str!("templates/idea_edit.html")),
        ("idea_fields.html", include_str!("templates/idea_fields.html")),
        ("metering_chart.html", include_str!("templates/metering_chart.html")),
        ("my_contributions.html", include_str!("templates/my_contributions.html")),
        ("message.html", include_str!("templates/message.html")),
        ("survey.html", include_str!("templates/survey.html")),
        ("workshop_apply.html", include_str!("templates/workshop_apply.html")),
        ("workshop_answer.html", include_str!("templates/workshop_answer.html")),
        (
            "console_workshops.html",
            include_str!("templates/console_workshops.html"),
        ),
        (
            "console_workshops_draw.html",
            include_str!("templates/console_workshops_draw.html"),
        ),
        (
            "console_workshop_imports.html",
            include_str!("templates/console_workshop_imports.html"),
        ),
        (
            "console_workshop_import.html",
            include_str!("templates/console_workshop_import.html"),
        ),
        ("account.html", include_str!("templates/account.html")),
        ("console_base.html", include_str!("templates/console_base.html")),
        ("console_analysis.html", include_str!("templates/console_analysis.html")),
        ("console_signin.html", include_str!("templates/console_signin.html")),
        (
            "console_invitation.html",
            include_str!("templates/console_invitation.html"),
        ),
        ("console_security.html", include_str!("templates/console_security.html")),
        ("console_home.html", include_str!("templates/console_home.html")),
        ("console_modules.html", include_str!("templates/console_modules.html")),
        (
            "console_moderation.html",
            include_str!("templates/console_moderation.html"),
        ),
        ("console_team.html", include_str!("templates/console_team.html")),
        (
            "console_organisations.html",
            include_str!("templates/console_organisations.html"),
        ),
        (
            "console_sign_in_provider.html",
            include_str!("templates/console_sign_in_provider.html"),
        ),
        ("console_rules.html", include_str!("templates/console_rules.html")),
        ("rules_legal.html", include_str!("templates/rules_legal.html")),
        ("rules_privacy.html", include_str!("templates/rules_privacy.html")),
        ("rules_charter.html", include_str!("templates/rules_charter.html")),
        (
            "rules_accessibility.html",
            include_str!("templates/rules_accessibility.html"),
        ),
        ("console_audit.html", include_str!("templates/console_audit.html")),
        (
            "console_campaigns.html",
            include_str!("templates/console_campaigns.html"),
        ),
        ("console_campaign.html", include_str!("templates/console_campaign.html")),
        (
            "console_campaign_delete.html",
            include_str!("templates/console_campaign_delete.html"),
        ),
        (
            "console_quota_fields.html",
            include_str!("templates/console_quota_fields.html"),
        ),
        (
            "console_default_quotas.html",
            include_str!("templates/console_default_quotas.html"),
        ),
        (
            "console_workshops_overview.html",
            include_str!("templates/console_workshops_overview.html"),
        ),
        (
            "console_contributions.html",
            include_str!("templates/console_contributions.html"),
        ),
        ("console_preview.html", include_str!("templates/console_preview.html")),
        ("console_branding.html", include_str!("templates/console_branding.html")),
        ("console_metering.html", include_str!("templates/console_metering.html")),
        (
            "console_metering_space.html",
            include_str!("templates/console_metering_space.html"),
        ),
        ("console_quotas.html", include_str!("templates/console_quotas.html")),
        ("console_results.html", include_str!("templates/console_results.html")),
        ("results.html", include_str!("templates/results.html")),
        (
            "results_open_data.html",
            include_str!("templates/results_open_data.html"),
        ),
        ("news.html", include_str!("templates/news.html")),
        (
            "console_invitations.html",
            include_str!("templates/console_invitations.html"),
        ),
        (
            "console_invitations_batch.html",
            include_str!("templates/console_invitations_batch.html"),
        ),
        (
            "console_invitations_progress.html",
            include_str!("templates/console_invitations_progress.html"),
        ),
        (
            "console_deliveries.html",
            include_str!("templates/console_deliveries.html"),
        ),
        (
            "console_participants.html",
            include_str!("templates/console_participants.html"),
        ),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
});

/// Changes with each release so browsers fetch new static assets.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every page knows: its language, its space, where it is.
#[derive(Debug, Clone, Serialize)]
pub struct PageFrame<'a> {
    pub lang: &'static str,
    pub t: minijinja::Value,
    pub tenant: Option<&'a Tenant>,
    /// Shown in the header under the site name.
    pub space_name: String,
    /// Current path, so the language switch comes back here.
    pub path: &'a str,
    pub asset_version: &'static str,
    /// The form token for this visitor (absent on pages shown before tenant resolution).
    pub csrf: Option<String>,
    /// The signed-in person, for the header.
    pub account: Option<super::identity::Account>,
}

impl<'a> PageFrame<'a> {
    pub fn new(lang: Lang, tenant: Option<&'a Tenant>, path: &'a str) -> Self {
        // An unknown host has no space: the header then shows only the site name.
        let space_name = tenant.map(|t| t.name.clone()).unwrap_or_default();
        PageFrame {
            lang: lang.code(),
            t: lang.template_texts(),
            tenant,
            space_name,
            path,
            asset_version: ASSET_VERSION,
            csrf: None,
            account: None,
        }
    }
}

/// Renders `template` with the frame's fields and `extra`'s fields side by side.
pub fn render<S: Serialize>(template: &str, frame: &PageFrame<'_>, extra: S) -> Result<String, minijinja::Error> {
    #[derive(Serialize)]
    struct Context<'a, S> {
        #[serde(flatten)]
        frame: &'a PageFrame<'a>,
        #[serde(flatten)]
        extra: S,
    }
    TEMPLATES
        .get_template(template)?
        .render(minijinja::value::Serde(Context { frame, extra }))
}

#[cfg(test)]
mod tests {
    /// Every file of `templates/` is compiled in: one left out renders as a server error.
    /// (`unsubscribe.html` is the mail's own, rendered by `mail::unsubscribe`.)
    #[test]
    fn every_template_file_is_registered() {
        let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/web/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".html") && name != "unsubscribe.html" && super::TEMPLATES.get_template(&name).is_err() {
                missing.push(name);
            }
        }
        assert!(missing.is_empty(), "not registered in web/templates.rs: {missing:?}");
    }

    /// Every text a template names (`t.section.key`) exists in both languages: a missing one
    /// would render as nothing. Walks every template file under `src/` (the pages' and the
    /// mail's); a path may stop at a table that the template indexes itself
    /// (`t.audit.actions[…]`). Texts that Rust code names are checked by `web::catalogue`.
    #[test]
    fn every_text_a_template_names_is_translated() {
        use super::super::i18n::Lang;
        let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.parent().is_some_and(|p| p.ends_with("templates"))
                    && path.extension().is_some_and(|e| e == "html" || e == "txt")
                {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 40, "templates found: {}", files.len());
        assert!(
            files.iter().any(|f| f.ends_with("mail/templates/mail.txt")),
            "the mail's templates are walked"
        );
        let found = |table: &toml::Table, path: &[&str]| {
            let mut at = table;
            for (i, part) in path.iter().enumerate() {
                match at.get(*part) {
                    Some(toml::Value::Table(t)) => at = t,
                    Some(_) => return i == path.len() - 1,
                    None => return false,
                }
            }
            true
        };
        let mut missing = Vec::new();
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            let bytes = source.as_bytes();
            let mut from = 0;
            while let Some(at) = source[from..].find("t.").map(|k| from + k) {
                from = at + 2;
                // `t.` must start a name: not `ht.`, `at.`, `report.t.`.
                if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || matches!(bytes[at - 1], b'_' | b'.')) {
                    continue;
                }
                let end = source[from..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .map_or(source.len(), |k| from + k);
                let path: Vec<&str> = source[from..end].trim_end_matches('.').split('.').collect();
                if path.iter().any(|p| p.is_empty()) {
                    continue;
                }
                for lang in [Lang::Fr, Lang::En] {
                    if !found(lang.texts(), &path) {
                        let name = file.file_name().unwrap().to_string_lossy();
                        missing.push(format!("{name}: t.{} ({})", path.join("."), lang.code()));
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "texts named by templates but missing from a locale:\n{}",
            missing.join("\n")
        );
    }
}
