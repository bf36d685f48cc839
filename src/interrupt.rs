//! Ctrl-C and `kill`: the temporary files and folders rfm is writing are
//! removed before it exits.
//!
//! Results are written to temporaries that are renamed into place at the
//! end (`output`), and stdin is copied to a temporary file as it is read
//! (`input::open::Rereading`). An interrupted process used to leave them behind
//! (a 100 MB `.rfm-*.tmp` beside `-o`). Each temporary is registered here
//! while it exists; a thread waits for SIGINT, SIGTERM and SIGHUP, removes
//! what is registered and exits with 128 + the signal (130 for Ctrl-C), as
//! a shell does.
//!
//! SIGKILL cannot be caught, so temporaries carry the process id in their
//! name (`.rfm-PID-XXXXXX.tmp`): a later run writing to the same folder
//! removes those whose process is gone ([`sweep`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// What is being written: path -> whether it is a folder.
static PENDING: Mutex<BTreeMap<u64, (PathBuf, bool)>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Removes its path from the registry when dropped (the temporary was
/// renamed into place or removed by its owner).
#[derive(Debug)]
#[must_use = "the path is unregistered when the guard is dropped"]
pub(crate) struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut pending) = PENDING.lock() {
            pending.remove(&self.0);
        }
    }
}

/// Registers a temporary file (or folder, `dir`) to remove on a signal.
pub(crate) fn remove_on_signal(path: &Path, dir: bool) -> Registered {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut pending) = PENDING.lock() {
        pending.insert(id, (path.to_owned(), dir));
    }
    Registered(id)
}

/// Starts the thread that cleans up on SIGINT, SIGTERM and SIGHUP. Once per
/// process; a failure to install the handlers leaves the default
/// behaviour (exit without cleaning up).
pub(crate) fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            else {
                return;
            };
            let _ = std::thread::Builder::new()
                .name("rfm-signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        clean_up();
                        std::process::exit(128 + signal);
                    }
                });
        });
    }
}

/// Removes everything registered.
fn clean_up() {
    let pending = match PENDING.lock() {
        Ok(p) => p,
        Err(poisoned) => poisoned.into_inner(),
    };
    for (path, dir) in pending.values() {
        let _ = if *dir {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
    }
}

/// How long a temporary of a dead process must have been left untouched
/// before a later run removes it.
const STALE_AFTER_SECONDS: u64 = 10 * 60;

/// The prefix of rfm's temporaries for `stem` in this process:
/// `{stem}{pid}-` (tempfile adds random characters).
pub(crate) fn prefix(stem: &str) -> String {
    format!("{stem}{}-", std::process::id())
}

/// Removes from `dir` the temporaries named `{stem}PID-...` whose process
/// is no longer running (left by a run that was killed), and returns them.
/// Nothing is removed where liveness cannot be told (no `/proc`).
pub(crate) fn sweep(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(stem)) else {
            continue;
        };
        let Some((pid, _)) = rest.split_once('-') else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if proc.join(pid).exists() {
            continue;
        }
        // Untouched for a while too: a process id is only unique on this
        // machine, and a run on another one (a container, a shared folder)
        // writes to its temporary all the time.
        let recent = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age < std::time::Duration::from_secs(STALE_AFTER_SECONDS));
        if recent {
            continue;
        }
        let path = entry.path();
        let gone = match entry.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
        if gone.is_ok() {
            removed.push(path);
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_the_temporaries_of_dead_processes() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let live = format!(".rfm-{}-abc.tmp", std::process::id());
        // Process ids are below 2^22 on Linux: this one cannot be running.
        let dead = ".rfm-4999999-abc.tmp";
        for name in [live.as_str(), dead, ".rfm-x-abc.tmp", "orders.csv"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join(".r.rfm-4999998-xyz")).unwrap();
        // A dead process's temporary touched a moment ago stays (it may be
        // another machine's), an hour ago goes.
        let recent = ".rfm-4999997-new.tmp";
        std::fs::write(dir.path().join(recent), "x").unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for name in [
            live.as_str(),
            dead,
            ".rfm-x-abc.tmp",
            "orders.csv",
            ".r.rfm-4999998-xyz",
        ] {
            std::fs::File::open(dir.path().join(name))
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        assert_eq!(sweep(dir.path(), ".rfm-"), [dir.path().join(dead)]);
        assert_eq!(
            sweep(dir.path(), ".r.rfm-"),
            [dir.path().join(".r.rfm-4999998-xyz")]
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = vec![
            ".rfm-x-abc.tmp".to_owned(),
            live,
            "orders.csv".into(),
            recent.into(),
        ];
        expected.sort();
        assert_eq!(left, expected);
    }

    #[test]
    fn registered_paths_leave_the_registry_when_dropped() {
        let guard = remove_on_signal(Path::new("/nonexistent/x"), false);
        let id = guard.0;
        assert!(PENDING.lock().unwrap().contains_key(&id));
        drop(guard);
        assert!(!PENDING.lock().unwrap().contains_key(&id));
    }
}
