//! One page of the searches the product pages through, for a tool that
//! looks at a company without reading all of it (`local paytraq-check`):
//! the same calls as [`super::catalog`] and [`super::sales`], the first
//! page only, nothing matched or filtered.

use chrono::NaiveDate;

use super::client::PaytraqClient;
use super::model::{Client, ClientList, Sale};
use super::routes;
use super::sale_xml::SaleListWire;
use super::PaytraqError;

impl PaytraqClient {
    /// Page `page` of `GET /api/clients?query=`, as PayTraq lists it.
    pub async fn search_clients_page(
        &self,
        query: &str,
        page: u32,
    ) -> Result<Vec<Client>, PaytraqError> {
        let call = routes::search_clients(query).page(page);
        Ok(self.fetch::<ClientList>(&call).await?.items)
    }

    /// Page `page` of `GET /api/sales?query=`, each list item read as a [`Sale`].
    pub async fn search_sales_page(
        &self,
        query: &str,
        page: u32,
    ) -> Result<Vec<Sale>, PaytraqError> {
        self.sales_page(routes::search_sales(query).page(page))
            .await
    }

    /// Page `page` of one client's documents dated from `date_from` on
    /// (`GET /api/sales?ClientID=&date_from=`).
    pub async fn sales_of_client_page(
        &self,
        client_id: u64,
        date_from: NaiveDate,
        page: u32,
    ) -> Result<Vec<Sale>, PaytraqError> {
        self.sales_page(routes::sales_of_client(client_id, date_from).page(page))
            .await
    }

    async fn sales_page(&self, call: routes::Call) -> Result<Vec<Sale>, PaytraqError> {
        self.fetch::<SaleListWire>(&call)
            .await?
            .items
            .into_iter()
            .map(|item| item.into_sale())
            .collect()
    }
}
