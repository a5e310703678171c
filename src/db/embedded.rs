//! The embedded default: a private PostgreSQL cluster started from the installed binaries.
//!
//! With `DATABASE_URL` unset, `serve`, `demo` and the test suite call [`EmbeddedCluster::start`].
//! The cluster lives in `<data_dir>/pg`, listens only on a Unix socket in that folder, and is
//! reused by every ecoute process on the machine that points at the same folder.
//!
//! Lifetime is managed with two `flock(2)` locks in `<data_dir>`:
//! - `start.lock` (exclusive, held briefly) serialises `initdb`/start/stop decisions;
//! - `users.lock` is held *shared* by every process using the cluster, for its whole life.
//!
//! A small detached watchdog (`sh` + `flock(1)`) stops the cluster with a fast shutdown as soon as
//! nobody holds `users.lock` any more. So the cluster stops cleanly when the last user exits,
//! even on a crash or `kill -9`, and a test run can share it with a running demo.
//!
//! PostgreSQL refuses to run as root. When we are root, the data folder is handed to the
//! `postgres` system user (or `nobody`) and every server binary runs through `runuser`.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use sqlx::postgres::PgConnectOptions;

/// Superuser created by `initdb` in the embedded cluster.
pub const SUPERUSER: &str = "postgres";

/// A running embedded cluster. Dropping it releases this process's claim; the watchdog stops
/// the server once no process claims it.
#[derive(Debug)]
pub struct EmbeddedCluster {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    _users_lock: File,
}

impl EmbeddedCluster {
    /// Initialises (first time), starts (if needed) and claims the cluster under `base`.
    pub fn start(base: &Path) -> anyhow::Result<Self> {
        let bin = PgBinaries::locate()?;
        let base = usable_base_dir(base)?;
        fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
        let data_dir = base.join("pg");
        let run_as = RunAs::detect()?;

        let start_lock = open_lock(&base.join("start.lock"))?;
        start_lock.lock().context("cannot lock start.lock")?;

        if !data_dir.join("PG_VERSION").exists() {
            init_cluster(&bin, &run_as, &data_dir)?;
        }
        if !is_running(&bin, &run_as, &data_dir) {
            start_server(&bin, &run_as, &base, &data_dir)?;
        }
        let users_lock = open_lock(&base.join("users.lock"))?;
        users_lock.lock_shared().context("cannot lock users.lock")?;
        ensure_watchdog(&bin, &run_as, &base, &data_dir)?;
        start_lock.unlock().ok();

        Ok(EmbeddedCluster {
            socket_dir: data_dir.clone(),
            data_dir,
            _users_lock: users_lock,
        })
    }

    /// Connection options for `database` as the cluster's superuser, over the Unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// A URL form of [`Self::connect_options`], for child processes and logs.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// Where the server binaries are: `ECOUTE_PG_BIN`, then `PATH`, then Debian's and the default
/// source-install folders.
struct PgBinaries {
    dir: PathBuf,
}

impl PgBinaries {
    fn locate() -> anyhow::Result<Self> {
        Self::locate_in(Self::candidates())
    }

    fn candidates() -> Vec<PathBuf> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(dir) = std::env::var_os("ECOUTE_PG_BIN") {
            candidates.push(dir.into());
        }
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path));
        }
        let mut debian: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
            .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
            .unwrap_or_default();
        // Newest major version first.
        debian.sort_by_key(|p| {
            std::cmp::Reverse(
                p.parent()
                    .and_then(|v| v.file_name())
                    .and_then(|v| v.to_str()?.parse::<u32>().ok()),
            )
        });
        candidates.extend(debian);
        candidates.push("/usr/local/pgsql/bin".into());
        candidates
    }

    fn locate_in(candidates: Vec<PathBuf>) -> anyhow::Result<Self> {
        for dir in candidates {
            if ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file()) {
                return Ok(PgBinaries { dir });
            }
        }
        bail!(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found.\n\
             Install them (Debian/Ubuntu: `apt install postgresql`; Fedora: `dnf install postgresql-server`; \
             macOS: `brew install postgresql@16`), point ECOUTE_PG_BIN at their folder, \
             or set DATABASE_URL to use an existing PostgreSQL server."
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Who runs the server binaries: ourselves, or (when we are root) an unprivileged system user.
enum RunAs {
    Me,
    User(String),
}

impl RunAs {
    fn detect() -> anyhow::Result<Self> {
        if !running_as_root() {
            return Ok(RunAs::Me);
        }
        let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
        let has = |u: &str| passwd.lines().any(|l| l.split(':').next() == Some(u));
        let user = ["postgres", "nobody"].into_iter().find(|u| has(u)).context(
            "running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL; \
             create one or set DATABASE_URL",
        )?;
        Ok(RunAs::User(user.to_owned()))
    }

    fn command(&self, program: &Path) -> Command {
        match self {
            RunAs::Me => Command::new(program),
            RunAs::User(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(program);
                cmd
            }
        }
    }

    fn shell_prefix(&self) -> String {
        match self {
            RunAs::Me => String::new(),
            RunAs::User(user) => format!("runuser -u {user} -- "),
        }
    }

    fn give(&self, dir: &Path) -> anyhow::Result<()> {
        if let RunAs::User(user) = self {
            let status = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(dir)
                .status()?;
            if !status.success() {
                bail!("cannot hand {} to the `{user}` user", dir.display());
            }
        }
        Ok(())
    }
}

fn running_as_root() -> bool {
    // /proc/self/status has "Uid: real effective saved fs"; avoid a libc dependency for one call.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// As root, the unprivileged server user must be able to reach the data folder. When some parent
/// folder is closed to others (a clone under /root, say), fall back to a folder under /var/tmp
/// named after the requested path, so each clone still gets its own cluster.
fn usable_base_dir(base: &Path) -> anyhow::Result<PathBuf> {
    let base = std::path::absolute(base)?;
    if !running_as_root() {
        return Ok(base);
    }
    use std::os::unix::fs::PermissionsExt;
    let reachable = base.ancestors().skip(1).filter(|p| p.exists()).all(|p| {
        fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    });
    if reachable {
        return Ok(base);
    }
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in base.as_os_str().as_encoded_bytes() {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3);
    }
    let fallback = PathBuf::from(format!("/var/tmp/ecoute-{hash:016x}"));
    tracing::info!(requested = %base.display(), using = %fallback.display(),
        "data folder not reachable by the postgres user; using a folder under /var/tmp");
    Ok(fallback)
}

fn open_lock(path: &Path) -> anyhow::Result<File> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

fn init_cluster(bin: &PgBinaries, run_as: &RunAs, data_dir: &Path) -> anyhow::Result<()> {
    tracing::info!(data_dir = %data_dir.display(), "initialising the embedded PostgreSQL cluster");
    if data_dir.exists() {
        // A half-made folder from an interrupted initdb: initdb wants it empty.
        fs::remove_dir_all(data_dir).with_context(|| format!("cannot clear {}", data_dir.display()))?;
    }
    fs::create_dir_all(data_dir)?;
    run_as.give(data_dir)?;
    let output = run_as
        .command(&bin.path("initdb"))
        .arg("-D")
        .arg(data_dir)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .stdin(Stdio::null())
        .output()
        .context("cannot run initdb")?;
    if !output.status.success() {
        let _ = fs::remove_dir_all(data_dir);
        bail!("initdb failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    // Socket only, in the data folder; a little more room for parallel test databases.
    let mut conf = fs::OpenOptions::new()
        .append(true)
        .open(data_dir.join("postgresql.conf"))?;
    use std::io::Write;
    writeln!(
        conf,
        "\n# ecoute embedded cluster\nlisten_addresses = ''\nmax_connections = 300\nshared_buffers = 64MB"
    )?;
    Ok(())
}

fn is_running(bin: &PgBinaries, run_as: &RunAs, data_dir: &Path) -> bool {
    run_as
        .command(&bin.path("pg_ctl"))
        .arg("status")
        .arg("-D")
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn start_server(bin: &PgBinaries, run_as: &RunAs, base: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let log = base.join("postgres.log");
    // The server writes its log as the unprivileged user.
    File::options().create(true).append(true).open(&log)?;
    run_as.give(&log)?;
    let socket_opt = format!("-k {}", shell_quote(&data_dir.display().to_string()));
    let output = run_as
        .command(&bin.path("pg_ctl"))
        .arg("start")
        .arg("-D")
        .arg(data_dir)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &socket_opt])
        .stdin(Stdio::null())
        // Own process group: a Ctrl-C in the terminal must not hit the shared server.
        .process_group(0)
        .output()
        .context("cannot run pg_ctl start")?;
    if !output.status.success() {
        let tail = fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(15).collect();
        bail!(
            "the embedded PostgreSQL server did not start:\n{}\nlast lines of {}:\n{}",
            String::from_utf8_lossy(&output.stderr),
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    tracing::info!(data_dir = %data_dir.display(), "embedded PostgreSQL started");
    Ok(())
}

/// Starts the watchdog unless one is alive (its pid is in `watchdog.pid`).
fn ensure_watchdog(bin: &PgBinaries, run_as: &RunAs, base: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let pid_file = base.join("watchdog.pid");
    if let Ok(pid) = fs::read_to_string(&pid_file)
        && let Ok(pid) = pid.trim().parse::<u32>()
        && Path::new(&format!("/proc/{pid}")).exists()
    {
        return Ok(());
    }
    if Command::new("flock")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        tracing::warn!("flock(1) not found: the embedded cluster will keep running after exit");
        return Ok(());
    }
    let q = |p: &Path| shell_quote(&p.display().to_string());
    let script = format!(
        "while :; do\n\
           sleep 1\n\
           flock -x 8\n\
           if flock -n -x 9; then\n\
             {prefix}{pg_ctl} stop -D {data} -m fast >/dev/null 2>&1\n\
             rm -f {pid}\n\
             exit 0\n\
           fi\n\
           flock -u 8\n\
         done 8>{start} 9>{users}\n",
        pid = q(&pid_file),
        prefix = run_as.shell_prefix(),
        pg_ctl = q(&bin.path("pg_ctl")),
        data = q(data_dir),
        start = q(&base.join("start.lock")),
        users = q(&base.join("users.lock")),
    );
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("cannot start the embedded cluster's watchdog")?;
    fs::write(&pid_file, child.id().to_string())?;
    Ok(())
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_say_what_to_do() {
        let message = PgBinaries::locate_in(vec!["/nonexistent".into()])
            .err()
            .unwrap()
            .to_string();
        assert!(message.contains("apt install postgresql"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
    }

    #[test]
    fn quoting_survives_spaces_and_quotes() {
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }
}
