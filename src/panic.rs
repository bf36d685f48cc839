//! Panics: contained where third-party decoders run, one line elsewhere.
//!
//! The Parquet decoder (polars) panics on some damaged files instead of
//! returning an error. [`contain`] runs such code and turns a panic into an
//! error message for the file; while anything is contained, the panic hook
//! prints nothing (the error says it), also for panics on the decoder's own
//! threads, which reach the caller through its thread pool (and only
//! there: a panic on another of rfm's threads meanwhile is printed). Any other panic
//! is a bug in rfm: the hook prints one `rfm:` line asking for a report
//! (the full report with `RUST_BACKTRACE=1`).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many [`contain`] calls are running.
static CONTAINED: AtomicUsize = AtomicUsize::new(0);

/// Installs the hook (once per process).
pub(crate) fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CONTAINED.load(Ordering::SeqCst) > 0 && contained_here() {
                return;
            }
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                default(info);
                return;
            }
            let message = crate::error::one_line(&payload_text(info.payload())).into_owned();
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "rfm: internal error: {message}{place}; this is a bug in rfm, please report it with the command line (RUST_BACKTRACE=1 shows more)"
            );
        }));
    });
}

thread_local! {
    /// [`contain`] calls running on this thread.
    static HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether a panic on this thread is one [`contain`] will report: this
/// thread is in a `contain` call, or it is one of the decoder's own pool
/// threads (named `polars-N`), whose panics reach the containing caller.
/// A panic anywhere else is rfm's own and is printed.
fn contained_here() -> bool {
    HERE.with(|h| h.get() > 0)
        || std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("polars"))
}

/// Runs `f`, turning a panic into `Err` with its message.
pub(crate) fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    CONTAINED.fetch_add(1, Ordering::SeqCst);
    HERE.with(|h| h.set(h.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    HERE.with(|h| h.set(h.get() - 1));
    CONTAINED.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|payload| payload_text(payload.as_ref()))
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contained_panic_is_its_message() {
        assert_eq!(contain(|| 7), Ok(7));
        let v: Vec<u8> = Vec::new();
        let err = contain(|| v[3]).unwrap_err();
        assert!(err.contains("index out of bounds"), "{err}");
        assert_eq!(
            contain(|| -> u8 { panic!("boom {}", 1) }),
            Err("boom 1".to_owned())
        );
    }
}
