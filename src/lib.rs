//! rfm: RFM customer segmentation for order exports.
//!
//! A run, one folder per stage of the pipeline:
//!
//! ```text
//! cli (clap) -> options (+ environment, decided once)
//!   -> input/   files or stdin, gzip/zstd, CSV in quote-aware blocks or
//!               Parquet row groups, columns, row validation (one reader)
//!   -> engine/  the method: rows -> orders -> customer metrics, as a fold
//!               on every worker (pure)
//!   -> score/   scores, segment definitions and languages, summaries (pure)
//!   -> output/  renderers (table, csv, json, parquet), sorting, atomic files
//!   -> report/  report folders and comparisons: snapshot, migration,
//!               tables, charts, html
//! sql/          the same method as one SQL query (pure)
//! commands/     one file per subcommand; pipeline.rs sequences the stages
//! ```
//!
//! `money` and `dates` are the values every stage reads or writes; `error`
//! holds the errors a user can act on, `notes` what goes to stderr,
//! `prefetch` the cache hint for the engine's and the scoring's tables. The
//! dependencies point down this list: no module imports one that imports it
//! back. Only what `main.rs` needs is public, so the compiler finds dead
//! code. docs/method.md is the specification the engine and `sql/`
//! implement.

mod cli;
mod commands;
mod dates;
mod engine;
mod error;
mod fold;
mod input;
mod interrupt;
mod money;
mod notes;
mod options;
mod output;
mod panic;
mod pipeline;
mod predict;
mod prefetch;
mod report;
mod score;
mod sql;
#[cfg(test)]
mod testing;

pub use cli::Cli;
pub use error::{UsageError, one_line};
pub use options::Environment;

use cli::Command;

/// Runs a parsed command line.
pub fn run(cli: Cli, env: &Environment) -> anyhow::Result<()> {
    interrupt::install();
    panic::install();
    match cli.command {
        Command::Customers(args) => commands::customers::run(&args, env),
        Command::Summary(args) => commands::summary::run(&args, env),
        Command::Report(args) => commands::report::run(&args, env),
        Command::Compare(args) => commands::compare::run(&args, env),
        Command::Audiences(args) => commands::audiences::run(&args, env),
        Command::History(args) => commands::history::run(&args, env),
        Command::Sql(args) => commands::sql::run(&args, env),
        Command::Rules(args) => commands::rules::run(&args, env),
        Command::Profiles(args) => commands::profiles::run(&args),
        Command::Completions { shell } => commands::generate::completions(shell),
        Command::Man => commands::generate::man(),
    }
}
