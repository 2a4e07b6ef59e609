//! `local serve --sandbox paytraq` started an empty PayTraq company nothing
//! could map to, and the PayTraq sandbox forgot everything on restart.
//! Now a company is seeded from a documented JSON file (the example is the
//! demo shop's company) and the sandbox can keep its state in a folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use channel::paytraq::model::{ClientType, NewClient, NewSale, NewSaleLine, Operation, SaleType};
use channel::paytraq::{Pacer, PacerConfig, PaytraqClient, PaytraqCredentials};
use channel::secrets::Secret;
use chrono::NaiveDate;
use paytraq_sandbox::{PaytraqSandbox, PaytraqSandboxConfig, Seed, SeedError};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use testkit::world::{shop_seed, PAYTRAQ_KEY, PAYTRAQ_TOKEN};
use woocommerce_sandbox::WooSandbox;

fn example_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/paytraq-sandbox/seed.example.json")
}

fn unlimited() -> PaytraqSandboxConfig {
    PaytraqSandboxConfig {
        rate_per_second: 0.0,
        ..PaytraqSandboxConfig::default()
    }
}

fn client_of(sandbox: &PaytraqSandbox) -> PaytraqClient {
    let creds = PaytraqCredentials {
        api_key: Secret::new(PAYTRAQ_KEY),
        api_token: Secret::new(PAYTRAQ_TOKEN),
    };
    let pacer = Pacer::new(PacerConfig {
        rate_per_second: dec!(1000),
        burst: 1000,
    })
    .expect("pacer");
    PaytraqClient::new(
        &sandbox.base_url(),
        creds,
        reqwest::Client::new(),
        Arc::new(pacer),
    )
    .expect("client")
}

/// A fresh folder under the system's temporary folder.
fn temporary_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}

#[tokio::test]
async fn the_example_seed_is_the_company_the_demo_shop_mirrors() {
    let woo = WooSandbox::start_demo().await.expect("shop sandbox");
    let mirrored = shop_seed(&woo).await.expect("the demo shop's seed").seed;
    woo.shutdown().await;
    let example = Seed::from_file(&example_file()).expect("the example seed");
    assert_eq!(
        example,
        mirrored,
        "seed.example.json differs from what the demo mirrors, which is:\n{}",
        serde_json::to_string_pretty(&mirrored).unwrap_or_default()
    );
}

#[tokio::test]
async fn a_company_seeded_from_the_example_file_reads_back_through_the_paytraq_client() {
    let seed = Seed::from_file(&example_file()).expect("the example seed");
    let sandbox = PaytraqSandbox::start(unlimited()).await.expect("sandbox");
    let seeded = seed.apply(&sandbox.create_company(PAYTRAQ_KEY, PAYTRAQ_TOKEN));
    let client = client_of(&sandbox);

    let keys: Vec<(String, Option<Decimal>)> = client
        .tax_keys()
        .await
        .expect("tax keys")
        .into_iter()
        .map(|k| (k.name, k.rate))
        .collect();
    let seeded_keys: Vec<(String, Option<Decimal>)> = seed
        .tax_keys
        .iter()
        .map(|k| (k.name.clone(), Some(k.rate)))
        .collect();
    assert_eq!(keys, seeded_keys);
    assert!(keys.iter().any(|(_, rate)| *rate == Some(dec!(21))));

    let accounts: Vec<String> = client
        .money_accounts()
        .await
        .expect("money accounts")
        .into_iter()
        .map(|a| a.name)
        .collect();
    let seeded_accounts: Vec<&String> = seed.money_accounts.iter().map(|a| &a.name).collect();
    assert_eq!(accounts.iter().collect::<Vec<_>>(), seeded_accounts);

    let warehouses = client.warehouses().await.expect("warehouses");
    assert_eq!(warehouses.len(), 1);
    assert_eq!(warehouses[0].name, seed.warehouses[0].name);
    assert_eq!(warehouses[0].warehouse_id, seeded.warehouses[0]);

    let products = client.list_products().await.expect("products");
    let codes: Vec<Option<&str>> = products.iter().map(|p| p.code.as_deref()).collect();
    let seeded_codes: Vec<Option<&str>> = seed
        .products
        .iter()
        .map(|p| Some(p.code.as_str()))
        .collect();
    assert_eq!(codes, seeded_codes);
    assert!(codes.contains(&Some("LV-SOCKS-RED")) && codes.contains(&Some("WC-FEE")));

    let stocked = client
        .products_of_warehouse(seeded.warehouses[0])
        .await
        .expect("products of the warehouse");
    for product in &seed.products {
        let Some(qty) = product.stock.get(&seed.warehouses[0].name) else {
            continue;
        };
        let read = stocked
            .iter()
            .find(|p| p.code.as_deref() == Some(product.code.as_str()))
            .and_then(|p| p.inventory.as_ref())
            .map(|i| i.qty);
        assert_eq!(read, Some(*qty), "stock of {}", product.code);
    }

    // The demo's price group starts empty (the demo prices it later).
    let group = seeded.price_groups[0];
    assert_eq!(seed.price_groups[0].name, "Interneta veikals");
    assert!(client
        .price_list(group)
        .await
        .expect("price list")
        .is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn seeded_price_groups_product_prices_and_clients_read_back_through_the_paytraq_client() {
    let text = r#"{
        "warehouses": [{"name": "Rīga"}, {"name": "Liepāja"}],
        "price_groups": [
            {"name": "Mazumtirdzniecība", "currency": "EUR",
             "prices": {"A-1": {"incl_tax": "12.10", "excl_tax": "10.00"}}},
            {"name": "Vairumtirdzniecība", "currency": "EUR",
             "prices": {"A-1": {"incl_tax": "9.68", "excl_tax": "8.00"},
                        "B-2": {"incl_tax": "5.60", "excl_tax": "5.00"}}}
        ],
        "tax_keys": [{"name": "PVN 21%", "rate": "21"}, {"name": "PVN 12%", "rate": 12}],
        "money_accounts": [{"name": "Swedbank", "currency": "EUR"}],
        "products": [
            {"code": "A-1", "name": "Krēsls", "price": {"gross": "12.10", "tax_rate": "21"},
             "stock": {"Rīga": "3", "Liepāja": "7.5"}},
            {"code": "B-2", "name": "Grāmata", "stock": {"Liepāja": "2"}}
        ],
        "clients": [{"name": "SIA Piemērs", "email": "birojs@piemers.lv"}]
    }"#;
    let seed = Seed::from_json(text, "inline seed").expect("seed");
    let sandbox = PaytraqSandbox::start(unlimited()).await.expect("sandbox");
    let seeded = seed.apply(&sandbox.create_company(PAYTRAQ_KEY, PAYTRAQ_TOKEN));
    let client = client_of(&sandbox);

    let retail = client
        .price_list(seeded.price_groups[0])
        .await
        .expect("retail");
    assert_eq!(retail.len(), 1);
    assert_eq!(retail[0].item_id, seeded.products[0]);
    assert_eq!(retail[0].price_incl_tax, Some(dec!(12.10)));
    assert_eq!(retail[0].price_excl_tax, Some(dec!(10.00)));
    let wholesale = client
        .price_list(seeded.price_groups[1])
        .await
        .expect("wholesale");
    let b2 = wholesale
        .iter()
        .find(|p| p.item_id == seeded.products[1])
        .expect("B-2 in the wholesale list");
    assert_eq!(
        (b2.price_incl_tax, b2.price_excl_tax),
        (Some(dec!(5.60)), Some(dec!(5.00)))
    );

    let a1 = client
        .find_product_by_code("A-1")
        .await
        .expect("find A-1")
        .expect("A-1");
    let price = a1.price.expect("A-1's default price");
    assert_eq!(
        (price.gross_amount, price.tax_rate),
        (Some(dec!(12.10)), Some(dec!(21)))
    );
    let liepaja = client
        .products_of_warehouse(seeded.warehouses[1])
        .await
        .expect("Liepāja's products");
    let qty = |code: &str| {
        liepaja
            .iter()
            .find(|p| p.code.as_deref() == Some(code))
            .and_then(|p| p.inventory.as_ref())
            .map(|i| i.qty)
    };
    assert_eq!((qty("A-1"), qty("B-2")), (Some(dec!(7.5)), Some(dec!(2))));

    let buyer = client
        .find_client_by_email("birojs@piemers.lv")
        .await
        .expect("find the client")
        .expect("the seeded client");
    assert_eq!(
        (buyer.client_id, buyer.name.as_str()),
        (seeded.clients[0], "SIA Piemērs")
    );
    sandbox.shutdown().await;
}

fn invoice(client_id: u64, warehouse: u64, item: u64, tax_key: u64, reference: &str) -> NewSale {
    NewSale {
        sale_type: SaleType::SalesInvoice,
        operation: Operation::SellGoods,
        client_id,
        document_date: NaiveDate::from_ymd_opt(2026, 5, 14).expect("date"),
        currency: "EUR".into(),
        warehouse_id: Some(warehouse),
        loading_area_id: None,
        our_reference: reference.into(),
        include_tax: false,
        comment: Some("WooCommerce order".into()),
        lines: vec![NewSaleLine {
            item_id: Some(item),
            item_code: None,
            description: None,
            quantity: dec!(2),
            unit_price: dec!(10.00),
            discount_percent: Decimal::ZERO,
            tax_key_id: tax_key,
        }],
        shipping_charge: None,
        payment_term_days: None,
    }
}

#[tokio::test]
async fn paytraq_documents_survive_a_sandbox_restart_on_the_same_state_dir() {
    let dir = temporary_dir("paytraq-state");
    let seed = Seed::example().expect("the example seed");

    let first = PaytraqSandbox::start_with_state(unlimited(), &dir)
        .await
        .expect("first start");
    assert!(!first.restored(), "a new folder has nothing to restore");
    let seeded = seed.apply(&first.create_company(PAYTRAQ_KEY, PAYTRAQ_TOKEN));
    let client = client_of(&first);
    let buyer = client
        .create_client(&NewClient {
            name: "Jānis Bērziņš".into(),
            email: Some("janis@example.lv".into()),
            client_type: ClientType::Person,
            reg_number: None,
            vat_number: None,
            legal_address: Default::default(),
            phone: None,
        })
        .await
        .expect("client");
    let (warehouse, item, key) = (seeded.warehouses[0], seeded.products[0], seeded.tax_keys[1]);
    let created = client
        .create_sale(&invoice(buyer, warehouse, item, key, "wc-order-1001"))
        .await
        .expect("document");
    let before = client.get_sale(created.document_id).await.expect("read");
    first.shutdown().await;

    let second = PaytraqSandbox::start_with_state(unlimited(), &dir)
        .await
        .expect("second start");
    assert!(second.restored());
    let client = client_of(&second);
    let after = client
        .get_sale(created.document_id)
        .await
        .expect("read after restart");
    assert_eq!(after, before);
    let listed = client
        .find_sale_by_reference("wc-order-1001", None)
        .await
        .expect("search")
        .expect("the document in the list after the restart");
    assert_eq!(listed.document_id, created.document_id);
    assert_eq!(
        client
            .get_client(buyer)
            .await
            .expect("client after restart")
            .name,
        "Jānis Bērziņš"
    );
    assert_eq!(
        client.warehouses().await.expect("warehouses")[0].name,
        seed.warehouses[0].name,
        "the seed's company is kept, not seeded again"
    );

    let next = client
        .create_sale(&invoice(buyer, warehouse, item, key, "wc-order-1002"))
        .await
        .expect("a document after the restart");
    assert!(
        next.document_id > created.document_id,
        "ids keep counting up"
    );
    let next = client.get_sale(next.document_id).await.expect("read");
    assert_eq!(next.document_number.as_deref(), Some("INV-00002"));
    assert_eq!(before.document_number.as_deref(), Some("INV-00001"));
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_seed_file_is_refused_naming_the_file_and_the_field() {
    let dir = temporary_dir("paytraq-seed");
    for (name, text, field) in [
        (
            "unknown-field.json",
            r#"{"tax_keys": [{"name": "PVN 21%", "rate": "21", "country": "LV"}]}"#,
            "tax_keys[0].country",
        ),
        (
            "wrong-type.json",
            r#"{"products": [{"code": "A-1", "name": "Krēsls", "stock": {"Rīga": [3]}}]}"#,
            "products[0].stock.Rīga",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("seed file");
        let err = Seed::from_file(&path).expect_err("a bad seed");
        assert!(matches!(err, SeedError::Format { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(field), "{message}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
