//! The public on-demand AWS prices `local bench cost` assumes, in one
//! place: region eu-central-1 (Frankfurt), Lambda on arm64, free tiers left
//! out (a deployment shares them with everything else in the account).
//! Source: the AWS pricing pages named on each constant, as published in
//! 2025 (the DynamoDB on-demand prices after the November 2024 cut). Check
//! them against the pages before quoting a figure.

/// A price and what it is per, as the report prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price {
    pub usd: f64,
    pub per: &'static str,
    /// The page it comes from.
    pub source: &'static str,
}

impl Price {
    /// The cost of `quantity` units of what the price is per.
    pub fn of(&self, quantity: f64) -> f64 {
        self.usd * quantity
    }
}

const LAMBDA: &str = "aws.amazon.com/lambda/pricing";
const API_GATEWAY: &str = "aws.amazon.com/api-gateway/pricing";
const SQS: &str = "aws.amazon.com/sqs/pricing";
const DYNAMODB: &str = "aws.amazon.com/dynamodb/pricing/on-demand";
const SECRETS: &str = "aws.amazon.com/secrets-manager/pricing";
const CLOUDWATCH: &str = "aws.amazon.com/cloudwatch/pricing";

pub const LAMBDA_REQUEST: Price = Price {
    usd: 0.20 / 1e6,
    per: "invocation ($0.20 per million)",
    source: LAMBDA,
};
pub const LAMBDA_ARM_GB_SECOND: Price = Price {
    usd: 0.000_013_333_4,
    per: "GB-second, arm64",
    source: LAMBDA,
};
pub const HTTP_API_REQUEST: Price = Price {
    usd: 1.20 / 1e6,
    per: "HTTP API request ($1.20 per million, first 300 M)",
    source: API_GATEWAY,
};
pub const SQS_FIFO_REQUEST: Price = Price {
    usd: 0.50 / 1e6,
    per: "FIFO request, 64 KB chunk ($0.50 per million)",
    source: SQS,
};
pub const DYNAMODB_WRITE_UNIT: Price = Price {
    usd: 0.7625 / 1e6,
    per: "write request unit ($0.7625 per million)",
    source: DYNAMODB,
};
pub const DYNAMODB_READ_UNIT: Price = Price {
    usd: 0.1525 / 1e6,
    per: "read request unit ($0.1525 per million)",
    source: DYNAMODB,
};
pub const DYNAMODB_STORAGE_GB_MONTH: Price = Price {
    usd: 0.306,
    per: "GB-month stored",
    source: DYNAMODB,
};
pub const SECRET_MONTH: Price = Price {
    usd: 0.40,
    per: "secret per month",
    source: SECRETS,
};
pub const SECRETS_API_CALL: Price = Price {
    usd: 0.05 / 10_000.0,
    per: "API call ($0.05 per 10,000)",
    source: SECRETS,
};
pub const LOG_INGEST_GB: Price = Price {
    usd: 0.63,
    per: "GB of logs ingested (standard class)",
    source: CLOUDWATCH,
};

/// What Lambda itself writes to the function's log group per invocation
/// (`START`, `END` and `REPORT` platform lines in JSON log format): an
/// assumption of this model, from the shape of those records (~450 bytes),
/// not measured here.
pub const PLATFORM_LOG_BYTES_PER_INVOCATION: u64 = 450;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_multiplies_its_quantity() {
        assert!((LAMBDA_REQUEST.of(1e6) - 0.20).abs() < 1e-12);
        assert!((SECRETS_API_CALL.of(10_000.0) - 0.05).abs() < 1e-12);
    }
}
