//! Opening inputs: files or stdin, plain or compressed, with progress and
//! a SHA-256 of the bytes as they are read.
//!
//! Compression is recognised by the magic bytes, not the file name, so
//! `zcat`-style pipes and misnamed files work: gzip (`1f 8b`, including
//! multi-member files) and zstd (`28 b5 2f fd`). The progress bar counts the
//! bytes read from disk (compressed bytes for compressed files), which is
//! what makes its ETA honest. Parquet files are recognised the same way
//! (`PAR1`) and handed to `parquet`, which needs random access.

use crate::error::InputError;
use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Where rows come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InputPath {
    /// Standard input (`-` or no file).
    Stdin,
    /// A file.
    File(PathBuf),
    /// A file read under another input's name: the copy rfm kept of an
    /// input that cannot be opened again by its name ([`Rereading`]), or
    /// the file stdin is redirected from ([`InputPath::stdin_file`]).
    Replay {
        /// The name of the input (`<stdin>`, the pipe).
        name: String,
        /// The copy, or the file.
        path: PathBuf,
    },
}

impl InputPath {
    /// Stdin redirected from a regular file, read as that file (`<stdin>` in
    /// messages), when [`stdin_is_a_file`] says it can be.
    pub(crate) fn stdin_file() -> InputPath {
        InputPath::Replay {
            name: InputPath::Stdin.display_name(),
            path: PathBuf::from(STDIN_FILE),
        }
    }

    /// `-` means stdin.
    pub(crate) fn from_arg(path: &Path) -> InputPath {
        if path.as_os_str() == "-" {
            InputPath::Stdin
        } else {
            InputPath::File(path.to_owned())
        }
    }

    /// The inputs an argument names: `-` is stdin, an existing path is
    /// itself, and a path with glob characters (`*`, `?`, `[`) that is not a
    /// file is expanded, sorted, to the files it matches (so quoted patterns
    /// work where the shell does not expand them, and on any shell).
    pub(crate) fn expand(arg: &Path) -> Result<Vec<InputPath>, String> {
        let text = arg.to_string_lossy();
        let pattern_like = text.contains(['*', '?', '[']);
        if arg.as_os_str() == "-" || !pattern_like || arg.exists() {
            return Ok(vec![InputPath::from_arg(arg)]);
        }
        let matches = glob::glob(&text).map_err(|e| format!("bad file pattern '{text}': {e}"))?;
        let mut files = Vec::new();
        for entry in matches {
            let path =
                entry.map_err(|e| format!("cannot read {}: {}", e.path().display(), e.error()))?;
            if path.is_file() {
                files.push(InputPath::File(path));
            }
        }
        if files.is_empty() {
            return Err(format!("no file matches '{text}'"));
        }
        Ok(files)
    }

    /// The name used in messages.
    pub(crate) fn display_name(&self) -> String {
        match self {
            InputPath::Stdin => "<stdin>".to_owned(),
            InputPath::File(p) => p.display().to_string(),
            InputPath::Replay { name, .. } => name.clone(),
        }
    }

    /// A regular file (which can be read again), not stdin, a pipe or a
    /// device.
    pub(crate) fn is_regular_file(&self) -> bool {
        match self {
            InputPath::File(p) | InputPath::Replay { path: p, .. } => {
                std::fs::metadata(p).is_ok_and(|m| m.is_file())
            }
            InputPath::Stdin => false,
        }
    }

    /// A pipe: stdin fed by one, or a named pipe ([`super::pipe`]).
    pub(super) fn is_pipe(&self) -> bool {
        match self {
            InputPath::File(p) => super::pipe::is_pipe(p),
            InputPath::Stdin => super::pipe::stdin_is_pipe(),
            InputPath::Replay { .. } => false,
        }
    }
}

/// An opened input: decompressed bytes plus the name for messages.
pub(crate) struct Input {
    /// `<stdin>` or the path.
    pub(crate) name: String,
    /// The content.
    pub(crate) content: Content,
    /// The SHA-256 of a regular file, when asked for.
    pub(crate) digester: Option<Digester>,
    /// How an input that cannot be opened again by its name will be read
    /// again, when asked for (or why it cannot be).
    pub(crate) rereading: Option<Result<Rereading, String>>,
}

/// How an input that cannot be opened again by its name (stdin, a pipe)
/// will be read a second time, in the one case that needs it (orders whose
/// lines are scattered), without keeping every order in memory the first
/// time: a copy written to a temporary file (in `$TMPDIR`, deleted when rfm
/// is done) as the input is read. The raw bytes, so a compressed stream
/// stays compressed. (Stdin redirected from a file is not copied: it is
/// read as that file, [`InputPath::stdin_file`].)
pub(crate) struct Rereading {
    copy: Reread,
    state: std::sync::Arc<std::sync::Mutex<CopyState>>,
}

/// How the copy is going.
struct CopyState {
    /// Written unbuffered: each read is copied into the file from the
    /// reader's buffer, not first into a buffer of its own (which moved
    /// every byte of a piped input once more).
    writer: Option<File>,
    /// The input was read to its end and the copy written whole.
    complete: bool,
    error: Option<io::Error>,
}

impl Rereading {
    /// A copy, made as the input is read.
    fn copy() -> Result<Rereading, String> {
        let temp = tempfile::Builder::new()
            .prefix(&crate::interrupt::prefix(COPY_PREFIX))
            .tempfile()
            .map_err(|e| format!("cannot create a temporary file: {e}"))?;
        let file = temp
            .as_file()
            .try_clone()
            .map_err(|e| format!("cannot write a temporary file: {e}"))?;
        let copy = Reread {
            _registered: crate::interrupt::remove_on_signal(temp.path(), false),
            temp,
        };
        Ok(Rereading {
            copy,
            state: std::sync::Arc::new(std::sync::Mutex::new(CopyState {
                writer: Some(file),
                complete: false,
                error: None,
            })),
        })
    }

    /// `inner`, copied as it is read.
    fn tee(&self, inner: Box<dyn Read + Send>) -> CopyTee {
        CopyTee {
            inner,
            state: std::sync::Arc::clone(&self.state),
        }
    }

    /// The copy, if the input was read to its end and copied whole.
    pub(crate) fn finish(self) -> Result<std::sync::Arc<Reread>, String> {
        let Rereading { copy, state } = self;
        let mut state = state.lock().map_err(|_| "the copy failed".to_owned())?;
        if let Some(e) = state.error.take() {
            return Err(format!("cannot write a temporary file: {e}"));
        }
        if !state.complete {
            return Err("it was not read to its end".to_owned());
        }
        drop(state);
        Ok(std::sync::Arc::new(copy))
    }
}

/// Where stdin's file is opened ([`stdin_is_a_file`]).
const STDIN_FILE: &str = "/proc/self/fd/0";

/// Whether standard input is a regular file, not read yet, that rfm can
/// read as a file by opening [`STDIN_FILE`]: then it is read like any file
/// (again when a second reading needs it, never copied;
/// [`InputPath::stdin_file`]). Asked once, before anything reads stdin
/// (`options`). Linux only: there `/proc/self/fd/0` opens the file itself,
/// with an offset of its own (elsewhere `/dev/stdin` may share stdin's
/// offset, which the first reading leaves at the end). The path must open,
/// and lead to the same file: `/proc` mounted, and the file readable by
/// rfm itself, not only through the descriptor it was given (`sudo -u
/// nobody rfm - < /root/orders.csv`). A redirection already past the start
/// (`(read -r header; rfm customers -) < orders.csv`) means the rest of the
/// file, which opening it again would not give: it is copied like a pipe.
pub(crate) fn stdin_is_a_file() -> bool {
    #[cfg(target_os = "linux")]
    {
        let stdin = io::stdin();
        let Ok(stat) = rustix::fs::fstat(&stdin) else {
            return false;
        };
        if !rustix::fs::FileType::from_raw_mode(stat.st_mode).is_file()
            || rustix::fs::seek(&stdin, rustix::fs::SeekFrom::Current(0)).ok() != Some(0)
        {
            return false;
        }
        File::open(STDIN_FILE)
            .and_then(|file| Ok(rustix::fs::fstat(file)?))
            .is_ok_and(|again| again.st_dev == stat.st_dev && again.st_ino == stat.st_ino)
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// How the copies of stdin and pipes in the temporary folder start (then
/// the process id).
pub(crate) const COPY_PREFIX: &str = ".rfm-input-";

/// The copy a finished [`Rereading`] made: removed when dropped, or by a
/// signal.
#[derive(Debug)]
pub(crate) struct Reread {
    // Dropped first: the file is gone before it leaves the registry.
    temp: tempfile::NamedTempFile,
    _registered: crate::interrupt::Registered,
}

impl Reread {
    /// Where the copy is.
    pub(crate) fn path(&self) -> &Path {
        self.temp.path()
    }

    /// Removes the copy's name, then its entry in the signal registry (the
    /// order of dropping), and gives back the still open file.
    fn remove(self) -> File {
        let Reread { temp, _registered } = self;
        let (file, path) = temp.into_parts();
        drop(path);
        drop(_registered);
        file
    }
}

/// Per input that cannot be opened again by its name, when asked for: what
/// a second reading reads ([`Rereading`]), or why there is nothing.
pub(crate) type Rereads = Vec<Option<Result<std::sync::Arc<Reread>, String>>>;

/// Removes the copies of stdin and pipes once no reading needs them, and
/// frees what they hold on a thread of their own. Removing a copy is quick
/// (its name is unlinked here, and it leaves the signal registry), but
/// closing the last descriptor of a large deleted file gives back its
/// cached pages one by one: 30 ms for the 368 MB of the 10M-row
/// benchmark's CSV, which was the last thing a run did, on one core. Done
/// while the customers are scored, it overlaps that work. A run that exits
/// before the thread is done leaves the closing to the kernel, as before.
pub(crate) fn discard_rereads(rereads: Rereads) {
    let files: Vec<File> = rereads
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|copy| std::sync::Arc::try_unwrap(copy).ok())
        .map(Reread::remove)
        .collect();
    if files.is_empty() {
        return;
    }
    // Closed here when no thread can be started.
    let _ = std::thread::Builder::new()
        .name("rfm-discard".into())
        .spawn(move || drop(files));
}

/// The reader side of a copy ([`Rereading`]): a write that fails stops the
/// copy, not the reading.
struct CopyTee {
    inner: Box<dyn Read + Send>,
    state: std::sync::Arc<std::sync::Mutex<CopyState>>,
}

impl Read for CopyTee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut state) = self.state.lock() {
            let state = &mut *state;
            if let Some(writer) = &mut state.writer {
                let written = writer.write_all(&buf[..n]);
                match written {
                    Err(e) => {
                        state.error = Some(e);
                        state.writer = None;
                    }
                    Ok(()) if n == 0 => {
                        state.complete = true;
                        state.writer = None;
                    }
                    Ok(()) => {}
                }
            }
        }
        Ok(n)
    }
}

/// A file's size and SHA-256 (lowercase hex, as `sha256sum` prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileDigest {
    /// Bytes.
    pub(crate) bytes: u64,
    /// SHA-256.
    pub(crate) sha256: String,
}

/// Hashes a regular file's bytes as the reader reads them, and vouches for
/// the result only if the file has the size and time it had when opened
/// (a file that changed while it was read gets no hash).
pub(crate) struct Digester {
    path: PathBuf,
    before: (u64, Option<std::time::SystemTime>),
    state: std::sync::Arc<std::sync::Mutex<(sha2::Sha256, u64)>>,
    /// Hash the file separately at the end (Parquet).
    separately: bool,
}

impl Digester {
    fn new(path: &Path) -> Option<Digester> {
        let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        Some(Digester {
            path: path.to_owned(),
            before: (meta.len(), meta.modified().ok()),
            state: Default::default(),
            separately: false,
        })
    }

    fn tee(&self, inner: Box<dyn Read + Send>) -> Tee {
        Tee {
            inner,
            state: std::sync::Arc::clone(&self.state),
        }
    }

    fn rehash(mut self) -> Digester {
        self.separately = true;
        self
    }

    /// The digest, once the input has been read to its end; `Err` when the
    /// file changed meanwhile.
    pub(crate) fn finish(self) -> io::Result<Result<FileDigest, ()>> {
        use sha2::Digest;
        let (hasher, bytes) = if self.separately {
            let mut file = File::open(&self.path)?;
            let mut hasher = sha2::Sha256::new();
            let mut buffer = vec![0u8; 1 << 20];
            let mut bytes = 0u64;
            loop {
                let n = file.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buffer[..n]);
                bytes += n as u64;
            }
            (hasher, bytes)
        } else {
            let mut state = self
                .state
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?;
            std::mem::take(&mut *state)
        };
        let now = std::fs::metadata(&self.path)?;
        if bytes != self.before.0 || now.len() != bytes || now.modified().ok() != self.before.1 {
            return Ok(Err(()));
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Ok(FileDigest { bytes, sha256 }))
    }
}

/// The reader side of a [`Digester`].
struct Tee {
    inner: Box<dyn Read + Send>,
    state: std::sync::Arc<std::sync::Mutex<(sha2::Sha256, u64)>>,
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        if let Ok(mut state) = self.state.lock() {
            state.0.update(&buf[..n]);
            state.1 += n as u64;
        }
        Ok(n)
    }
}

/// What an input holds.
pub(crate) enum Content {
    /// Delimited text, decompressed.
    Text(Box<dyn Read + Send>),
    /// A Parquet file.
    Parquet(ParquetSource),
}

/// Where a Parquet file's bytes are: Parquet is read from its footer
/// backwards, so a file is read in place (stdin redirected from a file
/// too, [`InputPath::stdin_file`]) and piped stdin is first read whole.
pub(crate) enum ParquetSource {
    /// A file on disk.
    File(PathBuf),
    /// Standard input's bytes.
    Memory(Vec<u8>),
}

/// The magic bytes that start (and end) a Parquet file.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// A progress bar over all inputs (or a hidden one).
pub(crate) fn progress_bar(paths: &[InputPath], enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let total: Option<u64> = paths
        .iter()
        .map(|p| match p {
            InputPath::File(f) => std::fs::metadata(f).ok().map(|m| m.len()),
            InputPath::Stdin => None,
            InputPath::Replay { path, .. } => std::fs::metadata(path).ok().map(|m| m.len()),
        })
        .sum();
    match total {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{spinner} reading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} reading {bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    }
}

/// Opens one input, decompressing if needed, and counts its raw bytes on `bar`.
///
/// With `digest`, the raw bytes of a regular file are hashed as they are
/// read (see [`Digester`]), so `rfm report` hashes its inputs in the same
/// pass that reads them. With `rereadable`, an input that cannot be opened
/// again by its name is copied to a temporary file as it is read
/// ([`Rereading`]).
pub(crate) fn open(
    path: &InputPath,
    bar: &ProgressBar,
    digest: bool,
    rereadable: bool,
) -> Result<Input, InputError> {
    let name = path.display_name();
    let raw: Box<dyn Read + Send> = match path {
        InputPath::Stdin => {
            let stdin = io::stdin();
            super::pipe::widen(&stdin);
            Box::new(stdin)
        }
        InputPath::File(p) | InputPath::Replay { path: p, .. } => {
            if p.is_dir() {
                return Err(InputError::Open {
                    path: p.clone(),
                    source: io::Error::other(format!(
                        "it is a directory; give its files, e.g. '{}'",
                        p.join("*.parquet").display()
                    )),
                });
            }
            let file = File::open(p).map_err(|source| InputError::Open {
                // A copy, or stdin's file, is named as the input it reads.
                path: match path {
                    InputPath::Replay { name, .. } => PathBuf::from(name),
                    _ => p.clone(),
                },
                source,
            })?;
            super::pipe::widen(&file);
            Box::new(file)
        }
    };
    let digester = match path {
        InputPath::File(p) if digest => Digester::new(p),
        _ => None,
    };
    let raw: Box<dyn Read + Send> = match &digester {
        Some(d) => Box::new(d.tee(raw)),
        None => raw,
    };
    let rereading = (rereadable && !path.is_regular_file()).then(Rereading::copy);
    let raw: Box<dyn Read + Send> = match &rereading {
        Some(Ok(r)) => Box::new(r.tee(raw)),
        _ => raw,
    };
    let mut raw = BufReader::with_capacity(256 * 1024, bar.wrap_read(raw));
    let magic = peek(&mut raw, 4).map_err(|source| InputError::Read {
        file: name.clone(),
        source,
    })?;
    if magic == PARQUET_MAGIC {
        let source = match path {
            InputPath::File(p) | InputPath::Replay { path: p, .. } => {
                ParquetSource::File(p.clone())
            }
            InputPath::Stdin => {
                let mut bytes = Vec::new();
                raw.read_to_end(&mut bytes)
                    .map_err(|source| InputError::Read {
                        file: name.clone(),
                        source,
                    })?;
                ParquetSource::Memory(bytes)
            }
        };
        return Ok(Input {
            name,
            content: Content::Parquet(source),
            // Parquet is read by column chunks, not through this reader.
            digester: digester.map(Digester::rehash),
            rereading,
        });
    }
    let reader: Box<dyn Read + Send> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(raw),
        ))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder =
            zstd::stream::read::Decoder::with_buffer(raw).map_err(|source| InputError::Read {
                file: name.clone(),
                source,
            })?;
        Box::new(BufReader::with_capacity(256 * 1024, decoder))
    } else {
        Box::new(raw)
    };
    Ok(Input {
        name,
        content: Content::Text(reader),
        digester,
        rereading,
    })
}

/// Returns up to `n` leading bytes without consuming them.
fn peek<R: io::BufRead>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    // A BufReader returns at least what one read() gave; files and pipes give
    // their first bytes in one go unless the input is shorter than `n`.
    let buf = reader.fill_buf()?;
    Ok(buf[..buf.len().min(n)].to_vec())
}

/// Reads the first chunk of `reader` (up to the first newline past `min`
/// bytes, or EOF) so the delimiter can be sniffed, and returns it together
/// with a reader that yields the whole stream again.
pub(crate) fn head_and_rest(
    mut reader: Box<dyn Read + Send>,
    min: usize,
) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(min + 1024);
    let mut chunk = [0u8; 8192];
    // Looked for in each chunk once (a file of lone `\r` line ends has no
    // `\n` at all).
    let mut line_end = false;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
        line_end = line_end || memchr::memchr2(b'\n', b'\r', &chunk[..n]).is_some();
        if head.len() >= min && line_end {
            break;
        }
    }
    let rest = io::Cursor::new(head.clone()).chain(reader);
    Ok((head, Box::new(rest)))
}

/// Picks the delimiter among `,` `;` tab and `|`: the one that occurs most
/// often, outside quotes, on the header line, and the same number of times on
/// the following complete lines of the sample. Falls back to `,`.
/// Whether none of the usual delimiters occurs in the first line.
pub(crate) fn no_delimiter(head: &[u8]) -> bool {
    let first = head.split(|&b| b == b'\n').next().unwrap_or(head);
    !first
        .iter()
        .any(|b| matches!(b, b',' | b';' | b'\t' | b'|'))
}

pub(crate) fn sniff_delimiter(head: &[u8]) -> u8 {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    // The last piece may be cut off mid-line unless the sample is the whole input.
    let complete = if lines.len() > 1 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let count = |line: &[u8], d: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                b == d && !quoted
            })
            .count()
    };
    let mut best = (b',', 0usize, false);
    for d in CANDIDATES {
        let Some(first) = complete.first() else { break };
        let n = count(first, d);
        if n == 0 {
            continue;
        }
        let consistent = complete
            .iter()
            .skip(1)
            .filter(|l| !l.iter().all(|b| b.is_ascii_whitespace()))
            .take(20)
            .all(|l| count(l, d) == n);
        // Prefer consistent candidates, then the most frequent.
        if (consistent, n) > (best.2, best.1) {
            best = (d, n, consistent);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter(b"\xef\xbb\xbfa;b\n1;2\n"), b';');
        assert_eq!(sniff_delimiter(b"single\n1\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    #[test]
    fn sniffing_ignores_quoted_delimiters() {
        // Three commas on the header, but the semicolon is the real separator.
        assert_eq!(
            sniff_delimiter(b"\"id,x\";\"date,y\";amount\n1;2025-01-01;\"1,5\"\n"),
            b';'
        );
    }

    #[test]
    fn decimal_commas_do_not_fool_the_sniffer() {
        // 2 semicolons per line consistently; commas vary (0 on the header).
        assert_eq!(
            sniff_delimiter(b"c;d;a\n1;2025-01-01;1,5\n2;2025-01-02;2,25\n"),
            b';'
        );
    }

    #[test]
    fn head_and_rest_replays_everything() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let (head, mut rest) =
            head_and_rest(Box::new(io::Cursor::new(data.clone())), 1000).unwrap();
        assert!(head.len() >= 1000);
        let mut all = Vec::new();
        rest.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
    }
}
