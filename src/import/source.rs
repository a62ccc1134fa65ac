//! Reading an input file: plain or gzip (any number of members), CSV with quoted fields,
//! streamed in batches from a blocking thread so that parsing overlaps database writes and
//! memory stays bounded whatever the file's size.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flate2::read::MultiGzDecoder;
use tokio::sync::mpsc;

/// Rows handed over at a time.
const BATCH: usize = 4096;
/// Batches that may wait in the channel.
const QUEUE: usize = 4;

/// One CSV record and the line it starts on.
pub type RawRow = (u64, Vec<String>);

/// A stream of batches of rows; the reader thread stops when this is dropped.
pub struct Rows {
    receiver: mpsc::Receiver<Result<Vec<RawRow>, String>>,
}

impl Rows {
    /// The next batch, `None` at the end; `Err` for a file that cannot be read (bad gzip,
    /// not text, I/O error), with the line it happened on.
    pub async fn next(&mut self) -> Option<Result<Vec<RawRow>, String>> {
        self.receiver.recv().await
    }
}

/// Counts the bytes read from the file for the progress display.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` and starts reading it on a blocking thread. `progress` shows a progress line
/// on standard error when it is a terminal.
pub fn open(path: &Path, progress: bool) -> std::io::Result<Rows> {
    let file = File::open(path)?;
    let total = file.metadata()?.len();
    let read = Arc::new(AtomicU64::new(0));
    let mut buffered = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: file,
            read: read.clone(),
        },
    );
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let show = progress && std::io::stderr().is_terminal();
    let (sender, receiver) = mpsc::channel(QUEUE);
    tokio::task::spawn_blocking(move || {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut record = csv::StringRecord::new();
        let mut batch = Vec::with_capacity(BATCH);
        let mut rows = 0u64;
        let mut shown = Instant::now();
        loop {
            match csv.read_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map(|p| p.line()).unwrap_or(0);
                    batch.push((line, record.iter().map(str::to_string).collect()));
                    rows += 1;
                    if batch.len() == BATCH {
                        if sender
                            .blocking_send(Ok(std::mem::take(&mut batch)))
                            .is_err()
                        {
                            return;
                        }
                        batch.reserve(BATCH);
                        if show && shown.elapsed() > Duration::from_millis(200) {
                            shown = Instant::now();
                            let pct = read.load(Ordering::Relaxed) * 100 / total.max(1);
                            eprint!("\r{name}: {pct:>3}% ({rows} rows)");
                            let _ = std::io::stderr().flush();
                        }
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    let reason = match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_string(),
                        csv::ErrorKind::Io(io) => {
                            format!("the file cannot be read ({io}); is it truncated?")
                        }
                        _ => e.to_string(),
                    };
                    let _ = sender.blocking_send(Err(format!("{line}: {reason}")));
                    return;
                }
            }
        }
        if !batch.is_empty() {
            let _ = sender.blocking_send(Ok(batch));
        }
        if show {
            eprint!("\r{name}: 100% ({rows} rows)\n");
        }
    });
    Ok(Rows { receiver })
}
