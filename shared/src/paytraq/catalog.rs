//! Reads and writes of PayTraq master data: clients, products, stock per
//! warehouse, reserved quantities, price lists, tax keys, warehouses and
//! money accounts. Every call here except `create_client` is a read and is
//! retried on 5xx/timeouts by the transport.

use rust_decimal::Decimal;

use super::client::PaytraqClient;
use super::model::{
    Client, ClientList, CreatedWire, MoneyAccount, MoneyAccountList, NewClient, Price,
    PriceListWire, Product, ProductList, ReservedLine, StockLine, StockList, TaxKey, TaxKeyList,
    Warehouse, WarehouseList,
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

    /// On-hand quantities of one warehouse.
    pub async fn stock_of_warehouse(
        &self,
        warehouse_id: u64,
    ) -> Result<Vec<StockLine>, PaytraqError> {
        self.all_pages(&routes::current_inventory(warehouse_id), |l: StockList| {
            l.items
        })
        .await
    }

    /// Quantities held by approved sales orders in a warehouse (only items
    /// with something reserved). How this is read is an assumption kept in
    /// `routes::products_of_warehouse`: `Inventory/Qty − InterimAvailable`.
    pub async fn reserved_in_approved_sales_orders(
        &self,
        warehouse_id: u64,
    ) -> Result<Vec<ReservedLine>, PaytraqError> {
        let products = self
            .all_pages(
                &routes::products_of_warehouse(warehouse_id),
                |l: ProductList| l.items,
            )
            .await?;
        Ok(products
            .into_iter()
            .filter_map(|p| {
                let inv = p.inventory?;
                let reserved = inv.qty - inv.interim_available?;
                (reserved > Decimal::ZERO).then_some(ReservedLine {
                    item_id: p.item_id,
                    code: p.code,
                    quantity: reserved,
                })
            })
            .collect())
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
