//! Streaming FASTQ validation: one pass over the compressed bytes computes their MD5 and
//! SHA-256, decompresses every gzip member (bgzip and concatenated files are valid), and checks
//! the records with the rules of Biopython's `FastqGeneralIterator`, whose messages users of
//! the original know word for word. Memory stays bounded whatever the file's size.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use md5::{Digest, Md5};
use sha2::Sha256;

/// The longest line accepted; longer lines are a broken file, not a read.
const MAX_LINE: usize = 16 * 1024 * 1024;
/// The longest read (sequence) accepted.
const MAX_READ: usize = 64 * 1024 * 1024;

/// What a valid file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastqSummary {
    pub reads: u64,
    pub bases: u64,
    /// Size of the compressed file.
    pub bytes: u64,
    /// Lower-case hex digests of the compressed bytes.
    pub md5: String,
    pub sha256: String,
}

/// Why a file is not a valid FASTQ.gz; the text is what the user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FastqError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, FastqError> {
    Err(FastqError(message.into()))
}

/// Hands every byte that passes through to a hashing thread (MD5 and SHA-256 run next to
/// the decompression instead of after it), and counts them.
struct Hashing<R> {
    inner: R,
    chunks: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            if let Some(chunks) = &self.chunks {
                // A send fails only when the hashing thread is gone, which `finish` reports.
                let _ = chunks.send(buf[..n].to_vec());
            }
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

type Digests = (String, String);

fn hash_thread() -> (
    std::sync::mpsc::SyncSender<Vec<u8>>,
    std::thread::JoinHandle<Digests>,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
    let handle = std::thread::spawn(move || {
        let (mut md5, mut sha256) = (Md5::new(), Sha256::new());
        for chunk in rx {
            md5.update(&chunk);
            sha256.update(&chunk);
        }
        (hex::encode(md5.finalize()), hex::encode(sha256.finalize()))
    });
    (tx, handle)
}

/// Decompresses every member on its own thread, sending 1 MiB chunks (or the error) and
/// then hashing whatever follows the last member; gives the input back at the end.
#[allow(clippy::type_complexity)]
fn inflate_thread<R: Read + Send + 'static>(
    mut input: BufReader<Hashing<R>>,
) -> (
    std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    std::thread::JoinHandle<io::Result<BufReader<Hashing<R>>>>,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(8);
    let handle = std::thread::spawn(move || {
        let empty = input.fill_buf()?.is_empty();
        if !empty {
            let mut decoder = MultiGzDecoder::new(&mut input);
            'members: loop {
                let mut chunk = vec![0u8; 1 << 20];
                let mut filled = 0;
                while filled < chunk.len() {
                    match decoder.read(&mut chunk[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break 'members;
                        }
                    }
                }
                if filled == 0 {
                    break;
                }
                chunk.truncate(filled);
                if tx.send(Ok(chunk)).is_err() {
                    break; // the checks stopped early
                }
            }
        }
        drop(tx);
        // Hash whatever the decoder did not need (trailing padding after the last member).
        io::copy(&mut input, &mut io::sink())?;
        Ok(input)
    });
    (rx, handle)
}

/// Reads the chunks an inflater thread sends.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.current = chunk?;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Validates a FASTQ.gz stream.
pub fn validate(input: impl Read + Send + 'static) -> Result<FastqSummary, FastqError> {
    let (chunks, hasher) = hash_thread();
    let mut hashing = BufReader::with_capacity(
        256 * 1024,
        Hashing {
            inner: input,
            chunks: Some(chunks),
            bytes: 0,
        },
    );
    let head = hashing.fill_buf().map_err(read_error)?;
    if !head.is_empty() && !head.starts_with(&[0x1f, 0x8b]) {
        return fail("The file is not gzip-compressed (it must be a .fastq.gz file).");
    }
    let empty = head.is_empty();
    // Decompression runs on a thread of its own, next to the record checks and the hashing.
    let (inflated, inflater) = inflate_thread(hashing);
    let checked = if empty {
        Ok((0, 0))
    } else {
        check_records(BufReader::with_capacity(
            256 * 1024,
            ChannelReader {
                rx: inflated,
                current: Vec::new(),
                pos: 0,
            },
        ))
    };
    // Dropping the receiver (inside `check_records`' reader) stops an inflater that is ahead.
    let inflater = inflater
        .join()
        .map_err(|_| FastqError("The file could not be decompressed.".into()))?;
    let (reads, bases) = checked?;
    let hashing = inflater.map_err(read_error)?;
    if reads == 0 {
        return fail("no sequences found in the FASTQ file");
    }
    let mut inner = hashing.into_inner();
    drop(inner.chunks.take());
    let (md5, sha256) = hasher
        .join()
        .map_err(|_| FastqError("The file could not be hashed.".into()))?;
    Ok(FastqSummary {
        reads,
        bases,
        bytes: inner.bytes,
        md5,
        sha256,
    })
}

fn read_error(e: io::Error) -> FastqError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => FastqError(
            "The gzip data ends before its end marker: the file is truncated (was the upload interrupted?).".into(),
        ),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            FastqError("The file is not valid gzip data: it is damaged or not a .fastq.gz file.".into())
        }
        _ => FastqError(format!("The file could not be read: {e}.")),
    }
}

/// Reads lines (with their ending), reporting position-aware problems.
struct Lines<R> {
    inner: R,
    buf: Vec<u8>,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    /// The next line without its trailing white space, or `None` at the end.
    fn next(&mut self) -> Result<Option<&str>, FastqError> {
        self.buf.clear();
        let n = (&mut self.inner)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(read_error)?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        if self.buf.len() > MAX_LINE {
            return fail(format!("Line {} is longer than 16 MiB.", self.number));
        }
        match std::str::from_utf8(&self.buf) {
            Ok(text) => Ok(Some(text.trim_end())),
            Err(_) => fail(format!("Line {} is not UTF-8 text.", self.number)),
        }
    }
}

/// Whether a raw line (before trimming) is empty: Python's `line[0]` on it is the newline.
fn first_char(raw: &[u8]) -> Option<u8> {
    raw.first().copied()
}

fn check_records(input: impl BufRead) -> Result<(u64, u64), FastqError> {
    let mut lines = Lines {
        inner: input,
        buf: Vec::with_capacity(1024),
        number: 0,
    };
    let mut reads = 0u64;
    let mut bases = 0u64;
    // Before the first record: anything but a title line is an error; no line at all is an
    // empty file (no records).
    if lines.next()?.is_none() {
        return Ok((0, 0));
    }
    let mut pending = true; // `lines.buf` holds a line not consumed yet
    let mut title = String::new();
    let mut sequence = String::new();
    let mut quality = String::new();
    while pending {
        if first_char(&lines.buf) != Some(b'@') {
            return fail("Records in Fastq files should start with '@' character");
        }
        title.clear();
        title.push_str(
            std::str::from_utf8(&lines.buf[1..])
                .unwrap_or_default()
                .trim_end(),
        );
        sequence.clear();
        // Sequence lines until the `+` line.
        loop {
            let Some(text) = lines.next()? else {
                return if sequence.is_empty() {
                    fail("Unexpected end of file")
                } else {
                    fail("End of file without quality information.")
                };
            };
            if text.starts_with('+') {
                break;
            }
            sequence.push_str(text);
            if sequence.len() > MAX_READ {
                return fail(format!("The read {title} is longer than 64 MiB."));
            }
        }
        let caption = std::str::from_utf8(&lines.buf[1..])
            .unwrap_or_default()
            .trim_end();
        if !caption.is_empty() && caption != title {
            return fail("Sequence and quality captions differ.");
        }
        if sequence.contains([' ', '\t']) {
            return fail("Whitespace is not allowed in the sequence.");
        }
        // Quality lines until a title line once enough quality has been read (a quality line
        // may itself start with `@`).
        quality.clear();
        let mut any = false;
        pending = false;
        loop {
            match lines.next()? {
                None => break,
                Some(text) => {
                    any = true;
                    if text.starts_with('@') && quality.len() >= sequence.len() {
                        pending = true;
                        break;
                    }
                    quality.push_str(text);
                    if quality.len() > MAX_READ {
                        return fail(format!("The quality of {title} is longer than 64 MiB."));
                    }
                }
            }
        }
        if !any {
            return fail("Unexpected end of file");
        }
        if sequence.len() != quality.len() {
            return fail(format!(
                "Lengths of sequence and quality values differs for {title} ({} and {}).",
                sequence.len(),
                quality.len()
            ));
        }
        reads += 1;
        bases += sequence.len() as u64;
    }
    Ok((reads, bases))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(text: &str) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    }

    fn check(text: &str) -> Result<FastqSummary, FastqError> {
        validate(std::io::Cursor::new(gz(text)))
    }

    fn message(text: &str) -> String {
        check(text).unwrap_err().0
    }

    #[test]
    fn valid_records_are_counted_and_hashed() {
        let data = gz("@r1 x\nACGT\n+r1 x\nIIII\n@r2\nAC\nGT\n+\nII\nII\n@r3\n\n+\n\n");
        let s = validate(std::io::Cursor::new(data.clone())).unwrap();
        assert_eq!((s.reads, s.bases, s.bytes), (3, 8, data.len() as u64));
        assert_eq!(s.md5, hex::encode(Md5::digest(&data)));
        assert_eq!(s.sha256.len(), 64);
        // A quality line may start with '@' while the quality is still short.
        assert_eq!(check("@r\nACGT\n+\n@@II\n").unwrap().reads, 1);
        // CRLF line endings are accepted.
        assert_eq!(check("@r\r\nACGT\r\n+\r\nIIII\r\n").unwrap().bases, 4);
        // A 10,000-character header is fine.
        assert_eq!(
            check(&format!("@{}\nA\n+\nI\n", "h".repeat(10_000)))
                .unwrap()
                .reads,
            1
        );
    }

    #[test]
    fn several_gzip_members_are_one_file() {
        let mut data = gz("@a\nAC\n+\nII\n");
        data.extend(gz("@b\nGT\n+\nII\n"));
        assert_eq!(
            validate(std::io::Cursor::new(data.clone())).unwrap().reads,
            2
        );
    }

    #[test]
    fn biopython_messages_word_for_word() {
        assert_eq!(
            message("r1\nACGT\n+\nIIII\n"),
            "Records in Fastq files should start with '@' character"
        );
        assert_eq!(
            message("\n@r1\nA\n+\nI\n"),
            "Records in Fastq files should start with '@' character"
        );
        assert_eq!(
            message("@r1\nACGT\n"),
            "End of file without quality information."
        );
        assert_eq!(message("@r1\n"), "Unexpected end of file");
        assert_eq!(message("@r1\nACGT\n+\n"), "Unexpected end of file");
        assert_eq!(
            message("@r1\nACGT\n+r2\nIIII\n"),
            "Sequence and quality captions differ."
        );
        assert_eq!(
            message("@r1\nAC GT\n+\nIIIII\n"),
            "Whitespace is not allowed in the sequence."
        );
        assert_eq!(
            message("@r1\nACGT\n+\nIII\n"),
            "Lengths of sequence and quality values differs for r1 (4 and 3)."
        );
        assert_eq!(
            message("@r1\nACGT\n+\nIIIII\n"),
            "Lengths of sequence and quality values differs for r1 (4 and 5)."
        );
        assert_eq!(message(""), "no sequences found in the FASTQ file");
        assert_eq!(
            validate(&b""[..]).unwrap_err().0,
            "no sequences found in the FASTQ file"
        );
    }

    #[test]
    fn broken_gzip_and_text_get_clear_messages() {
        let err = validate(&b"@r1\nACGT\n+\nIIII\n"[..]).unwrap_err().0;
        assert!(err.contains("not gzip-compressed"), "{err}");
        let data = gz(&"@r\nACGT\n+\nIIII\n".repeat(1000));
        let err = validate(std::io::Cursor::new(data[..data.len() / 2].to_vec()))
            .unwrap_err()
            .0;
        assert!(err.contains("truncated"), "{err}");
        let mut bad = gz("@r\nA\n+\nI\n");
        bad[12] ^= 0xff;
        assert!(validate(std::io::Cursor::new(bad)).is_err());
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"@r\n\xff\xfe\n+\nII\n").unwrap();
        let err = validate(std::io::Cursor::new(e.finish().unwrap()))
            .unwrap_err()
            .0;
        assert_eq!(err, "Line 2 is not UTF-8 text.");
    }

    #[test]
    fn the_original_fixtures() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/original-fixtures/sequencing_data");
        let valid = validate(std::fs::File::open(dir.join("valid.fastq.gz")).unwrap()).unwrap();
        assert!(valid.reads > 0);
        let invalid = validate(std::fs::File::open(dir.join("invalid.fastq.gz")).unwrap());
        assert!(invalid.is_err());
        for i in 1..=10 {
            let file = dir.join(format!("a{i}_SRR000002.fastq.gz"));
            let s = validate(std::fs::File::open(&file).unwrap()).unwrap();
            assert_eq!(s.bytes, std::fs::metadata(&file).unwrap().len());
        }
    }
}
