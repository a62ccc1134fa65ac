//! What the admin knows about a table: one static description per resource, from which the
//! list, form, delete and audit pages are generated. Pure data: adding a table means adding
//! one `Resource` value, not templates or handlers.
//!
//! SQL fragments here (`expr`, `title`, filter clauses) are static text written by us; they
//! refer to the resource's table as `t`. Request values only ever reach SQL as parameters.

/// Navigation areas, in menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Area {
    Catalogue,
    Submissions,
    Sequencing,
    People,
    System,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::Catalogue,
        Area::Submissions,
        Area::Sequencing,
        Area::People,
        Area::System,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Area::Catalogue => "Catalogue",
            Area::Submissions => "Submissions",
            Area::Sequencing => "Samples & sequencing",
            Area::People => "People",
            Area::System => "System",
        }
    }
}

/// Who may change rows of a resource (everyone signed in as staff may read them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Staff,
    Superuser,
    ReadOnly,
}

/// What deleting a referenced row does to a referencing one (mirrors the schema's
/// `ON DELETE`), for the delete confirmation page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    SetNull,
    /// No `ON DELETE`: the database refuses while such rows exist.
    Protect,
}

/// The type of a column, deciding how a submitted value is parsed and how a stored one is
/// shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    /// Text shown in a text area.
    LongText,
    Int,
    Float,
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    Timestamp,
    /// One of fixed (value, label) pairs.
    Choice(&'static [(&'static str, &'static str)]),
    /// A foreign key to another resource (by slug); `raw`: an id input instead of a
    /// drop-down (for large tables).
    Ref {
        to: &'static str,
        raw: bool,
        on_delete: OnDelete,
    },
    /// A JSON document stored as text.
    Json,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The column name.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub read_only: bool,
    /// An empty optional text is stored as `''` rather than NULL (NOT NULL columns).
    pub empty_text: bool,
    pub max_len: Option<usize>,
}

impl Field {
    pub const fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            name,
            label,
            kind,
            required: false,
            read_only: false,
            empty_text: false,
            max_len: None,
        }
    }
    pub const fn text(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Text)
    }
    pub const fn int(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Int)
    }
    pub const fn float(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Float)
    }
    /// A foreign key to `to`, deleted with its target.
    pub const fn fk(name: &'static str, label: &'static str, to: &'static str) -> Field {
        Field::new(
            name,
            label,
            Kind::Ref {
                to,
                raw: false,
                on_delete: OnDelete::Cascade,
            },
        )
    }
    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub const fn read_only(mut self) -> Field {
        self.read_only = true;
        self
    }
    pub const fn empty_text(mut self) -> Field {
        self.empty_text = true;
        self
    }
    pub const fn max_len(mut self, max: usize) -> Field {
        self.max_len = Some(max);
        self
    }
    /// A foreign key entered as an id (the target table is large).
    pub const fn raw(mut self) -> Field {
        if let Kind::Ref { to, on_delete, .. } = self.kind {
            self.kind = Kind::Ref {
                to,
                raw: true,
                on_delete,
            };
        }
        self
    }
    pub const fn on_delete(mut self, effect: OnDelete) -> Field {
        if let Kind::Ref { to, raw, .. } = self.kind {
            self.kind = Kind::Ref {
                to,
                raw,
                on_delete: effect,
            };
        }
        self
    }
}

/// A list column: a field of the resource (`expr: None`, shown as the field is), or a
/// computed SQL expression over `t`.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub expr: Option<&'static str>,
    /// What `?o=key` sorts by, when not the column itself; `None` with a computed column
    /// and `sortable: false` means it cannot be sorted.
    pub sort: Option<&'static str>,
    pub sortable: bool,
    /// Shown as a link to `href` followed by the value (external references).
    pub href: Option<&'static str>,
}

impl Column {
    pub const fn field(key: &'static str, label: &'static str) -> Column {
        Column {
            key,
            label,
            expr: None,
            sort: None,
            sortable: true,
            href: None,
        }
    }
    pub const fn computed(key: &'static str, label: &'static str, expr: &'static str) -> Column {
        Column {
            key,
            label,
            expr: Some(expr),
            sort: None,
            sortable: true,
            href: None,
        }
    }
    pub const fn sort_by(mut self, expr: &'static str) -> Column {
        self.sort = Some(expr);
        self
    }
    pub const fn unsortable(mut self) -> Column {
        self.sortable = false;
        self
    }
    pub const fn link(mut self, href: &'static str) -> Column {
        self.href = Some(href);
        self
    }
}

/// A search term is compared with each of these, any matching.
#[derive(Debug, Clone, Copy)]
pub enum Search {
    /// Case-insensitive substring of a text expression.
    Contains(&'static str),
    /// Equal to an integer expression, when the term is a number.
    ExactInt(&'static str),
    /// Any row of `table` whose `fk` is this row's key has a `column` containing the term.
    Related {
        table: &'static str,
        fk: &'static str,
        column: &'static str,
    },
}

/// How a filter offers and applies its values.
#[derive(Debug, Clone, Copy)]
pub enum FilterOptions {
    /// Fixed (value, label) pairs compared with `expr`.
    Fixed(&'static [(&'static str, &'static str)]),
    /// The distinct values found in the table.
    Distinct,
    /// Rows of another resource (by slug).
    Ref(&'static str),
    Bool,
    /// (value, label, SQL condition) triples; the entry whose value is `""` applies when the
    /// parameter is absent.
    Clauses(&'static [(&'static str, &'static str, &'static str)]),
    /// `<param>__gte` and `<param>__lte` dates, inclusive.
    DateRange,
}

#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// The query parameter.
    pub param: &'static str,
    pub label: &'static str,
    /// The SQL expression compared (unused by `Clauses`).
    pub expr: &'static str,
    /// How a value is parsed (Text, Int, Bool, Date or Timestamp).
    pub kind: Kind,
    pub options: FilterOptions,
}

/// Rows of another resource shown on a detail page (`fk` = this row's primary key).
#[derive(Debug, Clone, Copy)]
pub struct Inline {
    pub label: &'static str,
    pub resource: &'static str,
    pub fk: &'static str,
}

/// An action on the rows selected in a list (Django's admin actions), always a POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListAction {
    /// The form value naming it; the handlers dispatch on it.
    pub name: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// URL segments: `/admin/<app>/<slug>/`.
    pub app: &'static str,
    pub slug: &'static str,
    pub label: &'static str,
    pub plural: &'static str,
    pub area: Area,
    /// Listed in the navigation and on the dashboard (inline-only resources are not).
    pub in_nav: bool,
    pub table: &'static str,
    pub pk: &'static str,
    /// Int or Text.
    pub pk_kind: Kind,
    /// SQL expression naming a row (Django's `__str__`).
    pub title: &'static str,
    pub columns: &'static [Column],
    pub search: &'static [Search],
    pub filters: &'static [Filter],
    /// A column key, `-` first for descending.
    pub ordering: &'static str,
    pub fields: &'static [Field],
    pub inlines: &'static [Inline],
    /// Actions on selected rows, offered on the list page.
    pub actions: &'static [ListAction],
    pub access: Access,
    pub creatable: bool,
    pub deletable: bool,
}

impl Resource {
    /// A resource with the usual defaults: integer `id` key, editable by staff, no search,
    /// filters or inlines. Definitions override what differs with struct update syntax.
    pub const fn new(
        app: &'static str,
        slug: &'static str,
        label: &'static str,
        plural: &'static str,
        table: &'static str,
    ) -> Resource {
        Resource {
            app,
            slug,
            label,
            plural,
            area: Area::Catalogue,
            in_nav: true,
            table,
            pk: "id",
            pk_kind: Kind::Int,
            title: "CAST(t.id AS TEXT)",
            columns: &[],
            search: &[],
            filters: &[],
            ordering: "id",
            fields: &[],
            inlines: &[],
            actions: &[],
            access: Access::Staff,
            creatable: true,
            deletable: true,
        }
    }

    pub fn path(&self) -> String {
        format!("/admin/{}/{}/", self.app, self.slug)
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn action(&self, name: &str) -> Option<&'static ListAction> {
        self.actions.iter().find(|a| a.name == name)
    }

    pub fn column(&self, key: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.key == key)
    }

    /// Whether `superuser`-ness allows changing rows.
    pub fn editable_by(&self, is_superuser: bool) -> bool {
        match self.access {
            Access::Staff => true,
            Access::Superuser => is_superuser,
            Access::ReadOnly => false,
        }
    }

    /// Fields a form may write: not read-only, and the key only on creation.
    pub fn writable_fields(&self, creating: bool) -> Vec<&'static Field> {
        self.fields
            .iter()
            .filter(|f| !f.read_only && (creating || f.name != self.pk))
            .collect()
    }
}
