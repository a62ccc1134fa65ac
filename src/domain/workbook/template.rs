//! The downloadable `resistance_templates_1.zip` (§4.1): `MIC.xlsx` and
//! `phenotypicDST.xlsx` with the original's sheets, texts and example rows, plus drop-down
//! lists (drug codes on the header row, results and DST methods in PDST) so users pick
//! values the importer accepts. Generated rather than shipped so the drug list follows the
//! database.

use std::io::{Cursor, Write};

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, Formula, Workbook, Worksheet, XlsxError,
};

/// Rows of the "Accepted drug codes" sheet (documentation; the lookup is the database).
const DRUG_CODES: [&[&str]; 26] = [
    &["Amikacin", "AM", "AMI", "AMK"],
    &["Azithromycin", "AZT"],
    &["Bedaquiline", "BDQ"],
    &["Capreomycin", "CAP", "CM"],
    &["Ciprofloxacin", "CIP"],
    &["Clarithromycin", "CLR"],
    &["Clofazimine", "CFZ"],
    &["Cycloserine", "CS", "CYC", "DCS"],
    &["Delamanid", "DLD", "DLM"],
    &["Ethambutol", "E", "EMB"],
    &["Ethionamide", "ETH", "ETO"],
    &["Gatifloxacin", "GFX"],
    &["Isoniazid", "H", "INH"],
    &["Kanamycin", "KAN", "KM"],
    &["Levofloxacin", "LEV", "LEVO", "LFX", "LVX"],
    &["Linezolid", "LZD"],
    &["Moxifloxacin", "MFX", "MOX", "MOXI", "MXF"],
    &["Ofloxacin", "OFL", "OFX"],
    &["Para-Aminosalicylic Acid", "PAS"],
    &["Pretomanid", "PA", "PA-824", "PMD"],
    &["Prothionamide", "PTO"],
    &["Pyrazinamide", "PZA", "Z"],
    &["Rifabutin", "MB", "RFB"],
    &["Rifampicin", "R", "RIF"],
    &["Sitafloxacin", "SIT", "STX"],
    &["Streptomycin", "S", "STM", "STR"],
];

/// The DST methods of the "Accepted row values" sheet (growth media of the seed data).
const DST_METHODS: [&str; 10] = [
    "MGIT",
    "BACTEC460",
    "LJ",
    "Agar",
    "Middlebrook7H9",
    "Middlebrook7H10",
    "Middlebrook7H11",
    "Waynes",
    "Marks Biphasic",
    "MODS",
];
const RESULTS: [&str; 3] = ["R", "S", "I"];

const SAMPLE_ID_HELP: &str = "Unique identifier for the sample. For publicly available sequencing data, any of: BioSample accession key (e.g. SAMEA112188687), SRA accession key (e.g. ERS14298576) or Sequencing run accession key (e.g. ERR10748093) can be used. For non-publicly available sequencing data, internal sample labels can be provided. Missing values are not accepted.";
const PREFIX_HELP_TAIL: &str = "provide FASTQ filename prefix to be used to match this sample with the uploaded sequencing data. If left empty, the Sample Id value will be used as a prefix for matching. Missing values are accepted";

const MIC_HEADERS: [&str; 17] = [
    "Sample Id",
    "DST Method",
    "FASTQ prefix",
    "BDQ",
    "KAN",
    "AMK",
    "EMB",
    "INH",
    "LEV",
    "MXF",
    "DLM",
    "ETH",
    "LZD",
    "CFZ",
    "RIF",
    "RFB",
    "PAS",
];
const PDST_HEADERS: [&str; 11] = [
    "Sample Id",
    "FASTQ prefix",
    "Country",
    "Sampling date",
    "DST Method",
    "STR",
    "INH (0.2)",
    "INH (0.1)",
    "RIF (0.5)",
    "RIF (1)",
    "PZA (100)",
];

/// A cell of an example row.
enum Ex {
    S(&'static str),
    N(f64),
    E,
}
use Ex::{E, N, S};

/// How many rows (and header columns) the drop-downs cover.
const LAST_ROW: u32 = 1_000;
const LAST_COL: u16 = 60;

/// The zip, with both workbooks; `drug_codes` feed the header drop-downs.
pub fn templates_zip(drug_codes: &[String]) -> Vec<u8> {
    let mic = mic_workbook(drug_codes).expect("the MIC template is static and valid");
    let pdst = pdst_workbook(drug_codes).expect("the PDST template is static and valid");
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // xlsx files are zips already: store them.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [("MIC.xlsx", mic), ("phenotypicDST.xlsx", pdst)] {
        zip.start_file(name, options).expect("writing to memory");
        zip.write_all(&bytes).expect("writing to memory");
    }
    zip.finish().expect("writing to memory").into_inner()
}

fn mic_workbook(drug_codes: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let help = workbook.add_worksheet().set_name("Instructions of use")?;
    instructions(
        help,
        "MIC",
        &[
            ("Sample Id", SAMPLE_ID_HELP.to_string()),
            ("FASTQ prefix", format!("For non-publicly available sequencing data, {PREFIX_HELP_TAIL}")),
            ("DST Method", "Specify the method used for obtaining the minimum inhibitory concentration value. If a plate designed was used, provide the plate name. Otherwise provide the medium name. Any text value will be accepted.".into()),
            ("STR", "MIC values. Digits are accepted, together with optional signs: ≤>(,]. Range notations are accepted as well. For instance, if growth was observed at 1 mg/L and inhibition observed at 2 mg/L, the result should be encoded as (1, 2].".into()),
            ("INH", String::new()),
            ("RIF", String::new()),
            ("RIF", String::new()),
            ("EMB", String::new()),
            ("PZA", String::new()),
        ],
    )?;
    let codes = workbook.add_worksheet().set_name("Accepted drug codes")?;
    accepted_codes(codes, "Accepted case-insensitive codes", drug_codes)?;
    let sheet = workbook.add_worksheet().set_name("MIC")?;
    let examples: [&[Ex]; 2] = [
        &[
            S("SRR000010"),
            S("UKMYC5"),
            E,
            N(0.06),
            S("≤ 1"),
            S("≤ 0.25"),
            N(8.0),
            S("> 1.6"),
            S("(4, 8]"),
            N(2.0),
            S("≤ 0.015"),
            S("(0.25, 0.5]"),
            N(0.25),
            S("≤ 0.0625"),
            S("> 4"),
            S("> 2"),
            S("≤ 0.125"),
        ],
        &[
            S("SRR000011"),
            S("UKMYC6"),
            E,
            N(0.015),
            S(">16"),
            S(">16"),
            N(8.0),
            N(3.2),
            S(" (1, 2]"),
            N(0.5),
            S("≤0,008"),
            N(8.0),
            N(0.12),
            N(0.12),
            S(">8"),
            S(">2"),
            E,
        ],
    ];
    data_sheet(sheet, &MIC_HEADERS, &examples)?;
    drug_dropdown(sheet, 3, drug_codes)?;
    workbook.save_to_buffer()
}

fn pdst_workbook(drug_codes: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let help = workbook.add_worksheet().set_name("Instructions of use")?;
    instructions(
        help,
        "PDST",
        &[
            ("Sample Id", SAMPLE_ID_HELP.to_string()),
            ("FASTQ prefix", format!("For non-publicly available data, {PREFIX_HELP_TAIL}")),
            ("Country", "Provide two or three letter ISO 3166 code of country of isolation. Missing values are accepted.".into()),
            ("Sampling date", "Provide ISO8601 sampling dates. Can be either a year (2010), a month (2010-10) or a day (2010-10-21). When using excel, be careful to format the cells as Text and not as Date. Missing values are accepted.".into()),
            ("DST Method", "Specify the phenotypic DST method used. Refer to \"Accepted row values\" sheet. Missing values are accepted. If more than one DST Method was tested for a given sample, multiple rows with duplicated SampleId are accepted.".into()),
            ("STR", "Binary phenotype for the drug considered. Untested drugs need not appear as columns. Please refer to \"Accepted drug codes\" sheet for the header value.  Please refer to \"Accepted row values\" for the cell values. The number in brackets indicates the concentration at which the drug was tested. If unknown, only use the drug code as the header value. Add as many as needed rows using drug code and concentration values combinations. Missing values are accepted. Drug codes are case-insensitive. Multiple columns indicating different concentrations for the same drug are allowed.".into()),
            ("INH (0.4)", String::new()),
            ("RIF (0.5)", String::new()),
            ("RIF (1)", String::new()),
            ("EMB", String::new()),
            ("PZA (100)", String::new()),
        ],
    )?;
    let codes = workbook.add_worksheet().set_name("Accepted drug codes")?;
    accepted_codes(
        codes,
        "Accepted case-insensitive codes as column headers",
        drug_codes,
    )?;
    let values = workbook.add_worksheet().set_name("Accepted row values")?;
    values.write(0, 0, "DST Method")?;
    values.write(0, 2, "Drug phenotypic result")?;
    for (i, method) in DST_METHODS.iter().chain(["(empty)"].iter()).enumerate() {
        values.write(i as u32 + 1, 0, *method)?;
    }
    for (i, result) in RESULTS.iter().chain(["(empty)"].iter()).enumerate() {
        values.write(i as u32 + 1, 2, *result)?;
    }
    values.set_column_width(0, 20)?;
    values.set_column_width(2, 24)?;

    let sheet = workbook.add_worksheet().set_name("PDST")?;
    let examples: [&[Ex]; 5] = [
        &[
            S("STRAIN1"),
            E,
            S("FRA"),
            S("2019"),
            S("MGIT"),
            S("S"),
            E,
            S("R"),
            S("S"),
            S("S"),
            S("S"),
        ],
        &[
            S("STRAIN2"),
            S("Sample1"),
            E,
            S("2019-12"),
            S("LJ"),
            S("S"),
            S("S"),
            E,
            E,
            E,
            E,
        ],
        &[
            S("STRAIN4"),
            E,
            S("CH"),
            S("2019-09"),
            S("LJ"),
            S("S"),
            S("S"),
            E,
            E,
            E,
            E,
        ],
        &[
            S("STRAIN5"),
            E,
            S("CH"),
            S("2020-02-29"),
            S("MGIT"),
            E,
            E,
            S("S"),
            S("R"),
            S("R"),
            S("R"),
        ],
        &[S("STRAIN5"), E, E, E, S("LJ"), S("S"), S("S"), E, E, E, E],
    ];
    data_sheet(sheet, &PDST_HEADERS, &examples)?;
    // Sampling dates typed into a Text column are not turned into Excel dates.
    sheet.set_column_format(3, &Format::new().set_num_format("@"))?;
    drug_dropdown(sheet, 5, drug_codes)?;
    let methods = DataValidation::new()
        .allow_list_strings(&DST_METHODS)?
        .set_error_style(DataValidationErrorStyle::Warning)
        .set_error_title("Unknown DST method")?
        .set_error_message("See the \"Accepted row values\" sheet.")?;
    sheet.add_data_validation(1, 4, LAST_ROW, 4, &methods)?;
    let results = DataValidation::new()
        .allow_list_strings(&RESULTS)?
        .set_error_style(DataValidationErrorStyle::Warning)
        .set_error_title("Unknown result")?
        .set_error_message("Results are R, S, I or empty.")?;
    sheet.add_data_validation(1, 5, LAST_ROW, LAST_COL, &results)?;
    workbook.save_to_buffer()
}

fn instructions(
    sheet: &mut Worksheet,
    name: &str,
    rows: &[(&str, String)],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    sheet.write_string_with_format(
        0,
        0,
        format!("All results will be read from the sheet named \"{name}\" (case-sensitive)"),
        &bold,
    )?;
    sheet.write_string_with_format(
        1,
        0,
        "Column header\nCase senstitive",
        &bold.clone().set_text_wrap(),
    )?;
    sheet.write_string_with_format(1, 1, "Description", &bold)?;
    for (i, (header, help)) in rows.iter().enumerate() {
        let row = i as u32 + 2;
        sheet.write(row, 0, *header)?;
        if !help.is_empty() {
            sheet.write_string_with_format(row, 1, help, &wrap)?;
        }
    }
    sheet.write(
        rows.len() as u32 + 2,
        0,
        "Add as many as needed drug results columns",
    )?;
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 100)?;
    Ok(())
}

/// The original's table; the database's codes follow in column G for the drop-downs
/// when they do not fit Excel's 255-character inline list.
fn accepted_codes(
    sheet: &mut Worksheet,
    title: &str,
    drug_codes: &[String],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, "Drug", &bold)?;
    sheet.write_string_with_format(0, 1, title, &bold)?;
    for (i, row) in DRUG_CODES.iter().enumerate() {
        for (j, text) in row.iter().enumerate() {
            sheet.write(i as u32 + 1, j as u16, *text)?;
        }
    }
    if !fits_inline(drug_codes) {
        for (i, code) in drug_codes.iter().enumerate() {
            sheet.write(i as u32 + 1, 6, code)?;
        }
    }
    sheet.set_column_width(0, 24)?;
    Ok(())
}

fn fits_inline(drug_codes: &[String]) -> bool {
    drug_codes
        .iter()
        .map(|c| c.chars().count() + 1)
        .sum::<usize>()
        <= 256
}

/// Header cells from `first_col` offer the drug codes; any other text (a concentration,
/// a metadata column) stays allowed.
fn drug_dropdown(
    sheet: &mut Worksheet,
    first_col: u16,
    drug_codes: &[String],
) -> Result<(), XlsxError> {
    if drug_codes.is_empty() {
        return Ok(());
    }
    let validation = if fits_inline(drug_codes) {
        DataValidation::new().allow_list_strings(drug_codes)?
    } else {
        let last = drug_codes.len() + 1;
        DataValidation::new().allow_list_formula(Formula::new(format!(
            "='Accepted drug codes'!$G$2:$G${last}"
        )))
    };
    let validation = validation
        .show_error_message(false)
        .set_input_title("Drug code")?
        .set_input_message(
            "Pick a drug code, optionally followed by a concentration, e.g. INH (0.1).",
        )?;
    sheet.add_data_validation(0, first_col, 0, LAST_COL, &validation)?;
    Ok(())
}

fn data_sheet(
    sheet: &mut Worksheet,
    headers: &[&str],
    examples: &[&[Ex]],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold)?;
    }
    for (i, row) in examples.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let (r, c) = (i as u32 + 1, col as u16);
            match cell {
                S(text) => {
                    sheet.write(r, c, *text)?;
                }
                N(x) => {
                    sheet.write(r, c, *x)?;
                }
                E => {}
            }
        }
    }
    sheet.set_column_width(0, 14)?;
    Ok(())
}

/// A `PDST` workbook of `rows` generated rows (six results each, a metadata column), for
/// the benchmark and the large-sheet test.
#[doc(hidden)]
pub fn example_pdst_workbook(rows: usize) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet(), rows).expect("generated rows are valid");
    workbook.save_to_buffer().expect("writing to memory")
}

fn fill(sheet: &mut Worksheet, rows: usize) -> Result<(), XlsxError> {
    let headers = [
        "Sample Id",
        "FASTQ prefix",
        "Country",
        "Sampling date",
        "DST Method",
        "INH (0.1)",
        "RIF (1)",
        "EMB",
        "PZA (100)",
        "MFX (CC)",
        "BDQ",
        "Host disease",
    ];
    let countries = ["FRA", "CH", "DE", "India"];
    let results = ["R", "S", "I", "s"];
    sheet.set_name("PDST")?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write(0, c as u16, *h)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        sheet.write(r, 0, format!("SAMPLE-{i}"))?;
        sheet.write(r, 1, format!("prefix_{i}"))?;
        sheet.write(r, 2, countries[i % countries.len()])?;
        sheet.write(r, 3, format!("20{:02}-{:02}", 10 + i % 10, 1 + i % 12))?;
        sheet.write(r, 4, DST_METHODS[i % 4])?;
        for c in 5..11 {
            sheet.write(r, c, results[(i + c as usize) % results.len()])?;
        }
        sheet.write(r, 11, "pulmonary")?;
    }
    Ok(())
}
