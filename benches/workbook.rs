//! Cost of reading a 50,000-row PDST workbook (six results per row, 300,000 tests) and
//! planning its import: `bench/workbook.sh` runs this under `/usr/bin/time -v` for the
//! peak memory too.

use std::collections::HashMap;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use tbseq::domain::workbook::{parse, plan, template, Kind, Limits, References};

const ROWS: usize = 50_000;

fn seed(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/src/db/seed/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .expect("seed table")
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// §4.3 from the seed tables, as the import builds it from the database.
fn references() -> References {
    let ids: HashMap<String, i64> = seed("drugs.tsv")
        .into_iter()
        .map(|r| (r[1].clone(), r[0].parse().expect("drug id")))
        .collect();
    let mut refs = References::default();
    for r in seed("drug_synonyms.tsv") {
        if let Some(&id) = ids.get(&r[1]) {
            refs.drugs.insert(r[0].to_uppercase(), id);
        }
    }
    for (name, &id) in &ids {
        refs.drugs.insert(name.to_uppercase(), id);
    }
    for r in seed("countries.tsv") {
        for key in r
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, k)| k)
        {
            if !key.is_empty() {
                refs.countries.insert(key.to_uppercase(), r[0].clone());
            }
        }
    }
    for r in seed("growth_media.tsv") {
        refs.media
            .insert(r[1].to_uppercase(), r[0].parse().expect("medium id"));
    }
    for r in seed("assessment_methods.tsv") {
        refs.methods
            .insert(r[1].to_uppercase(), r[0].parse().expect("method id"));
    }
    refs
}

fn benches(c: &mut Criterion) {
    let refs = references();
    let bytes = template::example_pdst_workbook(ROWS);
    let today = time::OffsetDateTime::now_utc().date();
    let limits = Limits::default();

    let start = Instant::now();
    let parsed = parse(Kind::Pds, &bytes, &refs, today, &limits).expect("the sheet parses");
    let parse_time = start.elapsed();
    let planned = plan(&parsed, &[]).expect("the plan");
    eprintln!(
        "one run: {} bytes of xlsx, {} rows, {} tests; parse {:?}, parse+plan {:?}",
        bytes.len(),
        parsed.rows.len(),
        planned.tests.len(),
        parse_time,
        start.elapsed()
    );
    drop(planned);
    drop(parsed);

    let mut group = c.benchmark_group("workbook");
    group.sample_size(10);
    group.bench_function("parse_pdst_50k_rows", |b| {
        b.iter(|| parse(Kind::Pds, &bytes, &refs, today, &limits).expect("parses"))
    });
    group.finish();
}

criterion_group!(workbook, benches);
criterion_main!(workbook);
