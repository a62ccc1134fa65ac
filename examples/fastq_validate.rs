//! Validates FASTQ.gz files with tbseq's checker and prints what it found and how fast:
//!
//!     cargo run --release --example fastq_validate -- FILE...
//!
//! The same one-pass check `POST …/sequencing-data/fetch/` runs, without the server, so that
//! its speed can be compared with `gzip -t` and `md5sum` on the same file (bench/fastq.sh).

use std::time::Instant;

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 per second on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    for path in std::env::args().skip(1) {
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let result = tbseq::domain::fastq::validate(file);
        let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        match result {
            Ok(s) => println!(
                "{path}: {} reads, {} bases, {} bytes, md5 {}; {:.2} s, {:.0} MB/s, {:.2} s CPU",
                s.reads,
                s.bases,
                s.bytes,
                s.md5,
                wall,
                s.bytes as f64 / 1e6 / wall,
                cpu
            ),
            Err(e) => println!("{path}: invalid: {e}"),
        }
    }
}
