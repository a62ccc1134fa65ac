//! Storage operations of the import engine. All of them run inside the import's transaction,
//! so that a file is written completely or not at all.

use std::collections::{HashMap, HashSet};

use time::{Date, Month};

use crate::db::{DbError, Tx, Value};
use crate::import::records::Lookups;
use crate::params;

/// The NCBI taxon of imported clinical isolates (*M. tuberculosis*).
const TAXON: i64 = 1773;

/// A sample as a source knows it: its alias in the source's package, and the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRef {
    pub alias_id: i64,
    pub sample_id: i64,
}

/// What makes two phenotypic results the same result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TestKey {
    pub alias_id: i64,
    pub drug_id: i64,
    pub result: String,
    pub method_id: Option<i64>,
    pub medium_id: Option<i64>,
    /// The concentration's bits, so that the key can be hashed.
    pub concentration: Option<u64>,
}

/// Reference names for resolving input rows, keyed case-insensitively where the original
/// matched that way.
pub async fn load_lookups(tx: &mut Tx) -> Result<Lookups, DbError> {
    let mut l = Lookups::default();
    for row in tx
        .query(
            "SELECT drug_id, drug_name, drug_code FROM genphen_drug",
            params![],
        )
        .await?
    {
        let id: i64 = row.get(0)?;
        l.drugs.insert(row.get::<String>(1)?.to_uppercase(), id);
        l.drugs.insert(row.get::<String>(2)?.to_uppercase(), id);
    }
    for row in tx
        .query(
            "SELECT drug_id, drug_name_synonym FROM genphen_drugsynonym",
            params![],
        )
        .await?
    {
        // A code or name wins over a synonym that happens to spell the same.
        l.drugs
            .entry(row.get::<String>(1)?.to_uppercase())
            .or_insert(row.get(0)?);
    }
    for row in tx
        .query(
            "SELECT three_letters_code, two_letters_code FROM genphen_country",
            params![],
        )
        .await?
    {
        let code: String = row.get(0)?;
        l.countries
            .insert(row.get::<String>(1)?.to_uppercase(), code.clone());
        l.countries.insert(code.to_uppercase(), code);
    }
    for row in tx
        .query(
            "SELECT medium_id, medium_name FROM genphen_growthmedium",
            params![],
        )
        .await?
    {
        l.media
            .insert(row.get::<String>(1)?.to_uppercase(), row.get(0)?);
    }
    for row in tx
        .query(
            "SELECT method_id, method_name FROM genphen_pdsassessmentmethod",
            params![],
        )
        .await?
    {
        l.methods
            .insert(row.get::<String>(1)?.to_uppercase(), row.get(0)?);
    }
    for row in tx
        .query(
            "SELECT gene_db_crossref_id, locus_tag, gene_name FROM overview_gene",
            params![],
        )
        .await?
    {
        let id: i64 = row.get(0)?;
        let tag: String = row.get(1)?;
        l.locus_tags.insert(tag.clone(), id);
        l.genes.insert(tag, id);
        if let Some(name) = row.get::<Option<String>>(2)? {
            l.genes.entry(name).or_insert(id);
        }
    }
    Ok(l)
}

/// The package that holds a source's samples, created on first use (accepted, so that its
/// results count).
pub async fn source_package(tx: &mut Tx, source: &str) -> Result<i64, DbError> {
    let name = format!("[SYSTEM] {source}");
    if let Some(row) = tx
        .query_opt(
            "SELECT id FROM submission_package WHERE origin = 'Admin' AND name = $1 AND owner_id IS NULL",
            params![name.as_str()],
        )
        .await?
    {
        return row.get(0);
    }
    let row = tx
        .query_opt(
            "INSERT INTO submission_package (name, description, state, origin, matching_state) \
             VALUES ($1, $2, 'ACCEPTED', 'Admin', 'MATCHED') RETURNING id",
            params![
                name.as_str(),
                format!("Data imported from {source} with tbseq import.")
            ],
        )
        .await?
        .ok_or_else(|| DbError::Decode("package insert returned no id".into()))?;
    let id: i64 = row.get(0)?;
    tx.execute(
        "INSERT INTO submission_packagestats (package_id) VALUES ($1)",
        params![id],
    )
    .await?;
    Ok(id)
}

/// The samples of a source's package, by name.
pub async fn source_samples(
    tx: &mut Tx,
    package_id: i64,
) -> Result<HashMap<String, SampleRef>, DbError> {
    let mut out = HashMap::new();
    for row in tx
        .query(
            "SELECT name, id, sample_id FROM submission_samplealias WHERE package_id = $1 AND sample_id IS NOT NULL",
            params![package_id],
        )
        .await?
    {
        out.insert(
            row.get(0)?,
            SampleRef {
                alias_id: row.get(1)?,
                sample_id: row.get(2)?,
            },
        );
    }
    Ok(out)
}

/// Every sample id (for sources that name samples by tbseq's own id).
pub async fn sample_ids(tx: &mut Tx) -> Result<HashSet<i64>, DbError> {
    tx.query("SELECT id FROM submission_sample", params![])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Creates a sample and its alias in a source's package.
pub async fn create_sample(
    tx: &mut Tx,
    package_id: i64,
    name: &str,
    country: Option<&str>,
    year: Option<i32>,
) -> Result<SampleRef, DbError> {
    let (start, end) = match year {
        Some(y) => (
            Date::from_calendar_date(y, Month::January, 1).ok(),
            Date::from_calendar_date(y + 1, Month::January, 1).ok(),
        ),
        None => (None, None),
    };
    let sample_id: i64 = tx
        .query_opt(
            "INSERT INTO submission_sample (ncbi_taxon_id, package_id, origin, country_id, \
             sampling_date_start, sampling_date_end) VALUES ($1, $2, 'Admin', $3, $4, $5) RETURNING id",
            params![TAXON, package_id, country, start, end],
        )
        .await?
        .ok_or_else(|| DbError::Decode("sample insert returned no id".into()))?
        .get(0)?;
    let alias_id: i64 = tx
        .query_opt(
            "INSERT INTO submission_samplealias (name, package_id, sample_id, origin, origin_label, \
             country_id, sampling_date_start, sampling_date_end) \
             VALUES ($1, $2, $3, 'TBKB', 'Sample name', $4, $5, $6) RETURNING id",
            params![name, package_id, sample_id, country, start, end],
        )
        .await?
        .ok_or_else(|| DbError::Decode("alias insert returned no id".into()))?
        .get(0)?;
    Ok(SampleRef {
        alias_id,
        sample_id,
    })
}

/// The phenotypic results a package already holds.
pub async fn test_keys(tx: &mut Tx, package_id: i64) -> Result<HashSet<TestKey>, DbError> {
    tx.query(
        "SELECT sample_alias_id, drug_id, test_result, method_id, medium_id, concentration \
         FROM submission_pdstest WHERE package_id = $1 AND drug_id IS NOT NULL AND test_result IS NOT NULL",
        params![package_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(TestKey {
            alias_id: r.get(0)?,
            drug_id: r.get(1)?,
            result: r.get(2)?,
            method_id: r.get(3)?,
            medium_id: r.get(4)?,
            concentration: r.get::<Option<f64>>(5)?.map(f64::to_bits),
        })
    })
    .collect()
}

/// Inserts phenotypic results (not staged: imported data counts at once).
pub async fn insert_tests(
    tx: &mut Tx,
    package_id: i64,
    tests: Vec<(SampleRef, TestKey)>,
) -> Result<u64, DbError> {
    let rows = tests
        .into_iter()
        .map(|(sample, key)| {
            vec![
                Value::Int(key.alias_id),
                Value::Int(sample.sample_id),
                Value::Int(key.drug_id),
                Value::Text(key.result),
                key.method_id.into(),
                key.medium_id.into(),
                key.concentration.map(f64::from_bits).into(),
                Value::Bool(false),
                Value::Int(package_id),
            ]
        })
        .collect();
    tx.insert_values(
        "INSERT INTO submission_pdstest (sample_alias_id, sample_id, drug_id, test_result, method_id, \
         medium_id, concentration, staging, package_id)",
        "",
        rows,
    )
    .await
}

/// Variants known by name only (catalogue variants): name → (id, position; 0 when unknown).
pub async fn named_variants(tx: &mut Tx) -> Result<HashMap<String, (i64, i64)>, DbError> {
    let mut out = HashMap::new();
    for row in tx
        .query(
            "SELECT alternative_nucleotide, variant_id, position FROM genphen_variant WHERE reference_nucleotide = ''",
            params![],
        )
        .await?
    {
        out.insert(row.get(0)?, (row.get(1)?, row.get(2)?));
    }
    Ok(out)
}

/// Gives a variant known only by name (position 0) the position a genotype file states.
pub async fn place_variant(tx: &mut Tx, variant_id: i64, position: i64) -> Result<(), DbError> {
    tx.execute(
        "UPDATE genphen_variant SET position = $2 WHERE variant_id = $1 AND position = 0",
        params![variant_id, position],
    )
    .await
    .map(|_| ())
}

/// Variants that already have a per-gene annotation row.
pub async fn annotated_variants(tx: &mut Tx) -> Result<HashSet<i64>, DbError> {
    tx.query(
        "SELECT DISTINCT variant_id FROM genphen_formattedannotationpergene",
        params![],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// Creates a variant known by name: no nucleotides, the name as its alternative allele.
pub async fn create_named_variant(
    tx: &mut Tx,
    chromosome: &str,
    position: i64,
    name: &str,
) -> Result<i64, DbError> {
    tx.query_opt(
        "INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide) \
         VALUES ($1, $2, '', $3) RETURNING variant_id",
        params![chromosome, position, name],
    )
    .await?
    .ok_or_else(|| DbError::Decode("variant insert returned no id".into()))?
    .get(0)
}

/// A variant by its coordinates, created when new.
pub async fn variant_at(
    tx: &mut Tx,
    chromosome: &str,
    position: i64,
    reference: &str,
    alternative: &str,
) -> Result<i64, DbError> {
    let find = "SELECT variant_id FROM genphen_variant WHERE chromosome = $1 AND position = $2 \
                AND reference_nucleotide = $3 AND alternative_nucleotide = $4";
    let args = params![chromosome, position, reference, alternative];
    if let Some(row) = tx.query_opt(find, args.clone()).await? {
        return row.get(0);
    }
    tx.execute(
        "INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        args.clone(),
    )
    .await?;
    tx.query_opt(find, args)
        .await?
        .ok_or_else(|| DbError::Decode("variant not found after insert".into()))?
        .get(0)
}

pub async fn variant_exists(tx: &mut Tx, variant_id: i64) -> Result<bool, DbError> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM genphen_variant WHERE variant_id = $1",
            params![variant_id],
        )
        .await?
        .is_some())
}

/// Annotates a variant in a gene: the annotation (shared by variants with the same change),
/// the variant's link to it, and the per-gene formatted row the statistics read.
pub async fn annotate(
    tx: &mut Tx,
    variant_id: i64,
    gene_id: i64,
    hgvs: &str,
    predicted_effect: &str,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO genphen_annotation (reference_db_crossref_id, hgvs_value, predicted_effect) \
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        params![gene_id, hgvs, predicted_effect],
    )
    .await?;
    tx.execute(
        "INSERT INTO genphen_varianttoannotation (variant_id, annotation_id) \
         SELECT $1, annotation_id FROM genphen_annotation \
         WHERE reference_db_crossref_id = $2 AND hgvs_value = $3 AND predicted_effect = $4 \
         ON CONFLICT DO NOTHING",
        params![variant_id, gene_id, hgvs, predicted_effect],
    )
    .await?;
    let protein = hgvs.starts_with("p.");
    tx.execute(
        "INSERT INTO genphen_formattedannotationpergene (variant_id, gene_db_crossref_id, predicted_effect, \
         nucleotidic_annotation, proteic_annotation) VALUES ($1, $2, $3, $4, $5)",
        params![
            variant_id,
            gene_id,
            predicted_effect,
            if protein { "" } else { hgvs },
            protein.then_some(hgvs)
        ],
    )
    .await?;
    Ok(())
}

/// One genotype call to write.
#[derive(Debug, Clone)]
pub struct Call {
    pub sample_id: i64,
    pub variant_id: i64,
    pub genotyper: String,
    pub quality: Option<f64>,
    pub reference_ad: Option<i64>,
    pub alternative_ad: Option<i64>,
    pub total_dp: Option<i64>,
    pub value: Option<String>,
    pub allele_frequency: Option<f64>,
}

/// Writes genotype calls; a call already recorded for the same sample, variant and
/// genotyper is updated. The caller keeps one call per key in a batch.
pub async fn upsert_calls(tx: &mut Tx, calls: Vec<Call>) -> Result<u64, DbError> {
    let rows = calls
        .into_iter()
        .map(|c| {
            vec![
                Value::Int(c.sample_id),
                Value::Int(c.variant_id),
                Value::Text(c.genotyper),
                c.quality.into(),
                c.reference_ad.into(),
                c.alternative_ad.into(),
                c.total_dp.into(),
                c.value.into(),
                c.allele_frequency.into(),
            ]
        })
        .collect();
    tx.insert_values(
        "INSERT INTO submission_genotype (sample_id, variant_id, genotyper, quality, reference_ad, \
         alternative_ad, total_dp, genotype_value, allele_frequency)",
        "ON CONFLICT (sample_id, variant_id, genotyper) DO UPDATE SET quality = excluded.quality, \
         reference_ad = excluded.reference_ad, alternative_ad = excluded.alternative_ad, \
         total_dp = excluded.total_dp, genotype_value = excluded.genotype_value, \
         allele_frequency = excluded.allele_frequency",
        rows,
    )
    .await
}

/// Records a gene–drug association unless it already exists.
pub async fn ensure_association(
    tx: &mut Tx,
    gene_id: i64,
    drug_id: i64,
    tier: i64,
) -> Result<u64, DbError> {
    tx.execute(
        "INSERT INTO genphen_genedrugresistanceassociation (gene_db_crossref_id, drug_id, tier) \
         SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM genphen_genedrugresistanceassociation \
         WHERE gene_db_crossref_id = $1 AND drug_id = $2 AND tier = $3)",
        params![gene_id, drug_id, tier],
    )
    .await
}

/// Replaces every gene–drug association (the original's `import_gdra` semantics).
pub async fn replace_associations(tx: &mut Tx, rows: Vec<(i64, i64, i64)>) -> Result<u64, DbError> {
    tx.execute(
        "DELETE FROM genphen_genedrugresistanceassociation",
        params![],
    )
    .await?;
    tx.insert_values(
        "INSERT INTO genphen_genedrugresistanceassociation (gene_db_crossref_id, drug_id, tier)",
        "",
        rows.into_iter()
            .map(|(g, d, t)| vec![Value::Int(g), Value::Int(d), Value::Int(t)])
            .collect(),
    )
    .await
}

/// Sets a variant's grade for a drug and catalogue version.
pub async fn upsert_grade(
    tx: &mut Tx,
    variant_id: i64,
    coordinates: Option<(i64, &str, &str)>,
    drug_id: i64,
    grade: i64,
    version: i64,
) -> Result<u64, DbError> {
    let (position, reference, alternative) = match coordinates {
        Some((p, r, a)) => (Some(p), Some(r), Some(a)),
        None => (None, None, None),
    };
    tx.execute(
        "INSERT INTO genphen_variantgrade (variant_id, drug_id, grade, grade_version, position, \
         reference_nucleotide, alternative_nucleotide) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (variant_id, drug_id, grade_version) DO UPDATE SET grade = excluded.grade",
        params![
            variant_id,
            drug_id,
            grade,
            version,
            position,
            reference,
            alternative
        ],
    )
    .await
}

/// Replaces the predictions of the given (sample, drug, version) triples with new rows.
pub async fn replace_genotype_resistance(
    tx: &mut Tx,
    rows: Vec<(i64, i64, i64, String, String)>,
) -> Result<u64, DbError> {
    let keys: Vec<Vec<Value>> = rows
        .iter()
        .map(|(s, d, v, _, _)| params![*s, *d, *v])
        .collect();
    tx.execute_many(
        "DELETE FROM submission_genotyperesistance WHERE sample_id = $1 AND drug_id = $2 AND version = $3",
        keys,
    )
    .await?;
    tx.insert_values(
        "INSERT INTO submission_genotyperesistance (sample_id, drug_id, version, resistance_flag, variant)",
        "",
        rows.into_iter()
            .map(|(s, d, v, f, var)| vec![Value::Int(s), Value::Int(d), Value::Int(v), Value::Text(f), Value::Text(var)])
            .collect(),
    )
    .await
}
