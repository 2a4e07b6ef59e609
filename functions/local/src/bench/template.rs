//! The functions' memory settings as `template.yaml` declares them, for
//! `local bench cost` (GB-seconds = measured duration × configured memory).
//! A line scan, not a YAML parser: the template's `!Ref`/`!Sub` tags are
//! not plain YAML. Under `Resources:`, each resource (two-space indent) with
//! `Binary: <name>` in its build properties gets its own `MemorySize`, else
//! the one of `Globals: Function:`.

use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("template.yaml: function {0} has no MemorySize (its own or in Globals)")]
    NoMemory(String),
    #[error("template.yaml line {line}: MemorySize {value:?} is not a number of MB")]
    BadMemory { line: usize, value: String },
}

/// Binary name → MemorySize (MB) of every function with a `Binary`.
pub fn memory_by_binary(template: &str) -> Result<BTreeMap<String, u32>, TemplateError> {
    let mut section = "";
    let mut resource: Option<(Option<String>, Option<u32>)> = None;
    let mut global_memory = None;
    let mut found = Vec::new();
    for (n, line) in template.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if indent == 0 {
            section = text.trim_end_matches(':');
        }
        if indent <= 2 {
            found.extend(resource.take());
            if section == "Resources" && indent == 2 {
                resource = Some((None, None));
            }
            continue;
        }
        if let Some(value) = text.strip_prefix("MemorySize:") {
            let value = value.trim();
            let mb = value.parse::<u32>().map_err(|_| TemplateError::BadMemory {
                line: n + 1,
                value: value.to_string(),
            })?;
            match (&mut resource, section) {
                (Some(r), _) => r.1 = Some(mb),
                (None, "Globals") => global_memory = Some(mb),
                _ => {}
            }
        } else if let (Some(binary), Some(r)) = (text.strip_prefix("Binary:"), &mut resource) {
            r.0 = Some(binary.trim().to_string());
        }
    }
    found.extend(resource.take());
    let mut out = BTreeMap::new();
    for (binary, memory) in found {
        if let Some(binary) = binary {
            let mb = memory
                .or(global_memory)
                .ok_or_else(|| TemplateError::NoMemory(binary.clone()))?;
            out.insert(binary, mb);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_function_has_its_own_memory_or_the_global_one() {
        let template = "\
Globals:
  Function:
    MemorySize: 128
Resources:
  # a comment
  WebhookFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: webhook
    Properties:
      MemorySize: 256
  Table:
    Type: AWS::DynamoDB::Table
  AdminFunction:
    Metadata:
      BuildProperties:
        Binary: admin
Outputs:
  Url:
    Value: x
";
        let memory = memory_by_binary(template).unwrap();
        assert_eq!(memory.get("webhook"), Some(&256));
        assert_eq!(memory.get("admin"), Some(&128));
        assert_eq!(memory.len(), 2);
    }

    #[test]
    fn the_repository_template_sizes_all_five_functions() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml"))
                .unwrap();
        let memory = memory_by_binary(&text).unwrap();
        for f in ["webhook", "processor", "stock-sync", "admin", "reconciler"] {
            assert!(
                memory.get(f).is_some_and(|mb| *mb >= 128),
                "{f}: {memory:?}"
            );
        }
    }

    #[test]
    fn a_memory_that_is_not_a_number_is_an_error() {
        let template =
            "Resources:\n  F:\n    Metadata:\n      Binary: f\n    MemorySize: !Ref Mem\n";
        assert!(matches!(
            memory_by_binary(template),
            Err(TemplateError::BadMemory { line: 5, .. })
        ));
    }
}
