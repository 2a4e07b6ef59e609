//! The `local paytraq-check` command line: its options, and the run that
//! prints the table, writes the JSON and gives the exit code.

use std::path::PathBuf;

use channel::secrets::Secret;

use super::{run, CheckOptions, PAYTRAQ_API};

/// Options of `local paytraq-check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The company's API key. Never printed or written anywhere.
    #[arg(long, env = "PAYTRAQ_API_KEY", hide_env_values = true, value_parser = secret)]
    pub api_key: Secret,
    /// The company's API token. Never printed or written anywhere.
    #[arg(long, env = "PAYTRAQ_API_TOKEN", hide_env_values = true, value_parser = secret)]
    pub api_token: Secret,
    /// PayTraq's API: the real one, or a PayTraq sandbox (`local sandbox`).
    #[arg(long, value_name = "URL", default_value = PAYTRAQ_API, value_parser = crate::paytraq_url)]
    pub base_url: String,
    /// Also write the report as JSON to this file (to attach to a support request).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Read this price group's price list too.
    #[arg(long, value_name = "ID")]
    pub price_group_id: Option<u64>,
    /// The test client's e-mail: looked up, and where the write test's invoice is e-mailed.
    #[arg(long, value_name = "ADDRESS")]
    pub client_email: Option<String>,
    /// Create, update, approve, pay and e-mail test documents: on a TEST company only.
    /// Needs --client-email and --yes-write-to-this-company.
    #[arg(long)]
    pub write_test: bool,
    /// Confirms that --write-test may write to the company of this key.
    #[arg(long)]
    pub yes_write_to_this_company: bool,
    /// The product of the test documents (default: the first listed with a code).
    #[arg(long, value_name = "CODE")]
    pub item_code: Option<String>,
    /// The tax key of the test lines (default: the first listed).
    #[arg(long, value_name = "ID")]
    pub tax_key_id: Option<u64>,
    /// The money account of the test payments (default: the first listed).
    #[arg(long, value_name = "ID")]
    pub money_account_id: Option<u64>,
    /// The warehouse of the test documents and the stock read (default: the first listed).
    #[arg(long, value_name = "ID")]
    pub warehouse_id: Option<u64>,
    /// Lift the pacing (sandbox tests only; PayTraq allows about 1 request/s).
    #[arg(long, hide = true)]
    pub fast: bool,
}

fn secret(text: &str) -> Result<Secret, String> {
    match text.trim() {
        "" => Err("must not be empty".into()),
        value => Ok(Secret::new(value)),
    }
}

impl From<CheckArgs> for CheckOptions {
    fn from(a: CheckArgs) -> Self {
        Self {
            base_url: a.base_url,
            api_key: a.api_key,
            api_token: a.api_token,
            price_group_id: a.price_group_id,
            client_email: a.client_email,
            write_test: a.write_test,
            write_confirmed: a.yes_write_to_this_company,
            item_code: a.item_code,
            tax_key_id: a.tax_key_id,
            money_account_id: a.money_account_id,
            warehouse_id: a.warehouse_id,
            fast: a.fast,
        }
    }
}

/// Runs the check, prints the table (and how to void what the write test
/// created), writes the JSON; returns the exit code: 0 when every call
/// checked works, 2 when any did not.
pub async fn main(args: CheckArgs) -> anyhow::Result<i32> {
    let json = args.json.clone();
    let opts = CheckOptions::from(args);
    if opts.write_test {
        eprintln!("write test: documents are created in the company of this key (a test company).");
    }
    eprintln!(
        "checking {} at PayTraq's pace (about 1 request/s) ...",
        opts.base_url
    );
    let report = run(&opts).await?;
    print!("{report}");
    if let Some(void) = report.how_to_void() {
        print!("\n{void}");
    }
    if let Some(path) = json {
        std::fs::write(&path, report.to_json()?).map_err(|e| {
            anyhow::anyhow!("cannot write the JSON report to {}: {e}", path.display())
        })?;
        println!("JSON report: {}", path.display());
    }
    Ok(report.exit_code())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: CheckArgs,
    }

    fn parse(args: &[&str]) -> Result<CheckArgs, clap::error::ErrorKind> {
        let base = ["paytraq-check", "--api-key", "k-1", "--api-token", "t-1"];
        Cli::try_parse_from(base.iter().chain(args))
            .map(|c| c.args)
            .map_err(|e| e.kind())
    }

    #[test]
    fn paytraq_check_defaults_to_the_real_api_and_validates_its_base_url() {
        let args = parse(&[]).map_err(|e| e.to_string()).unwrap();
        assert_eq!(args.base_url, PAYTRAQ_API);
        assert!(!args.write_test && !args.yes_write_to_this_company && !args.fast);
        let sandbox = parse(&["--base-url", "http://127.0.0.1:9911/"]);
        assert_eq!(
            sandbox.map(|a| a.base_url),
            Ok("http://127.0.0.1:9911".into())
        );
        for bad in ["ftp://go.paytraq.com", "https://u:p@go.paytraq.com"] {
            let err = parse(&["--base-url", bad]).err();
            assert_eq!(err, Some(clap::error::ErrorKind::ValueValidation), "{bad}");
        }
        let write = parse(&[
            "--write-test",
            "--client-email",
            "me@example.com",
            "--yes-write-to-this-company",
        ])
        .map(CheckOptions::from)
        .map_err(|e| e.to_string())
        .unwrap();
        assert!(write.write_test && write.write_confirmed);
        assert_eq!(write.api_key.expose(), "k-1");
        assert!(
            !format!("{write:?}").contains("k-1"),
            "the key is never shown"
        );
    }
}
