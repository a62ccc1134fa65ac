//! Reference data of the catalogue: drugs, countries.

use std::future::Future;

use super::Conditions;
use crate::db::{Db, DbError, Row};
use crate::domain::catalogue::{Country, Drug};
use crate::domain::collate::sort_by_name;
use crate::domain::variants::GeneDrugAssociation;
use crate::params;

pub trait CatalogueStore {
    /// Drugs ordered by name; `associated` keeps only drugs with (`true`) or without
    /// (`false`) a gene–drug resistance association.
    fn drugs(
        &self,
        associated: Option<bool>,
    ) -> impl Future<Output = Result<Vec<Drug>, DbError>> + Send;
    fn drug(
        &self,
        id: i64,
        associated: Option<bool>,
    ) -> impl Future<Output = Result<Option<Drug>, DbError>> + Send;
    /// Gene–drug resistance associations ordered by tier, then gene (then id), with the
    /// gene's name and locus tag; optionally only one drug's or one tier's.
    fn gene_drug_associations(
        &self,
        drug: Option<i64>,
        tier: Option<i64>,
    ) -> impl Future<Output = Result<Vec<GeneDrugAssociation>, DbError>> + Send;
    /// Countries ordered by their usual name.
    fn countries(&self) -> impl Future<Output = Result<Vec<Country>, DbError>> + Send;
    fn country(
        &self,
        three_letters_code: &str,
    ) -> impl Future<Output = Result<Option<Country>, DbError>> + Send;
}

const DRUG_COLUMNS: &str = "SELECT d.drug_id, d.drug_name, d.drug_code FROM genphen_drug d";

fn association_filter(associated: Option<bool>) -> &'static str {
    match associated {
        None => "",
        Some(true) => {
            " AND EXISTS (SELECT 1 FROM genphen_genedrugresistanceassociation a WHERE a.drug_id = d.drug_id)"
        }
        Some(false) => {
            " AND NOT EXISTS (SELECT 1 FROM genphen_genedrugresistanceassociation a WHERE a.drug_id = d.drug_id)"
        }
    }
}

fn drug(row: &Row) -> Result<Drug, DbError> {
    Ok(Drug {
        drug_id: row.get(0)?,
        drug_name: row.get(1)?,
        code: row.get(2)?,
    })
}

const COUNTRY_COLUMNS: &str = "SELECT country_id, two_letters_code, three_letters_code, \
     country_usual_name, country_official_name FROM genphen_country";

fn country(row: &Row) -> Result<Country, DbError> {
    Ok(Country {
        country_id: row.get(0)?,
        two_letters_code: row.get(1)?,
        three_letters_code: row.get(2)?,
        country_usual_name: row.get(3)?,
        country_official_name: row.get(4)?,
    })
}

impl CatalogueStore for Db {
    async fn drugs(&self, associated: Option<bool>) -> Result<Vec<Drug>, DbError> {
        let sql = format!(
            "{DRUG_COLUMNS} WHERE 1 = 1{}",
            association_filter(associated)
        );
        let mut drugs = self
            .query(&sql, params![])
            .await?
            .iter()
            .map(drug)
            .collect::<Result<Vec<_>, _>>()?;
        sort_by_name(&mut drugs, |d| &d.drug_name);
        Ok(drugs)
    }

    async fn drug(&self, id: i64, associated: Option<bool>) -> Result<Option<Drug>, DbError> {
        let sql = format!(
            "{DRUG_COLUMNS} WHERE d.drug_id = $1{}",
            association_filter(associated)
        );
        self.query_opt(&sql, params![id])
            .await?
            .as_ref()
            .map(drug)
            .transpose()
    }

    async fn gene_drug_associations(
        &self,
        drug: Option<i64>,
        tier: Option<i64>,
    ) -> Result<Vec<GeneDrugAssociation>, DbError> {
        let mut c = Conditions::default();
        for (column, value) in [("a.drug_id", drug), ("a.tier", tier)] {
            if let Some(value) = value {
                let p = c.bind(value);
                c.push(format!("{column} = {p}"));
            }
        }
        let sql = format!(
            "SELECT a.drug_id, a.gene_db_crossref_id, g.locus_tag, g.gene_name, a.tier \
             FROM genphen_genedrugresistanceassociation a \
             LEFT JOIN overview_gene g ON g.gene_db_crossref_id = a.gene_db_crossref_id{} \
             ORDER BY a.tier, a.gene_db_crossref_id, a.id",
            c.sql()
        );
        self.query(&sql, c.into_args())
            .await?
            .iter()
            .map(|r| {
                Ok(GeneDrugAssociation {
                    drug_id: r.get(0)?,
                    gene_db_crossref_id: r.get(1)?,
                    locus_tag: r.get(2)?,
                    gene_name: r.get(3)?,
                    tier: r.get(4)?,
                })
            })
            .collect()
    }

    async fn countries(&self) -> Result<Vec<Country>, DbError> {
        let mut countries = self
            .query(
                &format!("{COUNTRY_COLUMNS} ORDER BY country_usual_name"),
                params![],
            )
            .await?
            .iter()
            .map(country)
            .collect::<Result<Vec<_>, _>>()?;
        sort_by_name(&mut countries, |c| &c.country_usual_name);
        Ok(countries)
    }

    async fn country(&self, three_letters_code: &str) -> Result<Option<Country>, DbError> {
        let sql = format!("{COUNTRY_COLUMNS} WHERE three_letters_code = $1");
        self.query_opt(&sql, params![three_letters_code])
            .await?
            .as_ref()
            .map(country)
            .transpose()
    }
}
