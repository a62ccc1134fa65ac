//! The summary tables themselves, on both databases: what each holds, that a refresh records
//! itself, gives the same tables when repeated, and is atomic for readers.

use crate::catalogue_fixtures;

use catalogue_fixtures::*;
use tbseq::db::repo::SUMMARY_TABLES;
use tbseq::db::Value;
use tbseq::params;

/// `(variant, gene name, effect, rank)` rows of the ranking, sorted.
async fn ranking(fx: &Fixtures, table: &str, rank_column: &str) -> Vec<(i64, String, String, i64)> {
    let rows = fx
        .db
        .query(
            &format!("SELECT variant_id, gene_name, predicted_effect, {rank_column} FROM {table} ORDER BY variant_id, {rank_column}, gene_name, predicted_effect"),
            params![],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get(0).unwrap(),
                r.get(1).unwrap(),
                r.get(2).unwrap(),
                r.get::<Option<i64>>(3).unwrap().unwrap_or(-1),
            )
        })
        .collect()
}

async fn annotation(
    fx: &Fixtures,
    variant: i64,
    dbxref: i64,
    hgvs: &str,
    effect: &str,
    distance: Option<i64>,
) {
    let id: i64 = fx
        .db
        .query_one(
            "INSERT INTO genphen_annotation (reference_db_crossref_id, hgvs_value, predicted_effect, distance_to_reference) \
             VALUES ($1, $2, $3, $4) RETURNING annotation_id",
            params![dbxref, hgvs, effect, distance],
        )
        .await
        .unwrap()
        .get(0)
        .unwrap();
    fx.exec(
        "INSERT INTO genphen_varianttoannotation (variant_id, annotation_id) VALUES ($1, $2)",
        params![variant, id],
    )
    .await;
}

both_backends! {
    async fn annotations_are_ranked_per_variant(app) {
        let fx = Fixtures::new(&app).await;
        // dnaA's protein, so that protein-level annotations resolve to the gene.
        let protein = fx.count("INSERT INTO biosql_dbxref (dbname, accession) VALUES ('Protein', 'NP_214515.1') RETURNING dbxref_id").await;
        fx.exec("UPDATE overview_gene SET protein_db_crossref_id = $1 WHERE gene_db_crossref_id = $2", params![protein, DNAA]).await;
        let orphan = fx.count("INSERT INTO biosql_dbxref (dbname, accession) VALUES ('GeneID', 'none') RETURNING dbxref_id").await;
        let v = fx.variant(10, "C", "T").await;
        annotation(&fx, v, protein, "p.Ala4Val", "missense_variant", None).await;
        annotation(&fx, v, DNAA, "c.10C>T", "synonymous_variant", None).await;
        annotation(&fx, v, DNAN, "c.-30C>T", "upstream_gene_variant", Some(30)).await;
        annotation(&fx, v, RV0004, "c.*5C>T", "downstream_gene_variant", Some(5)).await;
        annotation(&fx, v, RV0004, "c.1+1C>T", "intron_variant", None).await;
        annotation(&fx, v, orphan, "n.1C>T", "missense_variant", None).await;
        let w = fx.variant(20, "G", "A").await;
        annotation(&fx, w, DNAA, "n.20G>A", "non_coding_transcript_exon_variant", None).await;
        annotation(&fx, w, DNAN, "n.21G>A", "non_coding_transcript_exon_variant", None).await;
        fx.refresh().await;
        let s = |x: &str| x.to_string();
        assert_eq!(ranking(&fx, "genphen_rankedannotation", "rank").await, vec![
            (v, s("dnaA"), s("missense_variant"), 1),
            (v, s("dnaA"), s("synonymous_variant"), 2),
            (v, s("Rv0004"), s("downstream_gene_variant"), 3),
            (v, s("dnaN"), s("upstream_gene_variant"), 4),
            (v, s("Rv0004"), s("intron_variant"), 5),
            (w, s("dnaA"), s("non_coding_transcript_exon_variant"), 1),
            (w, s("dnaN"), s("non_coding_transcript_exon_variant"), 1),
        ]);
        // The preferred annotations are the rank-1 rows, ties included.
        let preferred: Vec<(i64, String)> = ranking(&fx, "genphen_preferredannotation", "mii").await
            .into_iter().map(|(variant, gene, _, _)| (variant, gene)).collect();
        assert_eq!(preferred, vec![(v, s("dnaA")), (w, s("dnaA")), (w, s("dnaN"))]);
    }

    async fn multi_nucleotide_variants_are_decomposed(app) {
        let fx = Fixtures::new(&app).await;
        let mnv = fx.variant(100, "ACG", "TCA").await;
        let snv = fx.variant(100, "A", "T").await;
        fx.variant(100, "AC", "ACG").await; // an insertion: not decomposed
        fx.exec(
            "INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide) VALUES ('other', 102, 'G', 'A')",
            params![],
        ).await;
        fx.refresh().await;
        let rows = fx.db.query(
            "SELECT mnv_variant_id, single_variant_id FROM genphen_multiplevariantdecomposition ORDER BY single_variant_id IS NULL, single_variant_id",
            params![],
        ).await.unwrap();
        let pairs: Vec<(i64, Option<i64>)> = rows.iter().map(|r| (r.get(0).unwrap(), r.get(1).unwrap())).collect();
        // A>T at 100 was observed; G>A at 102 only on another chromosome.
        assert_eq!(pairs, vec![(mnv, Some(snv)), (mnv, None)]);
    }

    async fn drug_gene_pairs_are_distinct(app) {
        let fx = Fixtures::new(&app).await;
        let inh = fx.drug("INH").await;
        fx.associate(DNAA, inh, 1).await;
        fx.associate(DNAA, inh, 2).await;
        fx.associate(RV0004, inh, 1).await;
        fx.refresh().await;
        let mut expected = vec![
            format!("{:?}", [Value::Int(DNAA), Value::Int(inh), Value::Text("dnaA".into()), Value::Text("Isoniazid".into())]),
            format!("{:?}", [Value::Int(RV0004), Value::Int(inh), Value::Text("Rv0004".into()), Value::Text("Isoniazid".into())]),
        ];
        expected.sort();
        assert_eq!(fx.snapshot("overview_druggene").await, expected);
    }

    async fn a_phenotype_is_the_agreeing_result_of_a_sample(app) {
        let fx = Fixtures::new(&app).await;
        let (inh, rif) = (fx.drug("INH").await, fx.drug("RIF").await);
        let (s, a) = fx.named_sample(Some("FRA"), Some(year(2020))).await;
        fx.pds(s, a, inh, None, false).await;
        fx.pds(s, a, inh, Some("R"), false).await; // {NULL, R}: R, once
        fx.pds(s, a, rif, None, false).await; // only NULL: no phenotype
        let (t, b) = fx.named_sample(None, None).await;
        fx.pds(t, b, inh, Some("S"), true).await; // staging only: no phenotype
        fx.pds(t, b, rif, Some("S"), false).await;
        fx.pds(t, b, rif, Some("S"), false).await; // agreeing twice: S, once
        // A result on an alias not matched to any sample is no sample's phenotype.
        let loose = fx.alias(None, "loose", None, false).await;
        fx.exec(
            "INSERT INTO submission_pdstest (test_result, staging, sample_alias_id, drug_id, package_id) VALUES ('R', FALSE, $1, $2, $3)",
            params![loose, inh, fx.package],
        ).await;
        fx.refresh().await;
        let rows = fx.db.query(
            "SELECT sample_id, drug_id, test_result, country_id, sampling_date_start, sampling_date_end \
             FROM overview_sampledrugresult ORDER BY sample_id, drug_id",
            params![],
        ).await.unwrap();
        type Phenotype = (i64, i64, String, Option<String>, Option<time::Date>);
        let got: Vec<Phenotype> = rows.iter()
            .map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap(), r.get(3).unwrap(), r.get(4).unwrap()))
            .collect();
        assert_eq!(got, vec![
            (s, inh, "R".into(), Some("FRA".into()), Some(year(2020).0)),
            (t, rif, "S".into(), None, None),
        ]);
        assert_eq!(rows[0].get::<Option<time::Date>>(5).unwrap(), Some(year(2020).1));
    }

    async fn a_refresh_records_every_table(app) {
        let fx = Fixtures::new(&app).await;
        annotations(&fx).await;
        let report = fx.refresh().await;
        let tables: Vec<&str> = report.tables.iter().map(|t| t.table).collect();
        assert_eq!(tables, SUMMARY_TABLES.to_vec());
        for t in &report.tables {
            let rows = fx.count(&format!("SELECT COUNT(*) FROM {}", t.table)).await;
            assert_eq!(t.rows as i64, rows, "{}", t.table);
            let recorded = fx.count(&format!("SELECT row_count FROM summary_refresh WHERE name = '{}'", t.table)).await;
            assert_eq!(recorded, rows, "{}", t.table);
        }
        assert_eq!(fx.count("SELECT COUNT(*) FROM summary_refresh").await, SUMMARY_TABLES.len() as i64);
        assert_eq!(fx.count("SELECT COUNT(*) FROM overview_globalresistancestats").await, 1);
        assert_eq!(fx.count("SELECT COUNT(*) FROM overview_genedrugstats").await, 2);
    }

    async fn refreshing_twice_gives_identical_tables(app) {
        let fx = Fixtures::new(&app).await;
        let a = annotations(&fx).await;
        let rif = fx.drug("RIF").await;
        fx.prediction(a.samples[0], rif, 2, "R", "rpoB_p.Ser450Leu").await;
        fx.tested_sample(Some("KAZ"), Some(year(2021)), &[(rif, "R"), (a.inh, "R")]).await;
        fx.refresh().await;
        let mut first = Vec::new();
        for table in SUMMARY_TABLES {
            first.push(fx.snapshot(table).await);
        }
        for (table, rows) in SUMMARY_TABLES.iter().zip(&first) {
            if table.starts_with("overview_") {
                assert!(!rows.is_empty(), "{table} is empty: the comparison would prove little");
            }
        }
        fx.refresh().await;
        for (table, before) in SUMMARY_TABLES.iter().zip(first) {
            assert_eq!(fx.snapshot(table).await, before, "{table}");
        }
    }

    async fn readers_never_see_a_half_built_summary(app) {
        let fx = Fixtures::new(&app).await;
        let inh = fx.drug("INH").await;
        let batch = |n: usize| {
            let fx = &fx;
            async move {
                for i in 0..n {
                    fx.tested_sample(None, None, &[(inh, if i % 3 == 0 { "R" } else { "S" })]).await;
                }
            }
        };
        batch(150).await;
        fx.refresh().await;
        batch(150).await;
        // One statement reads two tables: both old or both new, never empty, never mixed.
        let read = || async {
            let row = app.db.query_one(
                "SELECT (SELECT COUNT(*) FROM overview_sampledrugresult), \
                 (SELECT CAST(SUM(susceptible + resistant + intermediate) AS BIGINT) FROM overview_sampledrugresultstats), \
                 (SELECT COUNT(*) FROM overview_globalresistancestats)",
                params![],
            ).await.unwrap();
            (row.get::<i64>(0).unwrap(), row.get::<Option<i64>>(1).unwrap(), row.get::<i64>(2).unwrap())
        };
        let done = std::sync::atomic::AtomicBool::new(false);
        let reader = async {
            let mut seen = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                seen.push(read().await);
                tokio::task::yield_now().await;
            }
            seen.push(read().await);
            seen
        };
        let writer = async {
            fx.refresh().await;
            done.store(true, std::sync::atomic::Ordering::Release);
        };
        let (seen, ()) = futures::join!(reader, writer);
        // The reader started before the rebuild committed, so it saw the old tables whole.
        assert!(seen.iter().any(|s| s.0 == 150), "no read overlapped the refresh: {seen:?}");
        for &(results, stats, global) in &seen {
            assert!(results == 150 || results == 300, "{seen:?}");
            assert_eq!(stats, Some(results), "{seen:?}");
            assert_eq!(global, 1, "{seen:?}");
        }
        assert_eq!(seen.last().unwrap().0, 300);
    }
}
