//! Real SQL engines for the tests of `rfm sql`: load CSV files into DuckDB or
//! PostgreSQL, run a query, and get its result back as text rows.
//!
//! DuckDB runs through the PyPI `duckdb` package (tests/engines/duckdb_query.py),
//! found as `$RFM_DUCKDB_PYTHON`, else `python3` if it can `import duckdb`,
//! else target/ci-venv/bin/python, else target/bench/venv/bin/python.
//! PostgreSQL is a private server from the Debian packages
//! (`$RFM_PG_BIN`, else the newest /usr/lib/postgresql/*/bin), initialised in
//! a temporary folder, listening on 127.0.0.1 on a free port, stopped and
//! deleted on drop. Without an engine, [`duckdb`] and [`postgres`] say why on
//! stderr and return `None`; with `RFM_REQUIRE_ENGINES=1` (set by .ci/run)
//! they panic instead.
//!
//! Results come back as text, header first: NULL -> "", DATE -> YYYY-MM-DD,
//! TIMESTAMP -> YYYY-MM-DD HH:MM:SS[.fraction], DECIMAL/NUMERIC -> the
//! engine's plain digits ("45.50", "-3.00", never an exponent), integers ->
//! digits, strings verbatim. Each engine prints DOUBLE and BOOLEAN its own
//! way (DuckDB "1.0" and "true", PostgreSQL "1" and "t").

use std::fmt::Write as _;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// Column types the tests use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    Text,
    /// Timestamp without time zone; the CSV holds ISO text
    /// ("2025-01-10 09:00:00", "2025-01-10T09:00:00" or "2025-03-01").
    Timestamp,
    /// 64-bit integer.
    Integer,
    /// Fixed point with this many decimals, precision 18.
    Decimal(u8),
}

impl ColType {
    fn duckdb(self) -> String {
        match self {
            ColType::Text => "VARCHAR".into(),
            ColType::Timestamp => "TIMESTAMP".into(),
            ColType::Integer => "BIGINT".into(),
            ColType::Decimal(scale) => format!("DECIMAL(18,{scale})"),
        }
    }

    fn postgres(self) -> String {
        match self {
            ColType::Text => "text".into(),
            ColType::Timestamp => "timestamp".into(),
            ColType::Integer => "bigint".into(),
            ColType::Decimal(scale) => format!("numeric(18,{scale})"),
        }
    }
}

/// A table to create and fill from a CSV file.
#[derive(Clone, Debug)]
pub struct Table {
    /// Some("shop") -> the table is shop.<name> (the schema is created).
    pub schema: Option<String>,
    /// Any text; always quoted.
    pub name: String,
    /// UTF-8, comma separated, with a header row (ignored: `columns` names the
    /// columns); may be gzip-compressed (.gz) and may start with a BOM. Empty
    /// unquoted fields load as NULL, quoted empty fields as empty strings.
    pub csv: PathBuf,
    /// Every CSV column in file order.
    pub columns: Vec<(String, ColType)>,
}

impl Table {
    pub fn new(
        schema: Option<&str>,
        name: &str,
        csv: impl Into<PathBuf>,
        columns: &[(&str, ColType)],
    ) -> Table {
        Table {
            schema: schema.map(str::to_string),
            name: name.to_string(),
            csv: csv.into(),
            columns: columns
                .iter()
                .map(|&(column, kind)| (column.to_string(), kind))
                .collect(),
        }
    }

    /// The quoted, schema-qualified name: `"shop"."Orders"`.
    pub fn qualified(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote(schema), quote(&self.name)),
            None => quote(&self.name),
        }
    }
}

/// `"name"`, with inner quotes doubled.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Both engines can be shared between threads; queries on one PostgreSQL
/// server run one at a time.
pub trait SqlEngine: Send + Sync {
    fn name(&self) -> &'static str;

    /// Creates and loads `tables` in a clean database, runs `sql` (one or
    /// more statements, each ending with `;` at the end of a line; the last
    /// may omit it) and returns the header and rows of the last statement's
    /// result (nothing if it returns no rows, e.g. CREATE VIEW). Errors carry
    /// the engine's message.
    fn query_tables(&self, tables: &[&Table], sql: &str) -> Result<Vec<Vec<String>>, String>;

    /// [`SqlEngine::query_tables`] with one table.
    fn query(&self, table: &Table, sql: &str) -> Result<Vec<Vec<String>>, String> {
        self.query_tables(&[table], sql)
    }
}

/// Every available engine (see [`duckdb`] and [`postgres`]).
pub fn all() -> Vec<Box<dyn SqlEngine>> {
    let mut engines: Vec<Box<dyn SqlEngine>> = Vec::new();
    if let Some(engine) = duckdb() {
        engines.push(Box::new(engine));
    }
    if let Some(engine) = postgres() {
        engines.push(Box::new(engine));
    }
    engines
}

/// `None` after a note on stderr, or a panic under RFM_REQUIRE_ENGINES=1.
fn unavailable<T>(engine: &str, why: &str) -> Option<T> {
    let required = std::env::var("RFM_REQUIRE_ENGINES").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "RFM_REQUIRE_ENGINES is set but {engine} is unavailable: {why}"
    );
    eprintln!("skipped: {engine} unavailable ({why})");
    None
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Parses CSV text (header first) into rows of text.
/// CSV text as rows of fields (the header is the first row).
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|record| {
            record
                .map(|r| r.iter().map(str::to_string).collect())
                .map_err(|e| format!("unreadable CSV result: {e}"))
        })
        .collect()
}

/// "`what` failed (exit status): stderr", then stdout if any.
fn output_error(what: &str, out: &Output) -> String {
    let mut message = format!(
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim_end()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.trim().is_empty() {
        message.push('\n');
        message.push_str(stdout.trim_end());
    }
    message
}

// ---------------------------------------------------------------- DuckDB

/// DuckDB through Python; every query runs in a fresh in-memory database.
pub struct DuckDb {
    python: PathBuf,
}

/// DuckDB, or `None` (with a note) when no Python can `import duckdb`.
pub fn duckdb() -> Option<DuckDb> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(find_duckdb_python) {
        Ok(python) => Some(DuckDb {
            python: python.clone(),
        }),
        Err(why) => unavailable("DuckDB", why),
    }
}

fn imports_duckdb(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import duckdb"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn find_duckdb_python() -> Result<PathBuf, String> {
    if let Some(python) = std::env::var_os("RFM_DUCKDB_PYTHON") {
        let python = PathBuf::from(python);
        return if imports_duckdb(&python) {
            Ok(python)
        } else {
            Err(format!(
                "RFM_DUCKDB_PYTHON={} cannot import duckdb",
                python.display()
            ))
        };
    }
    let candidates = [
        PathBuf::from("python3"),
        manifest_dir().join("target/ci-venv/bin/python"),
        manifest_dir().join("target/bench/venv/bin/python"),
    ];
    candidates
        .into_iter()
        .find(|python| imports_duckdb(python))
        .ok_or_else(|| {
            "no Python with the duckdb package (set RFM_DUCKDB_PYTHON, or \
             `python3 -m venv target/ci-venv && target/ci-venv/bin/pip install duckdb==2.0.0`)"
                .to_string()
        })
}

impl SqlEngine for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn query_tables(&self, tables: &[&Table], sql: &str) -> Result<Vec<Vec<String>>, String> {
        let mut jobs = Vec::new();
        for t in tables {
            let csv =
                std::path::absolute(&t.csv).map_err(|e| format!("{}: {e}", t.csv.display()))?;
            let columns: Vec<[String; 2]> = t
                .columns
                .iter()
                .map(|(c, k)| [c.clone(), k.duckdb()])
                .collect();
            jobs.push(serde_json::json!({
                "schema": t.schema,
                "name": t.name,
                "csv": csv.to_str().ok_or_else(|| format!("{}: not UTF-8", csv.display()))?,
                "columns": columns,
            }));
        }
        let job = serde_json::json!({ "tables": jobs, "sql": sql });
        let script = manifest_dir().join("tests/engines/duckdb_query.py");
        let mut child = Command::new(&self.python)
            .arg(&script)
            .env("PYTHONIOENCODING", "utf-8")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.python.display()))?;
        // The job is small; the script reads all of it before writing.
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(job.to_string().as_bytes())
            .map_err(|e| format!("writing the job to duckdb_query.py: {e}"))?;
        let out = child
            .wait_with_output()
            .map_err(|e| format!("duckdb_query.py: {e}"))?;
        if !out.status.success() {
            return Err(output_error("duckdb", &out));
        }
        parse_csv(&out.stdout)
    }
}

// ------------------------------------------------------------ PostgreSQL

/// A private PostgreSQL server; stopped and deleted on drop. Queries on one
/// server run one at a time, each after dropping every schema.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    psql: PathBuf,
    port: u16,
    /// Root runs the server binaries as the `postgres` OS user.
    as_postgres: bool,
    lock: Mutex<()>,
}

/// Starts a private PostgreSQL server, or `None` (with a note) when there is
/// none to start.
pub fn postgres() -> Option<Postgres> {
    match Postgres::start() {
        Ok(server) => Some(server),
        Err(why) => unavailable("PostgreSQL", &why),
    }
}

fn find_pg_bin() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("RFM_PG_BIN") {
        let bin = PathBuf::from(bin);
        return if bin.join("initdb").is_file() {
            Ok(bin)
        } else {
            Err(format!("RFM_PG_BIN={} has no initdb", bin.display()))
        };
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("/usr/lib/postgresql: {e} (install postgresql, or set RFM_PG_BIN)"))?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb (set RFM_PG_BIN)".to_string())
}

/// The effective user id, from /proc/self/status.
fn euid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn id_of(flag: &str, user: &str) -> Result<u32, String> {
    let out = Command::new("id")
        .args([flag, user])
        .output()
        .map_err(|e| format!("id: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("no `{user}` OS user to run PostgreSQL as (running as root)"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding a port: {e}"))?;
    Ok(listener
        .local_addr()
        .map_err(|e| format!("local address: {e}"))?
        .port())
}

impl Postgres {
    fn start() -> Result<Postgres, String> {
        let bin = find_pg_bin()?;
        let psql = if bin.join("psql").is_file() {
            bin.join("psql")
        } else {
            PathBuf::from("psql")
        };
        let as_postgres = euid() == Some(0);
        let dir = tempfile::Builder::new()
            .prefix("rfm-pg-")
            .tempdir()
            .map_err(|e| format!("temporary folder: {e}"))?;
        if as_postgres {
            let (uid, gid) = (id_of("-u", "postgres")?, id_of("-g", "postgres")?);
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.path().display()))?;
        }
        let mut server = Postgres {
            dir,
            bin,
            psql,
            port: 0,
            as_postgres,
            lock: Mutex::new(()),
        };
        server.initdb()?;
        // Another process may take the free port before the server binds it.
        let mut failures = String::new();
        for _ in 0..3 {
            server.port = free_port()?;
            match server.pg_ctl_start() {
                Ok(()) => return Ok(server),
                Err(e) => failures.push_str(&e),
            }
        }
        Err(failures)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A server binary, run as `postgres` when we are root.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        };
        cmd.current_dir(self.dir.path())
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        cmd
    }

    fn initdb(&self) -> Result<(), String> {
        let mut failures = String::new();
        // C.UTF-8 character classes (upper() of non-ASCII letters), byte
        // order for ORDER BY as in DuckDB; plain C where C.UTF-8 is missing.
        for locale in ["C.UTF-8", "C"] {
            let out = self
                .server_command("initdb")
                .arg("-D")
                .arg(self.data())
                .args([
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--auth=trust",
                    "--no-sync",
                    "--no-instructions",
                    "--lc-collate=C",
                ])
                .arg(format!("--locale={locale}"))
                .output()
                .map_err(|e| format!("initdb: {e}"))?;
            if out.status.success() {
                return Ok(());
            }
            failures.push_str(&output_error(&format!("initdb --locale={locale}"), &out));
            failures.push('\n');
            // initdb removes the data folder it created when it fails.
        }
        Err(failures)
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        // The last setting of a name wins, so a retry's port replaces the
        // previous one.
        let settings = format!(
            "\n# rfm tests\nlisten_addresses = '127.0.0.1'\nport = {}\n\
             unix_socket_directories = '{}'\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\ndatestyle = 'iso, ymd'\ntimezone = 'UTC'\n\
             intervalstyle = 'postgres'\nextra_float_digits = 1\nlc_messages = 'C'\n\
             max_connections = 20\n",
            self.port,
            self.dir.path().display()
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(self.data().join("postgresql.conf"))
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .map_err(|e| format!("postgresql.conf: {e}"))?;
        let log = self.dir.path().join("server.log");
        let out = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"])
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        Err(format!(
            "{}\nserver log:\n{log}\n",
            output_error("pg_ctl start", &out)
        ))
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// psql connected to the server as `postgres`, CSV output, stopping at
    /// the first error.
    fn psql(&self) -> Command {
        let mut cmd = Command::new(&self.psql);
        cmd.args([
            "-X",
            "-q",
            "--csv",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
        ])
        .arg("-p")
        .arg(self.port.to_string())
        .args(["-U", "postgres", "-d", "postgres"])
        .env("PGCLIENTENCODING", "UTF8")
        .env("PGCONNECT_TIMEOUT", "10");
        for var in ["PGOPTIONS", "PGDATESTYLE", "PGTZ", "PGSERVICE", "PGSSLMODE"] {
            cmd.env_remove(var);
        }
        cmd
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let stopped = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "60", "-m", "fast", "stop"])
            .output();
        if !stopped.as_ref().is_ok_and(|o| o.status.success()) {
            eprintln!(
                "warning: stopping PostgreSQL in {} failed: {stopped:?}",
                self.dir.path().display()
            );
        }
        // The TempDir field then deletes the folder.
    }
}

/// Splits a script into statements ending with `;` at the end of a line,
/// leaving out blank and comment-only pieces.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    out.push(current);
    out.retain(|s| {
        s.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
    });
    out
}

/// Writes `path` (gunzipped if it ends in .gz) to `to`.
fn gunzip(path: &Path, to: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut out = std::fs::File::create(to).map_err(|e| format!("{}: {e}", to.display()))?;
    std::io::copy(&mut reader, &mut out)
        .map(|_| ())
        .map_err(|e| format!("gunzip {}: {e}", path.display()))
}

impl SqlEngine for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn query_tables(&self, tables: &[&Table], sql: &str) -> Result<Vec<Vec<String>>, String> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let work = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        // Output of everything before the last statement is discarded.
        let mut script = String::from(
            "\\o /dev/null\n\
             SET client_min_messages = warning;\n\
             DO $$DECLARE s name; BEGIN\n\
             FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
             AND nspname <> 'information_schema' LOOP\n\
             EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END$$;\n\
             CREATE SCHEMA public;\n",
        );
        for (i, table) in tables.iter().enumerate() {
            let csv = if table.csv.extension().is_some_and(|e| e == "gz") {
                let plain = work.path().join(format!("table{i}.csv"));
                gunzip(&table.csv, &plain)?;
                plain
            } else {
                std::path::absolute(&table.csv).map_err(|e| format!("{e}"))?
            };
            let csv = csv
                .to_str()
                .filter(|p| !p.contains(['\'', '\n', '\r']))
                .ok_or_else(|| format!("{}: unusable in \\copy", csv.display()))?
                .to_string();
            if let Some(schema) = &table.schema {
                writeln!(script, "CREATE SCHEMA IF NOT EXISTS {};", quote(schema)).unwrap();
            }
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|(c, k)| format!("{} {}", quote(c), k.postgres()))
                .collect();
            writeln!(
                script,
                "CREATE TABLE {} ({});\n\\copy {} FROM '{csv}' WITH (FORMAT csv, HEADER true)",
                table.qualified(),
                columns.join(", "),
                table.qualified()
            )
            .unwrap();
        }
        let mut statements = statements(sql);
        let last = statements.pop().unwrap_or_default();
        for statement in statements {
            script.push_str(&statement);
        }
        script.push_str("\\o\n");
        script.push_str(last.trim_end());
        if !last.trim_end().ends_with(';') && !last.is_empty() {
            script.push(';');
        }
        script.push('\n');
        let file = work.path().join("script.sql");
        std::fs::write(&file, &script).map_err(|e| format!("{}: {e}", file.display()))?;
        let out = self
            .psql()
            .arg("-f")
            .arg(&file)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", self.psql.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{}\nscript:\n{script}",
                output_error("postgres", &out)
            ));
        }
        parse_csv(&out.stdout)
    }
}
