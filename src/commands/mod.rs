//! One file per subcommand, all of the same shape: `run(args, env)` resolves
//! options, runs the pipeline, builds a `Tabular` and emits it.

pub mod compare;
pub mod customers;
pub mod generate;
pub mod report;
pub mod rules;
pub mod sql;
pub mod summary;
