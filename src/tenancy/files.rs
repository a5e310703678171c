//! The declarative `tenants/` folder: one TOML file per space, plus `catalogue.toml`, the list
//! of the network's 101 Caf. Files are parsed into [`TenantSpec`], the desired state that
//! [`super::sync`] compares with the database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use super::host::normalize_host;
use super::{TenantKind, TenantSlug, TenantStatus};

/// File name of the network catalogue inside the tenants folder.
pub const CATALOGUE_FILE: &str = "catalogue.toml";

/// One Caf of the network.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntry {
    pub code: String,
    pub name: String,
    pub departements: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    caf: Vec<CatalogueEntry>,
}

/// A tenant file as written by people.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    slug: String,
    kind: TenantKind,
    name: String,
    caf_code: Option<String>,
    #[serde(default)]
    departements: Vec<String>,
    #[serde(default)]
    custom_domains: Vec<String>,
    #[serde(default = "active")]
    status: TenantStatus,
    #[serde(default)]
    staff_email_domains: Vec<String>,
    branding: BrandingFile,
    #[serde(default)]
    plan: PlanFile,
}

fn active() -> TenantStatus {
    TenantStatus::Active
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandingFile {
    logo_url: Option<String>,
    primary_color: String,
    secondary_color: String,
    #[serde(default)]
    welcome_text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    #[serde(default = "standard")]
    name: String,
    #[serde(default)]
    quotas: BTreeMap<String, i64>,
}

impl Default for PlanFile {
    fn default() -> Self {
        PlanFile {
            name: standard(),
            quotas: BTreeMap::new(),
        }
    }
}

fn standard() -> String {
    "standard".into()
}

/// The desired (or current) state of one tenant, normalised so two specs compare field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSpec {
    pub slug: TenantSlug,
    pub kind: TenantKind,
    pub name: String,
    pub caf_code: Option<String>,
    pub departements: Vec<String>,
    pub custom_domains: Vec<String>,
    pub logo_url: Option<String>,
    pub primary_color: String,
    pub secondary_color: String,
    pub welcome_text: String,
    pub status: TenantStatus,
    pub plan: String,
    pub quotas: BTreeMap<String, i64>,
    pub staff_email_domains: Vec<String>,
}

impl TenantSpec {
    /// Names of the fields that differ between `self` (database) and `wanted` (files).
    pub fn differences(&self, wanted: &TenantSpec) -> Vec<&'static str> {
        let mut diff = Vec::new();
        let mut check = |name, same: bool| {
            if !same {
                diff.push(name)
            }
        };
        check("kind", self.kind == wanted.kind);
        check("name", self.name == wanted.name);
        check("caf_code", self.caf_code == wanted.caf_code);
        check("departements", self.departements == wanted.departements);
        check("custom_domains", self.custom_domains == wanted.custom_domains);
        check("logo_url", self.logo_url == wanted.logo_url);
        check("primary_color", self.primary_color == wanted.primary_color);
        check("secondary_color", self.secondary_color == wanted.secondary_color);
        check("welcome_text", self.welcome_text == wanted.welcome_text);
        check("status", self.status == wanted.status);
        check("plan", self.plan == wanted.plan);
        check("quotas", self.quotas == wanted.quotas);
        check(
            "staff_email_domains",
            self.staff_email_domains == wanted.staff_email_domains,
        );
        diff
    }
}

/// `#RGB` or `#RRGGBB`, any case → `#rrggbb`.
pub fn parse_color(text: &str) -> Result<String, String> {
    let hex = text
        .trim()
        .strip_prefix('#')
        .ok_or_else(|| format!("colour {text:?} must start with #"))?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("colour {text:?} is not hexadecimal"));
    }
    match hex.len() {
        6 => Ok(format!("#{}", hex.to_ascii_lowercase())),
        3 => Ok(format!(
            "#{}",
            hex.chars()
                .flat_map(|c| [c, c])
                .collect::<String>()
                .to_ascii_lowercase()
        )),
        _ => Err(format!("colour {text:?} must be #rgb or #rrggbb")),
    }
}

fn sorted_unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    items.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
}

/// Parses one tenant file. `base_domain` is used to refuse custom domains that would shadow
/// the `<slug>.<base>` scheme.
pub fn parse_tenant_file(text: &str, base_domain: &str) -> anyhow::Result<TenantSpec> {
    let file: TenantFile = toml::from_str(text)?;
    let slug = TenantSlug::parse(&file.slug).map_err(anyhow::Error::msg)?;
    if slug.as_str() == "www" {
        bail!("the slug `www` is reserved: www.<base domain> is the national space");
    }
    if file.name.trim().is_empty() || file.name.chars().count() > 200 {
        bail!("name must have 1 to 200 characters");
    }
    if file.kind == TenantKind::Local && file.caf_code.is_none() {
        bail!("a local module needs the `caf_code` of its Caf in catalogue.toml");
    }
    let mut custom_domains = Vec::new();
    for domain in file.custom_domains {
        let host = normalize_host(&domain)
            .filter(|h| h.contains('.'))
            .with_context(|| format!("invalid custom domain {domain:?}"))?;
        if host == base_domain || host.ends_with(&format!(".{base_domain}")) {
            bail!("custom domain {host} is under the base domain {base_domain}; the subdomain is implicit");
        }
        custom_domains.push(host);
    }
    let staff_email_domains = file
        .staff_email_domains
        .into_iter()
        .map(|d| {
            let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
            normalize_host(&d)
                .filter(|h| h.contains('.') && *h == d)
                .with_context(|| format!("invalid staff e-mail domain {d:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(logo) = &file.branding.logo_url
        && !(logo.starts_with("https://") || logo.starts_with('/'))
    {
        bail!("logo_url must be an https:// URL or a path on this site");
    }
    Ok(TenantSpec {
        slug,
        kind: file.kind,
        name: file.name.trim().to_owned(),
        caf_code: file.caf_code,
        departements: sorted_unique(file.departements),
        custom_domains: sorted_unique(custom_domains),
        logo_url: file.branding.logo_url,
        primary_color: parse_color(&file.branding.primary_color).map_err(anyhow::Error::msg)?,
        secondary_color: parse_color(&file.branding.secondary_color).map_err(anyhow::Error::msg)?,
        welcome_text: file.branding.welcome_text.trim().to_owned(),
        status: file.status,
        plan: file.plan.name,
        quotas: file.plan.quotas,
        staff_email_domains: sorted_unique(staff_email_domains),
    })
}

/// Everything the folder declares.
#[derive(Debug)]
pub struct TenantsFolder {
    pub catalogue: Vec<CatalogueEntry>,
    pub tenants: Vec<TenantSpec>,
}

/// Reads and cross-checks the whole folder: exactly one national space, unique slugs and
/// domains, every local module attached to a Caf of the catalogue.
pub fn read_folder(dir: &Path, base_domain: &str) -> anyhow::Result<TenantsFolder> {
    let catalogue_path = dir.join(CATALOGUE_FILE);
    let catalogue: CatalogueFile = toml::from_str(
        &std::fs::read_to_string(&catalogue_path)
            .with_context(|| format!("cannot read {}", catalogue_path.display()))?,
    )
    .with_context(|| format!("invalid {}", catalogue_path.display()))?;
    let codes: BTreeSet<&str> = catalogue.caf.iter().map(|c| c.code.as_str()).collect();
    if codes.len() != catalogue.caf.len() {
        bail!("{} lists a Caf code twice", catalogue_path.display());
    }

    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the tenants folder {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.file_name().is_some_and(|n| n != CATALOGUE_FILE))
        .collect();
    paths.sort();

    let mut tenants = Vec::new();
    let mut domains = BTreeSet::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let spec = parse_tenant_file(&text, base_domain).with_context(|| format!("in {}", path.display()))?;
        if let Some(code) = &spec.caf_code
            && !codes.contains(code.as_str())
        {
            bail!("{}: caf_code {code:?} is not in {CATALOGUE_FILE}", path.display());
        }
        if tenants.iter().any(|t: &TenantSpec| t.slug == spec.slug) {
            bail!("{}: slug {} is declared twice", path.display(), spec.slug);
        }
        for d in &spec.custom_domains {
            if !domains.insert(d.clone()) {
                bail!("{}: custom domain {d} is declared twice", path.display());
            }
        }
        tenants.push(spec);
    }
    let nationals = tenants.iter().filter(|t| t.kind == TenantKind::National).count();
    if nationals != 1 {
        bail!("the tenants folder must declare exactly one national space, found {nationals}");
    }
    Ok(TenantsFolder {
        catalogue: catalogue.caf,
        tenants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"
        slug = "gironde"
        kind = "local"
        name = "Caf de la Gironde"
        caf_code = "33"
        departements = ["33"]
        custom_domains = ["Ecoute.Caf33.FR."]
        staff_email_domains = ["@caf33.caf.fr"]
        [branding]
        primary_color = "#0A5"
        secondary_color = "#112233"
    "##;

    #[test]
    fn parses_and_normalises() {
        let spec = parse_tenant_file(GOOD, "localhost").unwrap();
        assert_eq!(spec.primary_color, "#00aa55");
        assert_eq!(spec.custom_domains, vec!["ecoute.caf33.fr"]);
        assert_eq!(spec.staff_email_domains, vec!["caf33.caf.fr"]);
        assert_eq!(spec.status, TenantStatus::Active);
    }

    #[test]
    fn refuses_bad_files() {
        let under_base = GOOD.replace("Ecoute.Caf33.FR.", "x.localhost");
        assert!(parse_tenant_file(&under_base, "localhost").is_err());
        let bad_colour = GOOD.replace("#0A5", "red");
        assert!(parse_tenant_file(&bad_colour, "localhost").is_err());
        let unknown_key = format!("{GOOD}\nfoo = 1");
        assert!(parse_tenant_file(&unknown_key, "localhost").is_err());
        let www = GOOD.replace("slug = \"gironde\"", "slug = \"www\"");
        assert!(parse_tenant_file(&www, "localhost").is_err());
    }

    #[test]
    fn the_shipped_folder_is_valid() {
        let folder = read_folder(
            &std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
                .join("tenants"),
            "localhost",
        )
        .unwrap();
        assert_eq!(folder.catalogue.len(), 101, "the network has 101 Caf");
        for slug in ["gironde", "haute-garonne", "aude"] {
            assert!(folder.tenants.iter().any(|t| t.slug.as_str() == slug), "{slug} missing");
        }
    }
}
