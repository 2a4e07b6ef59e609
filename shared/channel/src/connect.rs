//! How the composition root reaches a channel's two outside systems: a
//! [`Connect`] hands out the channel's [`Accounting`] (PayTraq) and
//! [`Shop`] (WooCommerce) behind their ports. [`HttpConnect`], the default,
//! builds the HTTP clients from the channel's stored credentials; a test
//! gives the [`App`] a `Connect` of in-memory fakes instead
//! ([`App::with_connect`]), so the pipeline, the sync and the reconciler
//! run without any HTTP.

use std::sync::Arc;

use async_trait::async_trait;

use crate::accounting::Accounting;
use crate::model::Channel;
use crate::shop::Shop;
use crate::{App, Error};

/// The factory of a channel's two ports.
#[async_trait]
pub trait Connect: Send + Sync {
    /// The channel's accounting company.
    async fn accounting(&self, app: &App, channel: &Channel) -> Result<Arc<dyn Accounting>, Error>;

    /// The channel's shop.
    async fn shop(&self, app: &App, channel: &Channel) -> Result<Arc<dyn Shop>, Error>;
}

/// The production wiring: a PayTraq client paced with the process's other
/// clients, and a WooCommerce client whose connections are checked against
/// the shop URL policy, both with the channel's stored API keys.
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpConnect;

#[async_trait]
impl Connect for HttpConnect {
    async fn accounting(&self, app: &App, channel: &Channel) -> Result<Arc<dyn Accounting>, Error> {
        Ok(Arc::new(app.paytraq(channel).await?))
    }

    async fn shop(&self, app: &App, channel: &Channel) -> Result<Arc<dyn Shop>, Error> {
        Ok(Arc::new(app.woo(channel).await?))
    }
}
