//! Starting a file's writeback while it is still being written.
//!
//! Every file rfm writes with `-o` or into a report folder is synced
//! before it is renamed into place (or before its folder is swapped in), so
//! that a crash never leaves a truncated result where the last good one
//! was. The sync waits until the disk has everything the page cache holds
//! of the file: for the 116 MB customers file of a 10M-row run, 35-45 ms at
//! the very end, with both cores idle. Asking the kernel to start writing
//! each few MiB as soon as they are written (Linux's
//! `sync_file_range(SYNC_FILE_RANGE_WRITE)`, which starts the writeback
//! without waiting for the disk; it may wait briefly when the device's
//! queue is full) moves that wait under the formatting of the rows that
//! follow; the final sync then waits for the last few MiB only (2-3 ms in
//! that run). The sync itself is unchanged: this only makes it shorter.
//! Elsewhere the wrapper passes writes through.
//!
//! The same holds for the file being replaced: renaming the new file over
//! it frees its cached pages inside the `rename` call, one by one (22 ms
//! for that 116 MB file still cached from the previous run, the last thing
//! the run did). [`release_replaced`] asks for them to be dropped while the
//! new file is written.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// The bytes written between two requests to start the writeback.
const STEP: u64 = 8 << 20;

/// A file being written whose writeback starts every [`STEP`] bytes.
pub(crate) struct Writeback<'a> {
    file: &'a File,
    written: u64,
    /// Where the writeback has been asked for up to.
    started: u64,
}

impl Writeback<'_> {
    pub(crate) fn new(file: &File) -> Writeback<'_> {
        Writeback {
            file,
            written: 0,
            started: 0,
        }
    }

    fn start_writeback(&mut self) {
        let (from, len) = (self.started, self.written - self.started);
        self.started = self.written;
        #[cfg(target_os = "linux")]
        if let (Ok(from), Ok(len)) = (i64::try_from(from), i64::try_from(len)) {
            use std::os::fd::AsRawFd;
            // SAFETY: the descriptor is the open file's, borrowed for the
            // call; the call reads no memory of ours. A failure (a file
            // system without writeback) only leaves the work to the sync.
            let _ = unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    from,
                    len,
                    libc::SYNC_FILE_RANGE_WRITE,
                )
            };
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (from, len);
    }
}

/// Files smaller than this are not worth a thread: their pages go in
/// well under a millisecond.
#[cfg(target_os = "linux")]
const RELEASE_FROM: u64 = 8 << 20;

/// Drops the cached pages of `existing`, the file at `path` about to be
/// replaced, on a thread of its own (`POSIX_FADV_DONTNEED`, which drops
/// clean pages and leaves the file as it is; a dirty page is written out
/// first, which the rename would have spared, but a file that size is
/// rarely still dirty when rfm replaces it). The file is opened here and
/// checked to be the one `existing` describes, so the thread never touches
/// what took its name since; with other links to it, the rename frees
/// nothing and its cache stays. A run that ends first, or a failure, leaves
/// the work to the rename, as before.
pub(crate) fn release_replaced(path: &Path, existing: &std::fs::Metadata) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        if !existing.is_file() || existing.len() < RELEASE_FROM || existing.nlink() != 1 {
            return;
        }
        // Non-blocking: should the name be a pipe by now, opening it does
        // not wait for a writer.
        let Ok(file) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
        else {
            return;
        };
        let same = file
            .metadata()
            .is_ok_and(|m| m.dev() == existing.dev() && m.ino() == existing.ino());
        if same {
            let _ = std::thread::Builder::new()
                .name("rfm-release".into())
                .spawn(move || {
                    let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::DontNeed);
                });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (path, existing);
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= STEP {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte reaches the file, in order, across many steps; the
    /// writeback is asked for up to what was written.
    #[test]
    fn writes_pass_through_whole() {
        let path = std::env::temp_dir().join(format!("rfm-writeback-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let mut out = Writeback::new(&file);
        let chunk: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
        for _ in 0..7 {
            out.write_all(&chunk).unwrap();
        }
        out.flush().unwrap();
        assert_eq!(out.written, 7 * (3 << 20));
        // 21 MiB: asked at 9 and 18 MiB.
        assert_eq!(out.started, 18 << 20);
        file.sync_all().unwrap();
        let back = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back.len(), 7 * chunk.len());
        assert!(back.chunks(chunk.len()).all(|c| c == chunk.as_slice()));
    }
}
