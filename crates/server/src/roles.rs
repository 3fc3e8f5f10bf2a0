//! Roles per workspace and what each may do: the sets of roles a route accepts, named once here
//! and used by the routes' extractors (`auth::Member<SET>`), the docs and the role-matrix test.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role in one workspace. An administrator of the server is `admin` in every workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in the workspace, including who may do what.
    Admin,
    /// Edit models, run anything, read everything.
    Analyst,
    /// Read results and reports.
    Viewer,
    /// Push imports and evidence only.
    Uploader,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Viewer, Role::Uploader];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
            Role::Uploader => "uploader",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text)
    }

    /// The role's bit in a set.
    pub const fn bit(self) -> u8 {
        match self {
            Role::Admin => 1,
            Role::Analyst => 2,
            Role::Viewer => 4,
            Role::Uploader => 8,
        }
    }
}

/// Whether `role` is in the set `allowed` (an OR of [`Role::bit`]s).
pub fn allows(allowed: u8, role: Role) -> bool {
    allowed & role.bit() != 0
}

/// The roles of a set, for messages.
pub fn names(allowed: u8) -> String {
    Role::ALL.into_iter().filter(|r| allows(allowed, *r)).map(Role::name).collect::<Vec<_>>().join(", ")
}

/// Change who may do what in the workspace.
pub const MANAGE: u8 = Role::Admin.bit();
/// Upload model versions, read their files, run and cancel jobs.
pub const EDIT: u8 = Role::Admin.bit() | Role::Analyst.bit();
/// Read the workspace's model versions, uploads, jobs and results.
pub const READ: u8 = Role::Admin.bit() | Role::Analyst.bit() | Role::Viewer.bit();
/// Push imports and evidence.
pub const PUSH: u8 = Role::Admin.bit() | Role::Analyst.bit() | Role::Uploader.bit();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bits_are_distinct() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.name()), Some(r));
        }
        let bits: u8 = Role::ALL.iter().map(|r| r.bit()).sum();
        assert_eq!(bits, 15);
        assert_eq!(names(PUSH), "admin, analyst, uploader");
    }
}
