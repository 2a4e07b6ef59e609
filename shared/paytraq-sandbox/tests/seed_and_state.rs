//! Seeding a company from JSON and keeping the sandbox's state in a folder:
//! what is seeded is served, a restart on the same folder has the same
//! companies and counters, the file is private, a damaged file stops the
//! start and stays as it was.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use paytraq_sandbox::persist::STATE_FILE;
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig, Seed, SeedError};
use rust_decimal_macros::dec;

fn config() -> PaytraqSandboxConfig {
    PaytraqSandboxConfig {
        rate_per_second: 0.0,
        ..Default::default()
    }
}

fn temporary_dir(what: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn get(sb: &PaytraqSandbox, path: &str) -> String {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", sb.base_url()))
        .header("APIKey", "k")
        .header("APIToken", "t")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn a_seed_is_served_with_its_ids_counting_from_1001_in_the_documented_order() {
    let seed = Seed::from_json(
        r#"{"warehouses": [{"name": "Rīga"}],
            "price_groups": [{"name": "Mazumtirdzniecība", "currency": "EUR",
                              "prices": {"A-1": {"incl_tax": "12.10", "excl_tax": "10.00"}}}],
            "tax_keys": [{"name": "PVN 21%", "rate": "21"}],
            "money_accounts": [{"name": "Swedbank", "currency": "EUR"}],
            "products": [{"code": "A-1", "name": "Krēsls", "stock": {"Rīga": "4"}}],
            "clients": [{"name": "SIA Piemērs"}]}"#,
        "test",
    )
    .unwrap();
    let sb = PaytraqSandbox::start(config()).await.unwrap();
    let company = sb.create_company("k", "t");
    let seeded = seed.apply(&company);
    assert_eq!(seeded.warehouses, [1001]);
    assert_eq!(seeded.price_groups, [1002]);
    assert_eq!(seeded.tax_keys, [1003]);
    assert_eq!(seeded.money_accounts, [1004]);
    assert_eq!(seeded.products, [1005]);
    assert_eq!(seeded.clients, [1006]);
    assert_eq!(company.on_hand(1001, 1005), dec!(4));
    let prices = get(&sb, "/api/productPriceList/1002").await;
    assert!(
        prices.contains("<PriceIncTax>12.10</PriceIncTax>"),
        "{prices}"
    );
    assert!(get(&sb, "/api/taxKeys").await.contains("PVN 21%"));
    assert!(get(&sb, "/api/moneyAccounts").await.contains("Swedbank"));
    sb.shutdown().await;
}

#[tokio::test]
async fn a_restart_on_the_same_folder_keeps_the_companies_and_the_counters() {
    let dir = temporary_dir("paytraq-sandbox-state");
    let first = PaytraqSandbox::start_with_state(config(), &dir)
        .await
        .unwrap();
    assert!(!first.restored());
    let company = first.create_company("k", "t");
    Seed::example().unwrap().apply(&company);
    let client = company.add_client("Jānis", Some("janis@example.lv"));
    first.shutdown().await;

    let second = PaytraqSandbox::start_with_state(config(), &dir)
        .await
        .unwrap();
    assert!(second.restored());
    let company = second.company("k").expect("the company after the restart");
    assert_eq!(company.clients()[0].id, client);
    assert!(get(&second, "/api/taxKeys").await.contains("PVN 21%"));
    assert_eq!(
        company.add_warehouse("Otra"),
        client + 1,
        "ids keep counting"
    );
    assert_eq!(second.create_company("k2", "t2").id(), 2);
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temporary_dir("paytraq-sandbox-private");
    let sb = PaytraqSandbox::start_with_state(config(), &dir)
        .await
        .unwrap();
    sb.create_company("k", "t");
    let file = sb.state_file().expect("a state file").to_path_buf();
    assert_eq!(file, dir.join(STATE_FILE));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    sb.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_damaged_state_file_stops_the_start_and_is_left_as_it_is() {
    let dir = temporary_dir("paytraq-sandbox-damaged");
    let file = dir.join(STATE_FILE);
    std::fs::write(&file, "{\"format\": 1, \"world\": {\"compan").unwrap();
    let err = match PaytraqSandbox::start_with_state(config(), &dir).await {
        Ok(_) => panic!("a damaged state file was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("damaged"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"format\": 1, \"world\": {\"compan"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_seed_with_an_unknown_field_names_the_origin_and_the_field() {
    let err = Seed::from_json(
        r#"{"products": [{"code": "A", "name": "a", "sku": "A"}]}"#,
        "x.json",
    )
    .unwrap_err();
    assert!(
        matches!(&err, SeedError::Format { field, .. } if field == "products[0].sku"),
        "{err:?}"
    );
    assert!(err.to_string().contains("x.json"), "{err}");
}
