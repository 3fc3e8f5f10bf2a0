//! Starting the server: the database (SQLite in the data directory, created 0700, or PostgreSQL
//! at `--database-url`) migrated, the first-run administrator, the bind rules, the listener, stop.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::audit::{self, Event, Verdict};
use crate::auth::password;
use crate::routes::accounts;
use crate::secret::{now, random_hex};
use crate::state::AppState;
use crate::store::migrate::migrate;
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, transact};

/// The database file in the data directory.
pub const DB_FILE: &str = "riskpath.db";
/// The environment variable that gives the first administrator's password.
pub const ADMIN_PASSWORD_ENV: &str = "RISKPATH_ADMIN_PASSWORD";
/// The first administrator's name.
pub const ADMIN_NAME: &str = "admin";

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    /// PostgreSQL's URL: the database is there instead of in `data`.
    pub database: Option<String>,
    pub bind: SocketAddr,
    /// Certificate chain and private key, PEM.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// TLS is required unless the address is loopback.
pub fn check_bind(bind: SocketAddr, tls: bool) -> Result<(), String> {
    if tls || bind.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "--bind {bind} is not a loopback address: serving there needs TLS (give --tls-cert FILE --tls-key FILE), \
         or bind 127.0.0.1 and put a TLS proxy in front"
    ))
}

/// Creates the data directory (0700) or checks that an existing one is private.
pub fn prepare_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| format!("--data {shown}: {e}"))?;
        set_private(dir).map_err(|e| format!("--data {shown}: {e}"))?;
    }
    if !dir.is_dir() {
        return Err(format!("--data {shown}: not a directory"));
    }
    check_private(dir)
}

#[cfg(unix)]
fn set_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(unix)]
fn check_private(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir).map_err(|e| format!("--data {}: {e}", dir.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "--data {}: others may read it (mode {:o}); it holds password hashes and models: chmod 700 it",
            dir.display(),
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_private(_: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), String> {
    Ok(())
}

/// Opens the data directory's database and migrates it.
pub fn open(dir: &Path) -> Result<Arc<SqliteStore>, String> {
    prepare_dir(dir)?;
    let store = SqliteStore::open(&dir.join(DB_FILE)).map_err(|e| format!("the database: {e}"))?;
    ready(&store)?;
    Ok(Arc::new(store))
}

/// Connects to the PostgreSQL database at `url` and migrates it.
pub fn open_postgres(url: &str) -> Result<Arc<PostgresStore>, String> {
    let store = PostgresStore::open(url, None).map_err(|e| format!("the database: {e}"))?;
    ready(&store)?;
    Ok(Arc::new(store))
}

/// The configured database, migrated, with the jobs a stop cut off marked failed.
pub fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    Ok(match &config.database {
        Some(url) => open_postgres(url)?,
        None => open(&config.data)?,
    })
}

/// A database brought to the newest schema, with the jobs a stop cut off marked failed.
fn ready(store: &dyn Store) -> Result<(), String> {
    migrate(store, &now()).map_err(|e| format!("the database: {e}"))?;
    interrupted(store).map_err(|e| format!("the database: {e}"))?;
    Ok(())
}

/// Jobs queued or running when the server last stopped are marked failed (audited): nothing of
/// theirs was committed, and they are submitted again by whoever needs them.
pub fn interrupted(store: &dyn Store) -> Result<usize, crate::store::DbError> {
    transact(store, |tx| {
        let rows = tx.query(
            "SELECT id, created_by FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at, id",
            &[],
        )?;
        let t = now();
        for row in &rows {
            let (id, actor) = (row.text(0)?, row.text(1)?);
            let error = "the server stopped before the job finished: submit it again";
            let params = [t.as_str().into(), error.into(), id.as_str().into()];
            tx.execute("UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ?", &params)?;
            let detail = serde_json::json!({ "state": "failed", "reason": "server stopped" });
            audit::append(tx, &t, Event { actor: &actor, action: "job.finish", target: &id, detail })?;
        }
        Ok(rows.len())
    })
}

/// On the first run (no account yet), creates the administrator with `given` as its password, or
/// a random one returned to be shown once. `Ok(None)` when accounts exist or `given` was used.
pub fn bootstrap(store: &dyn Store, given: Option<String>) -> Result<Option<String>, String> {
    let any = transact(store, |tx| tx.query("SELECT name FROM accounts LIMIT 1", &[])).map_err(|e| e.to_string())?;
    if !any.is_empty() {
        return Ok(None);
    }
    let (secret, source) = match given {
        Some(p) => {
            password::policy(&p).map_err(|m| format!("{ADMIN_PASSWORD_ENV}: {m}"))?;
            (p, "environment")
        }
        None => (random_hex(16)?, "generated"),
    };
    let phc = password::hash(&secret)?;
    transact(store, |tx| {
        accounts::insert(tx, "-", ADMIN_NAME, &phc, true)?;
        let detail = serde_json::json!({ "password": source });
        audit::append(tx, &now(), Event { actor: "-", action: "bootstrap", target: ADMIN_NAME, detail })?;
        Ok::<_, crate::error::ApiError>(())
    })
    .map_err(|e| e.message)?;
    Ok((source == "generated").then_some(secret))
}

/// `audit-check`: the chain's verdict in words; an error when it is broken. The database is
/// PostgreSQL's at `url` when given, else the data directory's (which must exist).
pub fn audit_check(dir: &Path, url: Option<&str>) -> Result<String, String> {
    let store: Box<dyn Store> = match url {
        Some(url) => Box::new(PostgresStore::open(url, None).map_err(|e| format!("the database: {e}"))?),
        None => {
            let file = dir.join(DB_FILE);
            if !file.is_file() {
                return Err(format!("no database at {}", file.display()));
            }
            Box::new(SqliteStore::open(&file).map_err(|e| format!("the database: {e}"))?)
        }
    };
    match audit::check(store.as_ref()).map_err(|e| format!("the database: {e}"))? {
        Verdict::Intact { rows, head } => Ok(format!("audit log intact: {rows} rows, head {head}")),
        Verdict::Broken { seq, reason } => Err(format!("audit log broken at row {seq}: {reason}")),
    }
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

async fn listen(config: &Config, state: AppState) -> Result<(), String> {
    let tls = config.tls.is_some();
    let app = crate::routes::app(state).into_make_service_with_connect_info::<SocketAddr>();
    match &config.tls {
        None => {
            let listener =
                tokio::net::TcpListener::bind(config.bind).await.map_err(|e| format!("--bind {}: {e}", config.bind))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            eprintln!("riskpath serve: listening on http://{addr}");
            axum::serve(listener, app).with_graceful_shutdown(stop_signal()).await.map_err(|e| e.to_string())
        }
        Some((cert, key)) => {
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| format!("--tls-cert {} / --tls-key {}: {e}", cert.display(), key.display()))?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                stop_signal().await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let announcer = handle.clone();
            tokio::spawn(async move {
                if let Some(addr) = announcer.listening().await {
                    eprintln!("riskpath serve: listening on https://{addr}");
                }
            });
            debug_assert!(tls);
            axum_server::bind_rustls(config.bind, rustls)
                .handle(handle)
                .serve(app)
                .await
                .map_err(|e| format!("--bind {}: {e}", config.bind))
        }
    }
}

/// Serves until SIGINT or SIGTERM.
pub fn run(config: &Config) -> Result<(), String> {
    check_bind(config.bind, config.tls.is_some())?;
    let store = open_store(config)?;
    let given = std::env::var(ADMIN_PASSWORD_ENV).ok().filter(|p| !p.is_empty());
    if let Some(secret) = bootstrap(store.as_ref(), given)? {
        eprintln!(
            "riskpath serve: first run: created the administrator `{ADMIN_NAME}` with this one-time password \
             (shown once, not logged; change it with PUT /api/me/password):\n{secret}"
        );
    }
    let state = AppState::new(store, config.tls.is_some());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(listen(config, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_required_off_loopback() {
        let ok = |a: &str, tls| check_bind(a.parse().unwrap(), tls);
        assert!(ok("127.0.0.1:8470", false).is_ok());
        assert!(ok("[::1]:8470", false).is_ok());
        assert!(ok("0.0.0.0:8470", true).is_ok());
        let e = ok("0.0.0.0:8470", false).unwrap_err();
        assert!(e.contains("needs TLS") && e.contains("--tls-cert"), "{e}");
        assert!(ok("192.0.2.1:443", false).is_err());
    }

    #[test]
    fn the_data_directory_is_created_private_and_a_shared_one_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let store = open(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(dir.join(DB_FILE)).unwrap().permissions().mode() & 0o777, 0o600);
        drop(store);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(open(&dir).err().unwrap().contains("chmod 700"));
    }

    #[test]
    fn jobs_cut_off_by_a_stop_are_marked_failed_on_the_next_start() {
        let store = SqliteStore::in_memory().unwrap();
        migrate(&store, "t").unwrap();
        transact(&store, |tx| {
            tx.execute("INSERT INTO workspaces VALUES ('w', 't', 'admin')", &[])?;
            for (id, state) in [("a", "queued"), ("b", "running"), ("c", "done")] {
                let sql = format!("INSERT INTO jobs VALUES ('{id}', 'w', 'analyze', 'h', '{{}}', 'k', '{state}', 'admin', 't', NULL, NULL)");
                tx.execute(&sql, &[])?;
            }
            Ok::<_, crate::store::DbError>(())
        })
        .unwrap();
        assert_eq!(interrupted(&store).unwrap(), 2);
        let states = transact(&store, |tx| tx.query("SELECT id, state FROM jobs ORDER BY id", &[])).unwrap();
        let states: Vec<String> =
            states.iter().map(|r| format!("{}={}", r.text(0).unwrap(), r.text(1).unwrap())).collect();
        assert_eq!(states, ["a=failed", "b=failed", "c=done"]);
        assert!(matches!(audit::check(&store).unwrap(), Verdict::Intact { rows: 2, .. }));
        assert_eq!(interrupted(&store).unwrap(), 0);
    }

    #[test]
    fn bootstrap_runs_once_with_a_given_or_generated_secret() {
        let store = SqliteStore::in_memory().unwrap();
        migrate(&store, "t").unwrap();
        assert!(bootstrap(&store, Some("short".into())).unwrap_err().contains(ADMIN_PASSWORD_ENV));
        let secret = bootstrap(&store, None).unwrap().unwrap();
        assert_eq!(secret.len(), 32);
        assert_eq!(bootstrap(&store, None).unwrap(), None, "only on the first run");
        let phc =
            transact(&store, |tx| tx.query("SELECT password_hash FROM accounts WHERE name = 'admin'", &[])).unwrap();
        assert!(password::verify(Some(&phc[0].text(0).unwrap()), &secret));
        let log = transact(&store, |tx| audit::list(tx, 0, 10)).unwrap();
        assert!(log.iter().all(|e| !e.detail.contains(&secret)), "the secret is never in the audit log");
    }
}
