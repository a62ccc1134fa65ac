//! Logging: `tracing` to standard error, human-readable or JSON lines, filtered like
//! `RUST_LOG` (`log_filter`). Rocket's own `log` output is bridged into the same stream.

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Standard error that never fails: a closed or full stderr (a supervisor gone, a pipe
/// nobody reads) must not take requests down with it.
struct Stderr;

impl std::io::Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Rocket's own lines repeat its configuration and log request lines with their query
    // strings (which may carry tokens); tbseq logs its own start-up and request lines.
    let filter = match "rocket=warn".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Stderr)
        .with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Human => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
    };
}
