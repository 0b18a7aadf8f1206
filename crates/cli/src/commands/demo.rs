//! `rapport demo`: fill a database with the demo workspace.

use std::time::Instant;

use clap::Args;
use rapport_app::{App, Settings};

use crate::config::{self, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DemoArgs) -> CmdResult {
    let file = FileConfig::load(args.db.config.as_deref())?;
    let db = args.db.resolve(&file, true);
    config::runtime()?.block_on(async move {
        let started = Instant::now();
        let store = config::open_store(&db).await?;
        store
            .migrate()
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        let app = App::new(store, Settings::default());
        let rep = rapport_seed::demo::seed(&app).await.map_err(config::app_failure)?;
        let secs = started.elapsed().as_secs_f64();
        if args.json {
            let mut v = serde_json::to_value(&rep).map_err(|e| Failure::Runtime(e.into()))?;
            v["seconds"] = serde_json::json!(secs);
            return print_json(&v);
        }
        println!(
            "demo workspace created in {secs:.2} s: {} members, {} clients, {} contacts, {} engagements, \
             {} requests, {} messages, {} promises, {} ratings, {} time entries",
            rep.members, rep.clients, rep.contacts, rep.engagements, rep.requests, rep.messages, rep.promises,
            rep.ratings, rep.time_entries
        );
        println!("sign in: org {}, {} / {}", rep.org, rep.sign_in, rep.password);
        println!("portal:  {} / {}", rep.portal_sign_in, rep.password);
        Ok(())
    })
}
