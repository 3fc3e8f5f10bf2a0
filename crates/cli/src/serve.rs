//! `riskpath serve`: the multi-user server of `riskpath-server` (docs/server.md), and
//! `riskpath serve --data DIR audit-check`, which verifies the audit log's hash chain.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::common::Failure;

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = false)]
pub struct Args {
    /// Folder of the server's database (created private, 0700, on the first run).
    #[arg(long, value_name = "DIR", default_value = "riskpath-data")]
    data: PathBuf,
    /// Keep the data in PostgreSQL instead (postgres://USER:PASSWORD@HOST:PORT/DATABASE; no TLS):
    /// --data is then unused. Default: the RISKPATH_DATABASE_URL environment variable, which keeps
    /// the password out of the process list.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Address and port to listen on; anything but loopback needs --tls-cert and --tls-key.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8470")]
    bind: SocketAddr,
    /// TLS certificate chain (PEM): serve HTTPS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM), with --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Verify the audit log's hash chain: exit 0 with its row count and head hash, exit 1 naming
    /// the first row that was edited, inserted or deleted.
    AuditCheck,
}

/// The environment variable `--database-url` defaults to.
const DATABASE_URL_ENV: &str = "RISKPATH_DATABASE_URL";

pub fn run(args: Args) -> Result<(), Failure> {
    let database = args.database_url.or_else(|| std::env::var(DATABASE_URL_ENV).ok().filter(|u| !u.is_empty()));
    if let Some(Action::AuditCheck) = args.action {
        return match riskpath_server::audit_check(&args.data, database.as_deref()) {
            Ok(verdict) => {
                println!("{verdict}");
                Ok(())
            }
            Err(e) if e.starts_with("audit log broken") => Err(Failure::findings(e)),
            Err(e) => Err(Failure::usage(e)),
        };
    }
    let tls = args.tls_cert.zip(args.tls_key);
    let config = riskpath_server::Config { data: args.data, database, bind: args.bind, tls };
    riskpath_server::run(&config).map_err(Failure::usage)
}
