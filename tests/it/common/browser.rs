//! Headless Chromium checks: the node scripts in `tests/browser/` (playwright-core), run
//! against a live test app. `scripts/test` installs Chromium, Node.js and playwright-core and
//! sets `TBSEQ_TEST_CHROMIUM=1`; without it these checks are skipped with a message.

/// Whether Chromium checks run; prints why not when they don't.
pub fn enabled() -> bool {
    let on = std::env::var_os("TBSEQ_TEST_CHROMIUM").is_some();
    if !on {
        eprintln!("skipped: set TBSEQ_TEST_CHROMIUM=1 (scripts/test does) to run Chromium");
    }
    on
}

/// Runs `node tests/browser/<script> <args…>` (off the async runtime), prints its output and
/// fails the test, with that output, when the script fails.
pub async fn run(script: &str, args: Vec<String>) {
    let path = format!("{}/tests/browser/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(path)
            .args(args)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (scripts/test installs Node.js, Chromium and playwright-core)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{script} failed in Chromium:\n{stdout}\n{stderr}"
    );
}
