//! `local`: runs the channel on one machine. `local serve` hosts every
//! function, `local demo` shows the product end to end, `local sandbox`
//! runs the API sandboxes alone (see `local --help`).

use std::net::SocketAddr;
use std::path::PathBuf;

use channel::host::{Host, HostConfig};
use clap::{Parser, Subcommand};

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
        /// Bearer token of the admin routes; without it they are not served.
        /// Visible in the process list: prefer LOCAL_ADMIN_TOKEN or --admin-token-file.
        #[arg(long, env = "LOCAL_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// File holding the admin token (a trailing newline is ignored).
        #[arg(long, value_name = "PATH", conflicts_with = "admin_token")]
        admin_token_file: Option<PathBuf>,
        /// Accept shops on loopback addresses over plain HTTP (a shop on this machine), and a
        /// loopback public URL over plain HTTP on any port; an https shop must still be HTTPS.
        #[arg(long)]
        allow_loopback_shops: bool,
        /// Extra trusted CA certificate (PEM) for a shop with a private CA; repeatable.
        #[arg(long = "ca-cert")]
        ca_certs: Vec<PathBuf>,
        /// Run against sandboxes instead of real endpoints: `woocommerce`, `paytraq` or both
        /// (comma-separated). Their URLs and credentials are printed at start.
        #[arg(long, value_enum, value_delimiter = ',')]
        sandbox: Vec<SandboxKind>,
        /// PayTraq's API base URL: the real API (default, https://go.paytraq.com) or a
        /// PayTraq sandbox started on its own (`local sandbox`).
        #[arg(long, env = "PAYTRAQ_BASE_URL", value_name = "URL", value_parser = local::paytraq_url)]
        paytraq_url: Option<String>,
        #[command(flatten)]
        paytraq_sandbox: Box<PaytraqSandboxArgs>,
    },
    /// The product end to end on this machine: sandboxes, channel, orders,
    /// processing, sync; prints what happened and exits 0 when all went as expected.
    Demo {
        /// Keep everything running afterwards and print URLs, admin token and credentials.
        #[arg(long)]
        keep_running: bool,
        /// Lift PayTraq's pacing to 1000 requests/s (CI); default is the real 1/s, burst 5.
        #[arg(long)]
        fast: bool,
    },
    /// Run the WooCommerce and PayTraq sandboxes alone (demo catalogue) until Ctrl-C.
    Sandbox {
        #[command(flatten)]
        paytraq_sandbox: PaytraqSandboxArgs,
    },
    /// Whether this product works with a PayTraq company, with its own API key and token:
    /// every call it makes, as a table (and JSON). Read-only unless --write-test.
    PaytraqCheck(local::paytraq_check::cli::CheckArgs),
    /// Run benchmarks and print their figures.
    Bench {
        #[arg(value_enum, default_value = "all")]
        which: Which,
        #[command(flatten)]
        pacing: PacingArgs,
        #[command(flatten)]
        cost: CostArgs,
    },
}

/// What the PayTraq sandbox starts with and where it keeps its state
/// (`sandbox`, and `serve --sandbox paytraq`).
#[derive(Clone, Debug, Default, clap::Args)]
struct PaytraqSandboxArgs {
    /// Seed the PayTraq sandbox's company from this JSON file (tax keys, money accounts,
    /// warehouses, products, stock, price groups, clients; format and example:
    /// shared/paytraq-sandbox/seed.example.json). Default: that example, the demo shop's company.
    #[arg(long, value_name = "FILE")]
    paytraq_seed: Option<PathBuf>,
    /// Keep the PayTraq sandbox's state (companies, documents, payments, stock, ids) in this
    /// folder, saved after each change and loaded at start; the seed applies only to a new folder.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
}

impl PaytraqSandboxArgs {
    fn given(&self) -> bool {
        self.paytraq_seed.is_some() || self.state_dir.is_some()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SandboxKind {
    Woocommerce,
    Paytraq,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    Intake,
    Processing,
    Sync,
    Pacing,
    Cost,
    All,
    /// Init duration and peak memory of the five function binaries beside
    /// this `local` (build them first: `cargo build --release -p webhook -p
    /// processor -p stock-sync -p admin -p reconciler`).
    ColdStart,
}

/// `bench pacing`'s workload (a short smoke run: `--calls 40 --rate 10`).
#[derive(Clone, Copy, Debug, clap::Args)]
struct PacingArgs {
    /// Concurrent workers, each with its own PayTraq client and pacer.
    #[arg(long, default_value_t = 8)]
    workers: usize,
    /// PayTraq calls in all.
    #[arg(long, default_value_t = 600)]
    calls: usize,
    /// The limit the PayTraq sandbox enforces (requests/s), which the pacers follow.
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// The sandbox's burst.
    #[arg(long, default_value_t = 5)]
    burst: u32,
}

/// `bench cost`'s workload (a short smoke run: `--orders 2 --skus 200`).
#[derive(Clone, Copy, Debug, clap::Args)]
struct CostArgs {
    /// Orders measured (after one warm-up order).
    #[arg(long, default_value_t = 20)]
    orders: usize,
    /// SKUs of the daily sync measured.
    #[arg(long, default_value_t = 5_000)]
    skus: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let quiet = matches!(
        cli.command,
        Command::Demo { .. } | Command::Sandbox { .. } | Command::PaytraqCheck(_)
    ) && std::env::var_os("RUST_LOG").is_none();
    if quiet {
        // The demo's own lines are the output; only warnings and errors
        // of the channel join them (RUST_LOG=info shows everything).
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(std::io::stderr)
            .try_init();
    }
    channel::telemetry::init();
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            public_url,
            admin_token,
            admin_token_file,
            allow_loopback_shops,
            ca_certs,
            sandbox,
            paytraq_url,
            paytraq_sandbox,
        } => {
            if paytraq_url.is_some() && sandbox.contains(&SandboxKind::Paytraq) {
                anyhow::bail!(
                    "--paytraq-url (or PAYTRAQ_BASE_URL) and --sandbox paytraq both say where PayTraq is: give one"
                );
            }
            if paytraq_sandbox.given() && !sandbox.contains(&SandboxKind::Paytraq) {
                anyhow::bail!(
                    "--paytraq-seed and --state-dir are for the PayTraq sandbox: add --sandbox paytraq"
                );
            }
            let admin_token =
                local::admin_token::resolve(admin_token, admin_token_file.as_deref())?;
            let sandboxes = Sandboxes::start(&sandbox, &paytraq_sandbox).await?;
            let mut cfg = HostConfig {
                listen,
                data_dir,
                admin_token,
                extra_ca_certs: ca_certs,
                ..HostConfig::default()
            };
            // The WooCommerce sandbox is a shop on loopback over plain HTTP.
            cfg.options.allow_loopback_shops = allow_loopback_shops || sandboxes.woo.is_some();
            cfg.options.public_base_url = public_url;
            if let Some(url) = paytraq_url {
                cfg.options.paytraq_base_url = url;
            }
            if let Some(paytraq) = &sandboxes.paytraq {
                cfg.options.paytraq_base_url = paytraq.base_url();
            }
            let with_admin = cfg.admin_token.is_some();
            let host = Host::start(cfg).await?;
            println!("channel listening on {}", host.base_url());
            if with_admin {
                println!(
                    "console: {}/console/  (sign in with the admin token)",
                    host.base_url()
                );
            }
            tokio::signal::ctrl_c().await?;
            host.stop().await;
            sandboxes.stop().await;
            Ok(())
        }
        Command::Demo { keep_running, fast } => {
            let report = local::demo::run(local::demo::DemoOptions { fast, keep_running }).await?;
            if !report.ok() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Sandbox { paytraq_sandbox } => sandbox(&paytraq_sandbox).await,
        Command::Bench {
            which,
            pacing,
            cost,
        } => bench(which, pacing, cost).await,
        Command::PaytraqCheck(args) => {
            std::process::exit(local::paytraq_check::cli::main(args).await?)
        }
    }
}

/// Sandboxes started for `sandbox` and `serve --sandbox`, with their URLs
/// and credentials printed. The PayTraq company is seeded from
/// `--paytraq-seed` or the example seed (the demo shop's company), unless
/// `--state-dir` holds a saved state, which is used as it is.
struct Sandboxes {
    woo: Option<woocommerce_sandbox::WooSandbox>,
    paytraq: Option<paytraq_sandbox::PaytraqSandbox>,
}

impl Sandboxes {
    async fn start(
        kinds: &[SandboxKind],
        paytraq_args: &PaytraqSandboxArgs,
    ) -> anyhow::Result<Self> {
        use woocommerce_sandbox::WooSandbox;
        // Read before anything starts: a bad seed stops here.
        let seed = match kinds.contains(&SandboxKind::Paytraq) {
            true => Some(read_seed(paytraq_args)?),
            false => None,
        };
        let woo = match kinds.contains(&SandboxKind::Woocommerce) {
            true => Some(WooSandbox::start_demo().await?),
            false => None,
        };
        if let Some(woo) = &woo {
            println!("WooCommerce sandbox: {}", woo.base_url());
            println!("  REST API: {}/wp-json/wc/v3/", woo.base_url());
            println!("  consumer key:    {}", woo.consumer_key());
            println!("  consumer secret: {}", woo.consumer_secret());
        }
        let paytraq = match seed {
            Some(seed) => Some(start_paytraq(paytraq_args, &seed).await?),
            None => None,
        };
        Ok(Self { woo, paytraq })
    }

    async fn stop(self) {
        if let Some(woo) = self.woo {
            woo.shutdown().await;
        }
        if let Some(paytraq) = self.paytraq {
            paytraq.shutdown().await;
        }
    }
}

/// The seed of `--paytraq-seed`, else the example (the demo shop's company).
fn read_seed(args: &PaytraqSandboxArgs) -> anyhow::Result<paytraq_sandbox::Seed> {
    use paytraq_sandbox::Seed;
    Ok(match &args.paytraq_seed {
        Some(path) => Seed::from_file(path)?,
        None => Seed::example()?,
    })
}

/// Starts the PayTraq sandbox (on its kept state, if any), seeds a new
/// company and prints where it is, its credentials and what it holds.
async fn start_paytraq(
    args: &PaytraqSandboxArgs,
    seed: &paytraq_sandbox::Seed,
) -> anyhow::Result<paytraq_sandbox::PaytraqSandbox> {
    use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig};
    use testkit::world::{PAYTRAQ_KEY, PAYTRAQ_TOKEN};
    let paytraq = match &args.state_dir {
        Some(dir) => PaytraqSandbox::start_with_state(PaytraqSandboxConfig::default(), dir).await?,
        None => PaytraqSandbox::start(PaytraqSandboxConfig::default()).await?,
    };
    println!("PayTraq sandbox: {}", paytraq.base_url());
    println!("  APIKey: {PAYTRAQ_KEY}  APIToken: {PAYTRAQ_TOKEN}");
    if let Some(file) = paytraq.state_file() {
        println!("  state kept in {}", file.display());
    }
    if paytraq.restored() {
        match paytraq.company(PAYTRAQ_KEY) {
            Some(company) => println!(
                "  restored: {} documents, {} clients (the seed is not applied again)",
                company.documents().len(),
                company.clients().len()
            ),
            None => println!("  restored, but it holds no company with APIKey {PAYTRAQ_KEY}"),
        }
        return Ok(paytraq);
    }
    let seeded = seed.apply(&paytraq.create_company(PAYTRAQ_KEY, PAYTRAQ_TOKEN));
    let origin = args
        .paytraq_seed
        .as_ref()
        .map_or("the example seed".to_string(), |p| p.display().to_string());
    println!("  seeded from {origin}: {}", seed.summary());
    let warehouses = seed.warehouses.iter().map(|w| w.name.clone());
    println!("  warehouses: {}", listed(warehouses, &seeded.warehouses));
    let groups = seed.price_groups.iter().map(|g| g.name.clone());
    println!("  price groups: {}", listed(groups, &seeded.price_groups));
    let keys = seed
        .tax_keys
        .iter()
        .map(|t| format!("{} ({}%)", t.name, t.rate));
    println!("  tax keys: {}", listed(keys, &seeded.tax_keys));
    let accounts = seed.money_accounts.iter().map(|a| a.name.clone());
    println!(
        "  money accounts: {}",
        listed(accounts, &seeded.money_accounts)
    );
    Ok(paytraq)
}

/// `id name, id name, …` of seeded entries.
fn listed(names: impl Iterator<Item = String>, ids: &[u64]) -> String {
    names
        .zip(ids)
        .map(|(name, id)| format!("{id} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn sandbox(paytraq_args: &PaytraqSandboxArgs) -> anyhow::Result<()> {
    let sandboxes = Sandboxes::start(
        &[SandboxKind::Woocommerce, SandboxKind::Paytraq],
        paytraq_args,
    )
    .await?;
    println!("Ctrl-C stops both.");
    tokio::signal::ctrl_c().await?;
    sandboxes.stop().await;
    Ok(())
}

async fn bench(which: Which, pacing: PacingArgs, cost: CostArgs) -> anyhow::Result<()> {
    use local::bench;
    if matches!(which, Which::Intake | Which::All) {
        eprintln!("intake: signed deliveries through the HTTP route (embedded store) ...");
        let r = bench::intake::run(&bench::intake::IntakeBench::default()).await?;
        println!("| intake | {} deliveries, 64 senders | {:.0} deliveries/s (p50 {:.2} ms, p99 {:.2} ms) |", r.deliveries, r.per_second, r.throughput_p50_ms, r.throughput_p99_ms);
        println!(
            "| intake | {} deliveries at {}/s offered | p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms |",
            r.offered_count, r.offered_per_second, r.p50_ms, r.p99_ms, r.max_ms
        );
        println!(
            "| intake | answers other than 200 | {} ; inbox entries {} |",
            r.non_200, r.inbox_entries
        );
    }
    if matches!(which, Which::Processing | Which::All) {
        eprintln!("processing: orders through the processor against both sandboxes ...");
        let r = bench::processing::run(40, 12).await?;
        println!("| processing | PayTraq calls per order (returning customer, known SKUs, all options) | {:.2} |", r.paytraq_calls_per_order);
        for (kind, n) in &r.paytraq_calls_by_kind {
            println!(
                "| processing | PayTraq `{kind}` per order | {:.2} |",
                *n as f64 / r.orders as f64
            );
        }
        println!(
            "| processing | WooCommerce calls per order (order notes) | {:.2} |",
            r.woo_calls_per_order
        );
        println!("| processing | {} orders under 1 req/s, burst 5 | {:.1} s = {:.0} orders/hour per channel |", r.paced_orders, r.paced_seconds, r.orders_per_hour_paced);
    }
    if matches!(which, Which::Sync | Which::All) {
        eprintln!(
            "sync: 20,000 SKUs, 50 ms per request, 2% changed; ours vs two per-item methods ..."
        );
        let r = bench::sync::bench_sync(bench::sync::BenchConfig::default()).await?;
        println!("{r}");
    }
    if which == Which::ColdStart {
        let dir = bench::cold_start::own_dir()?;
        let starts = bench::cold_start::COLD_STARTS;
        eprintln!("cold start: the five functions in {}, {starts} cold starts each (this host's CPU; arm64 on Graviton will differ) ...", dir.display());
        let rows = bench::cold_start::run(&dir, starts).await?;
        print!("{}", bench::cold_start::table(&rows));
    }
    if matches!(which, Which::Pacing | Which::All) {
        eprintln!("pacing: {pacing:?} against one PayTraq company, shared bucket vs per-process pacers ...");
        let r = bench::pacing::run(bench::pacing::PacingBench {
            workers: pacing.workers,
            calls: pacing.calls,
            rate: pacing.rate,
            burst: pacing.burst,
        })
        .await?;
        print!("{r}");
    }
    if matches!(which, Which::Cost | Which::All) {
        eprintln!(
            "cost: {cost:?}, orders and a daily sync through the functions' handlers, counted ..."
        );
        let r = bench::cost::run(bench::cost::CostBench {
            orders: cost.orders,
            skus: cost.skus,
            ..bench::cost::CostBench::default()
        })
        .await?;
        print!("{r}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn the_admin_token_is_given_by_flag_or_by_file_not_both() {
        let both = Cli::try_parse_from([
            "local",
            "serve",
            "--admin-token",
            "t0ken",
            "--admin-token-file",
            "/run/secrets/admin-token",
        ]);
        let err = both.err().map(|e| e.kind());
        assert_eq!(err, Some(clap::error::ErrorKind::ArgumentConflict));
    }

    fn paytraq_url_of(args: &[&str]) -> Result<Option<String>, clap::error::ErrorKind> {
        let cli =
            Cli::try_parse_from(["local", "serve"].iter().chain(args)).map_err(|e| e.kind())?;
        match cli.command {
            super::Command::Serve { paytraq_url, .. } => Ok(paytraq_url),
            _ => unreachable!("parsed as serve"),
        }
    }

    #[test]
    fn serve_takes_the_paytraq_url_of_a_real_company_or_a_separate_sandbox() {
        assert_eq!(
            paytraq_url_of(&["--paytraq-url", "http://127.0.0.1:9911/"]),
            Ok(Some("http://127.0.0.1:9911".to_string()))
        );
        assert_eq!(
            paytraq_url_of(&["--paytraq-url", "https://go.paytraq.com"]),
            Ok(Some("https://go.paytraq.com".to_string()))
        );
        for bad in [
            "ftp://go.paytraq.com",
            "go.paytraq.com",
            "https://u:p@go.paytraq.com",
            "https://go.paytraq.com/?x=1",
        ] {
            assert_eq!(
                paytraq_url_of(&["--paytraq-url", bad]),
                Err(clap::error::ErrorKind::ValueValidation),
                "{bad}"
            );
        }
    }

    #[test]
    fn sandbox_and_serve_take_a_paytraq_seed_and_a_state_dir() {
        let sandbox = Cli::try_parse_from([
            "local",
            "sandbox",
            "--paytraq-seed",
            "company.json",
            "--state-dir",
            ".paytraq",
        ]);
        match sandbox.map(|c| c.command) {
            Ok(super::Command::Sandbox { paytraq_sandbox }) => {
                assert_eq!(paytraq_sandbox.paytraq_seed, Some("company.json".into()));
                assert_eq!(paytraq_sandbox.state_dir, Some(".paytraq".into()));
            }
            _ => panic!("sandbox with --paytraq-seed and --state-dir did not parse"),
        }
        let serve = Cli::try_parse_from([
            "local",
            "serve",
            "--sandbox",
            "paytraq",
            "--paytraq-seed",
            "company.json",
            "--state-dir",
            ".paytraq",
        ]);
        match serve.map(|c| c.command) {
            Ok(super::Command::Serve {
                paytraq_sandbox, ..
            }) => {
                assert_eq!(paytraq_sandbox.paytraq_seed, Some("company.json".into()));
                assert_eq!(paytraq_sandbox.state_dir, Some(".paytraq".into()));
            }
            _ => panic!("serve with --paytraq-seed and --state-dir did not parse"),
        }
    }
}
