//! Reads and writes of PayTraq master data: clients, products (with the
//! stock of a warehouse), price lists, tax keys, warehouses and money
//! accounts. Every call here except `create_client` is a read and is
//! retried on 5xx/timeouts by the transport.

use super::client::PaytraqClient;
use super::model::{
    Client, ClientList, CreatedWire, MoneyAccount, MoneyAccountList, NewClient, Price,
    PriceListWire, Product, ProductList, TaxKey, TaxKeyList, Warehouse, WarehouseList,
};
use super::routes;
use super::xml::{from_xml, to_xml};
use super::PaytraqError;

impl PaytraqClient {
    /// Searches clients by e-mail and confirms the match on `Email`
    /// (case-insensitive), since what `query` matches is not documented.
    pub async fn find_client_by_email(&self, email: &str) -> Result<Option<Client>, PaytraqError> {
        let wanted = email.trim();
        if wanted.is_empty() {
            return Err(PaytraqError::Invalid("empty e-mail".into()));
        }
        let found = self
            .all_pages(&routes::search_clients(wanted), |l: ClientList| l.items)
            .await?;
        Ok(found.into_iter().find(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(wanted))
        }))
    }

    pub async fn get_client(&self, client_id: u64) -> Result<Client, PaytraqError> {
        self.fetch(&routes::get_client(client_id)).await
    }

    /// Creates a client; returns its `ClientID`. Not repeated on an
    /// ambiguous failure: the caller looks the client up by e-mail first.
    pub async fn create_client(&self, client: &NewClient) -> Result<u64, PaytraqError> {
        if client.name.trim().is_empty() {
            return Err(PaytraqError::Invalid("a client needs a name".into()));
        }
        let body = to_xml(client)?;
        let reply = self.execute(&routes::create_client(), Some(&body)).await?;
        from_xml::<CreatedWire>(&reply)?
            .client_id
            .ok_or_else(|| PaytraqError::Decode("create client reply without ClientID".into()))
    }

    /// Every product, all pages.
    pub async fn list_products(&self) -> Result<Vec<Product>, PaytraqError> {
        self.all_pages(&routes::list_products(), |l: ProductList| l.items)
            .await
    }

    /// The product whose `Code` is exactly `code`.
    pub async fn find_product_by_code(&self, code: &str) -> Result<Option<Product>, PaytraqError> {
        let wanted = code.trim();
        if wanted.is_empty() {
            return Err(PaytraqError::Invalid("empty product code".into()));
        }
        let found = self
            .all_pages(&routes::search_products(wanted), |l: ProductList| l.items)
            .await?;
        Ok(found
            .into_iter()
            .find(|p| p.code.as_deref().map(str::trim) == Some(wanted)))
    }

    pub async fn warehouses(&self) -> Result<Vec<Warehouse>, PaytraqError> {
        Ok(self
            .fetch::<WarehouseList>(&routes::warehouses())
            .await?
            .items)
    }

    /// Every product, all pages, with `Inventory` as one warehouse holds it
    /// (what `Inventory/InterimAvailable` is assumed to mean is kept in
    /// `routes::products_of_warehouse`).
    pub async fn products_of_warehouse(
        &self,
        warehouse_id: u64,
    ) -> Result<Vec<Product>, PaytraqError> {
        self.all_pages(
            &routes::products_of_warehouse(warehouse_id),
            |l: ProductList| l.items,
        )
        .await
    }

    /// Prices of every product in a price group.
    pub async fn price_list(&self, price_group_id: u64) -> Result<Vec<Price>, PaytraqError> {
        let items = self
            .all_pages(&routes::price_list(price_group_id), |l: PriceListWire| {
                l.items
            })
            .await?;
        Ok(items
            .into_iter()
            .map(|i| Price {
                item_id: i.item_id,
                code: i.code,
                price_incl_tax: i.price.incl,
                price_excl_tax: i.price.excl,
            })
            .collect())
    }

    pub async fn tax_keys(&self) -> Result<Vec<TaxKey>, PaytraqError> {
        Ok(self.fetch::<TaxKeyList>(&routes::tax_keys()).await?.items)
    }

    pub async fn money_accounts(&self) -> Result<Vec<MoneyAccount>, PaytraqError> {
        Ok(self
            .fetch::<MoneyAccountList>(&routes::money_accounts())
            .await?
            .items)
    }
}
