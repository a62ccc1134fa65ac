//! Writes a PDST workbook of N rows for benchmarks: `pdst_workbook ROWS OUT.xlsx`.
//! Each row is a new sample with a country, a sampling year, a medium and 13 drug results.

use rust_xlsxwriter::Workbook;

const DRUGS: [&str; 13] = [
    "INH (0.1)",
    "RIF (1.0)",
    "EMB (5.0)",
    "PZA (100)",
    "STR (1.0)",
    "AMK (1.0)",
    "KAN (2.5)",
    "CAP (2.5)",
    "LFX (1.0)",
    "MFX (0.25)",
    "BDQ (1.0)",
    "LZD (1.0)",
    "CFZ (1.0)",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u32 = args.next().ok_or("usage: pdst_workbook ROWS OUT.xlsx")?.parse()?;
    let out = args.next().ok_or("usage: pdst_workbook ROWS OUT.xlsx")?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("PDST")?;
    let headers = ["Sample Id", "FASTQ prefix", "Country", "Sampling date", "DST Method"];
    for (c, h) in headers.iter().chain(DRUGS.iter()).enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let countries = ["FRA", "CHE", "KAZ", "IND", "ZAF"];
    let results = ["S", "R", "I", "", "S"];
    for r in 1..=rows {
        let i = r as usize;
        sheet.write_string(r, 0, format!("SAMPLE{r:07}"))?;
        sheet.write_string(r, 1, format!("P{r:07}"))?;
        sheet.write_string(r, 2, countries[i % countries.len()])?;
        sheet.write_string(r, 3, format!("{}", 2000 + i % 24))?;
        sheet.write_string(r, 4, if i % 2 == 0 { "MGIT" } else { "LJ" })?;
        for d in 0..DRUGS.len() {
            sheet.write_string(r, 5 + d as u16, results[(i + d) % results.len()])?;
        }
    }
    workbook.save(&out)?;
    Ok(())
}
