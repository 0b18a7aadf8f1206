//! `rapport token create`: an API token for a member, printed once.

use clap::{Args, Subcommand};
use rapport_app::{App, Settings};

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a member and print it (it is not shown again).
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long)]
    pub org: String,
    /// The member the token acts as.
    #[arg(long)]
    pub email: String,
    /// What the token is for.
    #[arg(long, default_value = "cli")]
    pub name: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: TokenCommand) -> CmdResult {
    let TokenCommand::Create(args) = cmd;
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, false);
    config::runtime()?.block_on(async move {
        let store = config::open_current(&db).await?;
        let app = App::new(store, Settings::default());
        let org = app
            .org_by_slug(&args.org)
            .await
            .map_err(config::app_failure)?
            .ok_or_else(|| Failure::Usage(format!("--org {:?}: no such organisation", args.org)))?;
        let member = app
            .member_by_email(org.id, &args.email)
            .await
            .map_err(config::app_failure)?
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "--email {:?}: no such member in {}",
                    args.email, org.slug
                ))
            })?;
        let ctx = app
            .ctx_for_member(org.id, member.id)
            .await
            .map_err(config::app_failure)?;
        let (info, secret) = app
            .create_token_for(&ctx, member.id, &args.name)
            .await
            .map_err(config::app_failure)?;
        if args.json {
            return print_json(
                &serde_json::json!({"id": info.id, "name": info.name, "token": secret}),
            );
        }
        println!("{secret}");
        Ok(())
    })
}
