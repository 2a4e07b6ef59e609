//! A stack of `template.yaml`: its name, the physical names CloudFormation
//! would give the table and queues (`<stack>-<LogicalId>`, `.fifo` for a
//! FIFO queue), and each function's full Lambda environment. [`Stack::plan`]
//! only names things (the cold-start benchmark, where nothing is called);
//! `moto::create` (feature `aws`) creates them in moto and records what
//! they really are.

use std::collections::BTreeMap;
use std::path::Path;

use super::function::FunctionSpec;
use super::template::{Resolver, Template, ACCOUNT_ID};

pub const TABLE: &str = "AWS::DynamoDB::Table";
pub const QUEUE: &str = "AWS::SQS::Queue";
/// The console's Cognito resources: named, never created. No function calls
/// Cognito's API; the console's sign-in reaches the pool's hosted UI over
/// HTTPS (tested against a stand-in in `tests/console/cognito.rs`).
const COGNITO: [&str; 3] = [
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
    "AWS::Cognito::UserPoolDomain",
];

/// The template and what its intrinsic functions resolve to.
pub struct Stack {
    pub template: Template,
    pub resolver: Resolver,
    /// Variables every function gets on top of the template's (credentials,
    /// the SDK endpoint override for moto).
    pub extra_env: BTreeMap<String, String>,
}

impl Stack {
    /// Names every table and queue without creating anything: the
    /// functions' environments are complete, their values plausible.
    pub fn plan(template: Template, stack_name: &str, region: &str) -> Self {
        let mut resolver = Resolver::new(&template, stack_name, region, &[]);
        for (id, props) in template.resources(TABLE) {
            let name = physical_name(stack_name, &id, props, "TableName");
            resolver.set_attribute(
                &id,
                "Arn",
                format!("arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}"),
            );
            resolver.set_ref(&id, name);
        }
        for (id, props) in template.resources(QUEUE) {
            let name = physical_name(stack_name, &id, props, "QueueName");
            record_queue(
                &mut resolver,
                &id,
                &format!("https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{name}"),
                &format!("arn:aws:sqs:{region}:{ACCOUNT_ID}:{name}"),
                &name,
            );
        }
        name_cognito(&mut resolver, &template, stack_name, region);
        let extra_env = [
            ("AWS_ACCESS_KEY_ID", "planned"),
            ("AWS_SECRET_ACCESS_KEY", "planned"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Self {
            template,
            resolver,
            extra_env,
        }
    }

    /// How to start the function whose cargo binary is `binary`, from
    /// `bin_dir`: the template's memory, timeout and environment (resolved),
    /// its `LoggingConfig` as Lambda's advanced logging controls pass it on
    /// (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`), plus [`Self::extra_env`].
    pub fn function_spec(&self, binary: &str, bin_dir: &Path) -> anyhow::Result<FunctionSpec> {
        let function = self.template.function(binary)?;
        let mut env = self.resolver.env(&function)?;
        env.insert("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into());
        if let Some(level) = &function.log_level {
            env.insert("AWS_LAMBDA_LOG_LEVEL".into(), self.resolver.text(level)?);
        }
        env.extend(self.extra_env.clone());
        let path = bin_dir.join(binary);
        anyhow::ensure!(
            path.is_file(),
            "{} is not built: run `cargo build -p {binary}` (release: add --release)",
            path.display()
        );
        Ok(FunctionSpec {
            name: format!("{}-{}", self.resolver.stack_name(), function.logical_id),
            binary: path,
            memory_mb: function.memory_mb,
            timeout: function.timeout,
            region: self.resolver.region().to_string(),
            env,
        })
    }

    /// What `!Ref logical_id` resolved to (a table's name, a queue's URL).
    pub fn reference(&self, logical_id: &str) -> anyhow::Result<String> {
        self.resolver.reference(logical_id)
    }
}

/// The name given in the template, else CloudFormation's
/// `<stack>-<LogicalId>` (with `.fifo` for a FIFO queue).
pub fn physical_name(
    stack_name: &str,
    logical_id: &str,
    props: &serde_norway::Value,
    name_property: &str,
) -> String {
    if let Some(name) = props.get(name_property).and_then(|v| v.as_str()) {
        return name.to_string();
    }
    let fifo = props.get("FifoQueue").and_then(|v| v.as_bool()) == Some(true);
    format!(
        "{stack_name}-{logical_id}{}",
        if fifo { ".fifo" } else { "" }
    )
}

/// What `!Ref` and `!GetAtt` give for a queue.
/// Names the console's user pool, its clients and its domain as Cognito
/// would (`<region>_<id>`, a client id, a domain prefix), for `!Ref`.
pub fn name_cognito(resolver: &mut Resolver, template: &Template, stack_name: &str, region: &str) {
    for kind in COGNITO {
        for (id, _) in template.resources(kind) {
            let name = match kind {
                "AWS::Cognito::UserPool" => format!("{region}_{id}"),
                "AWS::Cognito::UserPoolDomain" => format!("{stack_name}-{id}").to_lowercase(),
                _ => format!("client{}", id.to_lowercase()),
            };
            resolver.set_ref(&id, name);
        }
    }
}

pub fn record_queue(resolver: &mut Resolver, id: &str, url: &str, arn: &str, name: &str) {
    resolver.set_ref(id, url.to_string());
    resolver.set_attribute(id, "Arn", arn.to_string());
    resolver.set_attribute(id, "QueueUrl", url.to_string());
    resolver.set_attribute(id, "QueueName", name.to_string());
}
