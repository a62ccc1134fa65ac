//! `tbseq refresh` on a real binary: rebuilds the summary tables and prints each one's rows
//! and time.

use std::process::Command;

#[test]
fn refresh_prints_every_summary_table() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_tbseq"))
            .current_dir(dir.path())
            .arg("refresh")
            .env_clear()
            .env("TBSEQ_DATA_DIR", dir.path().join("data"))
            .output()
            .expect("run tbseq")
    };
    // The data folder must exist for a SQLite file to be created in it.
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for table in tbseq::db::repo::SUMMARY_TABLES {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(table))
            .unwrap_or_else(|| panic!("{table} missing: {stdout}"));
        assert!(line.contains(" rows ") && line.ends_with(" s"), "{line}");
    }
    // The global summary always has its one row.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("overview_globalresistancestats") && l.contains(" 1 rows")),
        "{stdout}"
    );
    assert!(run().status.success());

    let help = Command::new(env!("CARGO_BIN_EXE_tbseq"))
        .args(["refresh", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage"));
}
