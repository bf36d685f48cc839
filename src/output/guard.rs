//! Inputs are never outputs.
//!
//! `rfm customers a.csv -o a.csv` used to replace the orders with the
//! results and exit 0. Every command checks, before reading anything, that
//! no file it will write (`-o`, `--rejects`, `report --out`) is one of its
//! inputs, by device and inode, so a second path to the same file (`./a.csv`,
//! a symlink, a hard link) is caught too. A usage error (exit 2): the
//! command line is what needs fixing.

use crate::error::UsageError;
use std::fs;
use std::path::{Path, PathBuf};

/// The identity of an existing file: (device, inode) on Unix, the
/// canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    #[cfg(unix)]
    id: (u64, u64),
    #[cfg(not(unix))]
    id: PathBuf,
}

fn identity(path: &Path) -> Option<Identity> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Identity {
            id: (meta.dev(), meta.ino()),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some(Identity {
            id: fs::canonicalize(path).ok()?,
        })
    }
}

/// The files a command reads, to check its outputs against.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    files: Vec<(PathBuf, Identity)>,
}

impl Inputs {
    /// The existing regular files among `paths` (stdin, pipes and missing
    /// files cannot be overwritten by an output, or fail later anyway).
    pub(crate) fn new<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Inputs {
        let files = paths
            .into_iter()
            .filter(|p| fs::metadata(p).is_ok_and(|m| m.is_file()))
            .filter_map(|p| Some((p.to_owned(), identity(p)?)))
            .collect();
        Inputs { files }
    }

    /// Refuses `output` (given to `flag`) if it is one of the inputs.
    pub(crate) fn refuse(&self, flag: &str, output: &Path) -> Result<(), UsageError> {
        let Some(out) = identity(output) else {
            return Ok(());
        };
        match self.files.iter().find(|(_, id)| *id == out) {
            Some((input, _)) => Err(UsageError(format!(
                "{flag} {}: that is the input {}; rfm never writes over its input, name another file",
                output.display(),
                input.display()
            ))),
            None => Ok(()),
        }
    }

    /// Refuses a report folder `dir` (which is replaced whole) that holds
    /// one of the inputs.
    pub(crate) fn refuse_folder(&self, flag: &str, dir: &Path) -> Result<(), UsageError> {
        let Ok(dir_real) = fs::canonicalize(dir) else {
            return Ok(());
        };
        for (input, _) in &self.files {
            if fs::canonicalize(input).is_ok_and(|real| real.starts_with(&dir_real)) {
                return Err(UsageError(format!(
                    "{flag} {}: the folder holds the input {}, and rfm replaces the whole folder; \
                     move the input or name another folder",
                    dir.display(),
                    input.display()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_file_through_another_path_or_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.csv");
        fs::write(&input, "x").unwrap();
        let other = dir.path().join("b.csv");
        fs::write(&other, "x").unwrap();
        let inputs = Inputs::new([input.as_path()]);
        assert!(inputs.refuse("-o", &input).is_err());
        assert!(
            inputs
                .refuse("-o", &dir.path().join(".").join("a.csv"))
                .is_err()
        );
        assert!(inputs.refuse("-o", &other).is_ok());
        assert!(inputs.refuse("-o", &dir.path().join("new.csv")).is_ok());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(inputs.refuse("-o", &link).is_err());
            let hard = dir.path().join("hard.csv");
            fs::hard_link(&input, &hard).unwrap();
            assert!(inputs.refuse("-o", &hard).is_err());
            // Through the link as the input, too.
            assert!(Inputs::new([link.as_path()]).refuse("-o", &input).is_err());
        }
        assert!(inputs.refuse_folder("--out", dir.path()).is_err());
        assert!(
            inputs
                .refuse_folder("--out", &dir.path().join("sub"))
                .is_ok()
        );
    }
}
