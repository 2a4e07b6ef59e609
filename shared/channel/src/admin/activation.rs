//! Channel activation: creating a channel (with its WooCommerce authorize
//! URL), the key-flow callback, manual keys, the requirement checks, webhook
//! creation, and deactivation.
//!
//! Before anything is sent to the shop, the channel's public URL is checked
//! as the shop will judge it (see [`crate::woocommerce::public_url`]): the
//! key flow's callback must be HTTPS, webhooks go to ports 80, 443 and 8080
//! only; a URL the shop would refuse is a 400 with the reason.
//!
//! Completion is all-or-nothing: the shop URL is checked again (HTTPS, no
//! internal address), the key must read `system_status`, WooCommerce must
//! be 3.5 or newer, and an https:// shop must report a secure connection
//! (loopback shops included); only then are the keys and a fresh webhook secret
//! stored, the channel marked active and both webhooks created. When any
//! step fails, created webhooks are deleted, the secrets restored, the
//! channel stays pending with the reason on its timeline, and the caller
//! gets the reason (the callback answers non-200, so WooCommerce deletes
//! the key it just made).

use chrono::Utc;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::{ApiError, FieldErrors};
use super::token;
use super::validate::{self, Fields, SettingsUpdate};
use super::Ctx;
use crate::intake::reconcile::{webhook_name, TOPICS};
use crate::model::{Channel, ChannelState, Settings, TimelineEvent, WebhookRef};
use crate::secrets::{ChannelSecrets, Secret};
use crate::woocommerce::public_url::{check_callback_url, check_delivery_url, PublicUrlError};
use crate::woocommerce::shop_url::{check_shop_url, parse_shop_url, ShopUrlError};
use crate::woocommerce::{WooClient, WooCredentials, WooError, WooOptions};

/// Oldest WooCommerce the channel supports (webhook API v3, `system_status`).
pub const MIN_WC_VERSION: (u64, u64, u64) = (3, 5, 0);

/// A validated `POST /admin/channels` body.
#[derive(Debug)]
pub struct NewChannel {
    pub name: Option<String>,
    pub shop_url: String,
    pub paytraq_api_key: Secret,
    pub paytraq_api_token: Secret,
    pub settings: Settings,
}

// Read field by field by `parse_new_channel`; its doc comments are the API's.
/// A new channel: the shop and the PayTraq company it connects.
#[derive(JsonSchema)]
#[schemars(rename = "NewChannel", deny_unknown_fields)]
pub struct NewChannelBody {
    /// A name for people (default: the shop's host).
    pub name: Option<String>,
    /// https:// only; hosts resolving to private, loopback or link-local addresses are refused.
    #[schemars(url)]
    pub shop_url: String,
    #[schemars(extend("writeOnly" = true))]
    pub paytraq_api_key: String,
    #[schemars(extend("writeOnly" = true))]
    pub paytraq_api_token: String,
    /// Settings that differ from the defaults.
    pub settings: Option<SettingsUpdate>,
}

/// Reads a create-channel body: every problem is reported by field.
pub fn parse_new_channel(obj: &Map<String, Value>, ctx: &Ctx) -> Result<NewChannel, ApiError> {
    let mut f = Fields::new(obj, "");
    f.deny_unknown_of::<NewChannelBody>();
    let name = match obj.get("name") {
        None | Some(Value::Null) => None,
        Some(_) => f.text("name", 200),
    };
    let shop_url = f.text("shop_url", 2000).and_then(|raw| {
        match parse_shop_url(&raw, ctx.app.options.shop_policy()) {
            Ok(url) => Some(url.to_string()),
            Err(e) => {
                f.add("shop_url", e.to_string());
                None
            }
        }
    });
    let key = f.text("paytraq_api_key", 500);
    let token = f.text("paytraq_api_token", 500);
    let settings = match f.object("settings") {
        Some(obj) => match validate::settings(obj, &Settings::default(), "settings") {
            Ok(s) => Some(s),
            Err(errors) => {
                for (field, problem) in errors.0 {
                    f.errors.add(field, problem);
                }
                None
            }
        },
        None => Some(Settings::default()),
    };
    let errors = std::mem::take(&mut f.errors);
    match (shop_url, key, token, settings) {
        (Some(shop_url), Some(key), Some(token), Some(settings)) if errors.is_empty() => {
            Ok(NewChannel {
                name,
                shop_url,
                paytraq_api_key: Secret::new(key),
                paytraq_api_token: Secret::new(token),
                settings,
            })
        }
        _ => Err(ApiError::Invalid(errors)),
    }
}

/// The answer to a channel creation (or a new activation link).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActivationLink {
    pub channel_id: String,
    pub state: ChannelState,
    pub webhook_url: String,
    /// Where the shop owner approves API access. Contains the single-use token.
    pub authorize_url: String,
    pub expires_at: chrono::DateTime<Utc>,
}

/// `{base}/webhooks/woocommerce/{id}`.
pub fn webhook_url(base: &str, channel_id: &str) -> String {
    format!(
        "{}/webhooks/woocommerce/{channel_id}",
        base.trim_end_matches('/')
    )
}

/// `{base}/activation/{id}/callback`: where the shop posts the keys of the key flow.
pub fn callback_url(base: &str, channel_id: &str) -> String {
    format!(
        "{}/activation/{channel_id}/callback",
        base.trim_end_matches('/')
    )
}

/// Where the channel's webhooks deliver: the configured public URL, else the
/// one the channel was created with, else `base`.
fn delivery_url(ctx: &Ctx, channel: &Channel, base: &str) -> String {
    match &ctx.app.options.public_base_url {
        Some(public) => webhook_url(public, &channel.id),
        None => channel
            .webhook_url
            .clone()
            .unwrap_or_else(|| webhook_url(base, &channel.id)),
    }
}

/// The key flow's URLs, as the shop will judge them: the callback (HTTPS)
/// and the webhook delivery URL (its port). Refused with every reason.
fn check_key_flow_urls(ctx: &Ctx, callback: &str, delivery: &str) -> Result<(), ApiError> {
    let allow = ctx.app.options.allow_loopback_shops;
    let problems: Vec<String> = [
        check_callback_url(callback, allow),
        check_delivery_url(delivery, allow),
    ]
    .into_iter()
    .filter_map(Result::err)
    .map(|e| e.to_string())
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(FieldErrors::one(
            "public_url",
            problems.join("; "),
        )))
    }
}

/// Where the shop sends its owner back after the approval page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnTo {
    /// The public page `{base}/activation/{id}/return` (the admin API's links).
    Public,
    /// The console's result page `{base}/console/channels/{id}/activation`.
    Console,
}

impl ReturnTo {
    pub fn url(self, base: &str, channel_id: &str) -> String {
        let base = base.trim_end_matches('/');
        match self {
            ReturnTo::Public => format!("{base}/activation/{channel_id}/return"),
            ReturnTo::Console => format!("{base}/console/channels/{channel_id}/activation"),
        }
    }
}

/// The shop's `wc-auth/v1/authorize` URL for this channel and token.
pub fn authorize_url(
    shop_url: &str,
    app_name: &str,
    token: &str,
    base: &str,
    channel_id: &str,
    return_to: ReturnTo,
) -> String {
    let base = base.trim_end_matches('/');
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("app_name", app_name)
        .append_pair("scope", "read_write")
        .append_pair("user_id", token)
        .append_pair("return_url", &return_to.url(base, channel_id))
        .append_pair("callback_url", &callback_url(base, channel_id))
        .finish();
    format!(
        "{}/wc-auth/v1/authorize?{query}",
        shop_url.trim_end_matches('/')
    )
}

/// Creates a pending channel, stores its PayTraq credentials, mints an activation token.
pub async fn create_channel(
    ctx: &Ctx,
    base: &str,
    new: NewChannel,
    return_to: ReturnTo,
) -> Result<ActivationLink, ApiError> {
    let shop = check_shop_url(&new.shop_url, ctx.app.options.shop_policy())
        .await
        .map_err(|e| shop_field_error(&e))?;
    let id = crate::model::ChannelId::generate().to_string();
    check_key_flow_urls(ctx, &callback_url(base, &id), &webhook_url(base, &id))?;
    let mut channel = Channel {
        settings: new.settings,
        webhook_url: Some(webhook_url(base, &id)),
        ..Channel::new(
            id.clone(),
            new.name
                .unwrap_or_else(|| shop.host_str().unwrap_or_default().to_string()),
            shop.to_string(),
        )
    };
    channel.record(TimelineEvent::now(
        "created",
        "channel created; waiting for the shop owner to approve API access",
    ));
    let secrets = ChannelSecrets {
        paytraq_api_key: Some(new.paytraq_api_key),
        paytraq_api_token: Some(new.paytraq_api_token),
        ..Default::default()
    };
    ctx.app.secrets.put(&id, &secrets).await?;
    ctx.app.repo.save_channel(&mut channel).await?;
    tracing::info!(channel = %id, shop = %channel.shop_url, "channel created");
    activation_link(ctx, &channel, base, return_to).await
}

/// A fresh authorize URL (and token) for a channel that is not active.
pub async fn activation_link(
    ctx: &Ctx,
    channel: &Channel,
    base: &str,
    return_to: ReturnTo,
) -> Result<ActivationLink, ApiError> {
    if channel.is_active() {
        return Err(ApiError::Conflict(format!(
            "channel {} is already active",
            channel.id
        )));
    }
    check_key_flow_urls(
        ctx,
        &callback_url(base, &channel.id),
        &delivery_url(ctx, channel, base),
    )?;
    let token = token::mint(&ctx.app, &channel.id, ctx.cfg.token_ttl).await?;
    Ok(ActivationLink {
        channel_id: channel.id.clone(),
        state: channel.state,
        webhook_url: channel
            .webhook_url
            .clone()
            .unwrap_or_else(|| webhook_url(base, &channel.id)),
        authorize_url: authorize_url(
            &channel.shop_url,
            &ctx.cfg.app_name,
            token.expose(),
            base,
            &channel.id,
            return_to,
        ),
        expires_at: Utc::now() + ctx.cfg.token_ttl,
    })
}

// Read by `parse_callback`; its doc comments are the API's.
/// The keys WooCommerce posts once the shop owner approved access.
#[derive(JsonSchema)]
pub struct KeyCallback {
    pub key_id: Option<u64>,
    /// The activation token.
    pub user_id: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    /// Must be `read_write`.
    pub key_permissions: Option<String>,
}

/// The key-flow callback body, read.
#[derive(Debug)]
pub struct CallbackKeys {
    pub token: String,
    pub credentials: WooCredentials,
}

/// Reads the callback body: `user_id` (our token), `consumer_key`,
/// `consumer_secret`, `key_permissions` (must be `read_write`).
pub fn parse_callback(body: &[u8]) -> Result<CallbackKeys, ApiError> {
    let obj = validate::object(body)?;
    let mut f = Fields::new(&obj, "");
    let token = match obj.get("user_id") {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => {
            f.add("user_id", "is required");
            None
        }
    };
    let key = f.text("consumer_key", 200);
    let secret = f.text("consumer_secret", 200);
    if let Some(perms) = f.optional::<String>("key_permissions", "a string") {
        if perms != "read_write" {
            f.add(
                "key_permissions",
                format!("must be read_write, got {perms}"),
            );
        }
    }
    match (token, key, secret) {
        (Some(token), Some(key), Some(secret)) if f.errors.is_empty() => Ok(CallbackKeys {
            token,
            credentials: WooCredentials {
                consumer_key: Secret::new(key),
                consumer_secret: Secret::new(secret),
            },
        }),
        _ => Err(ApiError::Invalid(f.errors)),
    }
}

/// The callback: redeems the token, then completes activation.
pub async fn callback(
    ctx: &Ctx,
    channel_id: &str,
    body: &[u8],
    base: &str,
) -> Result<Channel, ApiError> {
    let keys = parse_callback(body)?;
    if !token::redeem(&ctx.app, channel_id, &keys.token).await? {
        tracing::warn!(channel = %channel_id, "activation callback with an unknown, expired or used token");
        return Err(ApiError::Unauthorized);
    }
    complete(ctx, channel_id, keys.credentials, base).await
}

/// Checks the requirements with `credentials` and activates the channel (see the module docs).
/// Both routes come here (the key flow's callback and keys given by hand): a
/// webhook delivery URL WordPress would refuse is answered before the shop is called.
pub async fn complete(
    ctx: &Ctx,
    channel_id: &str,
    credentials: WooCredentials,
    base: &str,
) -> Result<Channel, ApiError> {
    let Some(channel) = ctx.app.repo.get_channel(channel_id).await? else {
        return Err(ApiError::channel_not_found(channel_id));
    };
    if channel.is_active() {
        return Err(ApiError::Conflict(format!(
            "channel {channel_id} is already active"
        )));
    }
    let delivery_url = delivery_url(ctx, &channel, base);
    check_delivery_url(&delivery_url, ctx.app.options.allow_loopback_shops)
        .map_err(|e| public_url_error(&e))?;
    match try_complete(ctx, channel, credentials, &delivery_url).await {
        Ok(channel) => Ok(channel),
        Err(e) => {
            if let ApiError::Requirement { code, message } = &e {
                tracing::warn!(channel = %channel_id, code, reason = %message, "activation refused");
                let reason = message.clone();
                let recorded = ctx
                    .app
                    .repo
                    .update_channel(channel_id, |c| {
                        c.health.last_error = Some(reason.clone());
                        c.record(TimelineEvent::now("activation_refused", reason.clone()));
                    })
                    .await;
                if let Err(err) = recorded {
                    tracing::warn!(channel = %channel_id, error = %err, "could not record the refusal");
                }
            }
            Err(e)
        }
    }
}

async fn try_complete(
    ctx: &Ctx,
    channel: Channel,
    credentials: WooCredentials,
    delivery_url: &str,
) -> Result<Channel, ApiError> {
    let app = &ctx.app;
    let shop = check_shop_url(&channel.shop_url, ctx.app.options.shop_policy())
        .await
        .map_err(|e| requirement(&e))?;
    let woo = WooClient::new(
        shop.as_str(),
        credentials.clone(),
        app.shop_http.clone(),
        WooOptions::default(),
    )
    .map_err(|e| ApiError::Requirement {
        code: "invalid_shop_url",
        message: e.to_string(),
    })?;
    let status = woo.system_status().await.map_err(status_error)?;
    let (major, minor, patch) = MIN_WC_VERSION;
    if !status.version_at_least(major, minor, patch) {
        let version = if status.wc_version.trim().is_empty() {
            "an unknown version".to_string()
        } else {
            status.wc_version.clone()
        };
        return Err(ApiError::Requirement {
            code: "woocommerce_too_old",
            message: format!("the shop runs WooCommerce {version}; the channel needs WooCommerce {major}.{minor} or newer"),
        });
    }
    // Only a plain-HTTP loopback shop, which `--allow-loopback-shops` lets
    // through `check_shop_url`, may say it is not secure: an https:// shop
    // that does not know it is served over HTTPS (a proxy that does not tell
    // WordPress) signs and checks requests for http:// and is refused, on
    // loopback too.
    if !status.secure_connection && shop.scheme() == "https" {
        return Err(ApiError::Requirement {
            code: "shop_not_https",
            message: format!(
                "WooCommerce reports that the shop is not served over HTTPS (SSL) (system status: \
                 secure_connection false) although {shop} is an https:// URL; the channel needs HTTPS \
                 that WordPress knows of (behind a proxy, WordPress must be told the request came over \
                 HTTPS, e.g. by X-Forwarded-Proto)"
            ),
        });
    }
    let previous = app.secrets.get(&channel.id).await?.unwrap_or_default();
    let webhook_secret = token::random_value();
    let secrets = ChannelSecrets {
        woo_consumer_key: Some(credentials.consumer_key),
        woo_consumer_secret: Some(credentials.consumer_secret),
        webhook_secret: Some(webhook_secret.clone()),
        webhook_secret_previous: None,
        ..previous.clone()
    };
    app.secrets.put(&channel.id, &secrets).await?;

    // Active before the webhooks exist, so that their creation ping is answered.
    let mut active = channel;
    active.state = ChannelState::Active;
    active.wc_version = Some(status.wc_version.clone());
    active.webhook_url = Some(delivery_url.to_string());
    active.health.last_error = None;
    // New webhooks with a new secret: what was refused under the old ones is past.
    active.health.refused_deliveries = None;
    active.health.webhook_secret_replaced_at = None;
    active.health.webhooks_need_person = None;
    if let Err(e) = app.repo.save_channel(&mut active).await {
        restore_secrets(ctx, &active.id, &previous).await;
        return Err(e.into());
    }

    let mut created: Vec<WebhookRef> = Vec::new();
    for topic in TOPICS {
        match woo
            .create_webhook(&webhook_name(topic), topic, delivery_url, &webhook_secret)
            .await
        {
            Ok(hook) => created.push(WebhookRef {
                id: hook.id,
                topic: topic.to_string(),
            }),
            Err(e) => {
                let message =
                    format!("the webhook for {topic} could not be created in the shop: {e}");
                roll_back(ctx, &woo, &active.id, &created, &previous).await;
                return Err(ApiError::Requirement {
                    code: "webhook_creation_failed",
                    message,
                });
            }
        }
    }
    let wc_version = status.wc_version.clone();
    let channel = app
        .repo
        .update_channel(&active.id, |c| {
            c.webhooks = created.clone();
            c.health.webhook_status = Some("active".into());
            c.record(TimelineEvent::now(
                "activated",
                format!(
                    "activated: WooCommerce {wc_version}, webhooks created for {}",
                    TOPICS.join(" and ")
                ),
            ));
        })
        .await?
        .ok_or_else(|| ApiError::channel_not_found(&active.id))?;
    tracing::info!(channel = %channel.id, wc_version = %status.wc_version, "channel activated");
    Ok(channel)
}

/// Undoes a half-made activation: webhooks, state, secrets.
async fn roll_back(
    ctx: &Ctx,
    woo: &WooClient,
    channel_id: &str,
    created: &[WebhookRef],
    previous: &ChannelSecrets,
) {
    for hook in created {
        if let Err(e) = woo.delete_webhook(hook.id).await {
            tracing::warn!(channel = %channel_id, webhook = hook.id, error = %e, "rollback could not delete a webhook");
        }
    }
    let reverted = ctx
        .app
        .repo
        .update_channel(channel_id, |c| {
            c.state = ChannelState::Pending;
            c.webhooks.clear();
            c.health.webhook_status = None;
        })
        .await;
    if let Err(e) = reverted {
        tracing::error!(channel = %channel_id, error = %e, "rollback could not reset the channel state");
    }
    restore_secrets(ctx, channel_id, previous).await;
}

async fn restore_secrets(ctx: &Ctx, channel_id: &str, previous: &ChannelSecrets) {
    if let Err(e) = ctx.app.secrets.put(channel_id, previous).await {
        tracing::error!(channel = %channel_id, error = %e, "rollback could not restore the channel's secrets");
    }
}

/// What deactivation did in the shop.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Deactivation {
    pub channel_id: String,
    pub state: ChannelState,
    pub webhooks_deleted: Vec<u64>,
    /// Webhooks that could not be deleted (kept on the channel; a repeated deactivation tries again).
    pub webhooks_not_deleted: Vec<NotDeleted>,
    /// The shop's REST API key the channel was given, which only the shop
    /// owner can revoke (WooCommerce has no REST route to delete a key).
    /// `None` when the channel holds no key.
    pub revoke_key: Option<KeyToRevoke>,
}

/// A REST API key the shop owner should revoke, as the shop lists it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KeyToRevoke {
    /// The consumer key's last 7 characters: the shop's key list shows them
    /// ("Consumer key ending in").
    pub consumer_key_ending: String,
    /// Where, and what to do, in words.
    pub how: String,
}

impl KeyToRevoke {
    /// Where the key is revoked in the shop's admin.
    const WHERE: &str = "WooCommerce → Settings → Advanced → REST API";

    fn of(consumer_key: &str) -> Option<Self> {
        let chars: Vec<char> = consumer_key.trim().chars().collect();
        if chars.len() < 8 {
            return None;
        }
        let ending: String = chars[chars.len() - 7..].iter().collect();
        Some(Self {
            how: format!(
                "WooCommerce cannot delete API keys through its API: revoke the key whose consumer key ends in \
                 …{ending} in {} (it stops working at once; a new activation makes a new key)",
                Self::WHERE
            ),
            consumer_key_ending: ending,
        })
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct NotDeleted {
    pub id: u64,
    pub error: String,
}

/// Deletes the channel's webhooks in the shop and stops processing and
/// syncing (the state is no longer active). Data and settings are kept.
pub async fn deactivate(ctx: &Ctx, channel_id: &str) -> Result<Deactivation, ApiError> {
    let Some(channel) = ctx.app.repo.get_channel(channel_id).await? else {
        return Err(ApiError::channel_not_found(channel_id));
    };
    let mut deleted = Vec::new();
    let mut kept = Vec::new();
    if !channel.webhooks.is_empty() {
        match ctx.app.woo(&channel).await {
            Ok(woo) => {
                for hook in &channel.webhooks {
                    match woo.delete_webhook(hook.id).await {
                        Ok(_) | Err(WooError::NotFound { .. }) => deleted.push(hook.id),
                        Err(e) => kept.push(NotDeleted {
                            id: hook.id,
                            error: e.to_string(),
                        }),
                    }
                }
            }
            Err(e) => kept.extend(channel.webhooks.iter().map(|h| NotDeleted {
                id: h.id,
                error: e.to_string(),
            })),
        }
    }
    let remaining: Vec<u64> = kept.iter().map(|k| k.id).collect();
    let revoke_key = ctx
        .app
        .secrets
        .get(channel_id)
        .await?
        .and_then(|s| s.woo_consumer_key)
        .and_then(|key| KeyToRevoke::of(key.expose()));
    let mut message = if kept.is_empty() {
        format!(
            "deactivated; {} webhook(s) deleted in the shop",
            deleted.len()
        )
    } else {
        format!(
            "deactivated; {} webhook(s) could not be deleted in the shop",
            kept.len()
        )
    };
    if let Some(key) = &revoke_key {
        message.push_str(&format!(
            "; revoke the shop's API key ending in …{} in {}",
            key.consumer_key_ending,
            KeyToRevoke::WHERE
        ));
    }
    let updated = ctx
        .app
        .repo
        .update_channel(channel_id, |c| {
            c.state = ChannelState::Deactivated;
            c.webhooks.retain(|h| remaining.contains(&h.id));
            c.health.webhook_status = None;
            c.record(TimelineEvent::now("deactivated", message.clone()));
        })
        .await?
        .ok_or_else(|| ApiError::channel_not_found(channel_id))?;
    tracing::info!(channel = %channel_id, deleted = deleted.len(), kept = kept.len(), "channel deactivated");
    Ok(Deactivation {
        channel_id: updated.id,
        state: updated.state,
        webhooks_deleted: deleted,
        webhooks_not_deleted: kept,
        revoke_key,
    })
}

fn status_error(e: WooError) -> ApiError {
    match e {
        WooError::Unauthorized { .. } => ApiError::Requirement {
            code: "keys_refused",
            message: format!("the shop refused the API key: {e}"),
        },
        WooError::NotFound { .. } => ApiError::Requirement {
            code: "woocommerce_too_old",
            message: "the shop has no WooCommerce REST API v3 system status; the channel needs WooCommerce 3.5 or newer".into(),
        },
        other => ApiError::Requirement {
            code: "shop_unreachable",
            message: format!("the shop's system status could not be read: {other}"),
        },
    }
}

fn requirement(e: &ShopUrlError) -> ApiError {
    ApiError::Requirement {
        code: e.code(),
        message: e.to_string(),
    }
}

fn public_url_error(e: &PublicUrlError) -> ApiError {
    ApiError::Invalid(FieldErrors::one("public_url", e.to_string()))
}

fn shop_field_error(e: &ShopUrlError) -> ApiError {
    ApiError::Invalid(FieldErrors::one("shop_url", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_carries_the_key_flow_parameters() {
        let url = authorize_url(
            "https://shop.example.lv/",
            "PayTraq",
            "tok",
            "https://api.example.com/",
            "c1",
            ReturnTo::Public,
        );
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/wc-auth/v1/authorize");
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["app_name"], "PayTraq");
        assert_eq!(q["scope"], "read_write");
        assert_eq!(q["user_id"], "tok");
        assert_eq!(
            q["return_url"],
            "https://api.example.com/activation/c1/return"
        );
        assert_eq!(
            q["callback_url"],
            "https://api.example.com/activation/c1/callback"
        );
        assert_eq!(
            ReturnTo::Console.url("https://api.example.com/", "c1"),
            "https://api.example.com/console/channels/c1/activation"
        );
        assert_eq!(
            webhook_url("https://api.example.com/", "c1"),
            "https://api.example.com/webhooks/woocommerce/c1"
        );
    }

    #[test]
    fn callback_body_is_checked() {
        let ok = parse_callback(br#"{"key_id":1,"user_id":"t","consumer_key":"ck_1","consumer_secret":"cs_1","key_permissions":"read_write"}"#).unwrap();
        assert_eq!(ok.token, "t");
        let err = parse_callback(br#"{"user_id":"t","consumer_key":"ck_1","consumer_secret":"cs_1","key_permissions":"read"}"#).unwrap_err();
        assert!(matches!(err, ApiError::Invalid(f) if f.0.contains_key("key_permissions")));
        let err = parse_callback(br#"{"consumer_key":"","consumer_secret":5}"#).unwrap_err();
        assert!(matches!(err, ApiError::Invalid(f) if f.0.len() == 3));
    }
}
