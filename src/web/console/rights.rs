//! What an operator may do, decided here and nowhere else.
//!
//! Every console handler states the [`Action`] it performs and asks [`allowed`] with the
//! operator and the space the request is for (its host). A national admin may act in every
//! space; national-only actions (modules, metering, national campaigns) are taken on the
//! national space. Everyone else acts only in the spaces where they hold a role, and only as far
//! as that role goes. The matrix is tested exhaustively below, and through HTTP in
//! `tests/integration/consoles/`.

use super::{Operator, Role};
use crate::tenancy::{Tenant, TenantKind};

/// Declares [`Action`], [`Action::ALL`] and one marker type per action in [`right`], from one
/// list, so that a new action cannot miss its marker or its place in the tested matrix.
macro_rules! actions {
    ($($(#[$doc:meta])* $action:ident,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $action,)*
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$action),*];
        }

        /// One marker type per [`Action`], named like it: `ConsoleOf<right::Moderate>`.
        pub mod right {
            $(
                #[doc = concat!("The right to `", stringify!($action), "` (see [`super::Action`]).")]
                pub struct $action;
                impl super::Right for $action {
                    const ACTION: super::Action = super::Action::$action;
                }
            )*
        }
    };
}

actions! {
    /// Open the console and its read-only pages (dashboard, participants, results).
    View,
    /// Activate, suspend, resume and configure Caf modules; invite their first operator.
    ManageModules,
    /// The metering overview of every module.
    ViewMetering,
    /// Write, schedule and publish campaigns (national ones on the national space).
    ManageCampaigns,
    EditBranding,
    /// Fill in what the space's rules pages cannot know: publication director, address,
    /// contact, data protection officer, host.
    EditRules,
    /// Hide, restore, approve contributions; work the report queue.
    Moderate,
    /// Invite operators, moderators and analysts to the space.
    InviteOperators,
    /// Invite citizens or staff to campaigns, manage the staff list.
    InviteParticipants,
    /// Download contributions and responses.
    Export,
    /// Read the space's audit log.
    ViewAudit,
    /// Run the semantic analysis of a campaign; rename, merge and split its themes; merge
    /// near-duplicates.
    Analyse,
    /// Workshop recruitment: sessions, questionnaire, quotas, the draw, invitations and
    /// attendance (the volunteers' profiles are personal data: not for analysts).
    ManageWorkshops,
}

impl Action {
    /// Taken only on the national space.
    pub fn national_only(self) -> bool {
        matches!(self, Action::ManageModules | Action::ViewMetering)
    }
}

/// Whether `operator` (with their role in `space`, as loaded for this request) may take `action`
/// in `space`.
pub fn allowed(operator: &Operator, space: &Tenant, action: Action) -> bool {
    if action.national_only() && space.kind != TenantKind::National {
        return false;
    }
    if operator.national_admin {
        return true;
    }
    match operator.role {
        None | Some(Role::NationalAdmin) => false,
        Some(Role::LocalOperator) => !action.national_only(),
        Some(Role::Moderator) => matches!(action, Action::View | Action::Moderate),
        Some(Role::Analyst) => matches!(action, Action::View | Action::Export | Action::Analyse),
    }
}

/// A right a console page requires, as a type: [`super::ConsoleOf<R>`] admits only an operator
/// who may take `R::ACTION` in the request's space.
pub trait Right: Send + Sync + 'static {
    const ACTION: Action;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenancy::{Branding, TenantStatus};
    use uuid::Uuid;

    fn space(kind: TenantKind) -> Tenant {
        Tenant {
            id: Uuid::new_v4(),
            slug: "x".into(),
            kind,
            name: "X".into(),
            departements: vec![],
            status: TenantStatus::Active,
            branding: Branding {
                logo_url: None,
                primary_color: "#000000".into(),
                secondary_color: "#ffffff".into(),
                welcome_text: String::new(),
            },
            version: 0,
            staff_email_domains: vec![],
        }
    }

    fn operator(national_admin: bool, role: Option<Role>) -> Operator {
        Operator {
            id: Uuid::new_v4(),
            email: "o@caf.fr".into(),
            name: "O".into(),
            national_admin,
            role,
        }
    }

    /// The whole matrix: role × action × kind of space, against the table written out by hand.
    #[test]
    fn matrix() {
        use Action::*;
        let local_operator = [
            View,
            ManageCampaigns,
            EditBranding,
            EditRules,
            Moderate,
            InviteOperators,
            InviteParticipants,
            Export,
            ViewAudit,
            Analyse,
            ManageWorkshops,
        ];
        let expected = |who: &str, action: Action, national: bool| -> bool {
            match who {
                "national admin" => national || !action.national_only(),
                "local operator" => local_operator.contains(&action),
                "moderator" => matches!(action, View | Moderate),
                "analyst" => matches!(action, View | Export | Analyse),
                _ => false,
            }
        };
        let people = [
            ("national admin", operator(true, None)),
            ("local operator", operator(false, Some(Role::LocalOperator))),
            ("moderator", operator(false, Some(Role::Moderator))),
            ("analyst", operator(false, Some(Role::Analyst))),
            ("no role here", operator(false, None)),
        ];
        let mut checked = 0;
        for (who, person) in &people {
            for national in [true, false] {
                let here = space(if national {
                    TenantKind::National
                } else {
                    TenantKind::Local
                });
                for &action in Action::ALL {
                    assert_eq!(
                        allowed(person, &here, action),
                        expected(who, action, national),
                        "{who} / {action:?} / national space: {national}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 2 * 13);
        // Spot checks of the rules in words.
        assert!(!allowed(&people[1].1, &space(TenantKind::National), ManageModules));
        assert!(allowed(&people[0].1, &space(TenantKind::Local), EditBranding));
        assert!(!allowed(&people[0].1, &space(TenantKind::Local), ManageModules));
        assert!(allowed(&people[3].1, &space(TenantKind::Local), Analyse));
        assert!(!allowed(&people[2].1, &space(TenantKind::Local), Analyse));
    }
}
