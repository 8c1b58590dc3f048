//! Roles and permissions: who may do what, as pure rules. rapport-app's `policy::authorize` is the
//! one place that applies them to a request; nothing else decides access.
//!
//! Two things must both allow an action: the caller's role in the workspace and, for API tokens,
//! the token's scopes. A browser session carries every scope its role has.

use std::fmt;

/// A built-in role, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, including granting ownership and deleting the workspace.
    Owner,
    /// Everything but granting ownership.
    Admin,
    /// All data actions, including export, import and merge.
    Manager,
    /// Reads and writes records; no export, import or merge.
    Member,
    /// Reads records.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Member,
        Role::Viewer,
    ];

    /// The name used in the API, the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether a member with this role may give `other` to someone (nobody grants above
    /// themselves; only owners make owners).
    pub fn may_grant(self, other: Role) -> bool {
        matches!(self, Role::Owner | Role::Admin) && self <= other
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read (get, list, search, timeline).
    Read,
    /// Create.
    Create,
    /// Update or restore.
    Update,
    /// Delete.
    Delete,
    /// Export in bulk.
    Export,
    /// Import in bulk.
    Import,
    /// Merge two records.
    Merge,
    /// Change workspace-level things (members, roles, settings, other users' tokens).
    Manage,
}

impl Action {
    /// The name used in audit entries and problem details.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Export => "export",
            Action::Import => "import",
            Action::Merge => "merge",
            Action::Manage => "manage",
        }
    }
}

/// What an action is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Records of one object type (`contacts`, `companies`...).
    Records(&'static str),
    /// The workspace's members, roles and invitations.
    Members,
    /// The caller's own API tokens and sessions.
    OwnCredentials,
    /// The audit log.
    Audit,
    /// Workspace settings.
    Settings,
    /// Operational metrics.
    Metrics,
}

impl Resource {
    /// The name used in audit entries and problem details.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Records(object) => object,
            Resource::Members => "members",
            Resource::OwnCredentials => "credentials",
            Resource::Audit => "audit",
            Resource::Settings => "settings",
            Resource::Metrics => "metrics",
        }
    }
}

/// A token scope level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Reading and exporting.
    Read,
    /// Creating, changing, deleting, importing, merging.
    Write,
    /// Workspace administration: members, settings, audit, metrics.
    Admin,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s {
            "read" => Some(Level::Read),
            "write" => Some(Level::Write),
            "admin" => Some(Level::Admin),
            _ => None,
        }
    }
}

/// One granted scope: a level, on every object or on one (`contacts:read`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The level.
    pub level: Level,
    /// The object it is limited to, if any.
    pub object: Option<String>,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.object {
            Some(o) => write!(f, "{o}:{}", self.level.as_str()),
            None => f.write_str(self.level.as_str()),
        }
    }
}

/// The scopes of a credential. Scopes do not imply one another: `write` does not include `read`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Every scope (browser sessions, the system).
    pub fn all() -> Scopes {
        Scopes(
            [Level::Read, Level::Write, Level::Admin]
                .into_iter()
                .map(|level| Scope {
                    level,
                    object: None,
                })
                .collect(),
        )
    }

    /// Parses `read,write,contacts:read`; `objects` are the object names a scope may name.
    pub fn parse(s: &str, objects: &[&str]) -> Result<Scopes, String> {
        let mut out: Vec<Scope> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (object, level) = match part.split_once(':') {
                Some((o, l)) => (Some(o), l),
                None => (None, part),
            };
            let level = Level::parse(level).ok_or_else(|| {
                format!("'{part}': a scope is read, write or admin, optionally as <object>:<level>")
            })?;
            if let Some(o) = object {
                if !objects.contains(&o) {
                    return Err(format!(
                        "'{part}': {o} is not an object; objects: {}",
                        objects.join(", ")
                    ));
                }
                if level == Level::Admin {
                    return Err(format!("'{part}': admin cannot be limited to one object"));
                }
            }
            let scope = Scope {
                level,
                object: object.map(str::to_owned),
            };
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err("at least one scope is needed: read, write or admin".into());
        }
        Ok(Scopes(out))
    }

    /// Whether these scopes allow `level` on `object` (None: a workspace-level resource).
    pub fn allow(&self, level: Level, object: Option<&str>) -> bool {
        self.0.iter().any(|s| {
            s.level == level
                && match (&s.object, object) {
                    (None, _) => true,
                    (Some(mine), Some(wanted)) => mine == wanted,
                    (Some(_), None) => false,
                }
        })
    }

    /// The first of these scopes `holder` does not hold, if any (nobody grants what they lack).
    pub fn beyond<'a>(&'a self, holder: &Scopes) -> Option<&'a Scope> {
        self.0
            .iter()
            .find(|s| !holder.allow(s.level, s.object.as_deref()))
    }

    /// The scopes, in their written form.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

/// Which records of an object a role sees and changes, by their `owner_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordScope {
    /// Records the caller owns.
    Own,
    /// Records owned by the caller or by anyone sharing a team with them.
    Team,
    /// Every record of the workspace.
    All,
}

impl RecordScope {
    /// The name used in role definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordScope::Own => "own",
            RecordScope::Team => "team",
            RecordScope::All => "all",
        }
    }

    /// Parses `own`, `team` or `all`.
    pub fn parse(s: &str) -> Option<RecordScope> {
        [RecordScope::Own, RecordScope::Team, RecordScope::All]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The data actions a custom role may be given per object.
pub const RECORD_ACTIONS: [Action; 7] = [
    Action::Read,
    Action::Create,
    Action::Update,
    Action::Delete,
    Action::Export,
    Action::Import,
    Action::Merge,
];

/// A workspace's own role: per-object actions, whether personal fields are visible, and which
/// records it reaches. It ranks with `member` (admins grant it) and manages nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRole {
    /// Its name, unique in the workspace and never a built-in role's.
    pub name: String,
    /// Object -> allowed actions.
    pub objects: Vec<(String, Vec<Action>)>,
    /// Whether personal fields (a contact's emails, phones, address, notes) are visible.
    pub pii_read: bool,
    /// Which records it reaches.
    pub scope: RecordScope,
}

impl CustomRole {
    /// Whether the role allows `action` on `object`.
    pub fn allows(&self, action: Action, object: &str) -> bool {
        self.objects
            .iter()
            .any(|(o, actions)| o == object && actions.contains(&action))
    }
}

/// Who is asking, as far as permissions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Their role in the workspace (`member` for a custom role: its rank).
    pub role: Role,
    /// The custom role, when their membership names one.
    pub custom: Option<std::sync::Arc<CustomRole>>,
    /// What their credential allows.
    pub scopes: Scopes,
}

impl Principal {
    /// A built-in role's principal.
    pub fn builtin(role: Role, scopes: Scopes) -> Principal {
        Principal {
            role,
            custom: None,
            scopes,
        }
    }

    /// The role's name as members see it.
    pub fn role_name(&self) -> &str {
        match &self.custom {
            Some(c) => &c.name,
            None => self.role.as_str(),
        }
    }

    /// Whether personal fields are visible (every built-in role sees them).
    pub fn pii_read(&self) -> bool {
        self.custom.as_ref().is_none_or(|c| c.pii_read)
    }

    /// Which records the caller reaches (every built-in role reaches all).
    pub fn record_scope(&self) -> RecordScope {
        self.custom.as_ref().map_or(RecordScope::All, |c| c.scope)
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The role does not allow it.
    Role,
    /// The credential's scopes do not allow it.
    Scope(Level),
}

fn role_allows(role: Role, action: Action, resource: Resource) -> bool {
    use Action::*;
    use Role::*;
    match resource {
        Resource::Records(object) => match role {
            Owner | Admin | Manager => true,
            // Shared configuration (pipelines) shapes everyone's work: members only read it.
            Member if crate::schema::CONFIG_OBJECTS.contains(&object) => action == Read,
            Member => matches!(action, Read | Create | Update | Delete),
            Viewer => action == Read,
        },
        // Everyone sees who is in the workspace (to assign owners); only admins change it.
        Resource::Members => action == Read || matches!(role, Owner | Admin),
        Resource::OwnCredentials => true,
        Resource::Audit | Resource::Metrics => matches!(role, Owner | Admin),
        Resource::Settings => action == Read || matches!(role, Owner | Admin),
    }
}

fn level_needed(action: Action, resource: Resource) -> Level {
    match resource {
        Resource::Records(_) => match action {
            Action::Read | Action::Export => Level::Read,
            _ => Level::Write,
        },
        Resource::Members | Resource::Settings if action == Action::Read => Level::Read,
        // A token may list and revoke tokens only with admin scope: a leaked read token must not
        // mint itself siblings.
        Resource::Members
        | Resource::Settings
        | Resource::OwnCredentials
        | Resource::Audit
        | Resource::Metrics => Level::Admin,
    }
}

/// Whether `principal` may do `action` on `resource`.
pub fn check(principal: &Principal, action: Action, resource: Resource) -> Result<(), Denied> {
    let allowed = match (&principal.custom, resource) {
        (Some(custom), Resource::Records(object)) => custom.allows(action, object),
        _ => role_allows(principal.role, action, resource),
    };
    if !allowed {
        return Err(Denied::Role);
    }
    let level = level_needed(action, resource);
    let object = match resource {
        Resource::Records(o) => Some(o),
        _ => None,
    };
    if !principal.scopes.allow(level, object) {
        return Err(Denied::Scope(level));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, scopes: &str) -> Principal {
        Principal {
            custom: None,
            role,
            scopes: Scopes::parse(scopes, &["contacts", "companies"]).unwrap_or_default(),
        }
    }

    #[test]
    fn roles_grade_record_actions() {
        let contacts = Resource::Records("contacts");
        assert!(check(&p(Role::Viewer, "read"), Action::Read, contacts).is_ok());
        assert_eq!(
            check(&p(Role::Viewer, "read,write"), Action::Create, contacts),
            Err(Denied::Role)
        );
        assert!(check(&p(Role::Member, "write"), Action::Delete, contacts).is_ok());
        assert_eq!(
            check(&p(Role::Member, "read"), Action::Export, contacts),
            Err(Denied::Role)
        );
        assert!(check(&p(Role::Manager, "write"), Action::Merge, contacts).is_ok());
        assert_eq!(
            check(&p(Role::Manager, "admin"), Action::Read, Resource::Audit),
            Err(Denied::Role)
        );
        assert!(check(&p(Role::Admin, "admin"), Action::Read, Resource::Audit).is_ok());
    }

    #[test]
    fn exporting_the_audit_log_is_for_owners_and_admins_with_the_admin_scope() {
        for role in [Role::Owner, Role::Admin] {
            assert!(check(&p(role, "admin"), Action::Export, Resource::Audit).is_ok());
            assert_eq!(
                check(&p(role, "read"), Action::Export, Resource::Audit),
                Err(Denied::Scope(Level::Admin))
            );
        }
        for role in [Role::Manager, Role::Member, Role::Viewer] {
            assert_eq!(
                check(
                    &p(role, "read,write,admin"),
                    Action::Export,
                    Resource::Audit
                ),
                Err(Denied::Role)
            );
        }
    }

    #[test]
    fn scopes_limit_what_a_role_allows() {
        let contacts = Resource::Records("contacts");
        let companies = Resource::Records("companies");
        let owner_read = p(Role::Owner, "read");
        assert!(check(&owner_read, Action::Read, contacts).is_ok());
        assert_eq!(
            check(&owner_read, Action::Create, contacts),
            Err(Denied::Scope(Level::Write))
        );
        let per_object = p(Role::Owner, "contacts:read,contacts:write");
        assert!(check(&per_object, Action::Update, contacts).is_ok());
        assert_eq!(
            check(&per_object, Action::Read, companies),
            Err(Denied::Scope(Level::Read))
        );
        assert_eq!(
            check(&per_object, Action::Read, Resource::Members),
            Err(Denied::Scope(Level::Read))
        );
        assert!(check(&p(Role::Owner, "admin"), Action::Manage, Resource::Members).is_ok());
    }

    #[test]
    fn scope_parsing_names_the_bad_part() {
        let objects = ["contacts"];
        assert!(Scopes::parse("read, write", &objects).is_ok());
        assert!(
            Scopes::parse("read,delete", &objects)
                .unwrap_err()
                .contains("'delete'")
        );
        assert!(
            Scopes::parse("deals:read", &objects)
                .unwrap_err()
                .contains("not an object")
        );
        assert!(Scopes::parse("contacts:admin", &objects).is_err());
        assert!(Scopes::parse("", &objects).is_err());
        assert_eq!(
            Scopes::parse("contacts:read,read,read", &objects)
                .map(|s| s.names())
                .unwrap_or_default(),
            vec!["contacts:read".to_owned(), "read".to_owned()]
        );
    }

    #[test]
    fn only_owners_make_owners() {
        assert!(Role::Owner.may_grant(Role::Owner));
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(Role::Admin.may_grant(Role::Admin));
        assert!(Role::Admin.may_grant(Role::Viewer));
        assert!(!Role::Manager.may_grant(Role::Viewer));
    }
}
