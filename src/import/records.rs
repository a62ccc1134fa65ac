//! The file formats tbseq imports, parsed into typed records. Pure: no database, no HTTP.
//! Every problem is a [`RowError`] naming the line, so that a rejected file can be fixed.

use std::collections::HashMap;
use std::fmt;

/// A problem with one line of an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.reason)
    }
}

fn err(line: u64, reason: impl Into<String>) -> RowError {
    RowError {
        line,
        reason: reason.into(),
    }
}

/// Reference names resolved case-insensitively: drugs by name, code or synonym; countries by
/// three- or two-letter code; media and methods by name; genes by name or locus tag.
#[derive(Debug, Default, Clone)]
pub struct Lookups {
    pub drugs: HashMap<String, i64>,
    pub countries: HashMap<String, String>,
    pub media: HashMap<String, i64>,
    pub methods: HashMap<String, i64>,
    /// Gene name or locus tag (as written) → gene cross-reference id.
    pub genes: HashMap<String, i64>,
    /// Locus tag (exact, as the original's association import requires) → gene id.
    pub locus_tags: HashMap<String, i64>,
}

impl Lookups {
    pub fn drug(&self, name: &str) -> Option<i64> {
        self.drugs.get(&name.trim().to_uppercase()).copied()
    }

    fn country(&self, code: &str) -> Option<String> {
        self.countries.get(&code.trim().to_uppercase()).cloned()
    }
}

/// The header a WHO catalogue 2023 phenotype file starts with.
pub const CATALOGUE_PHENOTYPE_HEADER: &[&str] =
    &["sample_id", "phenotypic_category", "phenotype", "box"];
/// The header a WHO catalogue 2023 genotype file starts with.
pub const CATALOGUE_GENOTYPE_HEADER: &[&str] = &[
    "sample_id",
    "resolved_symbol",
    "variant_category",
    "predicted_effect",
    "neutral",
    "max(af)",
    "position",
];

/// A phenotypic drug-susceptibility result of one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Phenotype {
    pub sample: String,
    pub drug_id: i64,
    /// `R`, `S` or `I`.
    pub result: &'static str,
    pub method_id: Option<i64>,
    pub medium_id: Option<i64>,
    pub concentration: Option<f64>,
    pub country: Option<String>,
    pub sampling_year: Option<i32>,
}

fn result(value: &str, line: u64) -> Result<&'static str, RowError> {
    match value.trim().to_uppercase().as_str() {
        "R" | "RESISTANT" => Ok("R"),
        "S" | "SUSCEPTIBLE" => Ok("S"),
        "I" | "INTERMEDIATE" => Ok("I"),
        other => Err(err(line, format!("result {other:?} is not R, S or I"))),
    }
}

fn sample_name(value: &str, line: u64) -> Result<String, RowError> {
    let name = value.trim();
    if name.is_empty() {
        return Err(err(line, "the sample is empty"));
    }
    if name.len() > 2048 {
        return Err(err(line, "the sample name is longer than 2048 characters"));
    }
    Ok(name.to_string())
}

/// Parses one row of a catalogue phenotype file (`sample_id,phenotypic_category,phenotype,box`)
/// for the file's drug.
pub fn catalogue_phenotype(
    fields: &[&str],
    drug_id: i64,
    line: u64,
) -> Result<Phenotype, RowError> {
    if fields.len() != 4 {
        return Err(err(
            line,
            format!("expected 4 fields, found {}", fields.len()),
        ));
    }
    Ok(Phenotype {
        sample: sample_name(fields[0], line)?,
        drug_id,
        result: result(fields[2], line)?,
        method_id: None,
        medium_id: None,
        concentration: None,
        country: None,
        sampling_year: None,
    })
}

/// Column positions of the generic phenotype CSV, from its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericPhenotypeColumns {
    sample: usize,
    drug: usize,
    result: usize,
    method: Option<usize>,
    medium: Option<usize>,
    concentration: Option<usize>,
    country: Option<usize>,
    year: Option<usize>,
}

impl GenericPhenotypeColumns {
    /// Reads the header: `sample`, `drug`, `result` are required; `method`, `medium`,
    /// `concentration`, `country`, `sampling_year` are optional (case and spaces ignored).
    pub fn from_header(header: &[&str]) -> Result<Self, RowError> {
        let find = |names: &[&str]| {
            header.iter().position(|h| {
                let h = h.trim().to_lowercase().replace([' ', '-'], "_");
                names.contains(&h.as_str())
            })
        };
        let required = |names: &[&str]| {
            find(names).ok_or_else(|| {
                err(
                    1,
                    format!(
                        "the header has no {:?} column (expected sample, drug, result and optionally \
                         method, medium, concentration, country, sampling_year)",
                        names[0]
                    ),
                )
            })
        };
        Ok(GenericPhenotypeColumns {
            sample: required(&["sample", "sample_id", "sample_name"])?,
            drug: required(&["drug", "drug_code", "drug_name"])?,
            result: required(&["result", "phenotype", "test_result"])?,
            method: find(&["method", "assessment_method"]),
            medium: find(&["medium", "growth_medium"]),
            concentration: find(&["concentration"]),
            country: find(&["country", "country_code"]),
            year: find(&["sampling_year", "year"]),
        })
    }

    pub fn parse(
        &self,
        fields: &[&str],
        lookups: &Lookups,
        line: u64,
    ) -> Result<Phenotype, RowError> {
        let get = |i: usize| fields.get(i).map(|v| v.trim()).unwrap_or("");
        let opt = |i: Option<usize>| i.map(get).filter(|v| !v.is_empty());
        let drug = get(self.drug);
        let drug_id = lookups
            .drug(drug)
            .ok_or_else(|| err(line, format!("unknown drug {drug:?}")))?;
        let method_id = match opt(self.method) {
            None => None,
            Some(m) => Some(
                *lookups
                    .methods
                    .get(&m.to_uppercase())
                    .ok_or_else(|| err(line, format!("unknown method {m:?}")))?,
            ),
        };
        let medium_id = match opt(self.medium) {
            None => None,
            Some(m) => Some(
                *lookups
                    .media
                    .get(&m.to_uppercase())
                    .ok_or_else(|| err(line, format!("unknown medium {m:?}")))?,
            ),
        };
        let concentration = match opt(self.concentration) {
            None => None,
            Some(c) => match c.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                _ => return Err(err(line, format!("concentration {c:?} is not a number"))),
            },
        };
        let country = match opt(self.country) {
            None => None,
            Some(c) => Some(
                lookups
                    .country(c)
                    .ok_or_else(|| err(line, format!("unknown country {c:?}")))?,
            ),
        };
        let sampling_year = match opt(self.year) {
            None => None,
            Some(y) => match y.parse::<i32>() {
                Ok(v) if (1800..=9999).contains(&v) => Some(v),
                _ => return Err(err(line, format!("sampling year {y:?} is not a year"))),
            },
        };
        Ok(Phenotype {
            sample: sample_name(get(self.sample), line)?,
            drug_id,
            result: result(get(self.result), line)?,
            method_id,
            medium_id,
            concentration,
            country,
            sampling_year,
        })
    }
}

/// A variant call of one sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Genotype {
    /// A catalogue row: the variant is known by gene and HGVS name only.
    Catalogue {
        sample: String,
        gene_id: i64,
        gene: String,
        hgvs: String,
        predicted_effect: String,
        allele_frequency: f64,
        position: i64,
    },
    /// A pipeline row (`Genotyper, SampleId, Chrom, Pos, Id, Ref, Alt, Qual, RefAd, AltAd,
    /// TotalDP, Value`): nucleotides and read counts.
    Pipeline {
        genotyper: String,
        sample: String,
        chromosome: String,
        position: i64,
        variant_id: Option<i64>,
        reference: String,
        alternative: String,
        quality: Option<f64>,
        reference_ad: Option<i64>,
        alternative_ad: Option<i64>,
        total_dp: Option<i64>,
        value: String,
    },
}

/// Drug and tier of a catalogue genotype file, from its name (`Isoniazid_tier1.csv.gz`).
pub fn catalogue_genotype_file(file_name: &str) -> Option<(String, i64)> {
    let stem = file_name.split('.').next()?;
    let (drug, tier) = stem.rsplit_once("_tier")?;
    Some((drug.to_string(), tier.parse().ok()?))
}

/// Parses one catalogue genotype row; `Ok(None)` for a row that names a gene but no variant
/// (the sample was genotyped there and carries nothing).
pub fn catalogue_genotype(
    fields: &[&str],
    lookups: &Lookups,
    line: u64,
) -> Result<Option<Genotype>, RowError> {
    if fields.len() != 7 {
        return Err(err(
            line,
            format!("expected 7 fields, found {}", fields.len()),
        ));
    }
    let sample = sample_name(fields[0], line)?;
    let gene = fields[1].trim();
    let gene_id = *lookups
        .genes
        .get(gene)
        .ok_or_else(|| err(line, format!("unknown gene {gene:?}")))?;
    let hgvs = fields[2].trim();
    if hgvs.is_empty() {
        return Ok(None);
    }
    let af = fields[5].trim();
    let allele_frequency = match af.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => v,
        _ => {
            return Err(err(
                line,
                format!("allele frequency {af:?} is not a number from 0 to 1"),
            ))
        }
    };
    let positions = fields[6]
        .split(';')
        .map(|p| p.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            err(
                line,
                format!("position {:?} is not a genome position", fields[6]),
            )
        })?;
    let position = positions
        .into_iter()
        .min()
        .filter(|p| *p > 0)
        .ok_or_else(|| err(line, "the position is missing"))?;
    Ok(Some(Genotype::Catalogue {
        sample,
        gene_id,
        gene: gene.to_string(),
        hgvs: hgvs.to_string(),
        predicted_effect: fields[3].trim().to_string(),
        allele_frequency,
        position,
    }))
}

fn optional_number<T: std::str::FromStr>(
    value: &str,
    what: &str,
    line: u64,
) -> Result<Option<T>, RowError> {
    let value = value.trim();
    if value.is_empty() || value == "." {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| err(line, format!("{what} {value:?} is not a number")))
}

fn nucleotides(value: &str, what: &str, line: u64) -> Result<String, RowError> {
    let value = value.trim();
    if value.is_empty()
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'*' || b == b'-')
    {
        return Err(err(
            line,
            format!("{what} {value:?} is not a nucleotide sequence"),
        ));
    }
    Ok(value.to_ascii_uppercase())
}

/// Parses one row of the pipeline's per-sample genotype CSV.
pub fn pipeline_genotype(fields: &[&str], line: u64) -> Result<Genotype, RowError> {
    if fields.len() != 12 {
        return Err(err(
            line,
            format!("expected 12 fields, found {}", fields.len()),
        ));
    }
    let genotyper = fields[0].trim();
    if genotyper.is_empty() || genotyper.len() > 128 {
        return Err(err(
            line,
            "the genotyper is missing or longer than 128 characters",
        ));
    }
    let position: i64 = fields[3]
        .trim()
        .parse()
        .ok()
        .filter(|p: &i64| *p > 0)
        .ok_or_else(|| {
            err(
                line,
                format!("position {:?} is not a genome position", fields[3]),
            )
        })?;
    let chromosome = fields[2].trim();
    if chromosome.is_empty() {
        return Err(err(line, "the chromosome is missing"));
    }
    Ok(Genotype::Pipeline {
        genotyper: genotyper.to_string(),
        sample: sample_name(fields[1], line)?,
        chromosome: chromosome.to_string(),
        position,
        variant_id: optional_number(fields[4], "variant id", line)?,
        reference: nucleotides(fields[5], "reference", line)?,
        alternative: nucleotides(fields[6], "alternative", line)?,
        quality: optional_number(fields[7], "quality", line)?,
        reference_ad: optional_number(fields[8], "reference depth", line)?,
        alternative_ad: optional_number(fields[9], "alternative depth", line)?,
        total_dp: optional_number(fields[10], "total depth", line)?,
        value: fields[11].trim().to_string(),
    })
}

/// A gene–drug resistance association (`tier, locus_tag, drug_name`, the original's
/// `import_gdra` format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Association {
    pub gene_id: i64,
    pub drug_id: i64,
    pub tier: i64,
}

/// `Ok(None)` when the drug is unknown: the original skips such rows with a message.
pub fn association(
    fields: &[&str],
    lookups: &Lookups,
    line: u64,
) -> Result<Option<Association>, RowError> {
    if fields.len() != 3 {
        return Err(err(
            line,
            format!(
                "expected 3 fields (tier, locus tag, drug), found {}",
                fields.len()
            ),
        ));
    }
    let tier: i64 = fields[0]
        .trim()
        .parse()
        .map_err(|_| err(line, format!("tier {:?} is not a whole number", fields[0])))?;
    let locus = fields[1].trim();
    let gene_id = *lookups
        .locus_tags
        .get(locus)
        .ok_or_else(|| err(line, format!("unknown locus tag {locus:?}")))?;
    Ok(lookups.drug(fields[2]).map(|drug_id| Association {
        gene_id,
        drug_id,
        tier,
    }))
}

/// How a grade names its variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariantRef {
    /// The catalogue's name, `gene_hgvs` (`katG_p.Ser315Thr`).
    Named(String),
    /// `position-ref-alt` on the reference chromosome.
    Coordinates {
        position: i64,
        reference: String,
        alternative: String,
    },
}

/// A WHO catalogue grade of a variant for a drug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub variant: VariantRef,
    pub drug_id: i64,
    pub grade: i64,
    pub version: i64,
}

/// Column positions of the grades CSV (`drug, variant, grade[, grade_version]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeColumns {
    drug: usize,
    variant: usize,
    grade: usize,
    version: Option<usize>,
}

impl GradeColumns {
    pub fn from_header(header: &[&str]) -> Result<Self, RowError> {
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let required = |name: &str| {
            find(name).ok_or_else(|| {
                err(1, format!("the header has no {name:?} column (expected drug, variant, grade[, grade_version])"))
            })
        };
        Ok(GradeColumns {
            drug: required("drug")?,
            variant: required("variant")?,
            grade: required("grade")?,
            version: find("grade_version"),
        })
    }

    pub fn parse(
        &self,
        fields: &[&str],
        lookups: &Lookups,
        default_version: i64,
        line: u64,
    ) -> Result<Grade, RowError> {
        let get = |i: usize| fields.get(i).map(|v| v.trim()).unwrap_or("");
        let drug = get(self.drug);
        let drug_id = lookups
            .drug(drug)
            .ok_or_else(|| err(line, format!("unknown drug {drug:?}")))?;
        let variant = variant_ref(get(self.variant)).ok_or_else(|| {
            err(
                line,
                format!(
                    "variant {:?} is neither a catalogue name (gene_change) nor position-ref-alt",
                    get(self.variant)
                ),
            )
        })?;
        // "1) Assoc w R" and "1" both mean grade 1.
        let grade_text = get(self.grade);
        let grade = grade_text
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .filter(|g| (1..=5).contains(g))
            .ok_or_else(|| err(line, format!("grade {grade_text:?} is not 1 to 5")))?
            as i64;
        let version = match self.version.map(get).filter(|v| !v.is_empty()) {
            None => default_version,
            Some(v) => v
                .parse()
                .map_err(|_| err(line, format!("grade version {v:?} is not a whole number")))?,
        };
        Ok(Grade {
            variant,
            drug_id,
            grade,
            version,
        })
    }
}

pub fn variant_ref(text: &str) -> Option<VariantRef> {
    let text = text.trim();
    let mut parts = text.splitn(3, '-');
    if let (Some(p), Some(r), Some(a)) = (parts.next(), parts.next(), parts.next()) {
        if let Ok(position) = p.parse::<i64>() {
            let is_seq = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic());
            if position > 0 && is_seq(r) && is_seq(a) {
                return Some(VariantRef::Coordinates {
                    position,
                    reference: r.to_ascii_uppercase(),
                    alternative: a.to_ascii_uppercase(),
                });
            }
        }
    }
    match text.split_once('_') {
        Some((gene, change)) if !gene.is_empty() && !change.is_empty() => {
            Some(VariantRef::Named(text.to_string()))
        }
        _ => None,
    }
}

/// A resistance prediction of one sample for one drug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenotypeResistance {
    pub sample: String,
    pub drug_id: i64,
    pub version: i64,
    pub flag: String,
    pub variant: String,
}

pub const GENOTYPE_RESISTANCE_HEADER: &[&str] =
    &["sample_id", "drug", "version", "resistance_flag", "variant"];

pub fn genotype_resistance(
    fields: &[&str],
    lookups: &Lookups,
    line: u64,
) -> Result<GenotypeResistance, RowError> {
    if fields.len() != 5 {
        return Err(err(
            line,
            format!("expected 5 fields, found {}", fields.len()),
        ));
    }
    let drug = fields[1].trim();
    let drug_id = lookups
        .drug(drug)
        .ok_or_else(|| err(line, format!("unknown drug {drug:?}")))?;
    let version: i64 = fields[2]
        .trim()
        .parse()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| {
            err(
                line,
                format!("version {:?} is not a whole number from 1", fields[2]),
            )
        })?;
    let flag = fields[3].trim().to_uppercase();
    if flag.is_empty() || flag.len() > 10 {
        return Err(err(
            line,
            format!(
                "resistance flag {:?} must be 1 to 10 characters (R, S, I, U)",
                fields[3]
            ),
        ));
    }
    if fields[4].len() > 32768 {
        return Err(err(
            line,
            "the variant text is longer than 32,768 characters",
        ));
    }
    Ok(GenotypeResistance {
        sample: sample_name(fields[0], line)?,
        drug_id,
        version,
        flag,
        variant: fields[4].trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookups() -> Lookups {
        let mut l = Lookups::default();
        l.drugs.insert("ISONIAZID".into(), 1);
        l.drugs.insert("INH".into(), 1);
        l.countries.insert("FRA".into(), "FRA".into());
        l.countries.insert("FR".into(), "FRA".into());
        l.methods.insert("PROPORTIONS".into(), 2);
        l.genes.insert("katG".into(), 1936);
        l.locus_tags.insert("Rv1908c".into(), 1936);
        l
    }

    #[test]
    fn catalogue_phenotypes() {
        let p = catalogue_phenotype(&["909", "WHO", "S", "WHO_current"], 1, 2).unwrap();
        assert_eq!((p.sample.as_str(), p.result), ("909", "S"));
        assert_eq!(
            catalogue_phenotype(&["909", "WHO", "X", "b"], 1, 3)
                .unwrap_err()
                .line,
            3
        );
        assert!(catalogue_phenotype(&["", "WHO", "R", "b"], 1, 4).is_err());
        assert!(catalogue_phenotype(&["1", "WHO", "R"], 1, 5).is_err());
    }

    #[test]
    fn generic_phenotypes() {
        let cols = GenericPhenotypeColumns::from_header(&[
            "Sample",
            "Drug",
            "Result",
            "Method",
            "Country",
            "Sampling year",
        ])
        .unwrap();
        let p = cols
            .parse(
                &["s1", "inh", "r", "proportions", "fr", "2019"],
                &lookups(),
                2,
            )
            .unwrap();
        assert_eq!(p.drug_id, 1);
        assert_eq!(p.result, "R");
        assert_eq!(p.method_id, Some(2));
        assert_eq!(p.country.as_deref(), Some("FRA"));
        assert_eq!(p.sampling_year, Some(2019));
        let e = cols
            .parse(&["s1", "Aspirin", "R", "", "", ""], &lookups(), 7)
            .unwrap_err();
        assert_eq!(e.to_string(), "7: unknown drug \"Aspirin\"");
        assert!(cols
            .parse(&["s1", "INH", "R", "", "XXX", ""], &lookups(), 8)
            .is_err());
        assert!(cols
            .parse(&["s1", "INH", "R", "", "", "19"], &lookups(), 9)
            .is_err());
        assert!(GenericPhenotypeColumns::from_header(&["sample", "result"]).is_err());
    }

    #[test]
    fn catalogue_genotypes() {
        let g = catalogue_genotype(
            &[
                "58140",
                "katG",
                "p.Ser315Thr",
                "missense_variant",
                "",
                "0.99",
                "2155167;2155168",
            ],
            &lookups(),
            2,
        )
        .unwrap()
        .unwrap();
        match g {
            Genotype::Catalogue {
                position,
                allele_frequency,
                gene_id,
                ..
            } => {
                assert_eq!((position, allele_frequency, gene_id), (2155167, 0.99, 1936))
            }
            _ => panic!(),
        }
        assert_eq!(
            catalogue_genotype(&["1", "katG", "", "", "", "", ""], &lookups(), 3).unwrap(),
            None
        );
        assert!(
            catalogue_genotype(&["1", "nope", "c.1A>G", "x", "", "1", "5"], &lookups(), 4).is_err()
        );
        assert!(
            catalogue_genotype(&["1", "katG", "c.1A>G", "x", "", "1.5", "5"], &lookups(), 5)
                .is_err()
        );
        assert!(
            catalogue_genotype(&["1", "katG", "c.1A>G", "x", "", "1", "x"], &lookups(), 6).is_err()
        );
        assert_eq!(
            catalogue_genotype_file("Isoniazid_tier1.csv.gz"),
            Some(("Isoniazid".into(), 1))
        );
        assert_eq!(catalogue_genotype_file("genotypes.csv"), None);
    }

    #[test]
    fn pipeline_genotypes() {
        let fields = [
            "freebayes",
            "12",
            "NC_000962.3",
            "761155",
            "",
            "c",
            "T",
            "200.5",
            "3",
            "40",
            "43",
            "1/1",
        ];
        match pipeline_genotype(&fields, 1).unwrap() {
            Genotype::Pipeline {
                reference,
                alternative,
                total_dp,
                variant_id,
                ..
            } => {
                assert_eq!(
                    (
                        reference.as_str(),
                        alternative.as_str(),
                        total_dp,
                        variant_id
                    ),
                    ("C", "T", Some(43), None)
                )
            }
            _ => panic!(),
        }
        let mut bad = fields;
        bad[3] = "0";
        assert!(pipeline_genotype(&bad, 1).is_err());
        assert!(pipeline_genotype(&fields[..11], 1).is_err());
    }

    #[test]
    fn associations_and_grades() {
        assert_eq!(
            association(&["1", "Rv1908c", "isoniazid"], &lookups(), 2).unwrap(),
            Some(Association {
                gene_id: 1936,
                drug_id: 1,
                tier: 1
            })
        );
        assert_eq!(
            association(&["1", "Rv1908c", "Aspirin"], &lookups(), 2).unwrap(),
            None
        );
        assert!(association(&["1", "katG", "INH"], &lookups(), 2).is_err());
        assert!(association(&["one", "Rv1908c", "INH"], &lookups(), 2).is_err());

        let cols = GradeColumns::from_header(&["drug", "variant", "grade"]).unwrap();
        let g = cols
            .parse(
                &["INH", "katG_p.Ser315Thr", "1) Assoc w R"],
                &lookups(),
                2,
                2,
            )
            .unwrap();
        assert_eq!(g.variant, VariantRef::Named("katG_p.Ser315Thr".into()));
        assert_eq!((g.grade, g.version), (1, 2));
        let g = cols
            .parse(&["INH", "2155168-c-g", "3"], &lookups(), 2, 3)
            .unwrap();
        assert_eq!(
            g.variant,
            VariantRef::Coordinates {
                position: 2155168,
                reference: "C".into(),
                alternative: "G".into()
            }
        );
        assert!(cols.parse(&["INH", "katG", "1"], &lookups(), 2, 4).is_err());
        assert!(cols
            .parse(&["INH", "katG_x", "7"], &lookups(), 2, 5)
            .is_err());
    }

    #[test]
    fn genotype_resistance_rows() {
        let r = genotype_resistance(&["12", "INH", "2", "r", "katG_p.Ser315Thr"], &lookups(), 2)
            .unwrap();
        assert_eq!((r.flag.as_str(), r.version), ("R", 2));
        assert!(genotype_resistance(&["12", "INH", "0", "R", ""], &lookups(), 3).is_err());
        assert!(genotype_resistance(&["12", "XYZ", "1", "R", ""], &lookups(), 4).is_err());
    }
}
