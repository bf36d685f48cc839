//! Segment definitions from a TOML file (`--segments my.toml`).
//!
//! Two forms, documented in docs/segments.md: a grid of segment names over
//! R x FM or R x F, or an ordered list of rules with inclusive score ranges
//! (first match wins; unmatched customers fall to "Others"). Optional
//! `[[segment]]` entries give keys, descriptions and actions, and fix the
//! display order. A name that is a built-in segment's ("Champions",
//! "at_risk") brings its key, texts and translations along.
//!
//! Parsing is serde's, with unknown fields refused; every error names the
//! file and the line to fix. Pure: the caller reads the file.

use crate::score::definition::{Bounds, Definition, Rule, SegmentInfo};
use crate::score::lang::Lang;
use crate::score::segment::{Segment, Tone};
use crate::score::{LEVELS, MAX_LEVELS};
use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

/// A segments file that cannot be used, with the line to fix.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub(crate) struct DefinitionError {
    /// The file as given.
    pub(crate) file: String,
    /// The line (1-based), when one is to blame.
    pub(crate) line: Option<usize>,
    /// What is wrong and what to write instead.
    pub(crate) message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    levels: Option<Spanned<i64>>,
    others: Option<Spanned<String>>,
    grid: Option<Spanned<GridDoc>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RuleDoc>>,
    #[serde(default, rename = "segment")]
    segments: Vec<Spanned<SegmentDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GridDoc {
    columns: Option<Spanned<String>>,
    rows: Vec<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    segment: Spanned<String>,
    r: Option<Spanned<toml::Value>>,
    f: Option<Spanned<toml::Value>>,
    m: Option<Spanned<toml::Value>>,
    fm: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentDoc {
    name: Spanned<String>,
    key: Option<String>,
    description: Option<String>,
    action: Option<String>,
}

/// The most segments a file may name.
const MAX_SEGMENTS: usize = 200;

/// The most rules a file may hold (a grid of 10 levels has 100).
const MAX_RULES: usize = 1000;

/// A segment as the file first names it.
struct Named {
    /// The name as written.
    written: String,
    /// The built-in segment the name is (`Champions`, `champions`).
    builtin: Option<Segment>,
    /// Where it is first named.
    at: usize,
}

struct Builder<'a> {
    file: &'a str,
    lang: Lang,
    /// Byte offsets of the line ends, to turn offsets into lines.
    newlines: Vec<usize>,
    segments: Vec<SegmentInfo>,
    named: Vec<Named>,
}

impl Builder<'_> {
    fn line(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }

    fn error(&self, offset: Option<usize>, message: impl Into<String>) -> DefinitionError {
        DefinitionError {
            file: self.file.to_owned(),
            line: offset.map(|o| self.line(o)),
            message: message.into(),
        }
    }

    /// The index of the segment called `name`, added on first use.
    fn segment(&mut self, name: &Spanned<String>) -> Result<usize, DefinitionError> {
        let written = name.get_ref().trim();
        if written.is_empty() {
            return Err(self.error(Some(name.span().start), "a segment name is empty"));
        }
        // One segment however a built-in name is spelled ("Champions", "champions").
        let builtin = Segment::find(written);
        if let Some(i) = self
            .named
            .iter()
            .position(|n| n.written == written || (builtin.is_some() && n.builtin == builtin))
        {
            return Ok(i);
        }
        if self.segments.len() == MAX_SEGMENTS {
            return Err(self.error(
                Some(name.span().start),
                format!("more than {MAX_SEGMENTS} segments"),
            ));
        }
        let info = match builtin {
            Some(builtin) => SegmentInfo::builtin(builtin, self.lang),
            None => SegmentInfo {
                key: slug(written),
                name: written.to_owned(),
                description: String::new(),
                action: String::new(),
                tone: Tone::Neutral,
            },
        };
        self.segments.push(info);
        self.named.push(Named {
            written: written.to_owned(),
            builtin,
            at: name.span().start,
        });
        Ok(self.segments.len() - 1)
    }

    fn bounds(
        &self,
        what: &str,
        value: &Option<Spanned<toml::Value>>,
        levels: u8,
    ) -> Result<Bounds, DefinitionError> {
        let Some(value) = value else {
            return Ok(Bounds::any(levels));
        };
        let at = Some(value.span().start);
        let score = |v: &toml::Value| match v {
            toml::Value::Integer(i) if (1..=i64::from(levels)).contains(i) => Some(*i as u8),
            _ => None,
        };
        let bounds = match value.get_ref() {
            toml::Value::Array(pair) if pair.len() == 2 => score(&pair[0])
                .zip(score(&pair[1]))
                .map(|(lo, hi)| Bounds { lo, hi }),
            single => score(single).map(Bounds::exactly),
        };
        match bounds {
            Some(b) if b.lo <= b.hi => Ok(b),
            Some(b) => Err(self.error(
                at,
                format!("{what} = [{}, {}]: the range runs backwards; write [{}, {}]", b.lo, b.hi, b.hi, b.lo),
            )),
            None => Err(self.error(
                at,
                format!(
                    "{what}: expected a score from 1 to {levels} (e.g. {what} = 3) or an inclusive range (e.g. {what} = [2, {levels}])"
                ),
            )),
        }
    }
}

/// Reads a definition from the text of `file`; built-in names are shown in `lang`.
pub(crate) fn parse(text: &str, file: &str, lang: Lang) -> Result<Definition, DefinitionError> {
    let mut b = Builder {
        file,
        lang,
        newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        segments: Vec::new(),
        named: Vec::new(),
    };
    let doc: FileDoc = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_owned();
        b.error(e.span().map(|s| s.start), message)
    })?;
    let levels = match &doc.levels {
        None => LEVELS,
        Some(l) if (2..=i64::from(MAX_LEVELS)).contains(l.get_ref()) => *l.get_ref() as u8,
        Some(l) => {
            return Err(b.error(
                Some(l.span().start),
                format!("levels = {}: expected 2 to {MAX_LEVELS}", l.get_ref()),
            ));
        }
    };
    // [[segment]] entries come first: they fix the display order.
    let mut described = Vec::new();
    for entry in &doc.segments {
        let at = entry.span().start;
        let entry = entry.get_ref();
        let before = b.segments.len();
        let i = b.segment(&entry.name)?;
        if i < before || described.contains(&i) {
            return Err(b.error(
                Some(at),
                format!(
                    "segment '{}' is described twice",
                    entry.name.get_ref().trim()
                ),
            ));
        }
        described.push(i);
        let info = &mut b.segments[i];
        if let Some(key) = &entry.key {
            info.key = slug(key);
        }
        if let Some(d) = &entry.description {
            info.description = d.trim().to_owned();
        }
        if let Some(a) = &entry.action {
            info.action = a.trim().to_owned();
        }
    }
    if let Some(rule) = doc.rules.get(MAX_RULES) {
        return Err(b.error(
            Some(rule.span().start),
            format!("more than {MAX_RULES} rules"),
        ));
    }
    let any = Bounds::any(levels);
    let rules = match (&doc.grid, doc.rules.is_empty()) {
        (Some(_), false) => {
            return Err(b.error(
                doc.rules.first().map(|r| r.span().start),
                "a file defines either a [grid] or [[rule]] entries, not both",
            ));
        }
        (None, true) => {
            return Err(b.error(
                None,
                "no definition: add a [grid] with rows of segment names, or [[rule]] entries (see docs/segments.md)",
            ));
        }
        (Some(grid), true) => {
            let at = grid.span().start;
            let grid = grid.get_ref();
            let by_f = match grid.columns.as_ref().map(|c| c.get_ref().as_str()) {
                None | Some("fm") => false,
                Some("f") => true,
                Some(other) => {
                    return Err(b.error(
                        grid.columns.as_ref().map(|c| c.span().start),
                        format!("columns = \"{other}\": expected \"fm\" (R x FM) or \"f\" (R x F)"),
                    ));
                }
            };
            if grid.rows.len() != usize::from(levels) {
                return Err(b.error(
                    Some(at),
                    format!(
                        "the grid has {} rows; it needs {levels}, one per recency score from R={levels} (first) down to R=1",
                        grid.rows.len()
                    ),
                ));
            }
            let mut rules = Vec::new();
            for (i, row) in grid.rows.iter().enumerate() {
                let r = levels - i as u8;
                if row.get_ref().len() != usize::from(levels) {
                    return Err(b.error(
                        Some(row.span().start),
                        format!(
                            "row R={r} has {} names; it needs {levels}, one per {} score from 1 to {levels}",
                            row.get_ref().len(),
                            if by_f { "F" } else { "FM" }
                        ),
                    ));
                }
                for (column, name) in row.get_ref().iter().enumerate() {
                    let column = Bounds::exactly(column as u8 + 1);
                    rules.push(Rule {
                        segment: b.segment(name)?,
                        r: Bounds::exactly(r),
                        f: if by_f { column } else { any },
                        m: any,
                        fm: if by_f { any } else { column },
                        line: Some(b.line(name.span().start)),
                    });
                }
            }
            rules
        }
        (None, false) => {
            let mut rules = Vec::new();
            for rule in &doc.rules {
                let line = b.line(rule.span().start);
                let rule = rule.get_ref();
                rules.push(Rule {
                    segment: b.segment(&rule.segment)?,
                    r: b.bounds("r", &rule.r, levels)?,
                    f: b.bounds("f", &rule.f, levels)?,
                    m: b.bounds("m", &rule.m, levels)?,
                    fm: b.bounds("fm", &rule.fm, levels)?,
                    line: Some(line),
                });
            }
            rules
        }
    };
    let mut others = SegmentInfo::others(lang);
    if let Some(name) = &doc.others {
        others.name = name.get_ref().trim().to_owned();
    }
    for (i, (s, named)) in b.segments.iter().zip(&b.named).enumerate() {
        let at = Some(named.at);
        if s.key.is_empty() {
            return Err(b.error(
                at,
                format!(
                    "segment '{}' has no letters or digits for a key: give it a key = \"...\" in a [[segment]] entry",
                    s.name
                ),
            ));
        }
        let earlier = |f: fn(&SegmentInfo) -> &str| b.segments[..i].iter().any(|t| f(t) == f(s));
        if earlier(|t| &t.key) {
            return Err(b.error(
                at,
                format!(
                    "segment '{}' has the key '{}', which another segment already has: give it its own key = \"...\" in a [[segment]] entry",
                    s.name, s.key
                ),
            ));
        }
        if earlier(|t| &t.name) {
            return Err(b.error(
                at,
                format!(
                    "two segments are shown as '{}': give them different names",
                    s.name
                ),
            ));
        }
    }
    let segments = std::mem::take(&mut b.segments);
    let definition = Definition::new(file.to_owned(), false, levels, segments, rules, others);
    if let Some(o) = definition.others {
        let catch_all = &definition.segments[o];
        if definition.segments[..o]
            .iter()
            .any(|s| s.name == catch_all.name || s.key == catch_all.key)
        {
            return Err(b.error(
                doc.others.as_ref().map(|n| n.span().start),
                format!(
                    "some cells match no rule and fall to '{}' (key 'others'), but a segment has that name or key: \
                     end with a rule without ranges to catch every cell, or rename one of them",
                    catch_all.name
                ),
            ));
        }
    }
    Ok(definition)
}

/// A machine key from a name: lower case, runs of other characters as `_`.
/// `Can't Lose Them` -> `cant_lose_them`, `Très fidèles` -> `très_fidèles`.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name
        .trim()
        .chars()
        .filter(|&c| c != '\'' && c != '\u{2019}')
    {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::definition::{Preset, Shape};

    fn parse_en(text: &str) -> Result<Definition, DefinitionError> {
        parse(text, "my.toml", Lang::En)
    }

    #[test]
    fn a_grid_file_equal_to_the_default_grid_gives_the_default_definition() {
        let text = r#"
# R x FM, rows R=5 down to R=1
[grid]
columns = "fm"
rows = [
  ["New Customers", "Potential Loyalist", "Loyal Customers", "Champions", "Champions"],
  ["Promising", "Potential Loyalist", "Potential Loyalist", "Loyal Customers", "Champions"],
  ["Promising", "Need Attention", "Potential Loyalist", "Loyal Customers", "Loyal Customers"],
  ["About To Sleep", "Need Attention", "Need Attention", "At Risk", "At Risk"],
  ["Lost", "Hibernating", "At Risk", "Can't Lose Them", "Can't Lose Them"],
]
"#;
        let d = parse_en(text).unwrap();
        let preset = Definition::preset(Preset::Default, Lang::En);
        for (r, f, m) in d.cells() {
            let name = |def: &Definition| {
                def.segments[usize::from(def.segment_of(r, f, m))]
                    .key
                    .clone()
            };
            assert_eq!(name(&d), name(&preset), "{r}{f}{m}");
        }
        assert!(d.checks().is_clean());
        assert_eq!(d.shape, Shape::RFm);
        // Built-in names bring their texts.
        let champions = d.segments.iter().find(|s| s.key == "champions").unwrap();
        assert!(!champions.description.is_empty());
        // ... in the language asked for.
        let it = parse(text, "my.toml", Lang::It).unwrap();
        assert!(it.segments.iter().any(|s| s.name == "Campioni"));
    }

    #[test]
    fn rule_lists_with_ranges_descriptions_and_others() {
        let text = r#"
levels = 3
others = "Everyone else"

[[segment]]
name = "VIP"
description = "Top spenders."
action = "Call them."

[[rule]]
segment = "VIP"
m = 3
r = [2, 3]

[[rule]]
segment = "Sleeping"
r = 1
"#;
        let d = parse_en(text).unwrap();
        assert_eq!(d.levels, 3);
        let names: Vec<&str> = d.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["VIP", "Sleeping", "Everyone else"]);
        assert_eq!(d.segments[0].key, "vip");
        assert_eq!(d.segments[0].action, "Call them.");
        assert_eq!(d.segments[2].key, "others");
        assert_eq!(d.segment_of(3, 1, 3), 0);
        // r = 1 is outside VIP's range, so Sleeping decides it.
        assert_eq!(d.segment_of(1, 3, 3), 1);
        assert_eq!(d.segment_of(2, 2, 2), 2);
        assert_eq!(d.rules[0].line, Some(10));
        // r=2..3 with m<3: 2 * 3 * 2 = 12 cells fall to Others.
        assert_eq!(d.checks().uncovered.len(), 12);
        assert_eq!(d.shape, Shape::RFM);
    }

    #[test]
    fn errors_name_the_line() {
        let err = |text: &str| parse_en(text).unwrap_err();
        let e = err("[[rule]]\nsegment = \"A\"\nr = [4, 2]\n");
        assert_eq!(e.line, Some(3));
        assert!(
            e.to_string()
                .starts_with("my.toml:3: r = [4, 2]: the range runs backwards"),
            "{e}"
        );
        let e = err("[[rule]]\nsegment = \"A\"\nf = 6\n");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("from 1 to 5"), "{e}");
        let e = err("[[rule]]\nsegment = \"A\"\ncolour = 6\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = err("levels = 11\n[[rule]]\nsegment = \"A\"\n");
        assert_eq!(e.line, Some(1));
        let e = err("[grid]\nrows = [[\"A\", \"B\"]]\n");
        assert!(e.message.contains("needs 5"), "{e}");
        let e = err("levels = 2\n[grid]\nrows = [\n  [\"A\", \"B\"],\n  [\"A\"],\n]\n");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("row R=1 has 1 names"), "{e}");
        let e = err("[grid]\ncolumns = \"m\"\nrows = []\n");
        assert_eq!(e.line, Some(2));
        let e = err("# nothing\n");
        assert!(e.message.contains("no definition"), "{e}");
        let e = err(
            "[[segment]]\nname = \"A\"\n[[segment]]\nname = \"A\"\n[[rule]]\nsegment = \"A\"\n",
        );
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("described twice"), "{e}");
        let e = err(
            "[[segment]]\nname = \"A b\"\n[[segment]]\nname = \"a-b\"\n[[rule]]\nsegment = \"A b\"\n",
        );
        assert!(e.message.contains("key"), "{e}");
        let e = err("[[rule]]\nsegment = \"A\"\nr = [1, 2, 3]\n");
        assert_eq!(e.line, Some(3));
        let e = err("[[rule\n");
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn an_unused_described_segment_is_unreachable_and_a_later_duplicate_rule_shadowed() {
        let text = "[[segment]]\nname = \"Dormant\"\n\n[[rule]]\nsegment = \"All\"\n\n[[rule]]\nsegment = \"Late\"\nr = 1\n";
        let d = parse_en(text).unwrap();
        let checks = d.checks();
        assert_eq!(checks.unreachable, [0, 2], "Dormant and Late");
        assert_eq!(checks.shadowed, [1]);
        assert!(checks.uncovered.is_empty());
        assert_eq!(d.others, None);
        let problems = d.problems().join("\n");
        assert!(
            problems.contains("rule 2 ('Late', line 7) never applies"),
            "{problems}"
        );
    }

    #[test]
    fn names_keys_and_limits() {
        // A built-in name spelled two ways is one segment.
        let d = parse_en(
            "[[rule]]\nsegment = \"Champions\"\nr = 5\n[[rule]]\nsegment = \"champions\"\nr = 4\n[[rule]]\nsegment = \"Rest\"\n",
        )
        .unwrap();
        assert_eq!(d.segments.len(), 2);
        assert_eq!(d.segment_of(4, 1, 1), d.segment_of(5, 1, 1));
        // A name without letters or digits needs a key; the error names its line.
        let e = parse_en("[[rule]]\nsegment = \"A\"\nr = 5\n[[rule]]\nsegment = \"!!!\"\n")
            .unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.contains("no letters or digits"), "{e}");
        // Two segments shown under one name: the built-in Champions is
        // "Campioni" in Italian, as is the file's own segment.
        let e = parse(
            "[[rule]]\nsegment = \"Champions\"\nr = 5\n[[rule]]\nsegment = \"Campioni\"\n",
            "my.toml",
            Lang::It,
        )
        .unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        assert!(
            e.message.contains("two segments are shown as 'Campioni'"),
            "{e}"
        );
        // A last rule called Others is fine when it catches every cell...
        let d = parse_en("[[rule]]\nsegment = \"Top\"\nr = 5\n[[rule]]\nsegment = \"Others\"\n")
            .unwrap();
        assert_eq!(d.others, None);
        assert_eq!(d.segments[1].key, "others");
        // ... but not when cells would fall to the catch-all of the same name.
        let e = parse_en("[[rule]]\nsegment = \"Others\"\nr = 5\n").unwrap_err();
        assert!(e.message.contains("(key 'others')"), "{e}");
        let e = parse_en("others = \"Top\"\n[[rule]]\nsegment = \"Top\"\nr = 5\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        // At most 1000 rules.
        let many = "[[rule]]\nsegment = \"A\"\nr = 1\n".repeat(1001);
        let e = parse_en(&many).unwrap_err();
        assert_eq!(e.line, Some(3001), "{e}");
        assert!(e.message.contains("more than 1000 rules"), "{e}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Can't Lose Them"), "cant_lose_them");
        assert_eq!(slug("  VIP -- gold "), "vip_gold");
        assert_eq!(slug("Très fidèles"), "très_fidèles");
    }
}
