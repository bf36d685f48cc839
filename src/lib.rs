//! rfm: RFM customer segmentation for order exports.
//!
//! The flow of a run, one module per step:
//!
//! ```text
//! cli (clap) -> options (+ environment) -> load (input, columns, money, dates)
//!   -> blocks (one parallel pass into per-customer state, plain CSV files)
//!      or stream (the same on one thread, any input)
//!      or aggregate (polars, when order lines are not contiguous)
//!   -> analysis (score, segment) -> summary / sort
//!   -> render (table, csv, json) -> output (stdout or atomic file)
//! ```
//!
//! `aggregate`, `stream` (but for its reading), `analysis`, `score`,
//! `segment`, `summary`, `money` and `dates` are pure: no I/O, unit-tested beside the code. docs/method.md is
//! the specification they implement.

pub mod analysis;
pub mod charts;
pub mod cli;
pub mod commands;
pub mod dates;
pub mod definition;
pub mod definition_file;
pub mod engine;
pub mod error;
pub mod explain;
pub mod html;
pub mod input;
pub mod lang;
pub mod migration;
pub mod money;
pub mod notes;
pub mod options;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod score;
pub mod segment;
pub mod snapshot;
pub mod sort;
pub mod sql;
pub mod summary;

use cli::{Cli, Command};
use options::Environment;

/// Runs a parsed command line.
pub fn run(cli: Cli, env: &Environment) -> anyhow::Result<()> {
    match cli.command {
        Command::Customers(args) => commands::customers::run(&args, env),
        Command::Summary(args) => commands::summary::run(&args, env),
        Command::Report(args) => commands::report::run(&args, env),
        Command::Compare(args) => commands::compare::run(&args, env),
        Command::Sql(args) => commands::sql::run(&args, env),
        Command::Rules(args) => commands::rules::run(&args, env),
        Command::Completions { shell } => commands::generate::completions(shell),
        Command::Man => commands::generate::man(),
    }
}
