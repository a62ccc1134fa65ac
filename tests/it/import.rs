//! The import engine on slices of the real WHO catalogue 2023 data, on both databases: counts
//! the test works out from the files themselves, re-imports that change nothing, rejected files
//! that write nothing, and the small formats.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use tbseq::db::Db;
use tbseq::import::{import_file, ImportError, Kind, Options};
use tbseq::params;

const CATALOGUE: &str = "../shared/reference/catalogue-2023";

fn catalogue(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(CATALOGUE)
        .join(path)
}

/// The header and first `n` data lines of a gzip file, as text.
fn head(path: &Path, n: usize) -> String {
    let mut text = String::new();
    MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines().take(n + 1).map(|l| format!("{l}\n")).collect()
}

fn write_plain(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn write_gz(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut gz = GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
    path
}

/// Fields of the data lines of a CSV text (quoted fields may hold commas).
fn records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, params![]).await.unwrap().get(0).unwrap()
}

/// Row counts of every table an import writes.
async fn snapshot(db: &Db) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "submission_sample",
        "submission_samplealias",
        "submission_pdstest",
        "genphen_variant",
        "genphen_annotation",
        "genphen_varianttoannotation",
        "genphen_formattedannotationpergene",
        "submission_genotype",
        "genphen_genedrugresistanceassociation",
        "genphen_variantgrade",
        "submission_genotyperesistance",
    ] {
        out.push(count(db, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    out
}

fn options() -> Options {
    Options::default()
}

fn rejected_lines(err: ImportError) -> Vec<String> {
    match err {
        ImportError::Rejected { errors, .. } => errors.iter().map(|e| e.to_string()).collect(),
        other => panic!("expected a rejected file, got {other}"),
    }
}

both_backends! {
    async fn catalogue_slice_imports_exactly_what_the_files_hold(app) {
        let dir = tempfile::tempdir().unwrap();
        let pheno_text = head(&catalogue("phenotypes/Isoniazid.csv.gz"), 3000);
        let geno_text = head(&catalogue("genotypes/Isoniazid_tier1.csv.gz"), 3000);
        // Plain and gzip inputs both work; the drug and tier come from the file names.
        let pheno = write_plain(dir.path(), "Isoniazid.csv", &pheno_text);
        let geno = write_gz(dir.path(), "Isoniazid_tier1.csv.gz", &geno_text);

        let p = records(&pheno_text);
        let p_samples: HashSet<&str> = p.iter().map(|r| r[0].as_str()).collect();
        let p_tests: HashSet<(&str, &str)> = p.iter().map(|r| (r[0].as_str(), r[2].as_str())).collect();
        let g = records(&geno_text);
        let g_variant_rows: Vec<&Vec<String>> = g.iter().filter(|r| !r[2].is_empty()).collect();
        let g_variants: HashSet<(&str, &str)> = g_variant_rows.iter().map(|r| (r[1].as_str(), r[2].as_str())).collect();
        let g_calls: HashSet<(&str, &str, &str)> = g_variant_rows.iter().map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str())).collect();
        let g_genes: HashSet<&str> = g.iter().map(|r| r[1].as_str()).collect();
        let all_samples: HashSet<&str> = p_samples.iter().copied().chain(g.iter().map(|r| r[0].as_str())).collect();

        let report = import_file(&app.db, Kind::Phenotypes, &pheno, &options()).await.unwrap();
        assert_eq!(report.rows, p.len() as u64);
        assert_eq!(report.written["samples"], p_samples.len() as u64);
        assert_eq!(report.written["tests"], p_tests.len() as u64);
        let report = import_file(&app.db, Kind::Genotypes, &geno, &options()).await.unwrap();
        assert_eq!(report.rows, g.len() as u64);
        assert_eq!(report.written["variants"], g_variants.len() as u64);
        assert_eq!(report.written["calls"], g_calls.len() as u64);
        assert_eq!(report.written.get("rows without a variant").copied().unwrap_or(0), (g.len() - g_variant_rows.len()) as u64);

        let db = &app.db;
        assert_eq!(count(db, "SELECT COUNT(*) FROM submission_sample").await, all_samples.len() as i64);
        assert_eq!(count(db, "SELECT COUNT(*) FROM submission_pdstest WHERE staging = FALSE").await, p_tests.len() as i64);
        assert_eq!(count(db, "SELECT COUNT(*) FROM genphen_variant").await, g_variants.len() as i64);
        assert_eq!(count(db, "SELECT COUNT(*) FROM genphen_formattedannotationpergene").await, g_variants.len() as i64);
        assert_eq!(count(db, "SELECT COUNT(*) FROM submission_genotype").await, g_calls.len() as i64);
        // The file name says drug Isoniazid, tier 1: one association per gene of the file.
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM genphen_genedrugresistanceassociation a JOIN genphen_drug d ON d.drug_id = a.drug_id WHERE d.drug_name = 'Isoniazid' AND a.tier = 1").await,
            g_genes.len() as i64
        );
        // Allele frequencies are kept as given.
        let first = g_variant_rows[0];
        let af: f64 = db.query_one(
            "SELECT g.allele_frequency FROM submission_genotype g \
             JOIN submission_samplealias a ON a.sample_id = g.sample_id \
             JOIN genphen_variant v ON v.variant_id = g.variant_id \
             WHERE a.name = $1 AND v.alternative_nucleotide = $2",
            params![first[0].as_str(), format!("{}_{}", first[1], first[2])],
        ).await.unwrap().get(0).unwrap();
        assert_eq!(af, first[5].parse::<f64>().unwrap());

        // Importing the same files again changes nothing.
        let before = snapshot(db).await;
        let again = import_file(db, Kind::Phenotypes, &pheno, &options()).await.unwrap();
        assert_eq!(again.written.get("tests").copied().unwrap_or(0), 0);
        import_file(db, Kind::Genotypes, &geno, &options()).await.unwrap();
        assert_eq!(snapshot(db).await, before);
    }

    async fn bad_rows_reject_the_whole_file(app) {
        let dir = tempfile::tempdir().unwrap();
        let good = write_plain(dir.path(), "ok.csv", "sample,drug,result,country,sampling_year\nA1,INH,R,FRA,2019\n");
        import_file(&app.db, Kind::Phenotypes, &good, &options()).await.unwrap();
        let before = snapshot(&app.db).await;
        let bad = write_plain(
            dir.path(),
            "bad.csv",
            "sample,drug,result,country,sampling_year\nB1,INH,R,FRA,2019\nB2,Aspirin,R,,\nB3,RIF,maybe,,\nB4,RIF,S,ZZZ,\nB5,RIF,S,,20x\n",
        );
        let lines = rejected_lines(import_file(&app.db, Kind::Phenotypes, &bad, &options()).await.unwrap_err());
        assert_eq!(lines, vec![
            "3: unknown drug \"Aspirin\"",
            "4: result \"MAYBE\" is not R, S or I",
            "5: unknown country \"ZZZ\"",
            "6: sampling year \"20x\" is not a year",
        ]);
        let err = import_file(&app.db, Kind::Phenotypes, &bad, &options()).await.unwrap_err().to_string();
        assert!(err.contains(&format!("{}:3: unknown drug", bad.display())), "{err}");
        assert_eq!(snapshot(&app.db).await, before, "a rejected file wrote something");

        // Genotype rows with a bad allele frequency or an unknown gene.
        let geno = write_plain(
            dir.path(),
            "Isoniazid_tier1.csv",
            "sample_id,resolved_symbol,variant_category,predicted_effect,neutral,max(af),position\n\
             1,katG,p.Ser315Thr,missense_variant,,0.99,2155168\n\
             2,katG,p.Ser315Thr,missense_variant,,1.7,2155168\n\
             3,notAGene,c.1A>G,missense_variant,,0.9,5\n",
        );
        let lines = rejected_lines(import_file(&app.db, Kind::Genotypes, &geno, &options()).await.unwrap_err());
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("3: allele frequency"), "{lines:?}");
        assert!(lines[1].starts_with("4: unknown gene"), "{lines:?}");
        assert_eq!(snapshot(&app.db).await, before);
    }

    async fn broken_files_write_nothing(app) {
        let dir = tempfile::tempdir().unwrap();
        let before = snapshot(&app.db).await;
        // A gzip file cut short, as an interrupted download leaves it.
        let full = std::fs::read(catalogue("phenotypes/Pretomanid.csv.gz")).unwrap();
        let cut = dir.path().join("Pretomanid.csv.gz");
        std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
        let err = import_file(&app.db, Kind::Phenotypes, &cut, &options()).await.unwrap_err();
        assert!(matches!(err, ImportError::Unreadable { .. }), "{err}");
        // Not text at all.
        let binary = write_plain(dir.path(), "binary.csv", "sample,drug,result\n\u{0}\u{1}");
        std::fs::write(&binary, [b"sample,drug,result\n".as_slice(), &[0xff, 0xfe, 0x00, b',', b'\n']].concat()).unwrap();
        assert!(import_file(&app.db, Kind::Phenotypes, &binary, &options()).await.is_err());
        // Empty, and a missing file.
        let empty = write_plain(dir.path(), "empty.csv", "");
        assert!(matches!(import_file(&app.db, Kind::Phenotypes, &empty, &options()).await.unwrap_err(), ImportError::Rejected { .. }));
        assert!(matches!(
            import_file(&app.db, Kind::Phenotypes, &dir.path().join("missing.csv"), &options()).await.unwrap_err(),
            ImportError::Unreadable { .. }
        ));
        assert_eq!(snapshot(&app.db).await, before);
    }

    async fn generic_phenotypes_keep_country_year_and_method(app) {
        let dir = tempfile::tempdir().unwrap();
        let file = write_plain(
            dir.path(),
            "lab.csv",
            "Sample,Drug,Result,Method,Medium,Concentration,Country,Sampling year\n\
             S-1,Rifampicin,R,Proportions,MGIT,1.0,KAZ,2018\n\
             S-1,RIF,R,Proportions,MGIT,1.0,KAZ,2018\n\
             S-2,rif,s,,,,,\n",
        );
        let report = import_file(&app.db, Kind::Phenotypes, &file, &Options { source: Some("Lab A".into()), ..options() }).await.unwrap();
        assert_eq!(report.written["samples"], 2);
        assert_eq!(report.written["tests"], 2, "the repeated result is recorded once");
        let row = app.db.query_one(
            "SELECT s.country_id, s.sampling_date_start, s.sampling_date_end, t.concentration, m.method_name, g.medium_name, p.name \
             FROM submission_samplealias a JOIN submission_sample s ON s.id = a.sample_id \
             JOIN submission_pdstest t ON t.sample_alias_id = a.id \
             JOIN genphen_pdsassessmentmethod m ON m.method_id = t.method_id \
             JOIN genphen_growthmedium g ON g.medium_id = t.medium_id \
             JOIN submission_package p ON p.id = a.package_id WHERE a.name = 'S-1'",
            params![],
        ).await.unwrap();
        assert_eq!(row.get::<String>(0).unwrap(), "KAZ");
        assert_eq!(row.get::<time::Date>(1).unwrap(), time::macros::date!(2018-01-01));
        assert_eq!(row.get::<time::Date>(2).unwrap(), time::macros::date!(2019-01-01));
        assert_eq!(row.get::<f64>(3).unwrap(), 1.0);
        assert_eq!(row.get::<String>(4).unwrap(), "Proportions");
        assert_eq!(row.get::<String>(5).unwrap(), "MGIT");
        assert_eq!(row.get::<String>(6).unwrap(), "[SYSTEM] Lab A");
    }

    async fn associations_replace_and_skip_unknown_drugs(app) {
        let dir = tempfile::tempdir().unwrap();
        let file = write_plain(dir.path(), "gdra.csv", "Tier,Locus tag,Drug\n1,Rv1908c,Isoniazid\n2,Rv0667,rifampicin\n1,Rv0667,Nodrugicin\n");
        let report = import_file(&app.db, Kind::Associations, &file, &options()).await.unwrap();
        assert_eq!(report.rows, 3);
        assert_eq!(report.written["associations"], 2);
        assert_eq!(report.warnings.len(), 1);
        assert!(report.warnings[0].contains("no drug named Nodrugicin"), "{:?}", report.warnings);
        // A second file replaces the first.
        let file2 = write_plain(dir.path(), "gdra2.csv", "tier,locus,drug\n1,Rv0667,Rifampicin\n");
        import_file(&app.db, Kind::Associations, &file2, &options()).await.unwrap();
        assert_eq!(count(&app.db, "SELECT COUNT(*) FROM genphen_genedrugresistanceassociation").await, 1);
        // An unknown locus tag rejects the file and keeps what was there.
        let bad = write_plain(dir.path(), "gdra3.csv", "tier,locus,drug\n1,Rv9999,Rifampicin\n");
        let lines = rejected_lines(import_file(&app.db, Kind::Associations, &bad, &options()).await.unwrap_err());
        assert_eq!(lines, vec!["2: unknown locus tag \"Rv9999\""]);
        assert_eq!(count(&app.db, "SELECT COUNT(*) FROM genphen_genedrugresistanceassociation").await, 1);
    }

    async fn grades_link_to_variants_by_name_or_coordinates(app) {
        let dir = tempfile::tempdir().unwrap();
        let geno = write_plain(
            dir.path(),
            "Isoniazid_tier1.csv",
            "sample_id,resolved_symbol,variant_category,predicted_effect,neutral,max(af),position\n\
             1,katG,p.Ser315Thr,missense_variant,,0.99,2155167;2155168\n",
        );
        import_file(&app.db, Kind::Genotypes, &geno, &options()).await.unwrap();
        let grades = write_plain(
            dir.path(),
            "grades.csv",
            "drug,variant,grade,grade_version\nINH,katG_p.Ser315Thr,1) Assoc w R,2\nRIF,rpoB_p.Ser450Leu,1,2\nINH,1673425-C-T,2,\n",
        );
        let report = import_file(&app.db, Kind::Grades, &grades, &options()).await.unwrap();
        assert_eq!(report.written["grades"], 3);
        // The observed variant got its grade; the unobserved one exists by name now.
        let grade: i64 = app.db.query_one(
            "SELECT g.grade FROM genphen_variantgrade g JOIN genphen_variant v ON v.variant_id = g.variant_id \
             WHERE v.alternative_nucleotide = 'katG_p.Ser315Thr' AND g.grade_version = 2",
            params![],
        ).await.unwrap().get(0).unwrap();
        assert_eq!(grade, 1);
        let coords = app.db.query_one(
            "SELECT v.reference_nucleotide, v.alternative_nucleotide, g.grade_version FROM genphen_variantgrade g \
             JOIN genphen_variant v ON v.variant_id = g.variant_id WHERE v.position = 1673425",
            params![],
        ).await.unwrap();
        assert_eq!((coords.get::<String>(0).unwrap(), coords.get::<String>(1).unwrap(), coords.get::<i64>(2).unwrap()), ("C".into(), "T".into(), 2));
        // Re-importing updates in place.
        let before = snapshot(&app.db).await;
        import_file(&app.db, Kind::Grades, &grades, &options()).await.unwrap();
        assert_eq!(snapshot(&app.db).await, before);
        // The unobserved variant takes its position when a genotype file names it.
        let geno2 = write_plain(
            dir.path(),
            "Rifampicin_tier1.csv",
            "sample_id,resolved_symbol,variant_category,predicted_effect,neutral,max(af),position\n\
             2,rpoB,p.Ser450Leu,missense_variant,,1.0,761155\n",
        );
        import_file(&app.db, Kind::Genotypes, &geno2, &options()).await.unwrap();
        assert_eq!(count(&app.db, "SELECT COUNT(*) FROM genphen_variant WHERE alternative_nucleotide = 'rpoB_p.Ser450Leu'").await, 1);
        assert_eq!(count(&app.db, "SELECT position FROM genphen_variant WHERE alternative_nucleotide = 'rpoB_p.Ser450Leu'").await, 761155);
    }

    async fn pipeline_genotypes_and_resistance_by_sample_id(app) {
        let dir = tempfile::tempdir().unwrap();
        let pheno = write_plain(dir.path(), "p.csv", "sample,drug,result\nX1,INH,R\nX2,INH,S\n");
        import_file(&app.db, Kind::Phenotypes, &pheno, &options()).await.unwrap();
        let ids: Vec<i64> = app.db.query("SELECT id FROM submission_sample ORDER BY id", params![]).await.unwrap()
            .iter().map(|r| r.get(0).unwrap()).collect();
        let calls = format!(
            "freebayes,{a},NC_000962.3,2155168,,C,G,200,2,40,42,1/1\n\
             gatk,{a},NC_000962.3,2155168,,C,G,150,2,40,42,1/1\n\
             freebayes,{b},NC_000962.3,2155168,,C,G,90,30,10,40,0/1\n",
            a = ids[0], b = ids[1]
        );
        let file = write_plain(dir.path(), "12-genotype.csv", &calls);
        let report = import_file(&app.db, Kind::Genotypes, &file, &options()).await.unwrap();
        assert_eq!(report.written["calls"], 3);
        assert_eq!(count(&app.db, "SELECT COUNT(*) FROM genphen_variant WHERE position = 2155168 AND reference_nucleotide = 'C'").await, 1);
        assert_eq!(count(&app.db, "SELECT CAST(SUM(total_dp) AS BIGINT) FROM submission_genotype").await, 124);
        let bad = write_plain(dir.path(), "bad-genotype.csv", "freebayes,999999,NC_000962.3,5,,C,G,200,2,40,42,1/1\n");
        let lines = rejected_lines(import_file(&app.db, Kind::Genotypes, &bad, &options()).await.unwrap_err());
        assert!(lines[0].starts_with("1: no sample with id \"999999\""), "{lines:?}");

        // Resistance predictions by sample name in a source, replaced per sample, drug and version.
        let gr = write_plain(dir.path(), "gr.csv", "sample_id,drug,version,resistance_flag,variant\nX1,INH,2,R,katG_p.Ser315Thr\nX2,Isoniazid,2,S,\n");
        let with_source = Options { source: Some("Imported data".into()), ..options() };
        assert_eq!(import_file(&app.db, Kind::GenotypeResistance, &gr, &with_source).await.unwrap().written["predictions"], 2);
        let gr2 = write_plain(dir.path(), "gr2.csv", "sample_id,drug,version,resistance_flag,variant\nX2,INH,2,U,\n");
        import_file(&app.db, Kind::GenotypeResistance, &gr2, &with_source).await.unwrap();
        assert_eq!(count(&app.db, "SELECT COUNT(*) FROM submission_genotyperesistance").await, 2);
        assert_eq!(count(&app.db, "SELECT COUNT(*) FROM submission_genotyperesistance WHERE resistance_flag = 'U'").await, 1);
        let dup = write_plain(dir.path(), "gr3.csv", "sample_id,drug,version,resistance_flag,variant\nX1,INH,2,R,\nX1,INH,2,S,\n");
        let lines = rejected_lines(import_file(&app.db, Kind::GenotypeResistance, &dup, &with_source).await.unwrap_err());
        assert!(lines[0].starts_with("3: sample \"X1\" has a second prediction"), "{lines:?}");
    }
}
