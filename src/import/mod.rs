//! The import engine behind `tbseq import …` (and, later, the import API): phenotypes,
//! genotypes, gene–drug associations, variant grades and genotype resistance.
//!
//! Each file is streamed (bounded memory), checked row by row and written in batches inside
//! one transaction: all of it or nothing. A file with bad rows is rejected with every problem
//! named as `file:line: reason`. Importing the same file twice changes nothing the second time.

pub mod records;
mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::db::repo::import::{self as store, Call, SampleRef, TestKey};
use crate::db::seed::CHROMOSOME;
use crate::db::{Db, DbError, Tx};
use records::{Genotype, Lookups, RowError, VariantRef};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Phenotypes,
    Genotypes,
    Associations,
    Grades,
    GenotypeResistance,
}

/// Where imported samples live when a file names them by its own sample names.
pub const CATALOGUE_SOURCE: &str = "WHO catalogue 2023";
const DEFAULT_SOURCE: &str = "Imported data";
/// The genotyper recorded for catalogue calls.
pub const CATALOGUE_GENOTYPER: &str = "who-catalogue-2023";

#[derive(Debug, Clone)]
pub struct Options {
    /// The source that names the samples; by default the catalogue (for catalogue files) or
    /// "Imported data". Pipeline genotype and genotype-resistance files name samples by
    /// tbseq's sample id unless a source is given.
    pub source: Option<String>,
    /// The drug of a catalogue phenotype file, when its name is not the drug's.
    pub drug: Option<String>,
    /// The catalogue version of grades without a `grade_version` column.
    pub grade_version: i64,
    /// Show a progress line on a terminal.
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            source: None,
            drug: None,
            grade_version: 2,
            progress: false,
        }
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub rows: u64,
    /// Rows written, by kind (`samples`, `tests`, `variants`, `calls`, …).
    pub written: BTreeMap<&'static str, u64>,
    pub warnings: Vec<String>,
}

impl Report {
    fn add(&mut self, what: &'static str, n: u64) {
        *self.written.entry(what).or_default() += n;
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} rows", self.file, self.rows)?;
        for (what, n) in &self.written {
            write!(f, ", {n} {what}")?;
        }
        for w in &self.warnings {
            write!(f, "\n  warning: {w}")?;
        }
        Ok(())
    }
}

/// At most this many row errors are listed.
const MAX_ERRORS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{}", rejected(.file, .errors, *.more))]
    Rejected {
        file: String,
        errors: Vec<RowError>,
        more: u64,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

fn rejected(file: &str, errors: &[RowError], more: u64) -> String {
    let mut text = format!("{file} was not imported; nothing was written:");
    for e in errors {
        text.push_str(&format!("\n{file}:{e}"));
    }
    if more > 0 {
        text.push_str(&format!("\n… and {more} more"));
    }
    text
}

/// Row errors of one file.
#[derive(Default)]
struct Errors {
    list: Vec<RowError>,
    more: u64,
}

impl Errors {
    fn push(&mut self, e: RowError) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(e);
        } else {
            self.more += 1;
        }
    }

    fn any(&self) -> bool {
        !self.list.is_empty()
    }

    fn full(&self) -> bool {
        self.list.len() >= MAX_ERRORS
    }
}

/// The state of one file's import.
struct Job<'a> {
    file: String,
    name: String,
    options: &'a Options,
    tx: Tx,
    lookups: Lookups,
    errors: Errors,
    report: Report,
}

impl Job<'_> {
    fn fail(&mut self, line: u64, reason: impl Into<String>) {
        self.errors.push(RowError {
            line,
            reason: reason.into(),
        });
    }

    fn finish_rejected(self) -> ImportError {
        self.errors.into_rejected(&self.file)
    }
}

/// Imports one file.
pub async fn import_file(
    db: &Db,
    kind: Kind,
    path: &Path,
    options: &Options,
) -> Result<Report, ImportError> {
    let file = path.display().to_string();
    let unreadable = |reason: String| ImportError::Unreadable {
        file: file.clone(),
        reason,
    };
    let mut rows = source::open(path, options.progress).map_err(|e| unreadable(e.to_string()))?;
    let mut tx = db.begin().await?;
    let lookups = store::load_lookups(&mut tx).await?;
    let mut job = Job {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        report: Report {
            file: file.clone(),
            ..Report::default()
        },
        file,
        options,
        tx,
        lookups,
        errors: Errors::default(),
    };
    let mut all = Vec::new();
    // Phenotype and genotype files are large: they are written batch by batch. The other
    // kinds are small and replace data as a whole, so they are read first (header included).
    let mut writer: Option<Writer> = None;
    let mut first_batch = true;
    while let Some(batch) = rows.next().await {
        let batch = match batch {
            Ok(b) => b,
            Err(reason) => {
                return Err(ImportError::Unreadable {
                    file: job.file,
                    reason,
                })
            }
        };
        job.report.rows += batch.len() as u64;
        let mut batch = batch.into_iter().peekable();
        if std::mem::take(&mut first_batch) && matches!(kind, Kind::Phenotypes | Kind::Genotypes) {
            if let Some((_, header)) = batch.peek() {
                let header = header.clone();
                let fields = strs(&header);
                let w = if kind == Kind::Phenotypes {
                    Writer::Phenotypes(PhenotypeWriter::start(&mut job, &fields).await?)
                } else {
                    Writer::Genotypes(GenotypeWriter::start(&mut job, &fields).await?)
                };
                if w.has_header() {
                    batch.next();
                    job.report.rows -= 1;
                }
                writer = Some(w);
            }
        }
        match writer.as_mut() {
            Some(w) => w.write(&mut job, batch.collect()).await?,
            None => all.extend(batch),
        }
        if job.errors.full() {
            break;
        }
    }
    if first_batch {
        job.fail(1, "the file is empty");
    }
    match (kind, writer) {
        (_, Some(mut w)) => w.finish(&mut job).await?,
        (Kind::Associations, None) => associations(&mut job, all).await?,
        (Kind::Grades, None) => grades(&mut job, all).await?,
        (Kind::GenotypeResistance, None) => genotype_resistance(&mut job, all).await?,
        _ => {}
    }
    if job.errors.any() {
        return Err(job.finish_rejected());
    }
    job.tx.commit().await?;
    Ok(job.report)
}

/// A writer for one of the large formats, fed batch by batch.
enum Writer {
    Phenotypes(PhenotypeWriter),
    Genotypes(GenotypeWriter),
}

impl Writer {
    fn has_header(&self) -> bool {
        match self {
            Writer::Phenotypes(_) => true,
            Writer::Genotypes(w) => matches!(w.format, GenotypeFormat::Catalogue { .. }),
        }
    }

    async fn write(
        &mut self,
        job: &mut Job<'_>,
        rows: Vec<source::RawRow>,
    ) -> Result<(), ImportError> {
        match self {
            Writer::Phenotypes(w) => w.write(job, rows).await,
            Writer::Genotypes(w) => w.write(job, rows).await,
        }
    }

    async fn finish(&mut self, job: &mut Job<'_>) -> Result<(), ImportError> {
        match self {
            Writer::Phenotypes(w) => w.flush(job).await.map_err(Into::into),
            Writer::Genotypes(w) => w.finish(job).await,
        }
    }
}

fn strs(fields: &[String]) -> Vec<&str> {
    fields.iter().map(String::as_str).collect()
}

fn header_is(fields: &[&str], expected: &[&str]) -> bool {
    fields.len() == expected.len()
        && fields.iter().zip(expected).all(|(f, e)| {
            f.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(e)
        })
}

/// The samples a source names, created on first sight.
struct Samples {
    package_id: i64,
    known: HashMap<String, SampleRef>,
}

impl Samples {
    async fn open(job: &mut Job<'_>, source: &str) -> Result<Samples, DbError> {
        let package_id = store::source_package(&mut job.tx, source).await?;
        let known = store::source_samples(&mut job.tx, package_id).await?;
        Ok(Samples { package_id, known })
    }

    async fn get_or_create(
        &mut self,
        job: &mut Job<'_>,
        name: &str,
        country: Option<&str>,
        year: Option<i32>,
    ) -> Result<SampleRef, DbError> {
        if let Some(s) = self.known.get(name) {
            return Ok(*s);
        }
        let created =
            store::create_sample(&mut job.tx, self.package_id, name, country, year).await?;
        job.report.add("samples", 1);
        self.known.insert(name.to_string(), created);
        Ok(created)
    }
}

enum PhenotypeFormat {
    Catalogue { drug_id: i64 },
    Generic(records::GenericPhenotypeColumns),
}

struct PhenotypeWriter {
    format: PhenotypeFormat,
    samples: Samples,
    existing: HashSet<TestKey>,
    pending: Vec<(SampleRef, TestKey)>,
}

impl PhenotypeWriter {
    async fn start(job: &mut Job<'_>, header: &[&str]) -> Result<Self, ImportError> {
        let (format, default_source) = if header_is(header, records::CATALOGUE_PHENOTYPE_HEADER) {
            let drug = job
                .options
                .drug
                .clone()
                .unwrap_or_else(|| job.name.split('.').next().unwrap_or_default().to_string());
            let Some(drug_id) = job.lookups.drug(&drug) else {
                job.fail(
                    1,
                    format!("no drug named {drug:?} (name the drug with --drug)"),
                );
                return Err(std::mem::take(&mut job.errors).into_rejected(&job.file));
            };
            (PhenotypeFormat::Catalogue { drug_id }, CATALOGUE_SOURCE)
        } else {
            match records::GenericPhenotypeColumns::from_header(header) {
                Ok(columns) => (PhenotypeFormat::Generic(columns), DEFAULT_SOURCE),
                Err(e) => {
                    job.errors.push(e);
                    return Err(std::mem::take(&mut job.errors).into_rejected(&job.file));
                }
            }
        };
        let source = job
            .options
            .source
            .clone()
            .unwrap_or_else(|| default_source.into());
        let samples = Samples::open(job, &source).await?;
        let existing = store::test_keys(&mut job.tx, samples.package_id).await?;
        Ok(PhenotypeWriter {
            format,
            samples,
            existing,
            pending: Vec::new(),
        })
    }

    async fn flush(&mut self, job: &mut Job<'_>) -> Result<(), DbError> {
        if !self.pending.is_empty() && !job.errors.any() {
            let n = store::insert_tests(
                &mut job.tx,
                self.samples.package_id,
                std::mem::take(&mut self.pending),
            )
            .await?;
            job.report.add("tests", n);
        }
        Ok(())
    }
}

impl Errors {
    fn into_rejected(self, file: &str) -> ImportError {
        ImportError::Rejected {
            file: file.to_string(),
            errors: self.list,
            more: self.more,
        }
    }
}

impl PhenotypeWriter {
    async fn write(
        &mut self,
        job: &mut Job<'_>,
        rows: Vec<source::RawRow>,
    ) -> Result<(), ImportError> {
        for (line, fields) in rows {
            let fields = strs(&fields);
            let parsed = match &self.format {
                PhenotypeFormat::Catalogue { drug_id } => {
                    records::catalogue_phenotype(&fields, *drug_id, line)
                }
                PhenotypeFormat::Generic(columns) => columns.parse(&fields, &job.lookups, line),
            };
            let p = match parsed {
                Ok(p) => p,
                Err(e) => {
                    job.errors.push(e);
                    continue;
                }
            };
            if job.errors.any() {
                continue;
            }
            let sample = self
                .samples
                .get_or_create(job, &p.sample, p.country.as_deref(), p.sampling_year)
                .await?;
            let key = TestKey {
                alias_id: sample.alias_id,
                drug_id: p.drug_id,
                result: p.result.to_string(),
                method_id: p.method_id,
                medium_id: p.medium_id,
                concentration: p.concentration.map(f64::to_bits),
            };
            if self.existing.insert(key.clone()) {
                self.pending.push((sample, key));
            }
        }
        self.flush(job).await?;
        Ok(())
    }
}

enum GenotypeFormat {
    Catalogue {
        association: Option<(i64, i64)>,
        samples: Samples,
        genes: HashSet<i64>,
    },
    Pipeline {
        samples: SampleNames,
        variants: HashMap<(String, i64, String, String), i64>,
        checked: HashSet<i64>,
    },
}

struct GenotypeWriter {
    format: GenotypeFormat,
    named: HashMap<String, (i64, i64)>,
    annotated: HashSet<i64>,
    seen: HashSet<(i64, i64, String)>,
    pending: Vec<Call>,
}

/// How a file names its samples: tbseq's own ids, or names in a source.
enum SampleNames {
    Ids(HashSet<i64>),
    Source(Samples),
}

impl SampleNames {
    async fn open(job: &mut Job<'_>) -> Result<SampleNames, DbError> {
        Ok(match job.options.source.clone() {
            Some(source) => SampleNames::Source(Samples::open(job, &source).await?),
            None => SampleNames::Ids(store::sample_ids(&mut job.tx).await?),
        })
    }

    fn resolve(&self, name: &str) -> Result<i64, String> {
        match self {
            SampleNames::Ids(ids) => match name.parse::<i64>() {
                Ok(id) if ids.contains(&id) => Ok(id),
                _ => Err(format!(
                    "no sample with id {name:?} (name the source with --source to use sample names)"
                )),
            },
            SampleNames::Source(samples) => samples
                .known
                .get(name)
                .map(|s| s.sample_id)
                .ok_or_else(|| format!("no sample named {name:?} in this source")),
        }
    }
}

impl GenotypeWriter {
    async fn start(job: &mut Job<'_>, header: &[&str]) -> Result<Self, ImportError> {
        let format = if header_is(header, records::CATALOGUE_GENOTYPE_HEADER) {
            let association = match records::catalogue_genotype_file(&job.name) {
                Some((drug, tier)) => match job.lookups.drug(&drug) {
                    Some(drug_id) => Some((drug_id, tier)),
                    None => {
                        job.report.warnings.push(format!(
                            "no drug named {drug:?}: no gene–drug association recorded"
                        ));
                        None
                    }
                },
                None => None,
            };
            let source = job
                .options
                .source
                .clone()
                .unwrap_or_else(|| CATALOGUE_SOURCE.into());
            GenotypeFormat::Catalogue {
                association,
                samples: Samples::open(job, &source).await?,
                genes: HashSet::new(),
            }
        } else if header.len() == 12 {
            GenotypeFormat::Pipeline {
                samples: SampleNames::open(job).await?,
                variants: HashMap::new(),
                checked: HashSet::new(),
            }
        } else {
            job.fail(
                1,
                "not a genotype file: expected the WHO catalogue header (sample_id,resolved_symbol,…) \
                 or the pipeline's 12 columns without a header",
            );
            return Err(std::mem::take(&mut job.errors).into_rejected(&job.file));
        };
        Ok(GenotypeWriter {
            format,
            named: store::named_variants(&mut job.tx).await?,
            annotated: store::annotated_variants(&mut job.tx).await?,
            seen: HashSet::new(),
            pending: Vec::new(),
        })
    }

    /// The id of a catalogue variant, created and annotated when new.
    async fn named_variant(
        &mut self,
        job: &mut Job<'_>,
        gene_id: i64,
        gene: &str,
        hgvs: &str,
        effect: &str,
        position: i64,
    ) -> Result<i64, DbError> {
        let name = format!("{gene}_{hgvs}");
        let id = match self.named.get_mut(&name) {
            Some((id, known)) => {
                // Known by name only so far (graded before it was observed).
                if *known == 0 {
                    store::place_variant(&mut job.tx, *id, position).await?;
                    *known = position;
                }
                *id
            }
            None => {
                let id =
                    store::create_named_variant(&mut job.tx, CHROMOSOME, position, &name).await?;
                job.report.add("variants", 1);
                self.named.insert(name, (id, position));
                id
            }
        };
        if self.annotated.insert(id) {
            store::annotate(&mut job.tx, id, gene_id, hgvs, effect).await?;
        }
        Ok(id)
    }

    async fn flush(&mut self, job: &mut Job<'_>) -> Result<(), DbError> {
        if !self.pending.is_empty() && !job.errors.any() {
            let n = store::upsert_calls(&mut job.tx, std::mem::take(&mut self.pending)).await?;
            job.report.add("calls", n);
        }
        Ok(())
    }
}

impl GenotypeWriter {
    async fn write(
        &mut self,
        job: &mut Job<'_>,
        rows: Vec<source::RawRow>,
    ) -> Result<(), ImportError> {
        for (line, fields) in rows {
            let fields = strs(&fields);
            let parsed = match &self.format {
                GenotypeFormat::Catalogue { .. } => {
                    records::catalogue_genotype(&fields, &job.lookups, line)
                }
                GenotypeFormat::Pipeline { .. } => {
                    records::pipeline_genotype(&fields, line).map(Some)
                }
            };
            let genotype = match parsed {
                Ok(Some(g)) => g,
                Ok(None) => {
                    // Genotyped in this gene, carrying nothing: the sample still exists.
                    job.report.add("rows without a variant", 1);
                    if let GenotypeFormat::Catalogue { samples, .. } = &mut self.format {
                        if !job.errors.any() {
                            samples
                                .get_or_create(job, fields[0].trim(), None, None)
                                .await?;
                        }
                    }
                    continue;
                }
                Err(e) => {
                    job.errors.push(e);
                    continue;
                }
            };
            if job.errors.any() {
                continue;
            }
            let call = match genotype {
                Genotype::Catalogue {
                    sample,
                    gene_id,
                    gene,
                    hgvs,
                    predicted_effect,
                    allele_frequency,
                    position,
                } => {
                    let GenotypeFormat::Catalogue { samples, genes, .. } = &mut self.format else {
                        unreachable!("catalogue rows come from catalogue files")
                    };
                    genes.insert(gene_id);
                    let sample = samples.get_or_create(job, &sample, None, None).await?;
                    let variant_id = self
                        .named_variant(job, gene_id, &gene, &hgvs, &predicted_effect, position)
                        .await?;
                    Call {
                        sample_id: sample.sample_id,
                        variant_id,
                        genotyper: CATALOGUE_GENOTYPER.into(),
                        quality: None,
                        reference_ad: None,
                        alternative_ad: None,
                        total_dp: None,
                        value: None,
                        allele_frequency: Some(allele_frequency),
                    }
                }
                Genotype::Pipeline {
                    genotyper,
                    sample,
                    chromosome,
                    position,
                    variant_id,
                    reference,
                    alternative,
                    quality,
                    reference_ad,
                    alternative_ad,
                    total_dp,
                    value,
                } => {
                    let GenotypeFormat::Pipeline {
                        samples,
                        variants,
                        checked,
                    } = &mut self.format
                    else {
                        unreachable!("pipeline rows come from pipeline files")
                    };
                    let sample_id = match samples.resolve(&sample) {
                        Ok(id) => id,
                        Err(reason) => {
                            job.fail(line, reason);
                            continue;
                        }
                    };
                    let variant_id = match variant_id {
                        Some(id) => {
                            if !checked.contains(&id)
                                && !store::variant_exists(&mut job.tx, id).await?
                            {
                                job.fail(line, format!("no variant with id {id}"));
                                continue;
                            }
                            checked.insert(id);
                            id
                        }
                        None => {
                            let key = (chromosome, position, reference, alternative);
                            match variants.get(&key) {
                                Some(id) => *id,
                                None => {
                                    let id = store::variant_at(
                                        &mut job.tx,
                                        &key.0,
                                        key.1,
                                        &key.2,
                                        &key.3,
                                    )
                                    .await?;
                                    variants.insert(key, id);
                                    id
                                }
                            }
                        }
                    };
                    Call {
                        sample_id,
                        variant_id,
                        genotyper,
                        quality,
                        reference_ad,
                        alternative_ad,
                        total_dp,
                        value: Some(value),
                        allele_frequency: None,
                    }
                }
            };
            // One call per sample, variant and genotyper: the first one a file gives.
            if self
                .seen
                .insert((call.sample_id, call.variant_id, call.genotyper.clone()))
            {
                self.pending.push(call);
            }
        }
        self.flush(job).await?;
        Ok(())
    }

    async fn finish(&mut self, job: &mut Job<'_>) -> Result<(), ImportError> {
        self.flush(job).await?;
        if job.errors.any() {
            return Ok(());
        }
        if let GenotypeFormat::Catalogue {
            association: Some((drug_id, tier)),
            genes,
            ..
        } = &self.format
        {
            let mut genes: Vec<i64> = genes.iter().copied().collect();
            genes.sort_unstable();
            for gene_id in genes {
                let n = store::ensure_association(&mut job.tx, gene_id, *drug_id, *tier).await?;
                job.report.add("associations", n);
            }
        }
        Ok(())
    }
}

async fn associations(job: &mut Job<'_>, rows: Vec<source::RawRow>) -> Result<(), ImportError> {
    // The first row is always a header, as in the original's import_gdra.
    job.report.rows = job.report.rows.saturating_sub(1);
    let mut keep = Vec::new();
    for (line, fields) in rows.iter().skip(1) {
        let fields = strs(fields);
        match records::association(&fields, &job.lookups, *line) {
            Ok(Some(a)) => keep.push((a.gene_id, a.drug_id, a.tier)),
            Ok(None) => job.report.warnings.push(format!(
                "line {line}: association '{} - {} (tier {})' not added, no drug named {}",
                fields.get(1).unwrap_or(&""),
                fields.get(2).unwrap_or(&""),
                fields.first().unwrap_or(&""),
                fields.get(2).unwrap_or(&"")
            )),
            Err(e) => job.errors.push(e),
        }
    }
    if !job.errors.any() {
        let n = store::replace_associations(&mut job.tx, keep).await?;
        job.report.add("associations", n);
    }
    Ok(())
}

async fn grades(job: &mut Job<'_>, rows: Vec<source::RawRow>) -> Result<(), ImportError> {
    let Some((_, header)) = job_header(job, &rows) else {
        return Ok(());
    };
    let columns = match records::GradeColumns::from_header(&strs(&header)) {
        Ok(c) => c,
        Err(e) => {
            job.errors.push(e);
            return Ok(());
        }
    };
    job.report.rows = job.report.rows.saturating_sub(1);
    let mut parsed = Vec::new();
    for (line, fields) in rows.iter().skip(1) {
        match columns.parse(
            &strs(fields),
            &job.lookups,
            job.options.grade_version,
            *line,
        ) {
            Ok(g) => parsed.push(g),
            Err(e) => job.errors.push(e),
        }
    }
    if job.errors.any() {
        return Ok(());
    }
    let mut named = store::named_variants(&mut job.tx).await?;
    for grade in parsed {
        let (variant_id, coordinates) = match &grade.variant {
            VariantRef::Named(name) => {
                let id = match named.get(name) {
                    Some((id, _)) => *id,
                    None => {
                        // A graded variant nobody has observed yet: known by name; a
                        // genotype import gives it its position later.
                        let id =
                            store::create_named_variant(&mut job.tx, CHROMOSOME, 0, name).await?;
                        job.report.add("variants", 1);
                        named.insert(name.clone(), (id, 0));
                        id
                    }
                };
                (id, None)
            }
            VariantRef::Coordinates {
                position,
                reference,
                alternative,
            } => {
                let id =
                    store::variant_at(&mut job.tx, CHROMOSOME, *position, reference, alternative)
                        .await?;
                (
                    id,
                    Some((*position, reference.as_str(), alternative.as_str())),
                )
            }
        };
        let n = store::upsert_grade(
            &mut job.tx,
            variant_id,
            coordinates,
            grade.drug_id,
            grade.grade,
            grade.version,
        )
        .await?;
        job.report.add("grades", n);
    }
    Ok(())
}

/// Takes the header row off a small file read whole.
fn job_header(job: &mut Job<'_>, rows: &[source::RawRow]) -> Option<source::RawRow> {
    match rows.first() {
        Some(first) => Some(first.clone()),
        None => {
            job.fail(1, "the file has a header but no rows");
            None
        }
    }
}

async fn genotype_resistance(
    job: &mut Job<'_>,
    rows: Vec<source::RawRow>,
) -> Result<(), ImportError> {
    let Some((_, header)) = job_header(job, &rows) else {
        return Ok(());
    };
    if !header_is(&strs(&header), records::GENOTYPE_RESISTANCE_HEADER) {
        job.fail(
            1,
            format!(
                "the header must be {}",
                records::GENOTYPE_RESISTANCE_HEADER.join(",")
            ),
        );
        return Ok(());
    }
    job.report.rows = job.report.rows.saturating_sub(1);
    let samples = SampleNames::open(job).await?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (line, fields) in rows.iter().skip(1) {
        let r = match records::genotype_resistance(&strs(fields), &job.lookups, *line) {
            Ok(r) => r,
            Err(e) => {
                job.errors.push(e);
                continue;
            }
        };
        let sample_id = match samples.resolve(&r.sample) {
            Ok(id) => id,
            Err(reason) => {
                job.fail(*line, reason);
                continue;
            }
        };
        if !seen.insert((sample_id, r.drug_id, r.version)) {
            job.fail(
                *line,
                format!(
                    "sample {:?} has a second prediction for the same drug and version",
                    r.sample
                ),
            );
            continue;
        }
        out.push((sample_id, r.drug_id, r.version, r.flag, r.variant));
    }
    if !job.errors.any() {
        let n = store::replace_genotype_resistance(&mut job.tx, out).await?;
        job.report.add("predictions", n);
    }
    Ok(())
}
