//! The `rfm` binary: parse, run, map errors to exit codes.
//!
//! Exit codes: 0 success (including a closed stdout, as in `rfm ... | head`),
//! 1 runtime or input error, 2 usage error.

use clap::Parser;
use rfm::{Cli, Environment, UsageError};
use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap prints its own usage errors and exits with 2 (0 for --help).
    let cli = Cli::parse();
    match rfm::run(cli, &Environment::detect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // One line whatever the message quotes (a value with a line break).
            let _ = writeln!(io::stderr(), "rfm: {}", rfm::one_line(&format!("{err:#}")));
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// A closed stdout is a normal way for a reader to say "enough"; polars wraps
/// I/O errors in its own type, so both are checked down the chain.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return io.kind() == io::ErrorKind::BrokenPipe;
        }
        if let Some(polars_core::prelude::PolarsError::IO { error, .. }) =
            cause.downcast_ref::<polars_core::prelude::PolarsError>()
        {
            return error.kind() == io::ErrorKind::BrokenPipe;
        }
        false
    })
}
