//! Genes of the reference genome: list, search, region, detail, and the search history.

use std::future::Future;

use time::OffsetDateTime;

use crate::db::{Db, DbError, Row};
use crate::domain::catalogue::{Gene, GeneSearch};
use crate::params;

/// How to order the search history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryOrder {
    MostSearched,
    MostRecent,
}

pub trait GeneStore {
    /// Every gene of the reference, ordered by cross-reference id (searched in memory by the
    /// API: a few thousand rows).
    fn all_genes(&self) -> impl Future<Output = Result<Vec<Gene>, DbError>> + Send;
    /// Distinct names of the drugs a gene is associated with, sorted.
    fn gene_drug_names(&self, id: i64)
        -> impl Future<Output = Result<Vec<String>, DbError>> + Send;
    /// Genes overlapping `[start, end]`, by start position.
    fn genes_in_region(
        &self,
        start: i64,
        end: i64,
    ) -> impl Future<Output = Result<Vec<Gene>, DbError>> + Send;
    /// Counts one more search for a gene, atomically.
    fn record_gene_search(
        &self,
        id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn gene_search_history(
        &self,
        order: HistoryOrder,
        limit: u64,
    ) -> impl Future<Output = Result<Vec<GeneSearch>, DbError>> + Send;
}

const GENE_COLUMNS: &str =
    "SELECT gene_name, gene_db_crossref_id, locus_tag, ncbi_id, gene_description, \
     gene_type, start_pos, strand, end_pos, protein_length FROM overview_gene";

fn gene(row: &Row) -> Result<Gene, DbError> {
    Ok(Gene {
        gene_name: row.get(0)?,
        gene_db_crossref_id: row.get(1)?,
        locus_tag: row.get(2)?,
        ncbi_id: row.get(3)?,
        gene_description: row.get(4)?,
        gene_type: row.get(5)?,
        start_pos: row.get(6)?,
        strand: row.get(7)?,
        end_pos: row.get(8)?,
        protein_length: row.get(9)?,
    })
}

impl GeneStore for Db {
    async fn all_genes(&self) -> Result<Vec<Gene>, DbError> {
        let sql = format!("{GENE_COLUMNS} ORDER BY gene_db_crossref_id");
        self.query(&sql, params![])
            .await?
            .iter()
            .map(gene)
            .collect()
    }

    async fn gene_drug_names(&self, id: i64) -> Result<Vec<String>, DbError> {
        self.query(
            "SELECT DISTINCT d.drug_name FROM genphen_genedrugresistanceassociation a \
             JOIN genphen_drug d ON d.drug_id = a.drug_id WHERE a.gene_db_crossref_id = $1 \
             ORDER BY d.drug_name",
            params![id],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect()
    }

    async fn genes_in_region(&self, start: i64, end: i64) -> Result<Vec<Gene>, DbError> {
        // The original's three-way condition, which for start <= end means "overlaps".
        let sql = format!(
            "{GENE_COLUMNS} WHERE (start_pos <= $2 AND end_pos >= $2) OR (end_pos >= $1 AND start_pos <= $1) \
             OR (start_pos >= $1 AND end_pos <= $2) ORDER BY start_pos, gene_db_crossref_id"
        );
        self.query(&sql, params![start, end])
            .await?
            .iter()
            .map(gene)
            .collect()
    }

    async fn record_gene_search(&self, id: i64, at: OffsetDateTime) -> Result<(), DbError> {
        self.execute(
            "INSERT INTO overview_genesearchhistory (gene_db_crossref_id, counter, date) VALUES ($1, 1, $2) \
             ON CONFLICT (gene_db_crossref_id) DO UPDATE \
             SET counter = overview_genesearchhistory.counter + 1, date = excluded.date",
            params![id, at],
        )
        .await
        .map(|_| ())
    }

    async fn gene_search_history(
        &self,
        order: HistoryOrder,
        limit: u64,
    ) -> Result<Vec<GeneSearch>, DbError> {
        let order_by = match order {
            HistoryOrder::MostSearched => "h.counter DESC, h.date DESC",
            HistoryOrder::MostRecent => "h.date DESC, h.counter DESC",
        };
        let sql = format!(
            "SELECT h.counter, g.gene_name, h.gene_db_crossref_id, g.locus_tag, h.date \
             FROM overview_genesearchhistory h JOIN overview_gene g ON g.gene_db_crossref_id = h.gene_db_crossref_id \
             ORDER BY {order_by}, h.gene_db_crossref_id LIMIT $1"
        );
        self.query(&sql, params![limit as i64])
            .await?
            .iter()
            .map(|r| {
                let date: OffsetDateTime = r.get(4)?;
                Ok(GeneSearch {
                    counter: r.get(0)?,
                    gene_name: r.get(1)?,
                    gene_db_crossref_id: r.get(2)?,
                    locus_tag: r.get(3)?,
                    date: crate::domain::catalogue::history_date(date),
                })
            })
            .collect()
    }
}
