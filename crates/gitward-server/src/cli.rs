//! Command-line interface.

use crate::datadir::DataDir;
use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// gitward: a self-hosted Git service compatible with AWS CodeCommit, IAM and STS.
#[derive(Debug, Parser)]
#[command(name = "gitward", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve Git (smart HTTP and SSH) and the CodeCommit, IAM and STS APIs.
    Serve(ServeArgs),
    /// Initialise a data dir: create the first account and its root access key.
    Init(AccountArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Git credential helper (drop-in for `aws codecommit credential-helper`):
    /// `git config --global credential.helper '!gitward credential-helper $@'` and
    /// `git config --global credential.UseHttpPath true`.
    CredentialHelper(CredentialHelperArgs),
}

/// Options of `gitward credential-helper`.
#[derive(Debug, Args)]
struct CredentialHelperArgs {
    /// The AWS profile whose credentials sign the Git password (default: the SDK's chain).
    #[arg(long)]
    profile: Option<String>,
    /// Accepted for compatibility with `aws codecommit credential-helper`; gitward's helper
    /// signs for whichever host Git names.
    #[arg(long)]
    ignore_host_check: bool,
    /// What Git asks: `get`, `store` or `erase`.
    #[arg(value_enum)]
    operation: HelperOperation,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HelperOperation {
    Get,
    Store,
    Erase,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create another account and its root access key.
    Create(AccountArgs),
}

/// Options of `gitward serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where gitward keeps its database, keys, certificates and repositories.
    #[arg(long, env = "GITWARD_DATA_DIR", default_value = "./gitward-data")]
    pub data_dir: PathBuf,
    /// Address of the HTTPS listener (port 0 picks a free port; the URL is written to DATA/run/endpoint).
    #[arg(long, env = "GITWARD_LISTEN", default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Address of the Git-over-SSH listener, or `off` (port 0 picks a free port; the address
    /// is written to DATA/run/ssh-endpoint).
    #[arg(long, env = "GITWARD_SSH_LISTEN", default_value = "127.0.0.1:2222", value_parser = parse_ssh_listen)]
    pub ssh_listen: SshListen,
    /// The AWS region this server is.
    #[arg(long, env = "GITWARD_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Serve plain HTTP instead of TLS (loopback development and tests only).
    #[arg(long)]
    pub insecure_http: bool,
    /// Failed Git sign-ins for one user name before it is locked out (slowed down from half).
    #[arg(long, env = "GITWARD_AUTH_MAX_FAILURES", default_value_t = 10)]
    pub auth_max_failures: u32,
    /// Failed Git sign-ins from one source address before it is locked out.
    #[arg(
        long,
        env = "GITWARD_AUTH_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 200
    )]
    pub auth_max_failures_per_address: u32,
    /// The shortest session STS grants, in seconds. AWS's is 900; tests set it to a few
    /// seconds to see credentials expire without waiting 15 minutes.
    #[arg(long, env = "GITWARD_STS_MIN_DURATION_SECONDS", default_value_t = 900)]
    pub sts_min_duration_seconds: i64,
    /// How long failures are remembered and a lockout lasts, in seconds.
    #[arg(long, env = "GITWARD_AUTH_LOCKOUT_SECONDS", default_value_t = 300)]
    pub auth_lockout_seconds: u64,
}

/// Where the SSH listener listens, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshListen {
    /// `off`: no SSH listener.
    Off,
    /// This address.
    On(SocketAddr),
}

fn parse_ssh_listen(s: &str) -> Result<SshListen, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(SshListen::Off);
    }
    s.parse()
        .map(SshListen::On)
        .map_err(|e| format!("{e}: expected ADDRESS:PORT or off"))
}

#[derive(Debug, Args)]
struct AccountArgs {
    /// The data dir.
    #[arg(long, env = "GITWARD_DATA_DIR", default_value = "./gitward-data")]
    data_dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Json)]
    output: Output,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    /// `{"AccountId","AccessKeyId","SecretAccessKey"}`.
    Json,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => crate::serve::run(args),
        Command::Init(args) => {
            let dir = DataDir::new(args.data_dir);
            let store = dir.open()?;
            if dir.is_initialised(&store)? {
                anyhow::bail!(
                    "{} is already initialised; use `gitward account create` for another account",
                    dir.root().display()
                );
            }
            print_account(&dir.create_account(&store)?, args.output)
        }
        Command::Account(AccountCommand::Create(args)) => {
            let dir = DataDir::new(args.data_dir);
            let store = dir.open()?;
            print_account(&dir.create_account(&store)?, args.output)
        }
        Command::CredentialHelper(args) => credential_helper(args),
    }
}

fn credential_helper(args: CredentialHelperArgs) -> anyhow::Result<()> {
    use gitward_client::helper::{Operation, answer};
    use std::io::{Read, Write};

    let _ = args.ignore_host_check;
    let operation = match args.operation {
        HelperOperation::Get => Operation::Get,
        HelperOperation::Store => Operation::Store,
        HelperOperation::Erase => Operation::Erase,
    };
    let mut input = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut input)
        .context("reading git's request")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let now = gitward_core::clock::Clock::now(&gitward_core::clock::SystemClock);
    if let Some(lines) =
        runtime.block_on(answer(operation, args.profile.as_deref(), &input, now))?
    {
        std::io::stdout()
            .write_all(lines.as_bytes())
            .context("answering git")?;
    }
    Ok(())
}

fn print_account(creds: &crate::datadir::RootCredentials, output: Output) -> anyhow::Result<()> {
    match output {
        Output::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&creds.to_json()).context("rendering JSON")?
            );
        }
    }
    Ok(())
}
