//! Reading from a pipe without getting in the way of the process that
//! writes into it (`zcat orders.csv.gz | rfm customers -`).
//!
//! Why: on a machine with few cores the writer (`zcat`, a database export)
//! and rfm's threads share the cores, and the writer is usually the slower
//! side. Two things made it slower still, both seen with `perf` on
//! `zcat | rfm` on two cores:
//! - each write of the writer woke rfm's reading thread, which the
//!   scheduler ran at once on the writer's core in its place: `zcat` was
//!   switched out about 11,000 times against 400 with the two changes below
//!   (`/usr/bin/time`'s involuntary context switches), and got 86 % of its
//!   span on a core;
//! - a 64 KiB pipe (Linux's default) is full after a third of a
//!   millisecond of `zcat`'s output, so a writer that runs undisturbed soon
//!   waits for the reader anyway.
//!
//! So a pipe rfm reads is widened to 1 MiB, and a run that reads a pipe runs
//! its threads under `SCHED_BATCH`: the policy for non-interactive work,
//! whose woken threads wait for the running one's time slice to end instead
//! of taking its core (priorities and shares of the CPU are unchanged). Both
//! are hints: when the system refuses them (a per-user limit on pipe memory,
//! a seccomp filter) rfm reads as before. Measured on 10M rows (368 MB of
//! CSV, 2 cores): `zcat | rfm customers -` medians 2.52 -> 2.43 s over 6
//! alternating runs (bench/README.md). Elsewhere than Linux nothing changes.

use std::path::Path;

/// The size a pipe is widened to: Linux's default ceiling for unprivileged
/// processes (`/proc/sys/fs/pipe-max-size`).
#[cfg(target_os = "linux")]
const PIPE_BYTES: usize = 1 << 20;

/// Whether `path` (`None`: stdin) is a pipe, named or not.
pub(super) fn is_pipe(path: Option<&Path>) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let meta = match path {
            Some(path) => std::fs::metadata(path),
            None => stdin_metadata(),
        };
        meta.is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(unix)]
fn stdin_metadata() -> std::io::Result<std::fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned()?;
    std::fs::File::from(fd).metadata()
}

/// Widens the pipe `fd` reads from (nothing when it is not a pipe: the
/// size cannot be read).
#[cfg(unix)]
pub(super) fn widen(fd: &impl std::os::fd::AsFd) {
    #[cfg(target_os = "linux")]
    {
        // Only ever widened: a pipe someone already made larger stays so.
        if rustix::pipe::fcntl_getpipe_size(fd).is_ok_and(|size| size < PIPE_BYTES) {
            let _ = rustix::pipe::fcntl_setpipe_size(fd, PIPE_BYTES);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = fd;
}

/// Widens the pipe `fd` reads from (nothing here).
#[cfg(not(unix))]
pub(super) fn widen<T>(_: &T) {}

/// Puts the calling thread, and the threads it starts from now on, under
/// `SCHED_BATCH` (see the module's doc); a thread already under another
/// policy than the default one keeps it.
pub(super) fn run_as_batch() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread (pid 0) with a
        // valid `sched_param`; any failure leaves the policy as it was.
        unsafe {
            if libc::sched_getscheduler(0) == libc::SCHED_OTHER {
                let param = libc::sched_param { sched_priority: 0 };
                let _ = libc::sched_setscheduler(0, libc::SCHED_BATCH, &param);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_is_widened_and_a_file_is_not_a_pipe() {
        let (reader, writer) = rustix::pipe::pipe().expect("a pipe");
        let before = rustix::pipe::fcntl_getpipe_size(&reader).expect("its size");
        widen(&reader);
        let after = rustix::pipe::fcntl_getpipe_size(&reader).expect("its size");
        assert_eq!(after, before.max(PIPE_BYTES));
        drop(writer);
        let file = tempfile::NamedTempFile::new().expect("a temporary file");
        assert!(!is_pipe(Some(file.path())));
    }

    #[test]
    fn a_named_pipe_is_a_pipe() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &path,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .expect("a named pipe");
        assert!(is_pipe(Some(&path)));
    }

    #[test]
    fn batch_is_taken_by_the_thread_and_the_threads_it_starts() {
        // On a thread of its own: the test harness's threads keep theirs.
        std::thread::spawn(|| {
            run_as_batch();
            // SAFETY: reads the calling thread's policy.
            let mine = unsafe { libc::sched_getscheduler(0) };
            let started = std::thread::spawn(|| unsafe { libc::sched_getscheduler(0) })
                .join()
                .expect("the thread ran");
            assert_eq!(mine, libc::SCHED_BATCH);
            assert_eq!(started, libc::SCHED_BATCH);
        })
        .join()
        .expect("the thread ran");
    }
}
