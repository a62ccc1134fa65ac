//! The original's import tests (§11.3, §11.6) against its own fixture workbooks, with the
//! real seed reference data, plus the hostile inputs and the deliberate fixes.

use std::collections::HashMap;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use time::macros::date;
use time::Date;

use super::*;
use crate::domain::submission::DateRange;

const TODAY: Date = date!(2025 - 01 - 15);

fn tsv(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').collect())
        .collect()
}

/// §4.3 built from the seed TSVs (the same data the databases are seeded with).
pub(crate) fn seed_references() -> References {
    let drugs = tsv(include_str!("../../db/seed/drugs.tsv"));
    let id_by_name: HashMap<&str, i64> = drugs
        .iter()
        .map(|r| (r[1], r[0].parse().expect("seed drug id")))
        .collect();
    let mut refs = References::default();
    for r in tsv(include_str!("../../db/seed/drug_synonyms.tsv")) {
        if let Some(&id) = id_by_name.get(r[1]) {
            refs.drugs.insert(r[0].to_uppercase(), id);
        }
    }
    for (name, &id) in &id_by_name {
        refs.drugs.insert(name.to_uppercase(), id);
    }
    for r in tsv(include_str!("../../db/seed/countries.tsv")) {
        for key in [r[0], r[2], r[3], r.get(4).copied().unwrap_or("")] {
            if !key.is_empty() {
                refs.countries.insert(key.to_uppercase(), r[0].to_string());
            }
        }
    }
    for r in tsv(include_str!("../../db/seed/growth_media.tsv")) {
        refs.media
            .insert(r[1].to_uppercase(), r[0].parse().expect("seed medium id"));
    }
    for r in tsv(include_str!("../../db/seed/assessment_methods.tsv")) {
        refs.methods
            .insert(r[1].to_uppercase(), r[0].parse().expect("seed method id"));
    }
    refs
}

fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let path = format!("../shared/reference/original-fixtures/{dir}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse_bytes(kind: Kind, bytes: &[u8]) -> Result<Parsed, WorkbookError> {
    parse(kind, bytes, &seed_references(), TODAY, &Limits::default())
}

fn import(kind: Kind, name: &str) -> Result<Parsed, WorkbookError> {
    parse_bytes(kind, &fixture("file_import", name))
}

fn import_api(kind: Kind, name: &str) -> Parsed {
    parse_bytes(kind, &fixture("packages_api", name)).expect(name)
}

fn message(kind: Kind, name: &str) -> String {
    let error = import(kind, name).expect_err(name);
    assert_eq!(error.attr, Some("file"), "{name}");
    error.message
}

fn new_plan(parsed: &Parsed) -> ImportPlan<'_> {
    plan(parsed, &[]).expect("plan")
}

/// Tests per new alias name.
fn counts(plan: &ImportPlan<'_>) -> Vec<(String, usize)> {
    plan.new_aliases
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let n = plan
                .tests
                .iter()
                .filter(|t| t.alias == AliasRef::New(i))
                .count();
            (a.name.clone(), n)
        })
        .collect()
}

fn alias<'a>(plan: &'a ImportPlan<'_>, name: &str) -> &'a NewAlias {
    plan.new_aliases
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("{name}"))
}

fn days(start: Date, end: Date) -> Option<DateRange> {
    Some(DateRange { start, end })
}

fn pairs(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    list.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

#[test]
fn mic_valid() {
    let parsed = import(Kind::Mic, "mic_valid.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert_eq!(plan.tests.len(), 30);
    assert_eq!(
        counts(&plan),
        pairs(&[("SRR000010", 15), ("SRR000011", 13), ("SRR000012", 2)])
    );
    assert_eq!(alias(&plan, "SRR000010").country.as_deref(), Some("CHE"));
    assert_eq!(
        alias(&plan, "SRR000010").fastq_prefix.as_deref(),
        Some("abc")
    );
    assert_eq!(alias(&plan, "SRR000011").country.as_deref(), Some("FRA"));
    assert_eq!(
        alias(&plan, "SRR000011").sampling_date,
        days(date!(2013 - 09 - 22), date!(2013 - 09 - 23))
    );
    let plates: Vec<&str> = plan
        .tests
        .iter()
        .filter_map(|t| match &t.test {
            Test::Mic { plate, .. } => Some(plate.as_str()),
            Test::Pds { .. } => None,
        })
        .collect();
    assert!(plates.contains(&"UKMYC5") && plates.contains(&"MGIT"));
    assert!(parsed.not_used_columns.is_empty());
}

#[test]
fn mic_existing_alias_gets_its_missing_prefix() {
    let parsed = import(Kind::Mic, "mic_valid.xlsx").unwrap();
    let existing = [ExistingAlias {
        id: 7,
        name: "SRR000010".into(),
        fastq_prefix: None,
        country: None,
        sampling_date: days(date!(2001 - 01 - 01), date!(2002 - 01 - 01)),
    }];
    let plan = plan(&parsed, &existing).unwrap();
    assert_eq!(plan.updates.len(), 1);
    let update = &plan.updates[0];
    assert_eq!(
        (update.id, update.fastq_prefix.as_deref()),
        (7, Some("abc"))
    );
    // MIC never changes the sampling date; the country is the last row's (none: MGIT row).
    assert_eq!(update.sampling_date, existing[0].sampling_date);
    assert_eq!(update.country, None);
    assert_eq!(
        plan.tests
            .iter()
            .filter(|t| t.alias == AliasRef::Existing(7))
            .count(),
        15
    );
    assert_eq!(plan.new_aliases.len(), 2);
}

#[test]
fn mic_alias_without_results_is_skipped() {
    let parsed = import(Kind::Mic, "mic_contains_alias_without_results.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert_eq!(counts(&plan), pairs(&[("SRR000011", 13)]));
}

#[test]
fn mic_negative() {
    assert_eq!(message(Kind::Mic, "mic_no_tests.xlsx"), "No data found.");
    assert_eq!(
        message(Kind::Mic, "mic_unknown_drug_code.xlsx"),
        "WWW: Unknown drug code. Please check the column header values."
    );
    assert_eq!(
        message(Kind::Mic, "mic_wrong_range_value.xlsx"),
        "BDQ: Wrong range at SRR000010: ambiguous range format."
    );
}

#[test]
fn pdst1_valid() {
    let parsed = import(Kind::Pds, "pdst1__valid.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert_eq!(plan.tests.len(), 27);
    assert_eq!(counts(&plan), pairs(&[("STRAIN1", 14), ("STRAIN2", 13)]));
    assert_eq!(alias(&plan, "STRAIN1").country.as_deref(), Some("FRA"));
    assert_eq!(alias(&plan, "STRAIN2").country.as_deref(), Some("CHE"));
    assert_eq!(
        alias(&plan, "STRAIN1").sampling_date,
        days(date!(2016 - 01 - 01), date!(2017 - 01 - 01))
    );
    assert_eq!(
        alias(&plan, "STRAIN2").sampling_date,
        days(date!(2019 - 01 - 01), date!(2020 - 01 - 01))
    );
    assert_eq!(alias(&plan, "STRAIN1").fastq_prefix.as_deref(), Some("yty"));
    let concentrations: Vec<Option<f64>> = plan
        .tests
        .iter()
        .filter_map(|t| match *t.test {
            Test::Pds { concentration, .. } => Some(concentration),
            Test::Mic { .. } => None,
        })
        .collect();
    assert!(concentrations.contains(&Some(50.0)) && concentrations.contains(&None));
}

#[test]
fn pdst2_valid() {
    let parsed = import(Kind::Pds, "pdst2__valid.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert_eq!(plan.tests.len(), 25);
    let counts = counts(&plan);
    assert_eq!(
        &counts[..2],
        &pairs(&[("962-13", 10), ("915-2015", 13)])[..]
    );
    assert_eq!(alias(&plan, "962-13").country.as_deref(), Some("FRA"));
    assert_eq!(alias(&plan, "915-2015").country.as_deref(), Some("FRA"));
    assert_eq!(alias(&plan, "901").country.as_deref(), Some("CHE"));
    assert_eq!(
        alias(&plan, "962-13").sampling_date,
        days(date!(2011 - 01 - 01), date!(2012 - 01 - 01))
    );
    assert_eq!(
        alias(&plan, "915-2015").sampling_date,
        days(date!(2011 - 11 - 30), date!(2011 - 12 - 01))
    );
    assert_eq!(
        alias(&plan, "901").sampling_date,
        days(date!(2010 - 01 - 01), date!(2011 - 01 - 01))
    );
    let refs = seed_references();
    let lj = refs.media["LJ"];
    let with_lj: Vec<_> = plan
        .tests
        .iter()
        .filter_map(|t| match *t.test {
            Test::Pds {
                medium_id: Some(m),
                method_id,
                ..
            } if m == lj => Some(method_id),
            _ => None,
        })
        .collect();
    assert_eq!(with_lj, vec![Some(refs.methods["RESISTANCE RATIO"])]);
    assert_eq!(
        parsed.not_used_columns,
        vec!["Accession numbers from SRA database".to_string()]
    );
}

#[test]
fn pds_shapes() {
    let parsed = import(Kind::Pds, "pds_no_country.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert!(plan.new_aliases.iter().all(|a| a.country.is_none()));
    let parsed = import(Kind::Pds, "pds_no_yoi.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert!(plan.new_aliases.iter().all(|a| a.sampling_date.is_none()));
    let parsed = import(Kind::Pds, "pds_contains_alias_without_results.xlsx").unwrap();
    let plan = new_plan(&parsed);
    let names: Vec<&str> = plan.new_aliases.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["STRAIN1"]);
    let parsed = import(Kind::Pds, "pds_same_name_different_dst.xlsx").unwrap();
    let plan = new_plan(&parsed);
    assert_eq!(counts(&plan), pairs(&[("STRAIN1", 17)]));
}

#[test]
fn pds_unknown_drug_code_is_a_metadata_column() {
    let parsed = import(Kind::Pds, "pds_unknown_drug_code.xlsx").unwrap();
    assert_eq!(
        parsed.not_used_columns.len(),
        4,
        "{:?}",
        parsed.not_used_columns
    );
    assert_eq!(parsed.not_used_columns[0], "HHH (0.1)");
    assert_eq!(new_plan(&parsed).tests.len(), 22);
}

#[test]
fn pds_existing_alias_inherits_country_and_date() {
    let parsed = import(Kind::Pds, "pdst1__valid.xlsx").unwrap();
    let existing = [ExistingAlias {
        id: 3,
        name: "STRAIN1".into(),
        fastq_prefix: None,
        country: None,
        sampling_date: None,
    }];
    let plan = plan(&parsed, &existing).unwrap();
    assert_eq!(plan.updates.len(), 1);
    let update = &plan.updates[0];
    assert_eq!(update.country.as_deref(), Some("FRA"));
    assert_eq!(
        update.sampling_date,
        days(date!(2016 - 01 - 01), date!(2017 - 01 - 01))
    );
    assert_eq!(update.fastq_prefix.as_deref(), Some("yty"));
    assert_eq!(
        plan.tests
            .iter()
            .filter(|t| t.alias == AliasRef::Existing(3))
            .count(),
        14
    );
}

#[test]
fn pds_negative() {
    assert_eq!(
        message(Kind::Pds, "pds_unknown_test_result.xlsx"),
        "INH (0.1): Wrong test result at STRAIN1."
    );
    assert_eq!(
        message(Kind::Pds, "pds_unknown_country.xlsx"),
        "Country: Wrong value at STRAIN1: UWU."
    );
    assert_eq!(message(Kind::Pds, "pds_zero_tests.xlsx"), "No data found.");
}

#[test]
fn generic_negative_both_kinds() {
    let not_excel = "Excel file format cannot be determined, you must specify an engine manually.";
    let pair = "['Sample Id', 'DST Method']: Duplicated values in unique column(s).";
    let cases: [(&str, &str, &str); 7] = [
        (
            "empty_table.xlsx",
            "An empty table received.",
            "An empty table received.",
        ),
        (
            "duplicated_column_names.xlsx",
            "duplicated columns: BDQ",
            "duplicated columns: INH (0.1)",
        ),
        (
            "declared_column_missing.xlsx",
            "DST Method: declared column is missing.",
            "DST Method: declared column is missing.",
        ),
        (
            "empty_cells_in_mandatory_column.xlsx",
            "Sample Id: Empty values in mandatory column.",
            "Sample Id: Empty values in mandatory column.",
        ),
        ("broken_excel.xlsx", not_excel, not_excel),
        ("duplicate_values.xlsx", pair, pair),
        (
            "incorrect_date.xlsx",
            "Sampling date: Wrong value at SRR000011: 2060-10-01.",
            "Sampling date: Wrong value at SRR000010: 2050.",
        ),
    ];
    for (file, mic, pds) in cases {
        assert_eq!(message(Kind::Mic, file), mic, "MIC {file}");
        assert_eq!(message(Kind::Pds, file), pds, "PDST {file}");
    }
}

fn as_existing(plan: &ImportPlan<'_>) -> Vec<ExistingAlias> {
    plan.new_aliases
        .iter()
        .enumerate()
        .map(|(i, a)| ExistingAlias {
            id: i as i64 + 1,
            name: a.name.clone(),
            fastq_prefix: a.fastq_prefix.clone(),
            country: a.country.clone(),
            sampling_date: a.sampling_date,
        })
        .collect()
}

#[test]
fn duplicate_fastq_on_upsert() {
    let clash = WorkbookError {
        message: "fastq_prefix: Duplicated value \"abc\".".into(),
        attr: None,
    };
    for (first, second) in [(Kind::Mic, Kind::Pds), (Kind::Pds, Kind::Mic)] {
        let first_parsed = import(first, "duplicate_fastq_on_upsert.xlsx").unwrap();
        let first_plan = new_plan(&first_parsed);
        let second_parsed = import(second, "duplicate_fastq_on_upsert.xlsx").unwrap();
        assert_eq!(
            plan(&second_parsed, &as_existing(&first_plan)),
            Err(clash.clone())
        );
    }
}

#[test]
fn packages_api_fixtures() {
    let parsed = import_api(Kind::Mic, "mic_valid.xlsx");
    let plan = new_plan(&parsed);
    assert_eq!(
        counts(&plan),
        pairs(&[("SRR000010", 14), ("SRR000011", 13)])
    );
    assert_eq!(alias(&plan, "SRR000011").country.as_deref(), Some("FRA"));
    let parsed = import_api(Kind::Pds, "pdst1__valid.xlsx");
    let plan = new_plan(&parsed);
    assert_eq!(counts(&plan), pairs(&[("STRAIN1", 12), ("STRAIN2", 12)]));
    assert!(plan.new_aliases.iter().all(|a| a.country.is_none()));
    let parsed = import_api(Kind::Pds, "pdst2__valid.xlsx");
    let plan = new_plan(&parsed);
    assert_eq!(counts(&plan), pairs(&[("962-13", 9), ("915-2015", 10)]));
    let parsed = import_api(Kind::Pds, "pdst3__valid.xlsx");
    let plan = new_plan(&parsed);
    assert_eq!(counts(&plan), pairs(&[("962-13", 2), ("915-2015", 2)]));
}

#[test]
fn missing_sheet() {
    let bytes = fixture("file_import", "pdst1__valid.xlsx");
    assert_eq!(
        parse_bytes(Kind::Mic, &bytes).unwrap_err().message,
        "Worksheet named 'MIC' not found"
    );
    let bytes = fixture("file_import", "mic_valid.xlsx");
    assert_eq!(
        parse_bytes(Kind::Pds, &bytes).unwrap_err().message,
        "Worksheet named 'PDST' not found"
    );
}

// ---- workbooks written here: the fixes and hostile input ----

/// A `PDST` sheet from rows of strings ("" = no cell).
fn pdst_book(rows: &[&[&str]]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("PDST").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet.write(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn blank_rows_inside_are_skipped() {
    let bytes = pdst_book(&[
        &["Sample Id", "DST Method", "INH (0.1)"],
        &["S1", "MGIT", "R"],
        &[],
        &["", "  ", ""],
        &["S2", "LJ", "S"],
        &[],
    ]);
    let parsed = parse_bytes(Kind::Pds, &bytes).unwrap();
    let names: Vec<&str> = parsed.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["S1", "S2"]);
}

#[test]
fn date_cells_are_that_day() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("PDST").unwrap();
    let format = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in ["Sample Id", "DST Method", "Sampling date", "RIF"]
        .iter()
        .enumerate()
    {
        sheet.write(0, c as u16, *h).unwrap();
    }
    let day = ExcelDateTime::from_ymd(2011, 11, 30).unwrap();
    let moment = ExcelDateTime::from_ymd(2012, 2, 29)
        .unwrap()
        .and_hms(13, 30, 0)
        .unwrap();
    for (r, (name, when)) in [("A", day), ("B", moment)].into_iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write(r, 0, name).unwrap();
        sheet
            .write_datetime_with_format(r, 2, &when, &format)
            .unwrap();
        sheet.write(r, 3, "R").unwrap();
    }
    let parsed = parse_bytes(Kind::Pds, &workbook.save_to_buffer().unwrap()).unwrap();
    assert_eq!(
        parsed.rows[0].sampling_date,
        days(date!(2011 - 11 - 30), date!(2011 - 12 - 01))
    );
    assert_eq!(
        parsed.rows[1].sampling_date,
        days(date!(2012 - 02 - 29), date!(2012 - 03 - 01))
    );
}

#[test]
fn former_crashes_are_handled() {
    // A decimal comma in a concentration is a decimal.
    let parsed = parse_bytes(
        Kind::Pds,
        &pdst_book(&[&["Sample Id", "DST Method", "INH (0,4)"], &["S1", "", "R"]]),
    )
    .unwrap();
    assert!(
        matches!(parsed.rows[0].tests[0], Test::Pds { concentration: Some(c), .. } if c == 0.4)
    );
    // Headers with surrounding spaces are their stripped selves.
    let parsed = parse_bytes(
        Kind::Pds,
        &pdst_book(&[
            &[" Sample Id ", "DST Method", "Country ", " RIF "],
            &["S1", "MGIT", "fr", "S"],
        ]),
    )
    .unwrap();
    assert_eq!(parsed.rows[0].country.as_deref(), Some("FRA"));
    // MIC needs its plate.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("MIC").unwrap();
    for (c, h) in ["Sample Id", "DST Method", "BDQ"].iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, "S1").unwrap();
    sheet.write(1, 2, 0.5).unwrap();
    assert_eq!(
        parse_bytes(Kind::Mic, &workbook.save_to_buffer().unwrap())
            .unwrap_err()
            .message,
        "DST Method: Empty values in mandatory column."
    );
    // Numeric headers.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("PDST").unwrap();
    sheet.write(0, 0, 1).unwrap();
    sheet.write(0, 1, 2).unwrap();
    sheet.write(1, 0, "x").unwrap();
    assert_eq!(
        parse_bytes(Kind::Pds, &workbook.save_to_buffer().unwrap())
            .unwrap_err()
            .message,
        "Not all columns names are string."
    );
}

#[test]
fn numbers_are_read_as_their_text() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("MIC").unwrap();
    for (c, h) in ["Sample Id", "DST Method", "BDQ", "INH"].iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, 901).unwrap();
    sheet.write(1, 1, "UKMYC5").unwrap();
    sheet.write(1, 2, 0.06).unwrap();
    sheet.write(1, 3, 1e-7).unwrap();
    let error = parse_bytes(Kind::Mic, &workbook.save_to_buffer().unwrap()).unwrap_err();
    assert_eq!(
        error.message,
        "INH: Wrong range at 901: unsupported numeric range format."
    );
}

#[test]
fn hostile_input() {
    let limits = Limits {
        max_rows: 10,
        max_cell_chars: 100,
        max_uncompressed_bytes: 200_000,
    };
    let refs = seed_references();
    let run = |bytes: &[u8], limits: &Limits| {
        parse(Kind::Pds, bytes, &refs, TODAY, limits)
            .unwrap_err()
            .message
    };

    // Not a zip, an xls (OLE) file, a zip that is not a workbook.
    let not_excel = read::NOT_EXCEL;
    assert_eq!(run(b"just some text", &limits), not_excel);
    assert_eq!(
        run(
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            &limits
        ),
        not_excel
    );
    assert_eq!(
        run(&super::template::templates_zip(&[]), &limits),
        not_excel
    );
    assert_eq!(run(b"PK\x03\x04 truncated", &limits), not_excel);

    // Too many rows.
    let mut rows: Vec<Vec<String>> =
        vec![vec!["Sample Id".into(), "DST Method".into(), "RIF".into()]];
    rows.extend((0..11).map(|i| vec![format!("S{i}"), "MGIT".into(), "R".into()]));
    let rows_ref: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = rows_ref.iter().map(Vec::as_slice).collect();
    assert_eq!(
        run(&pdst_book(&slices), &limits),
        "The sheet has more than 10 rows."
    );

    // A huge cell.
    let long = "x".repeat(101);
    assert_eq!(
        run(
            &pdst_book(&[&["Sample Id", "DST Method", "RIF"], &[&long, "MGIT", "R"]]),
            &limits
        ),
        "A cell holds more than 100 characters."
    );

    // A zip bomb: a highly compressible sheet far larger than the limit once inflated.
    let filler = "a".repeat(30_000);
    let mut bomb = Workbook::new();
    let sheet = bomb.add_worksheet().set_name("PDST").unwrap();
    for r in 0..10 {
        sheet.write(r, 0, filler.as_str()).unwrap();
        sheet.write(r, 1, format!("{filler}{r}")).unwrap();
    }
    let bytes = bomb.save_to_buffer().unwrap();
    assert!(bytes.len() < 50_000);
    let small = Limits {
        max_cell_chars: 100_000,
        ..limits
    };
    assert_eq!(
        run(&bytes, &small),
        "The workbook is too large once uncompressed."
    );
}

#[test]
fn fifty_thousand_rows() {
    let bytes = super::template::example_pdst_workbook(50_000);
    let parsed = parse_bytes(Kind::Pds, &bytes).unwrap();
    assert_eq!(parsed.rows.len(), 50_000);
    let plan = new_plan(&parsed);
    assert_eq!(plan.new_aliases.len(), 50_000);
    assert_eq!(plan.tests.len(), 50_000 * 6);
}

/// The templates' sheets and headers are compared with the original's over HTTP
/// (tests/it/api_templates.rs); here, their example rows parse.
#[test]
fn template_examples_parse() {
    use std::io::{Cursor, Read};
    let codes: Vec<String> = tsv(include_str!("../../db/seed/drugs.tsv"))
        .iter()
        .map(|r| r[2].to_string())
        .collect();
    let generated = super::template::templates_zip(&codes);
    let member = |zip: &[u8], name: &str| {
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let mut bytes = Vec::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    };
    // The example sheets import cleanly.
    let mic = parse_bytes(Kind::Mic, &member(&generated, "MIC.xlsx")).unwrap();
    assert_eq!(mic.rows.len(), 2);
    let pdst = parse_bytes(Kind::Pds, &member(&generated, "phenotypicDST.xlsx")).unwrap();
    assert_eq!(pdst.rows.len(), 5);
}
