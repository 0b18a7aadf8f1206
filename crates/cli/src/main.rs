//! `rapport`: the one binary. Each verb lives in its own module under `commands/`.

mod commands;
mod config;
mod failure;
mod memory;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version = commands::version::VERSION,
    about = "Rapport: a client-service desk",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the workspace, the portal and the API (migrates the database first).
    // Boxed: its many flags would make every other command as large (clippy's
    // large_enum_variant).
    Serve(Box<commands::serve::ServeArgs>),
    /// Apply pending database migrations.
    Migrate(commands::migrate::MigrateArgs),
    /// Fill a database with a believable demo workspace.
    Demo(commands::demo::DemoArgs),
    /// Manage members.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// Operate the job queue (probe jobs that check the workers).
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
    /// Print a new random key for RAPPORT_SECRET_KEY (seals stored secrets).
    SecretKey,
    /// Print the version and the commit it was built from.
    Version,
    /// Exit 0 when URL answers 2xx (a container's health check: the image has no curl).
    Healthcheck(commands::healthcheck::HealthcheckArgs),
    /// Business-time arithmetic: add business minutes, count them between two instants.
    Calendar(commands::calendar::CalendarArgs),
    /// Scope checks: a request against an engagement's brief.
    #[command(subcommand)]
    Scope(commands::scope::ScopeCommand),
    /// Score the sentiment of a text with VADER.
    Sentiment(commands::sentiment::SentimentArgs),
    /// Check an outgoing message against a client's etiquette profile.
    Lint(commands::lint::LintArgs),
    /// Mail: parse messages, ingest them (as a mail server's pipe).
    #[command(subcommand)]
    Mail(commands::mail::MailCommand),
    /// The promise ledger: figures per member, client or engagement.
    #[command(subcommand)]
    Promises(commands::promises::PromisesCommand),
    /// Kept aggregates (promise ledger, perception gap): recompute them from the facts.
    #[command(subcommand)]
    Aggregates(commands::aggregates::AggregatesCommand),
    /// Full-text search over an organisation's requests and messages.
    Search(commands::search::SearchArgs),
    /// Write an organisation's data as JSON lines (for `rapport import`).
    Export(commands::export::ExportArgs),
    /// Read an export into this database as a new organisation.
    Import(commands::import::ImportArgs),
    /// Copy a live SQLite database to FILE (a consistent snapshot while the server writes).
    Backup(commands::backup::BackupArgs),
    /// Replace a SQLite database with a backup (the server must be stopped).
    Restore(commands::backup::RestoreArgs),
    /// Benchmarks: seed a realistic workload, drive load at a server.
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(*args),
        Command::Migrate(args) => commands::migrate::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::User(cmd) => commands::user::run(cmd),
        Command::Token(cmd) => commands::token::run(cmd),
        Command::Jobs(cmd) => commands::jobs::run(cmd),
        Command::SecretKey => commands::secret_key::run(),
        Command::Version => commands::version::run(),
        Command::Healthcheck(args) => commands::healthcheck::run(args),
        Command::Calendar(args) => commands::calendar::run(args),
        Command::Scope(cmd) => commands::scope::run(cmd),
        Command::Sentiment(args) => commands::sentiment::run(args),
        Command::Lint(args) => commands::lint::run(args),
        Command::Mail(command) => commands::mail::run(command),
        Command::Promises(cmd) => commands::promises::run(cmd),
        Command::Aggregates(cmd) => commands::aggregates::run(cmd),
        Command::Search(args) => commands::search::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::Backup(args) => commands::backup::run_backup(args),
        Command::Restore(args) => commands::backup::run_restore(args),
        Command::Bench(cmd) => commands::bench::run(cmd),
    };
    failure::exit_code(result)
}
