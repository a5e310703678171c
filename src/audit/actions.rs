//! Every action the audit log records, in one list. [`super::record`] takes an [`AuditAction`],
//! which only this list can make: an action that is not here does not compile, and each one
//! here has a label in both languages (`audit.actions.<code>` in the locales; a test reads
//! them), so the log never shows a raw code to operators.
//!
//! The codes are what older lines hold: a code never changes once lines carry it (a label may).
//! The group, the code's first segment, is the log's "what" filter (`audit.groups.<group>`).

use serde::Serialize;

/// Declares [`AuditAction`]'s constants and [`AuditAction::ALL`] from one list.
macro_rules! audit_actions {
    ($($name:ident = $code:literal,)*) => {
        impl AuditAction {
            $(pub const $name: AuditAction = AuditAction($code);)*

            /// Every action, in the order of the list (the filter's order).
            pub const ALL: &[AuditAction] = &[$(AuditAction::$name),*];
        }
    };
}

/// An action of the audit log: one of the constants of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct AuditAction(&'static str);

audit_actions! {
    CONSOLE_SIGN_IN = "console.sign_in",
    CONSOLE_OPEN_FROM_NATIONAL = "console.open_from_national",
    SECURITY_TOTP_ENABLED = "security.totp_enabled",
    SECURITY_TOTP_DISABLED = "security.totp_disabled",
    MODULES_ACTIVATE = "modules.activate",
    MODULES_INVITE_OPERATOR = "modules.invite_operator",
    MODULES_SUSPEND = "modules.suspend",
    MODULES_RESUME = "modules.resume",
    MODULE_QUOTAS = "module.quotas",
    MODULES_DEFAULT_QUOTAS = "modules.default_quotas",
    BRANDING_UPDATE = "branding.update",
    RULES_UPDATE = "rules.update",
    CAMPAIGN_CREATE = "campaign.create",
    CAMPAIGN_UPDATE = "campaign.update",
    CAMPAIGN_PUBLISH = "campaign.publish",
    CAMPAIGN_WITHDRAW = "campaign.withdraw",
    CAMPAIGN_COVER = "campaign.cover",
    CAMPAIGN_DUPLICATE = "campaign.duplicate",
    CAMPAIGN_DELETE = "campaign.delete",
    CAMPAIGN_VERIFIED_ONLY = "campaign.verified_only",
    SURVEY_ADD_QUESTION = "survey.add_question",
    SURVEY_UPDATE_QUESTION = "survey.update_question",
    SURVEY_MOVE_QUESTION = "survey.move_question",
    SURVEY_REMOVE_QUESTION = "survey.remove_question",
    INVITATIONS_SEND = "invitations.send",
    INVITATIONS_REINVITE = "invitations.reinvite",
    MAIL_RESEND = "mail.renvoyer",
    MAIL_MARK_SENT = "mail.recu",
    MAIL_RESEND_UNCERTAIN = "mail.resend_uncertain",
    MODERATION_HIDE = "moderation.hide",
    MODERATION_RESTORE = "moderation.restore",
    MODERATION_APPROVE = "moderation.approve",
    MODERATION_THEME = "moderation.theme",
    TEAM_INVITE_OPERATOR = "team.invite_operator",
    TEAM_CHANGE_ROLE = "team.change_role",
    TEAM_REMOVE_OPERATOR = "team.remove_operator",
    TEAM_REVOKE_INVITATION = "team.revoke_invitation",
    TEAM_ADD_STAFF = "team.add_staff",
    TEAM_REMOVE_STAFF = "team.remove_staff",
    TEAM_ADD_ORGANISATION = "team.add_organisation",
    TEAM_REMOVE_ORGANISATION = "team.remove_organisation",
    TEAM_SAVE_SIGN_IN_PROVIDER = "team.save_sign_in_provider",
    TEAM_REVOKE_NATIONAL_ADMIN = "team.revoke_national_admin",
    RESULTS_SYNTHESIS = "results.synthesis",
    RESULTS_PUBLISH = "results.publish",
    RESULTS_WITHDRAW = "results.withdraw",
    RESULTS_DECISION = "results.decision",
    RESULTS_NEWS = "results.news",
    ANALYSIS_RUN = "analysis.run",
    ANALYSIS_RENAME = "analysis.renommer",
    ANALYSIS_MERGE = "analysis.fusionner",
    ANALYSIS_SPLIT = "analysis.separer",
    ANALYSIS_DROP = "analysis.ecarter",
    ANALYSIS_RESTORE = "analysis.retablir",
    ANALYSIS_ASSIGN = "analysis.classer",
    ANALYSIS_MERGE_DUPLICATES = "analysis.merge_duplicates",
    ANALYSIS_PROFILES = "analysis.profiles",
    ANALYSIS_PUBLISH = "analysis.publish",
    ANALYSIS_UNPUBLISH = "analysis.unpublish",
    EXPORT_CONTRIBUTIONS = "export.contributions",
    EXPORT_COMMENTS = "export.commentaires",
    EXPORT_RESPONSES = "export.reponses",
    EXPORT_ANALYSIS_THEMES = "export.analyse.themes",
    EXPORT_ANALYSIS_CONTRIBUTIONS = "export.analyse.contributions",
    WORKSHOPS_OPEN = "workshops.open",
    WORKSHOPS_SESSION = "workshops.session",
    WORKSHOPS_SESSION_EDIT = "workshops.session_edit",
    WORKSHOPS_CLOSE = "workshops.close",
    WORKSHOPS_REOPEN = "workshops.reopen",
    WORKSHOPS_QUESTION = "workshops.question",
    WORKSHOPS_QUESTION_REMOVED = "workshops.question_removed",
    WORKSHOPS_DRAW = "workshops.draw",
    WORKSHOPS_INVITE = "workshops.invite",
    WORKSHOPS_ASSIGN = "workshops.assign",
    WORKSHOPS_ATTENDANCE = "workshops.attendance",
    WORKSHOPS_PURGE = "workshops.purge",
    WORKSHOPS_IMPORT = "workshops.import",
    WORKSHOPS_EXPORT = "workshops.export",
    WORKSHOPS_ANSWER = "workshops.answer",
    AUDIT_EXPORT = "audit.export",
}

impl AuditAction {
    /// The code stored in `audit_log.action`.
    pub fn code(self) -> &'static str {
        self.0
    }

    /// The action of a stored code, if it is one of the list.
    pub fn parse(code: &str) -> Option<AuditAction> {
        AuditAction::ALL.iter().copied().find(|a| a.0 == code)
    }

    /// The group it belongs to: the code's first segment (`moderation`).
    pub fn group(self) -> &'static str {
        group_of(self.0)
    }

    /// The locale key of its label.
    pub fn label_key(self) -> String {
        format!("audit.actions.{}", self.0)
    }
}

/// The group of a code: its first segment.
pub fn group_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

/// The groups, in the order of the list, each once.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for action in AuditAction::ALL {
        if !groups.contains(&action.group()) {
            groups.push(action.group());
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::Lang;

    /// Every action, and every group, has a label in both languages: a new action without one
    /// fails here (and one missing from the list does not compile).
    #[test]
    fn every_action_and_group_has_a_label_in_both_languages() {
        let mut missing = Vec::new();
        for lang in [Lang::Fr, Lang::En] {
            for action in AuditAction::ALL {
                let key = action.label_key();
                if lang.text(&key) == key {
                    missing.push(format!("{} {key}", lang.code()));
                }
            }
            for group in groups() {
                let key = format!("audit.groups.{group}");
                if lang.text(&key) == key {
                    missing.push(format!("{} {key}", lang.code()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "labels missing from the locales:\n{}",
            missing.join("\n")
        );
    }

    /// Lines reach the log only through [`super::super::record`] and
    /// [`super::super::record_by_job`], which take an [`AuditAction`]: no SQL elsewhere writes
    /// the table with a code of its own.
    #[test]
    fn no_line_is_written_around_the_list() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let src =
            std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
                .join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        assert!(files.len() > 50, "the walk found the sources");
        let writers: Vec<String> = files
            .iter()
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap().to_lowercase();
                text.contains(&["insert into ", "audit_log"].concat())
            })
            .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
            .collect();
        assert_eq!(writers, ["audit/mod.rs"], "only the audit module writes the log");
    }

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert!(seen.insert(action.code()), "{} listed twice", action.code());
            assert_eq!(AuditAction::parse(action.code()), Some(*action));
        }
        assert_eq!(AuditAction::parse("console.inconnu"), None);
        assert_eq!(AuditAction::MODERATION_HIDE.group(), "moderation");
    }
}
