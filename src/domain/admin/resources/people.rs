//! Users and the admin's own audit log.

use crate::domain::admin::resource::{
    Access, Area, Column, Field, Filter, FilterOptions, Kind, OnDelete, Resource, Search,
};
use crate::domain::admin::review::REVOKE_TOKENS;

const fn flag(param: &'static str, label: &'static str, expr: &'static str) -> Filter {
    Filter {
        param,
        label,
        expr,
        kind: Kind::Bool,
        options: FilterOptions::Bool,
    }
}

/// Only superusers change accounts (staff could otherwise make themselves superusers).
pub const USER: Resource = Resource {
    area: Area::People,
    title: "t.username",
    columns: &[
        Column::field("username", "Username"),
        Column::field("email", "Email address"),
        Column::field("first_name", "First name"),
        Column::field("last_name", "Last name"),
        Column::field("is_staff", "Staff status"),
        Column::field("date_joined", "Date joined"),
    ],
    search: &[
        Search::Contains("t.username"),
        Search::Contains("t.first_name"),
        Search::Contains("t.last_name"),
        Search::Contains("t.email"),
    ],
    filters: &[
        flag("is_staff", "Staff status", "t.is_staff"),
        flag("is_superuser", "Superuser status", "t.is_superuser"),
        flag("is_active", "Active", "t.is_active"),
        Filter {
            param: "date_joined",
            label: "Date joined",
            expr: "t.date_joined",
            kind: Kind::Timestamp,
            options: FilterOptions::DateRange,
        },
    ],
    ordering: "-date_joined",
    fields: &[
        Field::text("username", "Username").required().max_len(150),
        Field::text("email", "Email address").empty_text(),
        Field::text("first_name", "First name")
            .empty_text()
            .max_len(150),
        Field::text("last_name", "Last name")
            .empty_text()
            .max_len(150),
        Field::new("is_active", "Active", Kind::Bool),
        Field::new("is_staff", "Staff status", Kind::Bool),
        Field::new("is_superuser", "Superuser status", Kind::Bool),
        Field::new("date_joined", "Date joined", Kind::Timestamp).read_only(),
        Field::new("last_login", "Last login", Kind::Timestamp).read_only(),
    ],
    access: Access::Superuser,
    ..Resource::new("identity", "user", "User", "Users", "auth_user")
};

pub const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("create", "Added"),
    ("change", "Changed"),
    ("delete", "Deleted"),
    ("login", "Signed in"),
    ("import", "Imported"),
    ("transition", "Transitioned"),
    ("action", "Ran an action on"),
];

/// Every change made through the admin, and staff sign-ins; written by the admin itself.
pub const AUDIT_LOG: Resource = Resource {
    area: Area::System,
    title: "t.action || ' ' || t.model || ' ' || t.object_repr",
    columns: &[
        Column::field("created_at", "When"),
        Column::field("user_id", "User"),
        Column::field("action", "Action"),
        Column::field("model", "Model"),
        Column::field("object_repr", "Object"),
    ],
    search: &[
        Search::Contains("t.object_repr"),
        Search::Contains("t.object_id"),
    ],
    filters: &[
        Filter {
            param: "user",
            label: "User",
            expr: "t.user_id",
            kind: Kind::Int,
            options: FilterOptions::Ref("user"),
        },
        Filter {
            param: "model",
            label: "Model",
            expr: "t.model",
            kind: Kind::Text,
            options: FilterOptions::Distinct,
        },
        Filter {
            param: "action",
            label: "Action",
            expr: "t.action",
            kind: Kind::Text,
            options: FilterOptions::Fixed(AUDIT_ACTIONS),
        },
        Filter {
            param: "created_at",
            label: "Date",
            expr: "t.created_at",
            kind: Kind::Timestamp,
            options: FilterOptions::DateRange,
        },
    ],
    ordering: "-created_at",
    fields: &[
        Field::new("created_at", "When", Kind::Timestamp).read_only(),
        Field::fk("user_id", "User", "user")
            .read_only()
            .on_delete(OnDelete::SetNull),
        Field::new("action", "Action", Kind::Choice(AUDIT_ACTIONS)).read_only(),
        Field::text("model", "Model").read_only(),
        Field::text("object_id", "Object id").read_only(),
        Field::text("object_repr", "Object").read_only(),
        Field::new("before_json", "Before", Kind::Json).read_only(),
        Field::new("after_json", "After", Kind::Json).read_only(),
    ],
    access: Access::ReadOnly,
    creatable: false,
    deletable: false,
    ..Resource::new(
        "admin",
        "auditlog",
        "Audit log entry",
        "Audit log",
        "admin_auditlog",
    )
};

/// Personal API tokens: who holds them and how they are used. Only a hash of each token is
/// stored, and it is not shown; the one change offered is revoking.
pub const API_TOKEN: Resource = Resource {
    area: Area::System,
    title: "t.name",
    columns: &[
        Column::field("name", "Name"),
        Column::field("user_id", "User"),
        Column::field("created_at", "Created"),
        Column::field("last_used_at", "Last used"),
        Column::field("expires_at", "Expires"),
        Column::field("revoked_at", "Revoked"),
    ],
    search: &[Search::Contains("t.name")],
    filters: &[
        Filter {
            param: "user",
            label: "User",
            expr: "t.user_id",
            kind: Kind::Int,
            options: FilterOptions::Ref("user"),
        },
        Filter {
            param: "status",
            label: "Status",
            expr: "",
            kind: Kind::Text,
            options: FilterOptions::Clauses(&[
                ("", "All", ""),
                ("active", "Active", "t.revoked_at IS NULL"),
                ("revoked", "Revoked", "t.revoked_at IS NOT NULL"),
            ]),
        },
    ],
    ordering: "-created_at",
    fields: &[
        Field::fk("user_id", "User", "user").read_only(),
        Field::text("name", "Name").read_only(),
        Field::new("created_at", "Created", Kind::Timestamp).read_only(),
        Field::new("last_used_at", "Last used", Kind::Timestamp).read_only(),
        Field::new("expires_at", "Expires", Kind::Timestamp).read_only(),
        Field::new("revoked_at", "Revoked", Kind::Timestamp).read_only(),
    ],
    actions: &[REVOKE_TOKENS],
    access: Access::ReadOnly,
    creatable: false,
    deletable: false,
    ..Resource::new(
        "identity",
        "apitoken",
        "API token",
        "API tokens",
        "identity_apitoken",
    )
};
