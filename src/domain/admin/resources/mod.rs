//! Every table the admin shows, one definition each (see [`super::resource`]).

mod catalogue;
mod people;
mod submission;

use super::resource::{Area, Kind, OnDelete, Resource};

pub use people::AUDIT_ACTIONS;
pub use submission::DATA_LOCATIONS;

/// In navigation order within each area.
pub static ALL: &[&Resource] = &[
    &catalogue::DRUG,
    &catalogue::DRUG_SYNONYM,
    &catalogue::GENE_DRUG_ASSOCIATION,
    &catalogue::VARIANT,
    &catalogue::VARIANT_GRADE,
    &catalogue::LINEAGE,
    &catalogue::VARIANT_LINEAGE_ASSOCIATION,
    &catalogue::VARIANT_ADDITIONAL_INFO,
    &catalogue::ANNOTATION,
    &catalogue::PROMOTER_DISTANCE,
    &catalogue::PDS_TEST_CATEGORY,
    &catalogue::ECOFF,
    &catalogue::PLATE_CONCENTRATION,
    &catalogue::GROWTH_MEDIUM,
    &catalogue::ASSESSMENT_METHOD,
    &catalogue::COUNTRY,
    &catalogue::GENE,
    &submission::PACKAGE,
    &submission::PACKAGE_STATS,
    &submission::ATTACHMENT,
    &submission::PACKAGE_SEQUENCING_DATA,
    &submission::MESSAGE,
    &submission::CONTRIBUTOR,
    &submission::SAMPLE,
    &submission::SAMPLE_ALIAS,
    &submission::SEQUENCING_DATA,
    &submission::SEQUENCING_DATA_HASH,
    &submission::PDS_TEST,
    &submission::MIC_TEST,
    &people::USER,
    &people::AUDIT_LOG,
    &people::API_TOKEN,
];

pub fn find(app: &str, slug: &str) -> Option<&'static Resource> {
    ALL.iter().copied().find(|r| r.app == app && r.slug == slug)
}

pub fn by_slug(slug: &str) -> Option<&'static Resource> {
    ALL.iter().copied().find(|r| r.slug == slug)
}

/// Resources listed in the navigation under `area`.
pub fn in_area(area: Area) -> impl Iterator<Item = &'static Resource> {
    ALL.iter()
        .copied()
        .filter(move |r| r.area == area && r.in_nav)
}

/// A resource whose rows point at `target`'s through `field`, and what deleting does to them.
pub struct Dependent {
    pub resource: &'static Resource,
    pub field: &'static str,
    pub effect: OnDelete,
}

/// Every (resource, field) with a foreign key to `target`.
pub fn dependents_of(target: &Resource) -> Vec<Dependent> {
    let mut out = Vec::new();
    for resource in ALL.iter().copied() {
        for field in resource.fields {
            if let Kind::Ref { to, on_delete, .. } = field.kind {
                if to == target.slug {
                    out.push(Dependent {
                        resource,
                        field: field.name,
                        effect: on_delete,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_consistent() {
        for r in ALL {
            assert!(
                find(r.app, r.slug).is_some_and(|f| std::ptr::eq(f, *r)),
                "{} twice",
                r.slug
            );
            for f in r.fields {
                if let Kind::Ref { to, .. } = f.kind {
                    assert!(by_slug(to).is_some(), "{}.{} -> {to}", r.slug, f.name);
                }
            }
            for i in r.inlines {
                let child = by_slug(i.resource).expect("inline resource");
                assert!(
                    child.field(i.fk).is_some(),
                    "{} inline {}",
                    r.slug,
                    i.resource
                );
            }
            let key = r.ordering.trim_start_matches('-');
            assert!(
                r.column(key).is_some() || key == r.pk,
                "{} orders by {key}",
                r.slug
            );
        }
        let drug = find("genphen", "drug").unwrap();
        let slugs: Vec<&str> = dependents_of(drug)
            .iter()
            .map(|d| d.resource.slug)
            .collect();
        assert!(slugs.contains(&"drugsynonym") && slugs.contains(&"variantgrade"));
    }
}
