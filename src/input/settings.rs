//! How to read the inputs: everything the command line and the environment
//! decided, in one value.

use super::columns::ColumnFlags;
use super::open::InputPath;
use crate::dates::DateFormat;
use crate::money::DecimalSeparator;

/// The block size unless the settings say otherwise.
pub(crate) const BLOCK_BYTES: usize = 4 << 20;

/// How many workers read by default: one per core.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How to read the inputs.
#[derive(Debug, Clone)]
pub(crate) struct LoadSettings {
    /// The inputs, read as one data set.
    pub(crate) paths: Vec<InputPath>,
    /// Column names from the command line.
    pub(crate) columns: ColumnFlags,
    /// `--delimiter`; sniffed per file when `None`.
    pub(crate) delimiter: Option<u8>,
    /// `--decimal-comma`; found in the data when `None`.
    pub(crate) decimal: Option<DecimalSeparator>,
    /// `--date-format`; found in the data when `None`.
    pub(crate) date_format: Option<DateFormat>,
    /// `--encoding`; detected per file when `None` (see `encoding`).
    pub(crate) encoding: Option<&'static encoding_rs::Encoding>,
    /// `--skip-bad-rows` (or `--rejects`).
    pub(crate) skip_bad_rows: bool,
    /// Keep every rejected row for `--rejects` (otherwise only the first).
    pub(crate) keep_rejected: bool,
    /// Show a progress bar on stderr.
    pub(crate) progress: bool,
    /// Hash regular files as they are read (`rfm report`).
    pub(crate) digest: bool,
    /// Make what cannot be opened again by its name (stdin, pipes) readable
    /// a second time: copied to a temporary file as it is read
    /// ([`super::open::Rereading`]).
    pub(crate) keep_rereadable: bool,
    /// Worker threads.
    pub(crate) workers: usize,
    /// Bytes per CSV block (blocks end at the first record end after this many).
    pub(crate) block_bytes: usize,
    /// Orders to leave out, per input: the copies of orders an earlier
    /// input holds with the same lines (found by a first reading).
    pub(crate) skip: Option<std::sync::Arc<super::ledger::Skip>>,
    /// `--keep-latest`: an order in several inputs with other values is
    /// read from the last of them, instead of an error.
    pub(crate) keep_latest: bool,
    /// `--where`, `--by`, `--keep`.
    pub(crate) extras: super::extras::ExtraFlags,
}

impl Default for LoadSettings {
    fn default() -> LoadSettings {
        LoadSettings {
            paths: Vec::new(),
            columns: ColumnFlags::default(),
            delimiter: None,
            decimal: None,
            date_format: None,
            skip_bad_rows: false,
            keep_rejected: false,
            progress: false,
            digest: false,
            keep_rereadable: false,
            workers: workers(),
            block_bytes: BLOCK_BYTES,
            encoding: None,
            skip: None,
            keep_latest: false,
            extras: Default::default(),
        }
    }
}

impl LoadSettings {
    /// Every input is a regular file, so it can be read again.
    pub(crate) fn rereadable(&self) -> bool {
        self.paths.iter().all(InputPath::is_regular_file)
    }
}
