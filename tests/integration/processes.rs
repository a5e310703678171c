//! The real `ecoute` binary in child processes (`serve`, `worker`) on a test database: for what
//! only separate processes show (global telemetry, several pods sharing one database).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use tokio::process::{Child, Command};

use crate::helpers::{APP_ROLE, TestDb, tenants_dir};

/// A child process, killed when dropped.
pub struct Process {
    child: Child,
    pub addr: Option<SocketAddr>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The owner's connection URL for a child process: the same server as the suite's, by the
/// same way. A socket set on the options (the embedded cluster's) wins over the host, which
/// then only holds sqlx's default (a socket directory of the machine's own server, or
/// `localhost`), exactly as sqlx itself connects.
fn owner_url(options: &PgConnectOptions) -> String {
    let user = options.get_username();
    let port = options.get_port();
    let database = options.get_database().unwrap_or("postgres");
    let socket = options
        .get_socket()
        .map(|dir| dir.display().to_string())
        .or_else(|| Some(options.get_host().to_owned()).filter(|host| host.starts_with('/')));
    match socket {
        Some(dir) => format!("postgres://{user}@localhost:{port}/{database}?host={dir}"),
        None => format!("postgres://{user}@{}:{port}/{database}", options.get_host()),
    }
}

fn command(test_db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecoute"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", owner_url(&test_db.db.owner))
        .env("ECOUTE_APP_ROLE", APP_ROLE)
        .env("ECOUTE_TENANTS_DIR", tenants_dir())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Starts `ecoute serve` and waits until it answers `/healthz`.
pub async fn serve(test_db: &TestDb, env: &[(&str, &str)]) -> Process {
    let port = crate::smtp::SmtpSink::free_port().await;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let listen = addr.to_string();
    let child = command(test_db, &["serve", "--listen", &listen], env)
        .spawn()
        .expect("the ecoute binary starts");
    crate::helpers::crypto();
    let client = reqwest::Client::new();
    let ready = crate::helpers::eventually(Duration::from_secs(30), || {
        let client = client.clone();
        async move {
            client
                .get(format!("http://{addr}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    assert!(ready, "ecoute serve did not answer on {addr}");
    Process {
        child,
        addr: Some(addr),
    }
}

/// Starts `ecoute worker`.
pub fn worker(test_db: &TestDb, env: &[(&str, &str)]) -> Process {
    let child = command(test_db, &["worker"], env)
        .spawn()
        .expect("the ecoute binary starts");
    Process { child, addr: None }
}
