//! One file per subcommand, all of the same shape: `run(args, env)` resolves
//! options, runs the pipeline, builds a `Tabular` and emits it.

pub(crate) mod audiences;
pub(crate) mod compare;
pub(crate) mod customers;
pub(crate) mod generate;
pub(crate) mod history;
pub(crate) mod profiles;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod sql;
pub(crate) mod summary;
