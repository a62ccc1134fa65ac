//! Reference data of the catalogue, in the shape the API serves it.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Drug {
    pub drug_id: i64,
    pub drug_name: String,
    /// The preferred code (`drug_code` in the database).
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Country {
    pub country_id: i64,
    pub two_letters_code: String,
    pub three_letters_code: String,
    pub country_usual_name: String,
    pub country_official_name: Option<String>,
}

/// A gene of the reference genome, as the gene list and search serve it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gene {
    pub gene_name: Option<String>,
    pub gene_db_crossref_id: i64,
    pub locus_tag: Option<String>,
    pub ncbi_id: Option<String>,
    pub gene_description: Option<String>,
    /// The protein accession (the original's column name, kept).
    pub gene_type: Option<String>,
    pub start_pos: i64,
    pub strand: i64,
    pub end_pos: i64,
    pub protein_length: Option<i64>,
}

/// A row of the gene search history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneSearch {
    pub counter: i64,
    pub gene_name: Option<String>,
    pub gene_db_crossref_id: i64,
    pub locus_tag: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` in UTC, as the original serves it.
    pub date: String,
}

/// Splits a search string into terms on white space and commas; a quoted phrase stays one
/// term (as Django REST framework's search filter does).
pub fn search_terms(search: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in search.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                if !quoted && !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            c if !quoted && (c.is_whitespace() || c == ',') => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms
}

/// Whether a gene matches every search term: each term is a case-insensitive substring of
/// the gene name, the locus tag or the NCBI id.
pub fn gene_matches(gene: &Gene, terms: &[String]) -> bool {
    let fields = [&gene.gene_name, &gene.locus_tag, &gene.ncbi_id];
    terms.iter().all(|term| {
        let term = term.to_lowercase();
        fields.iter().any(|f| {
            f.as_deref()
                .is_some_and(|v| v.to_lowercase().contains(&term))
        })
    })
}

/// The search history's date format: `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn history_date(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn search_terms_split_on_space_and_comma_but_not_in_quotes() {
        assert_eq!(
            search_terms("rpoB, katG  inhA"),
            vec!["rpoB", "katG", "inhA"]
        );
        assert_eq!(search_terms("\"rv 0001\" dna"), vec!["rv 0001", "dna"]);
        assert!(search_terms(" , ").is_empty());
    }
}
