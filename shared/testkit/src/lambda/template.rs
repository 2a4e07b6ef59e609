//! `template.yaml` read as CloudFormation reads it: the functions (binary,
//! memory, timeout, environment with the `Globals`), the resources'
//! properties, the parameters' defaults, and the intrinsic functions the
//! template uses (`!Ref`, `!GetAtt`, `!Sub`, short or long form) resolved
//! against the physical names and attributes of what was created
//! ([`Resolver`]). Nothing about the stack is restated in Rust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use serde_norway::{Mapping, Value};

/// The parsed template.
#[derive(Clone, Debug)]
pub struct Template {
    doc: Value,
}

/// One `AWS::Serverless::Function`, with the `Globals` applied.
#[derive(Clone, Debug)]
pub struct FunctionDef {
    /// Logical id (`WebhookFunction`).
    pub logical_id: String,
    /// The cargo binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    pub memory_mb: u32,
    pub timeout: Duration,
    /// `Environment.Variables` (Globals, then the function's), unresolved.
    pub env: BTreeMap<String, Value>,
    /// `LoggingConfig.ApplicationLogLevel`, unresolved.
    pub log_level: Option<Value>,
}

impl Template {
    /// The repository's `template.yaml`.
    pub fn path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
    }

    /// Reads and parses the repository's template.
    pub fn load() -> anyhow::Result<Self> {
        let path = Self::path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let doc: Value = serde_norway::from_str(text).context("template.yaml is not YAML")?;
        Ok(Self { doc })
    }

    /// `(logical id, Properties)` of every resource of type `kind`, in
    /// template order.
    pub fn resources(&self, kind: &str) -> Vec<(String, &Value)> {
        let Some(resources) = self.doc.get("Resources").and_then(Value::as_mapping) else {
            return Vec::new();
        };
        resources
            .iter()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
            .filter_map(|(id, r)| Some((id.as_str()?.to_string(), r.get("Properties")?)))
            .collect()
    }

    /// Every parameter's default, as text.
    pub fn parameter_defaults(&self) -> BTreeMap<String, String> {
        let Some(params) = self.doc.get("Parameters").and_then(Value::as_mapping) else {
            return BTreeMap::new();
        };
        params
            .iter()
            .filter_map(|(name, p)| Some((name.as_str()?.to_string(), scalar(p.get("Default")?)?)))
            .collect()
    }

    /// The serverless functions, `Globals.Function` applied.
    pub fn functions(&self) -> anyhow::Result<Vec<FunctionDef>> {
        let globals = self
            .doc
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .cloned()
            .unwrap_or(Value::Mapping(Mapping::new()));
        let resources = self
            .doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .context("the template has no Resources")?;
        let mut out = Vec::new();
        for (id, resource) in resources {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let id = id
                .as_str()
                .context("a resource id is not text")?
                .to_string();
            let props = resource.get("Properties").context("no Properties")?;
            let setting = |key: &str| props.get(key).or_else(|| globals.get(key));
            let binary = resource
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
                .with_context(|| format!("{id} has no Metadata.BuildProperties.Binary"))?;
            let number = |key: &str, default: u64| -> anyhow::Result<u64> {
                match setting(key) {
                    None => Ok(default),
                    Some(v) => v
                        .as_u64()
                        .with_context(|| format!("{id}.{key} is not a whole number")),
                }
            };
            let mut env = BTreeMap::new();
            for source in [&globals, props] {
                if let Some(vars) = source
                    .get("Environment")
                    .and_then(|e| e.get("Variables"))
                    .and_then(Value::as_mapping)
                {
                    for (k, v) in vars {
                        let k = k.as_str().context("an environment name is not text")?;
                        env.insert(k.to_string(), v.clone());
                    }
                }
            }
            out.push(FunctionDef {
                binary: binary.to_string(),
                // Lambda's defaults: 128 MB, 3 s.
                memory_mb: u32::try_from(number("MemorySize", 128)?)?,
                timeout: Duration::from_secs(number("Timeout", 3)?),
                env,
                log_level: setting("LoggingConfig")
                    .and_then(|l| l.get("ApplicationLogLevel"))
                    .cloned(),
                logical_id: id,
            });
        }
        Ok(out)
    }

    /// The function whose binary is `binary`.
    pub fn function(&self, binary: &str) -> anyhow::Result<FunctionDef> {
        self.functions()?
            .into_iter()
            .find(|f| f.binary == binary)
            .with_context(|| format!("template.yaml has no function with binary {binary}"))
    }
}

/// The values intrinsic functions resolve to: parameters, pseudo
/// parameters, and each created resource's `Ref` and attributes.
#[derive(Clone, Debug, Default)]
pub struct Resolver {
    /// Parameter and pseudo-parameter (`AWS::StackName`, …) values, and
    /// every resource's `Ref`.
    refs: BTreeMap<String, String>,
    /// `(logical id, attribute)` → value, for `!GetAtt`.
    attributes: BTreeMap<(String, String), String>,
}

impl Resolver {
    /// The parameters' defaults (overridden by `parameters`) and the pseudo
    /// parameters of a stack `stack_name` in `region`.
    pub fn new(
        template: &Template,
        stack_name: &str,
        region: &str,
        parameters: &[(&str, &str)],
    ) -> Self {
        let mut refs = template.parameter_defaults();
        for (name, value) in parameters {
            refs.insert((*name).to_string(), (*value).to_string());
        }
        for (name, value) in [
            ("AWS::StackName", stack_name),
            ("AWS::Region", region),
            ("AWS::AccountId", ACCOUNT_ID),
            ("AWS::Partition", "aws"),
            ("AWS::URLSuffix", "amazonaws.com"),
        ] {
            refs.insert(name.to_string(), value.to_string());
        }
        Self {
            refs,
            attributes: BTreeMap::new(),
        }
    }

    /// Records what `!Ref logical_id` gives.
    pub fn set_ref(&mut self, logical_id: &str, value: String) {
        self.refs.insert(logical_id.to_string(), value);
    }

    /// Records what `!GetAtt logical_id.attribute` gives.
    pub fn set_attribute(&mut self, logical_id: &str, attribute: &str, value: String) {
        self.attributes
            .insert((logical_id.to_string(), attribute.to_string()), value);
    }

    pub fn stack_name(&self) -> &str {
        self.refs.get("AWS::StackName").map_or("", String::as_str)
    }

    pub fn region(&self) -> &str {
        self.refs.get("AWS::Region").map_or("", String::as_str)
    }

    /// What `!Ref name` gives (a parameter, a table's name, a queue's URL).
    pub fn reference(&self, name: &str) -> anyhow::Result<String> {
        self.refs
            .get(name)
            .cloned()
            .with_context(|| format!("!Ref {name}: nothing by that name was created"))
    }

    /// A value as text: a scalar as written, an intrinsic function resolved.
    pub fn text(&self, value: &Value) -> anyhow::Result<String> {
        if let Some(text) = scalar(value) {
            return Ok(text);
        }
        let Some((function, argument)) = intrinsic(value) else {
            bail!("cannot read {value:?} as text");
        };
        match function.as_str() {
            "Ref" => self.reference(argument.as_str().context("!Ref takes a name")?),
            "GetAtt" => {
                let (id, attribute) = match argument {
                    Value::String(s) => s.split_once('.').context("!GetAtt needs Id.Attribute")?,
                    Value::Sequence(parts) => (
                        parts.first().and_then(Value::as_str).unwrap_or_default(),
                        parts.get(1).and_then(Value::as_str).unwrap_or_default(),
                    ),
                    _ => bail!("!GetAtt takes Id.Attribute"),
                };
                self.attributes
                    .get(&(id.to_string(), attribute.to_string()))
                    .cloned()
                    .with_context(|| format!("!GetAtt {id}.{attribute}: not known"))
            }
            "Sub" => {
                let (pattern, locals) = match argument {
                    Value::String(s) => (s.as_str(), None),
                    Value::Sequence(parts) => (
                        parts.first().and_then(Value::as_str).unwrap_or_default(),
                        parts.get(1).and_then(Value::as_mapping),
                    ),
                    _ => bail!("!Sub takes a string"),
                };
                self.substitute(pattern, locals)
            }
            other => bail!("intrinsic function {other} is not supported here"),
        }
    }

    /// `${Name}` and `${Id.Attribute}` in `pattern`, with `locals` first.
    fn substitute(&self, pattern: &str, locals: Option<&Mapping>) -> anyhow::Result<String> {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .with_context(|| format!("!Sub {pattern:?}: unclosed ${{"))?;
            let name = &rest[start + 2..start + end];
            let local = locals.and_then(|m| m.get(name));
            let value = match (local, name.split_once('.')) {
                (Some(v), _) => self.text(v)?,
                (None, Some((id, attribute))) => self
                    .attributes
                    .get(&(id.to_string(), attribute.to_string()))
                    .cloned()
                    .with_context(|| format!("!Sub ${{{name}}}: not known"))?,
                (None, None) => self
                    .refs
                    .get(name)
                    .cloned()
                    .with_context(|| format!("!Sub ${{{name}}}: not known"))?,
            };
            out.push_str(&value);
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A function's environment, every value resolved.
    pub fn env(&self, function: &FunctionDef) -> anyhow::Result<BTreeMap<String, String>> {
        function
            .env
            .iter()
            .map(|(k, v)| {
                let v = self
                    .text(v)
                    .with_context(|| format!("{}: variable {k}", function.logical_id))?;
                Ok((k.clone(), v))
            })
            .collect()
    }
}

/// The account id moto (and so every test stack) uses.
pub const ACCOUNT_ID: &str = "123456789012";

/// A scalar as CloudFormation passes it on (booleans and numbers as text).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `(function, argument)` of an intrinsic function, short form (`!Ref x`)
/// or long form (`{Ref: x}`, `{Fn::GetAtt: …}`).
pub fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            Some((tag.trim_start_matches('!').to_string(), &tagged.value))
        }
        Value::Mapping(m) if m.len() == 1 => {
            let (key, argument) = m.iter().next()?;
            let key = key.as_str()?;
            let name = key.strip_prefix("Fn::").unwrap_or(key);
            (key == "Ref" || key.starts_with("Fn::")).then(|| (name.to_string(), argument))
        }
        _ => None,
    }
}
