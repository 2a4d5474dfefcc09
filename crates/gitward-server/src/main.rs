//! The `gitward` command: parse arguments, then hand over to the library code in this crate.

mod api;
mod audit;
mod authn;
mod authz;
mod cli;
mod datadir;
mod git_access;
mod git_http;
mod git_process;
mod handlers;
mod listener;
mod ops;
mod serve;
mod sessions;
mod simulate;
mod ssh;
mod throttle;
mod tls;
mod trust;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gitward: {e:#}");
            ExitCode::FAILURE
        }
    }
}
