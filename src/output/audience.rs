//! Audience files for email tools (`rfm audiences`): each scored customer
//! as the row a contact import expects, in one of three styles. Pure:
//! customers in, rows and file names out; the command reads and writes
//! the files.
//!
//! - `plain`: `customer_id`, the `--keep` columns as they are, `segment`,
//!   `segment_key`. Nothing renamed, nothing dropped.
//! - `mailchimp` and `klaviyo`: the kept columns that play a contact role
//!   (email, phone, first and last name, full name, country, email
//!   consent) are found by name and written under the header the importer
//!   maps on its own; the others keep their names. Rows without a usable
//!   address are dropped, and one e-mail address is one row across all the
//!   files of a run (docs/audiences.md, with the sources of each rule).
//!
//! Two importer limits shape the files, not only the rows:
//!
//! - Mailchimp sets one status for every contact of an import, so with a
//!   consent column kept a segment is two files, one per status to choose
//!   ([`Status`]): `SEGMENT.csv` (Subscribed) and
//!   `SEGMENT.non-subscribed.csv` (Non-subscribed).
//! - Klaviyo takes at most 50 MB a file, so a bigger one is cut into parts
//!   ([`parts`]): `SEGMENT.part1.csv`, `SEGMENT.part2.csv`...
//!
//! Segment keys are slugs (letters, digits and `_`), so no segment's file
//! is ever named like another's status file or part.

use crate::fold::fold;
use crate::notes::{count, thousands};
use clap::ValueEnum;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

/// `rfm audiences --style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Style {
    /// customer_id, the --keep columns under their own names, segment,
    /// segment_key: for any tool.
    Plain,
    /// Mailchimp's contact import: Email Address, First Name, Last Name,
    /// Phone Number, Country, Tags (RFM <segment>), Customer ID; with a
    /// consent column kept, SEGMENT.csv (import as Subscribed) and
    /// SEGMENT.non-subscribed.csv (as Non-subscribed).
    Mailchimp,
    /// Klaviyo's list import: Email, Phone Number, First Name, Last Name,
    /// Country, Email Marketing Consent, RFM Segment, Customer ID; a file
    /// over 50 MB is written in parts (SEGMENT.part1.csv...).
    Klaviyo,
}

impl Style {
    /// The name on the command line and in audiences.json.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Style::Plain => "plain",
            Style::Mailchimp => "mailchimp",
            Style::Klaviyo => "klaviyo",
        }
    }

    /// The style called `name`.
    pub(crate) fn named(name: &str) -> Option<Style> {
        [Style::Plain, Style::Mailchimp, Style::Klaviyo]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// What a kept column can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Email,
    Phone,
    FirstName,
    LastName,
    FullName,
    Country,
    Consent,
}

/// Each role with the names that play it, folded (`E-Mail Adresse` is
/// `emailadresse`), matched after one leading qualifier is taken off.
const ROLES: [(Role, &[&str]); 7] = [
    (
        Role::Email,
        &[
            "email",
            "emailaddress",
            "mail",
            "courriel",
            "correo",
            "correoelectronico",
            "emailadresse",
        ],
    ),
    (
        Role::Phone,
        &[
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "mobilephone",
            "cell",
            "cellphone",
            "telefon",
            "telefono",
            "handy",
        ],
    ),
    (
        Role::FirstName,
        &[
            "firstname",
            "givenname",
            "forename",
            "fname",
            "vorname",
            "prenom",
            "nombre",
        ],
    ),
    (
        Role::LastName,
        &[
            "lastname",
            "surname",
            "familyname",
            "lname",
            "nachname",
            "nom",
            "apellido",
            "apellidos",
        ],
    ),
    (Role::FullName, &["name", "fullname"]),
    (
        Role::Country,
        &["country", "countrycode", "land", "pays", "pais"],
    ),
    (
        Role::Consent,
        &[
            "acceptsemailmarketing",
            "acceptsmarketing",
            "emailmarketingconsent",
            "marketingoptin",
            "newsletter",
            "optin",
            "subscribed",
        ],
    ),
];

/// Leading qualifiers (words) and their rank: a column without one plays
/// its role first, then `billing`, then `shipping`, then the others.
const QUALIFIERS: [(&[&str], u8); 10] = [
    (&["bill", "to"], 1),
    (&["ship", "to"], 2),
    (&["default", "address"], 3),
    (&["billing"], 1),
    (&["shipping"], 2),
    (&["customer"], 3),
    (&["contact"], 3),
    (&["buyer"], 3),
    (&["default"], 3),
    (&["primary"], 3),
];

/// The role a column name plays, with the rank of its qualifier.
fn role_of(name: &str) -> Option<(Role, u8)> {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, '_' | '-' | '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let (rest, rank) = QUALIFIERS
        .iter()
        .find(|(q, _)| words.len() > q.len() && words.starts_with(q))
        .map_or((&words[..], 0), |(q, rank)| (&words[q.len()..], *rank));
    let folded = fold(&rest.concat());
    ROLES
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(role, _)| (*role, rank))
}

/// One column of an audience file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    CustomerId,
    Email,
    Phone,
    FirstName,
    LastName,
    Country,
    Consent,
    /// A kept column under its own name (index into the kept columns).
    Kept(usize),
    /// `Tags`: `RFM <segment name>` (mailchimp).
    Tag,
    /// The segment's display name.
    SegmentName,
    /// The segment's key (plain).
    SegmentKey,
}

/// The most bytes Mailchimp keeps of a text field.
const MAILCHIMP_FIELD_BYTES: usize = 255;
/// The most characters of a Mailchimp tag.
const MAILCHIMP_TAG_CHARS: usize = 100;

/// How one style lays out the kept columns: what each column of the file
/// holds and where it comes from.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    style: Style,
    /// The kept columns' names.
    kept: Vec<String>,
    /// The columns written, in order.
    columns: Vec<Column>,
    /// The header written.
    pub(crate) header: Vec<String>,
    /// Per role (in [`ROLES`] order), the kept columns that feed it, first
    /// choice first.
    roles: [Vec<usize>; 7],
    /// No email column is kept: the customer id is the address.
    id_as_email: bool,
    /// First and last name come from splitting a full name.
    split_names: bool,
}

fn slot(role: Role) -> usize {
    ROLES
        .iter()
        .position(|(r, _)| *r == role)
        .unwrap_or_default()
}

impl Layout {
    /// The layout of `style` for the kept columns `kept` (as the input
    /// names them). An error names a kept column whose name the style
    /// writes itself (`Tags`, `Customer ID`...).
    pub(crate) fn new(style: Style, kept: &[String]) -> Result<Layout, String> {
        let mut roles: [Vec<usize>; 7] = Default::default();
        let mut ranked: [Vec<(u8, usize)>; 7] = Default::default();
        let mut others = Vec::new();
        for (i, name) in kept.iter().enumerate() {
            // Every role plays in both email styles; Mailchimp writes no
            // consent column, the consent chooses the row's file instead.
            let role = role_of(name).filter(|_| style != Style::Plain);
            match role {
                Some((role, rank)) => ranked[slot(role)].push((rank, i)),
                None => others.push(i),
            }
        }
        for (list, ranked) in roles.iter_mut().zip(&mut ranked) {
            // Stable: equal ranks stay in --keep order.
            ranked.sort_by_key(|(rank, _)| *rank);
            *list = ranked.iter().map(|(_, i)| *i).collect();
        }
        let has = |role: Role| !roles[slot(role)].is_empty();
        let names = has(Role::FirstName) || has(Role::LastName);
        let split_names = !names && has(Role::FullName);
        let id_as_email = style != Style::Plain && !has(Role::Email);
        // Each style's columns in order (`Kept` stands for the kept columns
        // that play no role), each written when it has a source.
        let order: &[Column] = match style {
            Style::Plain => &[
                Column::CustomerId,
                Column::Kept(0),
                Column::SegmentName,
                Column::SegmentKey,
            ],
            Style::Mailchimp => &[
                Column::Email,
                Column::FirstName,
                Column::LastName,
                Column::Phone,
                Column::Country,
                Column::Kept(0),
                Column::Tag,
                Column::CustomerId,
            ],
            Style::Klaviyo => &[
                Column::Email,
                Column::Phone,
                Column::FirstName,
                Column::LastName,
                Column::Country,
                Column::Consent,
                Column::Kept(0),
                Column::SegmentName,
                Column::CustomerId,
            ],
        };
        let mut columns = Vec::new();
        for &column in order {
            let written = match column {
                Column::FirstName | Column::LastName => names || split_names,
                Column::Phone => has(Role::Phone),
                // Klaviyo reads national phone numbers with the country.
                Column::Country => {
                    has(Role::Country) || (style == Style::Klaviyo && has(Role::Phone))
                }
                Column::Consent => has(Role::Consent),
                Column::CustomerId => !id_as_email,
                Column::Kept(_) => {
                    columns.extend(others.iter().map(|&i| Column::Kept(i)));
                    false
                }
                Column::Email | Column::Tag | Column::SegmentName | Column::SegmentKey => true,
            };
            if written {
                columns.push(column);
            }
        }
        let header: Vec<String> = columns
            .iter()
            .map(|c| match c {
                Column::Kept(i) => kept[*i].clone(),
                c => fixed_header(style, *c).to_owned(),
            })
            .collect();
        for &i in &others {
            let name = &kept[i];
            if let Some(own) = columns
                .iter()
                .filter(|c| !matches!(c, Column::Kept(_)))
                .map(|c| fixed_header(style, *c))
                .find(|h| h.eq_ignore_ascii_case(name.trim()))
            {
                return Err(format!(
                    "--keep '{name}': --style {} writes its own '{own}' column; leave '{name}' out of --keep",
                    style.name()
                ));
            }
        }
        Ok(Layout {
            style,
            kept: kept.to_vec(),
            columns,
            header,
            roles,
            id_as_email,
            split_names,
        })
    }

    /// The style.
    pub(crate) fn style(&self) -> Style {
        self.style
    }

    /// Whether some kept column plays `role`.
    fn has(&self, role: Role) -> bool {
        !self.roles[slot(role)].is_empty()
    }

    /// Whether the rows are split by consent into one file per Mailchimp
    /// status: `mailchimp` with a consent column kept.
    pub(crate) fn by_status(&self) -> bool {
        self.style == Style::Mailchimp && self.has(Role::Consent)
    }

    /// How the kept columns were mapped, one line per column that plays a
    /// role (`'Billing Email' -> Email Address`), then those kept as they
    /// are; none for `plain`.
    pub(crate) fn mappings(&self) -> Vec<String> {
        if self.style == Style::Plain {
            return Vec::new();
        }
        let header = |c: Column| fixed_header(self.style, c);
        let mut lines = Vec::new();
        let email = header(Column::Email);
        if self.id_as_email {
            lines.push(format!(
                "customer id -> {email} (no email column kept; a customer whose id is not an \
                 e-mail address has none)"
            ));
        }
        for (k, (role, _)) in ROLES.iter().enumerate() {
            let target = match role {
                Role::Email => email.to_owned(),
                Role::Phone => header(Column::Phone).to_owned(),
                Role::FirstName => header(Column::FirstName).to_owned(),
                Role::LastName => header(Column::LastName).to_owned(),
                Role::FullName if self.split_names => format!(
                    "{} + {} (split at the first space: a name written family name first, or \
                     with a comma, is split wrong)",
                    header(Column::FirstName),
                    header(Column::LastName)
                ),
                // A full name beside a first or last name is not used.
                Role::FullName => "nothing (a first or last name column is kept)".to_owned(),
                Role::Country => header(Column::Country).to_owned(),
                Role::Consent if self.style == Style::Mailchimp => format!(
                    "the file: yes in SEGMENT.csv (import as Subscribed), anything else in \
                     SEGMENT{}.csv (import as Non-subscribed)",
                    Status::NonSubscribed.infix()
                ),
                Role::Consent => header(Column::Consent).to_owned(),
            };
            for (n, &i) in self.roles[k].iter().enumerate() {
                let before: Vec<String> = self.roles[k][..n]
                    .iter()
                    .map(|&j| format!("'{}'", self.kept[j]))
                    .collect();
                let when = if before.is_empty() {
                    String::new()
                } else {
                    format!(" (where {} is empty)", before.join(", "))
                };
                lines.push(format!("'{}' -> {target}{when}", self.kept[i]));
            }
        }
        if !self.id_as_email {
            lines.push(format!(
                "customer id -> {email} (where the email columns are empty and the id is an \
                 e-mail address)"
            ));
        }
        lines
            .into_iter()
            .map(|l| format!("{}: {l}", self.style.name()))
            .collect()
    }

    /// Why no row can have an address, if none can: no email column is
    /// kept (nor, for klaviyo, a phone) and no id is an e-mail address.
    pub(crate) fn missing_contact<'a>(
        &self,
        mut ids: impl Iterator<Item = &'a str>,
    ) -> Option<String> {
        if self.style == Style::Plain || !self.id_as_email {
            return None;
        }
        if self.style == Style::Klaviyo && self.has(Role::Phone) {
            return None;
        }
        if ids.any(|id| id.contains('@')) {
            return None;
        }
        let what = match self.style {
            Style::Klaviyo => "an email or phone column",
            _ => "an email column",
        };
        Some(format!(
            "--style {} needs {what}, and the customer ids are not e-mail addresses: add it with \
             --keep (e.g. --keep email,first_name,last_name)",
            self.style.name()
        ))
    }

    /// The key a row is matched by across runs, and its customer id, read
    /// from a file's `header` and `record` (this run's rows or an earlier
    /// run's): the customer id for `plain`; the address (lower case) for
    /// the email tools, or `phone:` and the number for a Klaviyo row
    /// without an email. `None` when the record has none.
    pub(crate) fn key_of(&self, header: &[String], record: &[String]) -> Option<(String, String)> {
        let cell = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let id_column = fixed_header(self.style, Column::CustomerId);
        let key = match self.style {
            Style::Plain => cell(id_column)?.to_owned(),
            Style::Mailchimp | Style::Klaviyo => {
                match cell(fixed_header(self.style, Column::Email)) {
                    Some(email) => email.to_lowercase(),
                    None if self.style == Style::Klaviyo => {
                        let phone = phone(cell(fixed_header(self.style, Column::Phone))?)?;
                        format!("phone:{}", phone.compact)
                    }
                    None => return None,
                }
            }
        };
        let id = cell(id_column).map_or_else(|| key.clone(), str::to_owned);
        Some((key, id))
    }
}

/// The header a style writes for one of its own columns.
fn fixed_header(style: Style, column: Column) -> &'static str {
    match (style, column) {
        (Style::Plain, Column::CustomerId) => "customer_id",
        (_, Column::CustomerId) => "Customer ID",
        (Style::Mailchimp, Column::Email) => "Email Address",
        (_, Column::Email) => "Email",
        (_, Column::Phone) => "Phone Number",
        (_, Column::FirstName) => "First Name",
        (_, Column::LastName) => "Last Name",
        (_, Column::Country) => "Country",
        (_, Column::Consent) => "Email Marketing Consent",
        (_, Column::Tag) => "Tags",
        (Style::Klaviyo, Column::SegmentName) => "RFM Segment",
        (_, Column::SegmentName) => "segment",
        (_, Column::SegmentKey) => "segment_key",
        (_, Column::Kept(_)) => "",
    }
}

/// A scored customer, as the audiences need it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Customer<'a> {
    /// The customer id.
    pub(crate) id: &'a str,
    /// Its segment, an index into the segments given to [`build`].
    pub(crate) segment: usize,
    /// The `--keep` values, in the layout's kept order (empty without).
    pub(crate) kept: &'a [Box<str>],
    /// Its latest purchase (a day number: only the order matters).
    pub(crate) last: i32,
    /// Its monetary value (only the order matters).
    pub(crate) monetary: i64,
}

/// A segment as the files name it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment<'a> {
    /// `segment_key`: the file name.
    pub(crate) key: &'a str,
    /// The display name.
    pub(crate) name: &'a str,
}

/// The Mailchimp status a file is imported with. Mailchimp sets one status
/// for every contact of an import (chosen in the import, not read from a
/// column), so the contacts who said yes and the others cannot share a
/// file: with a consent column kept, each segment has one file per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    /// The consent is yes: `SEGMENT.csv`, imported as Subscribed.
    Subscribed,
    /// No, blank or not understood: `SEGMENT.non-subscribed.csv`, imported
    /// as Non-subscribed (Mailchimp's name for a contact who never opted
    /// in; Unsubscribed would be someone who opted out, which a `no` in
    /// an order export does not say).
    NonSubscribed,
}

impl Status {
    /// The name in audiences.json (`status`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Status::Subscribed => "subscribed",
            Status::NonSubscribed => "non-subscribed",
        }
    }

    /// The status called `name`.
    pub(crate) fn named(name: &str) -> Option<Status> {
        [Status::Subscribed, Status::NonSubscribed]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// What the file name carries after the segment key: nothing for the
    /// subscribed (the name the file has without a consent column),
    /// `.non-subscribed` for the others, Mailchimp's name for the status to
    /// choose.
    fn infix(self) -> &'static str {
        match self {
            Status::Subscribed => "",
            Status::NonSubscribed => ".non-subscribed",
        }
    }
}

/// One row of an audience file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    /// The customer id (rows are written in its order).
    pub(crate) id: String,
    /// The key that matches it across runs (see [`Layout::key_of`]).
    pub(crate) key: String,
    /// The cells, one per header column.
    pub(crate) cells: Vec<String>,
    /// The Mailchimp status of its file when the layout splits by consent
    /// ([`Layout::by_status`]); `None` otherwise, and for an earlier run's
    /// row whose file had none.
    pub(crate) status: Option<Status>,
}

/// Why a customer has no row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reason {
    /// No email (mailchimp).
    NoEmail,
    /// Neither an email nor a usable phone number (klaviyo).
    NoContact,
    /// An email that is not an address.
    InvalidEmail,
    /// An email another customer (with a later last order, or more
    /// monetary, or a smaller id) already has.
    DuplicateEmail,
    /// No email, and a phone number another profile already has
    /// (klaviyo).
    DuplicatePhone,
}

impl Reason {
    /// The reason in words.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Reason::NoEmail => "no email",
            Reason::NoContact => "no email or phone",
            Reason::InvalidEmail => "invalid email",
            Reason::DuplicateEmail => "duplicate email",
            Reason::DuplicatePhone => "duplicate phone",
        }
    }
}

/// A customer without a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dropped {
    /// The customer id.
    pub(crate) id: String,
    /// Its segment.
    pub(crate) segment: usize,
    /// Why.
    pub(crate) reason: Reason,
    /// The email or phone concerned (empty when there is none).
    pub(crate) value: String,
}

/// The audience files of a run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Audience {
    /// Per segment (in the order given to [`build`]), its rows by customer id.
    pub(crate) files: Vec<Vec<Row>>,
    /// The customers left out, by customer id.
    pub(crate) dropped: Vec<Dropped>,
    /// What the user should check: values cut, names split, consent
    /// values not understood, phones left blank.
    pub(crate) warnings: Vec<String>,
}

/// A cleaned phone number.
struct Phone {
    /// What is written: E.164 (`+4930123456`) when the number is one,
    /// otherwise the value as it was (trimmed, without a spreadsheet's `'`).
    written: String,
    /// Digits with a leading `+` if any: the key across rows.
    compact: String,
    /// 7 to 15 digits: a number a profile can be found by.
    usable: bool,
}

/// Cleans a phone number: spaces, `-`, `.`, `(`, `)` and `/` out, a
/// leading `00` as `+`. rfm does not guess country codes.
fn phone(raw: &str) -> Option<Phone> {
    let trimmed = raw.trim();
    // Excel's text marker, as some exports keep it: `'+1 555-555-0123`.
    let trimmed = trimmed.strip_prefix('\'').unwrap_or(trimmed).trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut compact: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')' | '/'))
        .collect();
    if let Some(rest) = compact.strip_prefix("00") {
        compact = format!("+{rest}");
    }
    let (plus, digits) = match compact.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    let numeric = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let usable = numeric && (7..=15).contains(&digits.len());
    let e164 = numeric && plus && (8..=15).contains(&digits.len());
    Some(Phone {
        written: if e164 {
            compact.clone()
        } else {
            trimmed.to_owned()
        },
        compact,
        usable,
    })
}

/// An e-mail address as written (trimmed, the domain in lower case), or
/// `Err` when it is not one: not exactly one `@`, an empty local part, a
/// domain without a dot, white space, `,` or `;` (several addresses), or
/// for Mailchimp letters outside ASCII before the `@`.
fn email(raw: &str, ascii_local: bool) -> Result<String, ()> {
    let text = raw.trim();
    if text
        .chars()
        .any(|c| c.is_whitespace() || c == ',' || c == ';')
    {
        return Err(());
    }
    let (local, domain) = text.split_once('@').ok_or(())?;
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.');
    if local.is_empty() || !domain_ok || (ascii_local && !local.is_ascii()) {
        return Err(());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// An email consent value: yes, no, or not understood.
fn consent(value: &str) -> Option<bool> {
    match fold(value).as_str() {
        "yes" | "y" | "true" | "1" | "subscribed" | "optedin" | "optin" => Some(true),
        "" | "no" | "n" | "false" | "0" | "unsubscribed" | "notsubscribed" | "optedout"
        | "optout" => Some(false),
        _ => None,
    }
}

/// Cuts `text` to at most `max` bytes at a character boundary; whether
/// it was cut.
fn cut(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

/// A customer's row before the duplicates are taken out.
struct Candidate {
    customer: usize,
    cells: Vec<String>,
    /// The address, `Err` with the value when it is not one.
    email: Option<Result<String, String>>,
    phone: Option<Phone>,
    /// Its file's status (see [`Layout::by_status`]).
    status: Option<Status>,
}

/// Builds the files: one per segment, rows by customer id, with the
/// customers who have no row and why.
pub(crate) fn build(layout: &Layout, customers: &[Customer], segments: &[Segment]) -> Audience {
    let style = layout.style;
    let mut warnings = Vec::new();
    let mut cut_columns: BTreeMap<usize, u64> = BTreeMap::new();
    let mut unknown_consent: BTreeMap<String, u64> = BTreeMap::new();
    let mut id_differs = 0u64;
    let first_of = |c: &Customer, role: Role| -> Option<(usize, String)> {
        layout.roles[slot(role)].iter().find_map(|&i| {
            let value = c.kept.get(i).map_or("", |v| v.trim());
            (!value.is_empty()).then(|| (i, value.to_owned()))
        })
    };
    let candidates: Vec<Candidate> = customers
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let segment = &segments[c.segment];
            let kept_email = first_of(c, Role::Email).map(|(_, v)| v);
            let raw_email = kept_email
                .clone()
                .or_else(|| c.id.contains('@').then(|| c.id.to_owned()));
            let email = raw_email.map(|raw| {
                email(&raw, style == Style::Mailchimp).map_err(|()| raw.trim().to_owned())
            });
            if let (Some(Ok(address)), Some(_)) = (&email, &kept_email)
                && c.id.contains('@')
                && !address.eq_ignore_ascii_case(c.id)
            {
                id_differs += 1;
            }
            let phone = first_of(c, Role::Phone).and_then(|(_, v)| phone(&v));
            // Yes or not: blank is no, a value neither yes nor no is counted
            // (a warning) and taken as no.
            let consented = layout.has(Role::Consent).then(|| {
                first_of(c, Role::Consent).is_some_and(|(i, value)| {
                    consent(&value).unwrap_or_else(|| {
                        *unknown_consent.entry(layout.kept[i].clone()).or_default() += 1;
                        false
                    })
                })
            });
            let (first, last) = if layout.split_names {
                match first_of(c, Role::FullName) {
                    Some((_, full)) => match full.split_once(char::is_whitespace) {
                        Some((first, rest)) => (first.to_owned(), rest.trim().to_owned()),
                        None => (full, String::new()),
                    },
                    None => (String::new(), String::new()),
                }
            } else {
                (
                    first_of(c, Role::FirstName).map_or_else(String::new, |(_, v)| v),
                    first_of(c, Role::LastName).map_or_else(String::new, |(_, v)| v),
                )
            };
            let cells = layout
                .columns
                .iter()
                .enumerate()
                .map(|(k, column)| {
                    let mut cell = match column {
                        Column::CustomerId => c.id.to_owned(),
                        Column::Email => match &email {
                            Some(Ok(address)) => address.clone(),
                            _ => String::new(),
                        },
                        Column::Phone => phone
                            .as_ref()
                            .map_or_else(String::new, |p| p.written.clone()),
                        Column::FirstName => first.clone(),
                        Column::LastName => last.clone(),
                        Column::Country => {
                            first_of(c, Role::Country).map_or_else(String::new, |(_, v)| v)
                        }
                        Column::Consent if consented == Some(true) => "Subscribed".to_owned(),
                        Column::Consent => String::new(),
                        Column::Kept(i) => {
                            c.kept.get(*i).map_or_else(String::new, |v| v.to_string())
                        }
                        Column::Tag => {
                            let tag = format!("RFM {}", segment.name.replace(',', " "));
                            tag.chars().take(MAILCHIMP_TAG_CHARS).collect()
                        }
                        Column::SegmentName => segment.name.to_owned(),
                        Column::SegmentKey => segment.key.to_owned(),
                    };
                    if style == Style::Mailchimp && cut(&mut cell, MAILCHIMP_FIELD_BYTES) {
                        *cut_columns.entry(k).or_default() += 1;
                    }
                    cell
                })
                .collect();
            let status = layout.by_status().then_some(if consented == Some(true) {
                Status::Subscribed
            } else {
                Status::NonSubscribed
            });
            Candidate {
                customer: n,
                cells,
                email,
                phone,
                status,
            }
        })
        .collect();
    let mut files: Vec<Vec<Row>> = vec![Vec::new(); segments.len()];
    let mut dropped = Vec::new();
    if style == Style::Plain {
        for (c, candidate) in customers.iter().zip(candidates) {
            files[c.segment].push(Row {
                id: c.id.to_owned(),
                key: c.id.to_owned(),
                cells: candidate.cells,
                status: candidate.status,
            });
        }
    } else {
        // The customer that keeps a shared address: the latest last order,
        // then the higher monetary, then the smaller id.
        let mut order: Vec<Candidate> = candidates;
        order.sort_by(|a, b| {
            let (x, y) = (&customers[a.customer], &customers[b.customer]);
            y.last
                .cmp(&x.last)
                .then(y.monetary.cmp(&x.monetary))
                .then(x.id.cmp(y.id))
        });
        let phone_column = layout.columns.iter().position(|c| *c == Column::Phone);
        let mut emails: HashSet<String> = HashSet::new();
        let mut phones: HashSet<String> = HashSet::new();
        let mut blanked = 0u64;
        for mut candidate in order {
            let c = &customers[candidate.customer];
            let drop = |reason: Reason, value: &str| Dropped {
                id: c.id.to_owned(),
                segment: c.segment,
                reason,
                value: value.to_owned(),
            };
            let phone = candidate
                .phone
                .as_ref()
                .filter(|p| style == Style::Klaviyo && p.usable);
            let key = match &candidate.email {
                Some(Err(raw)) => {
                    dropped.push(drop(Reason::InvalidEmail, raw));
                    continue;
                }
                Some(Ok(address)) => {
                    if !emails.insert(address.to_lowercase()) {
                        dropped.push(drop(Reason::DuplicateEmail, address));
                        continue;
                    }
                    if let (Some(p), Some(k)) = (phone, phone_column)
                        && !phones.insert(p.compact.clone())
                    {
                        candidate.cells[k].clear();
                        blanked += 1;
                    }
                    address.to_lowercase()
                }
                None => match phone {
                    Some(p) if phones.insert(p.compact.clone()) => format!("phone:{}", p.compact),
                    Some(p) => {
                        dropped.push(drop(Reason::DuplicatePhone, &p.written));
                        continue;
                    }
                    None if style == Style::Klaviyo => {
                        dropped.push(drop(Reason::NoContact, ""));
                        continue;
                    }
                    None => {
                        dropped.push(drop(Reason::NoEmail, ""));
                        continue;
                    }
                },
            };
            files[c.segment].push(Row {
                id: c.id.to_owned(),
                key,
                cells: candidate.cells,
                status: candidate.status,
            });
        }
        for file in &mut files {
            file.sort_by(|a, b| a.id.cmp(&b.id));
        }
        dropped.sort_by(|a: &Dropped, b: &Dropped| a.id.cmp(&b.id));
        if blanked > 0 {
            warnings.push(format!(
                "{} left blank: a profile with a later order already has it (Klaviyo allows \
                 one profile per phone number)",
                count(blanked, "phone number")
            ));
        }
    }
    if id_differs > 0 {
        warnings.push(format!(
            "customer ids that are an e-mail address other than the kept email: {} (the kept \
             email is written, the id is in {})",
            thousands(id_differs),
            fixed_header(style, Column::CustomerId)
        ));
    }
    for (column, n) in cut_columns {
        warnings.push(format!(
            "{} of '{}' cut to {MAILCHIMP_FIELD_BYTES} bytes, the most Mailchimp keeps",
            count(n, "value"),
            layout.header[column]
        ));
    }
    if style == Style::Klaviyo {
        for name in layout.header.iter().filter(|h| h.starts_with('$')) {
            warnings.push(format!(
                "'{name}': Klaviyo keeps names starting with '$' for its own properties; rename \
                 the column before importing"
            ));
        }
    }
    let taken_as = match style {
        Style::Mailchimp => "in the non-subscribed files",
        _ => "written as not subscribed (empty)",
    };
    for (column, n) in unknown_consent {
        warnings.push(format!(
            "{} of '{column}' neither yes nor no: {taken_as}",
            count(n, "value")
        ));
    }
    Audience {
        files,
        dropped,
        warnings,
    }
}

/// An audience file of an earlier run (a whole segment file, one of its
/// status files or one of its parts).
#[derive(Debug, Clone)]
pub(crate) struct PreviousFile {
    /// The segment key (the file name up to its first `.`).
    pub(crate) segment_key: String,
    /// Its Mailchimp status, as its audiences.json lists it (`None`: it
    /// has none, or an older rfm wrote it).
    pub(crate) status: Option<Status>,
    /// Its header.
    pub(crate) header: Vec<String>,
    /// Its records.
    pub(crate) records: Vec<Vec<String>>,
}

/// Who entered and who left each segment since an earlier run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// Per segment key: this run's rows that its earlier files did not have
    /// (with the same status, when both runs split by consent).
    pub(crate) entered: BTreeMap<String, Vec<Row>>,
    /// Per segment key: the rows of the earlier files that this run's do
    /// not have, as this run writes them when it has a row for them (in
    /// another segment), else as the earlier run wrote them.
    pub(crate) left: BTreeMap<String, Vec<Row>>,
}

/// Compares this run's files with an earlier run's (of the same style).
/// Rows are matched by [`Layout::key_of`] and listed by customer id; empty
/// lists are left out. The earlier files of one segment (its parts, its
/// status files) are read as one.
///
/// With one file per Mailchimp status, a contact still in the segment
/// whose consent changed enters the file of its new status (so a weekly
/// import of `entered/` gives it its new status) and does not leave the
/// segment (so a tag removal driven by `left/` never drops a contact that
/// is still in it). A file without a status (an older rfm, or no consent
/// column kept then) matches either.
pub(crate) fn changes(
    layout: &Layout,
    audience: &Audience,
    segments: &[Segment],
    previous: &[PreviousFile],
) -> Changes {
    let current: HashMap<&str, &Row> = audience
        .files
        .iter()
        .flatten()
        .map(|r| (r.key.as_str(), r))
        .collect();
    // The earlier rows, per segment key, by key.
    let mut earlier: BTreeMap<&str, BTreeMap<String, Row>> = BTreeMap::new();
    for file in previous {
        let rows = earlier.entry(file.segment_key.as_str()).or_default();
        for record in &file.records {
            let Some((key, id)) = layout.key_of(&file.header, record) else {
                continue;
            };
            let cells = layout
                .header
                .iter()
                .map(|h| {
                    file.header
                        .iter()
                        .position(|x| x == h)
                        .and_then(|i| record.get(i))
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            let row = Row {
                id,
                key: key.clone(),
                cells,
                status: file.status,
            };
            rows.insert(key, row);
        }
    }
    let mut changes = Changes::default();
    for (segment, rows) in segments.iter().zip(&audience.files) {
        let before = earlier.get(segment.key);
        let mut entered: Vec<Row> = rows
            .iter()
            .filter(|r| {
                !before.and_then(|b| b.get(&r.key)).is_some_and(|then| {
                    match (then.status, r.status) {
                        (Some(then), Some(now)) => then == now,
                        _ => true,
                    }
                })
            })
            .cloned()
            .collect();
        if !entered.is_empty() {
            entered.sort_by(|a, b| a.id.cmp(&b.id));
            changes.entered.insert(segment.key.to_owned(), entered);
        }
    }
    for (segment_key, rows) in &earlier {
        let now: HashSet<&str> = segments
            .iter()
            .position(|s| s.key == *segment_key)
            .map(|i| audience.files[i].iter().map(|r| r.key.as_str()).collect())
            .unwrap_or_default();
        let mut left: Vec<Row> = rows
            .values()
            .filter(|r| !now.contains(r.key.as_str()))
            .map(|r| match current.get(r.key.as_str()) {
                Some(&c) => c.clone(),
                // As the earlier run wrote it, in this run's files: a
                // status only when this run has them, none known is no.
                None => Row {
                    status: layout
                        .by_status()
                        .then(|| r.status.unwrap_or(Status::NonSubscribed)),
                    ..r.clone()
                },
            })
            .collect();
        if !left.is_empty() {
            left.sort_by(|a, b| a.id.cmp(&b.id));
            changes.left.insert((*segment_key).to_owned(), left);
        }
    }
    changes
}

/// What a file of the folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A segment's rows: `SEGMENT.csv`.
    Segment,
    /// Who entered the segment: `entered/SEGMENT.csv`.
    Entered,
    /// Who left it: `left/SEGMENT.csv`.
    Left,
}

impl Kind {
    /// The name in audiences.json (`kind`), also the subfolder of the
    /// changes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Segment => "segment",
            Kind::Entered => "entered",
            Kind::Left => "left",
        }
    }
}

/// One file of the folder, before it is written (and perhaps cut into
/// parts, see [`parts`]).
#[derive(Debug, Clone)]
pub(crate) struct File<'a> {
    /// What it holds.
    pub(crate) kind: Kind,
    /// The segment key.
    pub(crate) segment_key: &'a str,
    /// The Mailchimp status to import it with, when the rows are split by
    /// consent.
    pub(crate) status: Option<Status>,
    /// The rows, by customer id.
    pub(crate) rows: Vec<&'a Row>,
}

impl File<'_> {
    /// Its path in the folder, or the path of its part `part` (from 1):
    /// `at_risk.csv`, `at_risk.non-subscribed.csv`, `entered/at_risk.csv`,
    /// `at_risk.part2.csv`. The part number comes last, before `.csv`: the
    /// parts keep the extension importers look for and sort beside each
    /// other, and the unsplit name stays what it always was.
    pub(crate) fn path(&self, part: Option<usize>) -> String {
        let folder = match self.kind {
            Kind::Segment => String::new(),
            kind => format!("{}/", kind.name()),
        };
        let status = self.status.map_or("", Status::infix);
        let part = part.map_or_else(String::new, |n| format!(".part{n}"));
        format!("{folder}{}{status}{part}.csv", self.segment_key)
    }
}

/// The files to write: the non-empty segments in the definition's order,
/// then the changes by segment key, entered before left; a segment's rows
/// split by status (subscribed first) when the layout splits them.
pub(crate) fn files<'a>(
    segments: &[Segment<'a>],
    audience: &'a Audience,
    changes: Option<&'a Changes>,
) -> Vec<File<'a>> {
    let mut files = Vec::new();
    let mut add = |kind: Kind, segment_key: &'a str, rows: &'a [Row]| {
        // Rows stay in their order within each status.
        let mut by_status: BTreeMap<Option<Status>, Vec<&'a Row>> = BTreeMap::new();
        for row in rows {
            by_status.entry(row.status).or_default().push(row);
        }
        files.extend(by_status.into_iter().map(|(status, rows)| File {
            kind,
            segment_key,
            status,
            rows,
        }));
    };
    for (segment, rows) in segments.iter().zip(&audience.files) {
        add(Kind::Segment, segment.key, rows);
    }
    if let Some(changes) = changes {
        for (kind, map) in [
            (Kind::Entered, &changes.entered),
            (Kind::Left, &changes.left),
        ] {
            for (key, rows) in map {
                add(kind, key, rows);
            }
        }
    }
    files
}

/// The most bytes of a file Klaviyo's list upload takes: 50 MB, read as
/// 50,000,000 bytes (the smaller reading), header included.
pub(crate) const KLAVIYO_FILE_BYTES: usize = 50_000_000;

/// A CSV file cut into parts: byte ranges of the file as rendered whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts {
    /// The header line, which starts every part.
    pub(crate) header: Range<usize>,
    /// Each part's records, in order, with how many there are; one part
    /// when the file fits whole.
    pub(crate) parts: Vec<(Range<usize>, usize)>,
}

/// Cuts `csv`, a header line and records as the CSV writer renders them,
/// into parts of at most `limit` bytes each, header included: as many
/// records as fit, in order, never cutting one (a record holding a quoted
/// line break is one record). A record that does not fit with the header
/// even alone makes a part of its own, over the limit (the caller warns).
/// The records' bounds are read back with the `csv` crate, so they are
/// the writer's own quoting.
pub(crate) fn parts(csv: &[u8], limit: usize) -> Result<Parts, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv);
    let mut record = csv::ByteRecord::new();
    // Where each record (the header first) ends.
    let mut ends = Vec::new();
    while reader.read_byte_record(&mut record)? {
        ends.push(usize::try_from(reader.position().byte()).unwrap_or(csv.len()));
    }
    let header_end = ends.first().copied().unwrap_or(csv.len());
    let mut parts = Vec::new();
    let (mut start, mut end, mut rows) = (header_end, header_end, 0);
    for &next in ends.iter().skip(1) {
        if rows > 0 && header_end + (next - start) > limit {
            parts.push((start..end, rows));
            (start, rows) = (end, 0);
        }
        (end, rows) = (next, rows + 1);
    }
    if rows > 0 || parts.is_empty() {
        parts.push((start..end, rows));
    }
    Ok(Parts {
        header: 0..header_end,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn values(list: &[&str]) -> Box<[Box<str>]> {
        list.iter().map(|s| Box::from(*s)).collect()
    }

    const SEGMENTS: [Segment; 2] = [
        Segment {
            key: "champions",
            name: "Champions",
        },
        Segment {
            key: "at_risk",
            name: "At Risk",
        },
    ];

    #[test]
    fn roles_are_found_by_name_after_a_qualifier() {
        assert_eq!(role_of("Email"), Some((Role::Email, 0)));
        assert_eq!(role_of("Billing Email"), Some((Role::Email, 1)));
        assert_eq!(role_of("E-Mail-Adresse"), Some((Role::Email, 0)));
        assert_eq!(role_of("customer_email"), Some((Role::Email, 3)));
        assert_eq!(role_of("Ship To Phone"), Some((Role::Phone, 2)));
        assert_eq!(role_of("Default Address Phone"), Some((Role::Phone, 3)));
        assert_eq!(role_of("Téléphone"), Some((Role::Phone, 0)));
        assert_eq!(role_of("Prénom"), Some((Role::FirstName, 0)));
        assert_eq!(role_of("last.name"), Some((Role::LastName, 0)));
        assert_eq!(role_of("Billing Name"), Some((Role::FullName, 1)));
        assert_eq!(role_of("País"), Some((Role::Country, 0)));
        assert_eq!(role_of("Accepts Email Marketing"), Some((Role::Consent, 0)));
        // A qualifier alone, and names of no role.
        assert_eq!(role_of("Customer"), None);
        assert_eq!(role_of("Billing City"), None);
        assert_eq!(role_of("Accepts SMS Marketing"), None);
    }

    #[test]
    fn mailchimp_headers_and_the_mapping_lines() {
        let kept = names(&[
            "Billing Email",
            "Email",
            "Billing Name",
            "Shipping Country",
            "Billing Phone",
            "Accepts Marketing",
            "Total Spent",
        ]);
        let layout = Layout::new(Style::Mailchimp, &kept).expect("layout");
        assert_eq!(
            layout.header,
            [
                "Email Address",
                "First Name",
                "Last Name",
                "Phone Number",
                "Country",
                "Total Spent",
                "Tags",
                "Customer ID"
            ]
        );
        // The consent chooses the file: no column for it.
        assert!(layout.by_status());
        let lines = layout.mappings();
        assert_eq!(
            lines[..5],
            [
                "mailchimp: 'Email' -> Email Address",
                "mailchimp: 'Billing Email' -> Email Address (where 'Email' is empty)",
                "mailchimp: 'Billing Phone' -> Phone Number",
                "mailchimp: 'Billing Name' -> First Name + Last Name (split at the first space: a \
                 name written family name first, or with a comma, is split wrong)",
                "mailchimp: 'Shipping Country' -> Country",
            ]
        );
        assert_eq!(
            lines[5],
            "mailchimp: 'Accepts Marketing' -> the file: yes in SEGMENT.csv (import as \
             Subscribed), anything else in SEGMENT.non-subscribed.csv (import as Non-subscribed)"
        );
        // Without a consent column, one file per segment.
        let layout = Layout::new(Style::Mailchimp, &kept[..5]).expect("layout");
        assert!(!layout.by_status());
    }

    #[test]
    fn klaviyo_headers_with_consent_and_without_an_email_column() {
        let kept = names(&["Phone", "First Name", "Accepts Email Marketing", "City"]);
        let layout = Layout::new(Style::Klaviyo, &kept).expect("layout");
        // No email kept: the id is the address, and no Customer ID column.
        assert_eq!(
            layout.header,
            [
                "Email",
                "Phone Number",
                "First Name",
                "Last Name",
                "Country",
                "Email Marketing Consent",
                "City",
                "RFM Segment"
            ]
        );
        assert!(layout.mappings()[0].starts_with("klaviyo: customer id -> Email"));
    }

    #[test]
    fn a_kept_column_named_like_a_written_one_is_refused() {
        let err = Layout::new(Style::Mailchimp, &names(&["Email", "Tags"])).expect_err("refused");
        assert!(err.contains("'Tags'") && err.contains("--keep"), "{err}");
        assert!(Layout::new(Style::Plain, &names(&["segment"])).is_err());
        // Without an email column there is no Customer ID column to collide.
        assert!(Layout::new(Style::Mailchimp, &names(&["Customer ID"])).is_ok());
    }

    #[test]
    fn emails_and_phones_are_cleaned() {
        assert_eq!(email(" Ann@Shop.COM ", true), Ok("Ann@shop.com".into()));
        for bad in [
            "ann",
            "ann@shop",
            "@shop.com",
            "a@b@c.com",
            "a b@c.com",
            "a@c.com;b@c.com",
        ] {
            assert_eq!(email(bad, false), Err(()), "{bad}");
        }
        assert_eq!(email("jürgen@web.de", true), Err(()));
        assert_eq!(email("jürgen@web.de", false), Ok("jürgen@web.de".into()));
        let p = phone("'+1 555-555-0123").expect("phone");
        assert_eq!((p.written.as_str(), p.usable), ("+15555550123", true));
        let p = phone("0049 (30) 123456").expect("phone");
        assert_eq!(p.written, "+4930123456");
        let p = phone("(413) 555-0101").expect("phone");
        assert_eq!((p.written.as_str(), p.usable), ("(413) 555-0101", true));
        assert!(!phone("ask at desk").expect("text").usable);
        assert!(phone("  ").is_none());
        let mut long = "é".repeat(200);
        assert!(cut(&mut long, 255));
        assert_eq!(long.len(), 254);
    }

    #[test]
    fn mailchimp_rows_drop_and_dedupe() {
        let layout = Layout::new(Style::Mailchimp, &names(&["Email", "Name"])).expect("layout");
        let kept = [
            values(&["ann@shop.com", "Ann Lee"]),
            values(&["ANN@Shop.com", "Ann L."]),
            values(&["", "Nobody"]),
            values(&["not-an-address", "Bad"]),
            values(&["", "Mail Id"]),
        ];
        let customers = [
            // Same address: c2 ordered later, so it keeps it.
            Customer {
                id: "c1",
                segment: 0,
                kept: &kept[0],
                last: 10,
                monetary: 500,
            },
            Customer {
                id: "c2",
                segment: 1,
                kept: &kept[1],
                last: 11,
                monetary: 1,
            },
            Customer {
                id: "c3",
                segment: 0,
                kept: &kept[2],
                last: 1,
                monetary: 1,
            },
            Customer {
                id: "c4",
                segment: 0,
                kept: &kept[3],
                last: 1,
                monetary: 1,
            },
            // An empty email column falls back to an e-mail id.
            Customer {
                id: "zed@mail.org",
                segment: 0,
                kept: &kept[4],
                last: 1,
                monetary: 1,
            },
        ];
        let audience = build(&layout, &customers, &SEGMENTS);
        assert_eq!(
            layout.header,
            [
                "Email Address",
                "First Name",
                "Last Name",
                "Tags",
                "Customer ID"
            ]
        );
        let cells = |file: usize| -> Vec<Vec<String>> {
            audience.files[file]
                .iter()
                .map(|r| r.cells.clone())
                .collect()
        };
        assert_eq!(
            cells(0),
            [[
                "zed@mail.org",
                "Mail",
                "Id",
                "RFM Champions",
                "zed@mail.org"
            ]]
        );
        assert_eq!(
            cells(1),
            [["ANN@shop.com", "Ann", "L.", "RFM At Risk", "c2"]]
        );
        let dropped: Vec<(&str, Reason)> = audience
            .dropped
            .iter()
            .map(|d| (d.id.as_str(), d.reason))
            .collect();
        assert_eq!(
            dropped,
            [
                ("c1", Reason::DuplicateEmail),
                ("c3", Reason::NoEmail),
                ("c4", Reason::InvalidEmail)
            ]
        );
    }

    #[test]
    fn klaviyo_keeps_phone_only_rows_and_one_profile_per_phone() {
        let layout = Layout::new(
            Style::Klaviyo,
            &names(&["email", "phone", "accepts_marketing"]),
        )
        .expect("layout");
        let kept = [
            values(&["a@x.com", "+49 30 123456", "yes"]),
            values(&["", "0049 30 123456", "no"]),
            values(&["", "+1 555 0100 999", "maybe"]),
            values(&["", "", ""]),
            values(&["b@x.com", "+49 30 123456", "YES"]),
        ];
        let customer = |id, kept, last| Customer {
            id,
            segment: 0,
            kept,
            last,
            monetary: 0,
        };
        let customers = [
            customer("1", &kept[0], 9),
            customer("2", &kept[1], 8),
            customer("3", &kept[2], 7),
            customer("4", &kept[3], 6),
            customer("5", &kept[4], 5),
        ];
        let audience = build(&layout, &customers, &SEGMENTS);
        assert_eq!(
            layout.header,
            [
                "Email",
                "Phone Number",
                "Country",
                "Email Marketing Consent",
                "RFM Segment",
                "Customer ID"
            ]
        );
        let rows: Vec<(&str, Vec<String>)> = audience.files[0]
            .iter()
            .map(|r| (r.key.as_str(), r.cells.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "a@x.com",
                    names(&["a@x.com", "+4930123456", "", "Subscribed", "Champions", "1"])
                ),
                (
                    "phone:+15550100999",
                    names(&["", "+15550100999", "", "", "Champions", "3"])
                ),
                (
                    "b@x.com",
                    names(&["b@x.com", "", "", "Subscribed", "Champions", "5"])
                ),
            ]
        );
        let dropped: Vec<(&str, Reason)> = audience
            .dropped
            .iter()
            .map(|d| (d.id.as_str(), d.reason))
            .collect();
        assert_eq!(
            dropped,
            [("2", Reason::DuplicatePhone), ("4", Reason::NoContact)]
        );
        assert!(
            audience
                .warnings
                .iter()
                .any(|w| w.contains("'accepts_marketing'"))
        );
        assert!(
            audience
                .warnings
                .iter()
                .any(|w| w.contains("1 phone number left blank"))
        );
    }

    #[test]
    fn no_address_at_all_is_named() {
        let layout = Layout::new(Style::Mailchimp, &names(&["Country"])).expect("layout");
        let why = layout
            .missing_contact(["c1", "c2"].into_iter())
            .expect("none");
        assert!(why.contains("--keep"), "{why}");
        assert!(
            layout
                .missing_contact(["c1", "a@b.com"].into_iter())
                .is_none()
        );
        let layout = Layout::new(Style::Klaviyo, &names(&["Phone"])).expect("layout");
        assert!(layout.missing_contact(["c1"].into_iter()).is_none());
    }

    #[test]
    fn entered_and_left_against_an_earlier_run() {
        let layout = Layout::new(Style::Plain, &names(&["city"])).expect("layout");
        let kept = [values(&["Rome"]), values(&["Oslo"])];
        let customers = [
            Customer {
                id: "a",
                segment: 0,
                kept: &kept[0],
                last: 0,
                monetary: 0,
            },
            Customer {
                id: "b",
                segment: 1,
                kept: &kept[1],
                last: 0,
                monetary: 0,
            },
        ];
        let audience = build(&layout, &customers, &SEGMENTS);
        let header = names(&["customer_id", "segment", "segment_key", "city"]);
        let previous = [
            PreviousFile {
                segment_key: "champions".into(),
                status: None,
                header: header.clone(),
                records: vec![
                    names(&["b", "Champions", "champions", "Bergen"]),
                    names(&["gone", "Champions", "champions", "Pisa"]),
                ],
            },
            PreviousFile {
                segment_key: "lost".into(),
                status: None,
                header,
                records: vec![names(&["a", "Lost", "lost", "Rome"])],
            },
        ];
        let changes = changes(&layout, &audience, &SEGMENTS, &previous);
        let ids = |map: &BTreeMap<String, Vec<Row>>| -> Vec<(String, Vec<String>)> {
            map.iter()
                .map(|(k, rows)| (k.clone(), rows.iter().map(|r| r.cells.join("|")).collect()))
                .collect()
        };
        assert_eq!(
            ids(&changes.entered),
            [
                (
                    "at_risk".to_owned(),
                    vec!["b|Oslo|At Risk|at_risk".to_owned()]
                ),
                (
                    "champions".to_owned(),
                    vec!["a|Rome|Champions|champions".to_owned()]
                ),
            ]
        );
        // b is still a customer: its row now; gone is not: its row then.
        assert_eq!(
            ids(&changes.left),
            [
                (
                    "champions".to_owned(),
                    vec![
                        "b|Oslo|At Risk|at_risk".to_owned(),
                        "gone|Pisa|Champions|champions".to_owned()
                    ]
                ),
                (
                    "lost".to_owned(),
                    vec!["a|Rome|Champions|champions".to_owned()]
                ),
            ]
        );
    }

    /// A customer of segment 0 or 1 with the kept values `kept`.
    fn customer<'a>(id: &'a str, segment: usize, kept: &'a [Box<str>]) -> Customer<'a> {
        Customer {
            id,
            segment,
            kept,
            last: 0,
            monetary: 0,
        }
    }

    #[test]
    fn mailchimp_rows_take_the_status_of_their_consent() {
        let layout = Layout::new(Style::Mailchimp, &names(&["Email", "Opt In"])).expect("layout");
        assert_eq!(layout.header, ["Email Address", "Tags", "Customer ID"]);
        let kept = [
            values(&["a@x.com", "Yes"]),
            values(&["b@x.com", "no"]),
            values(&["c@x.com", ""]),
            values(&["d@x.com", "perhaps"]),
            values(&["e@x.com", "TRUE"]),
        ];
        let customers = [
            customer("a", 0, &kept[0]),
            customer("b", 0, &kept[1]),
            customer("c", 1, &kept[2]),
            customer("d", 1, &kept[3]),
            customer("e", 1, &kept[4]),
        ];
        let audience = build(&layout, &customers, &SEGMENTS);
        let statuses: Vec<Vec<(&str, Option<Status>)>> = audience
            .files
            .iter()
            .map(|f| f.iter().map(|r| (r.id.as_str(), r.status)).collect())
            .collect();
        let (yes, no) = (Some(Status::Subscribed), Some(Status::NonSubscribed));
        assert_eq!(
            statuses,
            [
                vec![("a", yes), ("b", no)],
                vec![("c", no), ("d", no), ("e", yes)]
            ]
        );
        assert_eq!(
            audience.warnings,
            ["1 value of 'Opt In' neither yes nor no: in the non-subscribed files"]
        );
        // One file per segment and status, subscribed first, rows in id
        // order within each.
        let files = files(&SEGMENTS, &audience, None);
        let listed: Vec<(String, Vec<&str>)> = files
            .iter()
            .map(|f| (f.path(None), f.rows.iter().map(|r| r.id.as_str()).collect()))
            .collect();
        assert_eq!(
            listed,
            [
                ("champions.csv".to_owned(), vec!["a"]),
                ("champions.non-subscribed.csv".to_owned(), vec!["b"]),
                ("at_risk.csv".to_owned(), vec!["e"]),
                ("at_risk.non-subscribed.csv".to_owned(), vec!["c", "d"]),
            ]
        );
        assert_eq!(files[3].path(Some(2)), "at_risk.non-subscribed.part2.csv");
    }

    #[test]
    fn a_consent_change_enters_the_new_status_file_and_leaves_nothing() {
        let layout = Layout::new(Style::Mailchimp, &names(&["Email", "Opt In"])).expect("layout");
        let kept = [
            values(&["ann@x.com", "yes"]),
            values(&["bob@x.com", "no"]),
            values(&["cy@x.com", "yes"]),
            values(&["di@x.com", "no"]),
        ];
        // ann said yes this week, bob withdrew; cy moved to at_risk; di
        // stayed as she was.
        let customers = [
            customer("ann", 0, &kept[0]),
            customer("bob", 0, &kept[1]),
            customer("cy", 1, &kept[2]),
            customer("di", 0, &kept[3]),
        ];
        let audience = build(&layout, &customers, &SEGMENTS);
        let header = names(&["Email Address", "Tags", "Customer ID"]);
        let file = |key: &str, status, rows: &[[&str; 3]]| PreviousFile {
            segment_key: key.into(),
            status,
            header: header.clone(),
            records: rows.iter().map(|r| names(r)).collect(),
        };
        let previous = [
            file(
                "champions",
                Some(Status::Subscribed),
                &[
                    ["bob@x.com", "RFM Champions", "bob"],
                    ["cy@x.com", "RFM Champions", "cy"],
                ],
            ),
            file(
                "champions",
                Some(Status::NonSubscribed),
                &[
                    ["ann@x.com", "RFM Champions", "ann"],
                    ["di@x.com", "RFM Champions", "di"],
                    ["gone@x.com", "RFM Champions", "gone"],
                ],
            ),
        ];
        let moves = changes(&layout, &audience, &SEGMENTS, &previous);
        let paths = |kind: Kind| -> Vec<(String, Vec<String>)> {
            files(&SEGMENTS, &audience, Some(&moves))
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| (f.path(None), f.rows.iter().map(|r| r.id.clone()).collect()))
                .collect()
        };
        let list = |items: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
            items
                .iter()
                .map(|(path, ids)| ((*path).to_owned(), names(ids)))
                .collect()
        };
        assert_eq!(
            paths(Kind::Entered),
            list(&[
                ("entered/at_risk.csv", &["cy"]),
                ("entered/champions.csv", &["ann"]),
                ("entered/champions.non-subscribed.csv", &["bob"]),
            ])
        );
        // cy as now (subscribed); gone as then, in the file it was in.
        assert_eq!(
            paths(Kind::Left),
            list(&[
                ("left/champions.csv", &["cy"]),
                ("left/champions.non-subscribed.csv", &["gone"]),
            ])
        );
        // An earlier folder without statuses (an older rfm): only segment
        // moves count, and a gone contact is not taken as subscribed.
        let unknown: Vec<PreviousFile> = previous
            .iter()
            .map(|f| PreviousFile {
                status: None,
                ..f.clone()
            })
            .collect();
        let moves = changes(&layout, &audience, &SEGMENTS, &unknown);
        let entered: Vec<&str> = moves
            .entered
            .values()
            .flatten()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(entered, ["cy"]);
        let left: Vec<(&str, Option<Status>)> = moves
            .left
            .values()
            .flatten()
            .map(|r| (r.id.as_str(), r.status))
            .collect();
        assert_eq!(
            left,
            [
                ("cy", Some(Status::Subscribed)),
                ("gone", Some(Status::NonSubscribed))
            ]
        );
    }

    #[test]
    fn parts_cut_between_records_within_the_limit() {
        // Header 6 bytes, records of 7, 12 (a quoted line break) and 5.
        let csv = b"id,xy\na,bcde\n\"f\ng\",\"h,i\"\nj,kl\n";
        assert_eq!(csv.len(), 6 + 7 + 12 + 5);
        let cut = |limit| parts(csv, limit).expect("csv");
        let whole = cut(csv.len());
        assert_eq!(whole.header, 0..6);
        assert_eq!(whole.parts, [(6..csv.len(), 3)]);
        // 6 + 7 + 12 = 25 fits 25; the last record starts a part.
        assert_eq!(cut(25).parts, [(6..25, 2), (25..30, 1)]);
        // 24: the quoted record goes with the next (6 + 12 + 5 = 23).
        assert_eq!(cut(24).parts, [(6..13, 1), (13..30, 2)]);
        // 17: the quoted record is alone over it (18), a part of its own.
        assert_eq!(cut(17).parts, [(6..13, 1), (13..25, 1), (25..30, 1)]);
        // No records: the header alone.
        assert_eq!(parts(b"id,xy\n", 3).expect("csv").parts, [(6..6, 0)]);
    }
}
