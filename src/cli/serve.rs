//! `hubmail serve`: the published site and its public search over HTTP.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::Context;

/// Serve the published site and its public search (pages at /LANG/SPACE/search, JSON at
/// /api/search) over HTTP. Read-only: it never opens the store, and picks up a new release
/// or index commit without a restart. Stops cleanly on SIGTERM or Ctrl-C.
#[derive(Debug, Args)]
pub struct Serve {
    /// The published site [default: [publish] out].
    #[arg(long, value_name = "DIR")]
    site: Option<PathBuf>,
    /// The address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Searches running at once; more wait for a slot within their budget, then get 503.
    #[arg(long, default_value_t = 32, value_name = "N")]
    max_searches: usize,
    /// How long one search may take (waiting for a slot included) before it is
    /// answered 503, in milliseconds.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    search_budget_ms: u64,
    /// Searches one address may make per minute, more answered 429 (0: no limit).
    #[arg(long, default_value_t = 300, value_name = "N")]
    searches_per_minute: u32,
    /// A reverse proxy in front (e.g. 127.0.0.1 for nginx on this host): from it,
    /// X-Forwarded-For names the client the limit counts. Repeat for a chain of proxies.
    #[arg(long, value_name = "IP")]
    trusted_proxy: Vec<std::net::IpAddr>,
}

impl Serve {
    pub fn execute(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let site = self.site.unwrap_or_else(|| ctx.config.publish.out.clone());
        if !hubmail::publish::is_published(&site) {
            anyhow::bail!(
                "{} is not a published site: run 'hubmail publish --out {}' first",
                site.display(),
                site.display()
            );
        }
        let options = hubmail::serve::Options {
            site,
            data_dir: ctx.data_dir.clone(),
            addr: self.addr,
            max_searches: self.max_searches,
            search_budget: Duration::from_millis(self.search_budget_ms),
            searches_per_minute: self.searches_per_minute,
            trusted_proxies: self.trusted_proxy,
        };
        hubmail::serve::run(ctx.config.clone(), options, |addr| {
            println!("listening on http://{addr}/");
            let _ = std::io::stdout().flush();
        })?;
        Ok(ExitCode::SUCCESS)
    }
}
