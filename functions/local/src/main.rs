//! `local`: runs the channel on one machine. `local serve` hosts every
//! function (see `local --help`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use local::host::{Host, HostConfig};

#[derive(Parser)]
#[command(
    name = "local",
    about = "The WooCommerce → PayTraq channel on one machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the channel: HTTP routes, processor, scheduler, embedded store.
    Serve {
        /// Address of the HTTP server (webhook and admin routes).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Where the embedded store keeps its data.
        #[arg(long, default_value = ".data")]
        data_dir: PathBuf,
        /// Base URL the shop uses to reach this channel.
        #[arg(long)]
        public_url: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    channel::telemetry::init();
    match Cli::parse().command {
        Command::Serve {
            listen,
            data_dir,
            public_url,
        } => {
            let mut cfg = HostConfig {
                listen,
                data_dir,
                ..HostConfig::default()
            };
            cfg.options.public_base_url = public_url;
            let host = Host::start(cfg).await?;
            println!("channel listening on {}", host.base_url());
            tokio::signal::ctrl_c().await?;
            host.stop().await;
            Ok(())
        }
    }
}
