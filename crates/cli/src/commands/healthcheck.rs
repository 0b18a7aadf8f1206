//! `rapport healthcheck`: ask a running server whether it is ready. The container image holds
//! nothing but the binary, so its health check cannot call curl.

use std::time::Duration;

use clap::Args;

use crate::failure::{CmdResult, Failure};

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// What to ask; any 2xx answer means healthy.
    #[arg(long, default_value = "http://127.0.0.1:8080/readyz")]
    pub url: String,
    /// Seconds to wait for the whole answer.
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
}

pub fn run(args: HealthcheckArgs) -> CmdResult {
    let url = reqwest::Url::parse(&args.url)
        .map_err(|e| Failure::Usage(format!("--url {:?}: {e}", args.url)))?;
    if url.scheme() != "http" {
        // The binary's HTTP client has no TLS: ask the server itself, not the proxy before it.
        return Err(Failure::Usage(format!(
            "--url {:?}: only http:// is supported (ask the server directly)",
            args.url
        )));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs.max(1)))
        .build()
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot make an HTTP client: {e}")))?;
    let status = crate::config::runtime()?
        .block_on(async { client.get(url).send().await.map(|r| r.status()) })
        .map_err(|e| Failure::Runtime(anyhow::anyhow!("{}: {e}", args.url)))?;
    if status.is_success() {
        println!("{}: {status}", args.url);
        Ok(())
    } else {
        Err(Failure::Runtime(anyhow::anyhow!("{}: {status}", args.url)))
    }
}
