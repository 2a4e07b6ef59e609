//! Secrets Manager: one secret per channel, named `<prefix><channel id>`,
//! holding [`ChannelSecrets`] as JSON. Errors never carry the value.

use async_trait::async_trait;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::Client;

use super::{ChannelSecrets, SecretStore, SecretsError};

#[derive(Clone)]
pub struct AwsSecrets {
    client: Client,
    prefix: String,
}

impl AwsSecrets {
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        Self {
            client,
            prefix: prefix.into(),
        }
    }

    fn name(&self, channel_id: &str) -> String {
        format!("{}{channel_id}", self.prefix)
    }
}

fn sdk<E, R>(e: SdkError<E, R>) -> SecretsError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    SecretsError::Backend(crate::aws_error::describe(&e))
}

#[async_trait]
impl SecretStore for AwsSecrets {
    async fn get(&self, channel_id: &str) -> Result<Option<ChannelSecrets>, SecretsError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(self.name(channel_id))
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Ok(None)
            }
            // A secret scheduled for deletion (channel removed): treat as absent.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_invalid_request_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(sdk(e)),
        };
        let Some(text) = out.secret_string() else {
            return Err(SecretsError::Corrupt(channel_id.to_string()));
        };
        serde_json::from_str(text)
            .map(Some)
            .map_err(|_| SecretsError::Corrupt(channel_id.to_string()))
    }

    async fn put(&self, channel_id: &str, secrets: &ChannelSecrets) -> Result<(), SecretsError> {
        let value = serde_json::to_string(secrets)
            .map_err(|_| SecretsError::Corrupt(channel_id.to_string()))?;
        let name = self.name(channel_id);
        let described = self.client.describe_secret().secret_id(&name).send().await;
        match described {
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                self.client
                    .create_secret()
                    .name(&name)
                    .description("WooCommerce/PayTraq credentials of one Sales Inbox channel")
                    .secret_string(value)
                    .send()
                    .await
                    .map_err(sdk)?;
                return Ok(());
            }
            Err(e) => return Err(sdk(e)),
            // Scheduled for deletion (the channel was removed): bring it back first.
            Ok(d) if d.deleted_date().is_some() => {
                self.client
                    .restore_secret()
                    .secret_id(&name)
                    .send()
                    .await
                    .map_err(sdk)?;
            }
            Ok(_) => {}
        }
        self.client
            .put_secret_value()
            .secret_id(&name)
            .secret_string(value)
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn delete(&self, channel_id: &str) -> Result<(), SecretsError> {
        let result = self
            .client
            .delete_secret()
            .secret_id(self.name(channel_id))
            .recovery_window_in_days(7)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(sdk(e)),
        }
    }
}
