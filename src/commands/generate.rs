//! `rfm completions SHELL` and `rfm man`: generated from the clap
//! definitions, so they can never drift from the real flags.

use crate::cli::Cli;
use clap::CommandFactory;

/// Prints a completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rfm", &mut buf);
    crate::output::write_to(None, |out| out.write_all(&buf))
}

/// Prints the man page (roff).
pub(crate) fn man() -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    crate::output::write_to(None, |out| out.write_all(&buf))
}
