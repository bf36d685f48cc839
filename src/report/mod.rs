//! The report stage: what `rfm report` and `rfm compare` add on top of a
//! run. `snapshot` reads an earlier run back (a report folder or a
//! customers CSV), `migration` compares two runs (pure), `charts` draws SVG
//! and `html` writes the self-contained report page, in the words and
//! number formats of `words`.

pub(crate) mod charts;
pub(crate) mod escape;
pub(crate) mod html;
pub(crate) mod migration;
pub(crate) mod snapshot;
pub(crate) mod tables;
pub(crate) mod words;
