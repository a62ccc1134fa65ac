//! Writes a generated PDST workbook for benchmarks: `pdst_workbook ROWS OUT.xlsx`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: pdst_workbook ROWS OUT.xlsx";
    let rows: usize = args.next().ok_or(usage)?.parse()?;
    let out = args.next().ok_or(usage)?;
    std::fs::write(
        out,
        tbseq::domain::workbook::template::example_pdst_workbook(rows),
    )?;
    Ok(())
}
