//! Reading from a pipe without getting in the way of the process that
//! writes into it (`zcat orders.csv.gz | rfm customers -`).
//!
//! Why: on a machine with few cores the writer (`zcat`, a database export)
//! and rfm's threads share the cores, and the writer is usually the slower
//! side. Two things made it slower still, both seen with `perf` on
//! `zcat | rfm` on two cores:
//! - each write of the writer woke rfm's reading thread, which the
//!   scheduler ran at once on the writer's core in its place: `zcat` was
//!   switched out about 11,000 times in a 10M-row run (`/usr/bin/time`'s
//!   involuntary context switches) and had a core for 85 % of its span;
//! - a 64 KiB pipe (Linux's default) is full after a third of a
//!   millisecond of `zcat`'s output, so a writer that runs undisturbed soon
//!   waits for the reader anyway.
//!
//! So a pipe rfm reads is widened to 1 MiB, and while a run reads a pipe its
//! reading threads are under `SCHED_BATCH`: the policy for non-interactive
//! work, whose woken threads wait for the running one's time slice to end
//! instead of taking its core (priorities and shares of the CPU are
//! unchanged, and any process may choose it). With both, `zcat` was
//! switched out about 400 times; either alone measured no faster
//! (bench/README.md). The policy is given back when the reading ends: the
//! writer is gone by then. Both are hints: when the system refuses them (a
//! limit on pipe memory, a sandbox that allows one policy only) rfm reads
//! as before. Outside Linux nothing changes.

use std::path::Path;

/// The size a pipe is widened to: Linux's default ceiling for unprivileged
/// processes (`/proc/sys/fs/pipe-max-size`).
#[cfg(target_os = "linux")]
const PIPE_BYTES: usize = 1 << 20;

/// Whether `path` is a pipe (a named pipe, or `/dev/stdin` fed by one).
pub(super) fn is_pipe(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        false
    }
}

/// Whether stdin is fed by a pipe.
pub(super) fn stdin_is_pipe() -> bool {
    #[cfg(target_os = "linux")]
    {
        rustix::fs::fstat(std::io::stdin())
            .is_ok_and(|stat| rustix::fs::FileType::from_raw_mode(stat.st_mode).is_fifo())
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Widens the pipe `fd` reads from; nothing when it is not a pipe (its size
/// cannot be read) or is wider already.
#[cfg(target_os = "linux")]
pub(super) fn widen(fd: &impl std::os::fd::AsFd) {
    if rustix::pipe::fcntl_getpipe_size(fd).is_ok_and(|size| size < PIPE_BYTES) {
        let _ = rustix::pipe::fcntl_setpipe_size(fd, PIPE_BYTES);
    }
}

/// Widens the pipe `fd` reads from (nothing outside Linux).
#[cfg(not(target_os = "linux"))]
pub(super) fn widen<T>(_: &T) {}

/// The calling thread under `SCHED_BATCH`, and the threads it starts while
/// this lives; the default policy back when dropped. A thread under a policy
/// of its own (`chrt`) keeps it.
pub(super) struct Batch {
    applied: bool,
}

impl Batch {
    /// Asks for `SCHED_BATCH` (see the module's doc).
    pub(super) fn start() -> Batch {
        #[cfg(target_os = "linux")]
        let applied =
            policy() == Some(libc::SCHED_OTHER) && set_policy(libc::SCHED_BATCH).is_some();
        #[cfg(not(target_os = "linux"))]
        let applied = false;
        Batch { applied }
    }

    /// Whether the policy was taken (the system may refuse it).
    #[cfg(test)]
    fn applied(&self) -> bool {
        self.applied
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.applied {
            // Leaving SCHED_BATCH for the default policy is always allowed.
            let _ = set_policy(libc::SCHED_OTHER);
        }
    }
}

/// The calling thread's scheduling policy. Through `syscall`: musl's
/// `sched_getscheduler` is a stub (POSIX makes it per process).
#[cfg(target_os = "linux")]
fn policy() -> Option<libc::c_int> {
    // SAFETY: the system call takes a thread id (0: the calling thread) and
    // no pointer.
    let policy = unsafe { libc::syscall(libc::SYS_sched_getscheduler, 0) };
    libc::c_int::try_from(policy).ok().filter(|&p| p >= 0)
}

/// Sets the calling thread's policy (priority 0, the only one of the
/// policies set here); `None` when refused.
#[cfg(target_os = "linux")]
fn set_policy(policy: libc::c_int) -> Option<()> {
    // The kernel's `struct sched_param` is one `int`, the priority.
    let priority: libc::c_int = 0;
    // SAFETY: thread id 0 (the calling thread), a policy, and a pointer to
    // an initialized `int` that outlives the call and is only read.
    let done =
        unsafe { libc::syscall(libc::SYS_sched_setscheduler, 0, policy, &raw const priority) };
    (done == 0).then_some(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_is_widened_when_the_system_allows_it() {
        // Whether this process may have 1 MiB pipes (limits differ between
        // root and other users), asked on a spare pipe.
        let (spare, _spare_writer) = rustix::pipe::pipe().expect("a pipe");
        let allowed = rustix::pipe::fcntl_setpipe_size(&spare, PIPE_BYTES).is_ok();
        let (reader, _writer) = rustix::pipe::pipe().expect("a pipe");
        let before = rustix::pipe::fcntl_getpipe_size(&reader).expect("its size");
        widen(&reader);
        let after = rustix::pipe::fcntl_getpipe_size(&reader).expect("its size");
        if allowed {
            assert_eq!(after, before.max(PIPE_BYTES));
        } else {
            assert_eq!(after, before);
        }
    }

    #[test]
    fn a_wider_pipe_is_not_narrowed() {
        let (reader, _writer) = rustix::pipe::pipe().expect("a pipe");
        let Ok(wide) = rustix::pipe::fcntl_setpipe_size(&reader, 2 * PIPE_BYTES) else {
            // Not allowed here (needs a higher limit than the default).
            return;
        };
        widen(&reader);
        assert_eq!(
            rustix::pipe::fcntl_getpipe_size(&reader).expect("its size"),
            wide
        );
    }

    #[test]
    fn a_named_pipe_is_a_pipe_and_a_file_is_not() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &path,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .expect("a named pipe");
        assert!(is_pipe(&path));
        let file = dir.path().join("file");
        std::fs::write(&file, "a,b\n").expect("a file");
        assert!(!is_pipe(&file));
        assert!(!is_pipe(&dir.path().join("missing")));
    }

    #[test]
    fn batch_is_taken_by_the_threads_started_and_given_back() {
        // On a thread of its own: the test harness's threads keep theirs.
        // Whether the system allows the policy, asked on a spare thread.
        let allowed = std::thread::spawn(|| set_policy(libc::SCHED_BATCH).is_some())
            .join()
            .expect("the thread ran");
        std::thread::spawn(move || {
            assert_eq!(policy(), Some(libc::SCHED_OTHER));
            let batch = Batch::start();
            assert_eq!(batch.applied(), allowed);
            let started = std::thread::spawn(policy).join().expect("the thread ran");
            if batch.applied() {
                assert_eq!(policy(), Some(libc::SCHED_BATCH));
                assert_eq!(started, Some(libc::SCHED_BATCH));
            } else {
                // Refused (a sandbox): nothing changed.
                assert_eq!(
                    (policy(), started),
                    (Some(libc::SCHED_OTHER), Some(libc::SCHED_OTHER))
                );
            }
            drop(batch);
            assert_eq!(policy(), Some(libc::SCHED_OTHER));
        })
        .join()
        .expect("the thread ran");
    }

    #[test]
    fn a_thread_under_a_policy_of_its_own_keeps_it() {
        std::thread::spawn(|| {
            if set_policy(libc::SCHED_IDLE).is_none() {
                return; // Not allowed here.
            }
            let batch = Batch::start();
            assert!(!batch.applied());
            assert_eq!(policy(), Some(libc::SCHED_IDLE));
            drop(batch);
            assert_eq!(policy(), Some(libc::SCHED_IDLE));
        })
        .join()
        .expect("the thread ran");
    }
}
