//! `rapport`: the one binary. Each verb lives in its own module under `commands/`.

mod commands;
mod failure;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: a client-service desk",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the version and build information.
    Version,
    /// Mail: parse messages.
    #[command(subcommand)]
    Mail(commands::mail::MailCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Version => commands::version::run(),
        Command::Mail(command) => commands::mail::run(command),
    };
    failure::exit_code(result)
}
