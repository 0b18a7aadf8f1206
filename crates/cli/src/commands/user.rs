//! `rapport user add`: add a member (creating the organisation on first use).

use std::io::Read;

use clap::{Args, Subcommand};
use rapport_app::{App, Settings};
use rapport_core::access::Role;
use rapport_core::member::NewMember;

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a member to an organisation; the organisation is created if it does not exist.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Organisation slug (2-40 lower-case letters, digits, hyphens).
    #[arg(long)]
    pub org: String,
    /// Organisation name, when it is being created (default: the slug).
    #[arg(long)]
    pub org_name: Option<String>,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// owner, admin, manager or agent.
    #[arg(long, default_value = "agent")]
    pub role: String,
    /// IANA time zone.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// Read the password from stdin (first line). Otherwise RAPPORT_PASSWORD is used if set.
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: UserCommand) -> CmdResult {
    let UserCommand::Add(args) = cmd;
    let role: Role = args
        .role
        .parse()
        .map_err(|m: String| Failure::Usage(format!("--role: {m}")))?;
    let password = if args.password_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Usage(format!("--password-stdin: {e}")))?;
        Some(s.lines().next().unwrap_or("").to_string())
    } else {
        std::env::var("RAPPORT_PASSWORD").ok()
    };
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, true);
    config::runtime()?.block_on(async move {
        let store = config::open_store(&db).await?;
        store
            .migrate()
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        let app = App::new(store, Settings::default());
        let org = match app
            .org_by_slug(&args.org)
            .await
            .map_err(config::app_failure)?
        {
            Some(o) => o,
            None => app
                .create_org(&args.org, args.org_name.as_deref().unwrap_or(&args.org))
                .await
                .map_err(|e| match e {
                    rapport_app::AppError::Invalid(v) => Failure::Usage(format!("--org: {v}")),
                    other => config::app_failure(other),
                })?,
        };
        let member = app
            .add_member_as_operator(
                org.id,
                NewMember {
                    email: args.email,
                    name: args.name,
                    role,
                    tz: args.tz,
                    working_hours: None,
                    weekly_capacity_minutes: None,
                    password,
                },
            )
            .await
            .map_err(config::app_failure)?;
        if args.json {
            return print_json(&member);
        }
        println!(
            "added {} ({}) to {} as {}",
            member.name, member.email, org.slug, member.role
        );
        Ok(())
    })
}
