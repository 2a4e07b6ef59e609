//! The admin token of `local serve`, from exactly one of three places: the
//! `--admin-token` flag, the `LOCAL_ADMIN_TOKEN` environment variable, or a
//! file named by `--admin-token-file`. The last two keep the token out of
//! the process list (`ps`). A file's trailing newline is not part of the
//! token; an empty token is refused rather than quietly serving without
//! the admin routes.

use std::path::{Path, PathBuf};

use channel::secrets::Secret;

/// Why the admin token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AdminTokenError {
    #[error("reading the admin token file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the admin token file {path} is empty; put the token in it or leave out --admin-token-file"
    )]
    EmptyFile { path: String },
    #[error(
        "the admin token is empty; give a token or leave out --admin-token and LOCAL_ADMIN_TOKEN"
    )]
    Empty,
}

/// The token given by flag or environment (`given`, as clap read it) or by
/// file; `None` when neither is given. clap refuses both at once.
pub fn resolve(
    given: Option<String>,
    file: Option<&Path>,
) -> Result<Option<Secret>, AdminTokenError> {
    if let Some(path) = file {
        return read_file(path).map(Some);
    }
    match given {
        None => Ok(None),
        Some(token) if token.is_empty() => Err(AdminTokenError::Empty),
        Some(token) => Ok(Some(Secret::new(token))),
    }
}

fn read_file(path: &Path) -> Result<Secret, AdminTokenError> {
    let shown = || PathBuf::from(path).display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AdminTokenError::Read {
        path: shown(),
        source,
    })?;
    let token = text.trim_end_matches(['\n', '\r']);
    if token.is_empty() {
        return Err(AdminTokenError::EmptyFile { path: shown() });
    }
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(contents: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("admin-token-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn a_token_file_gives_its_token_without_the_trailing_newline() {
        let path = temp_file("s3cret-token\n");
        let token = resolve(None, Some(&path)).unwrap().unwrap();
        assert_eq!(token.expose(), "s3cret-token");
        let crlf = temp_file("s3cret-token\r\n");
        assert_eq!(
            resolve(None, Some(&crlf)).unwrap().unwrap().expose(),
            "s3cret-token"
        );
        std::fs::remove_file(path).unwrap();
        std::fs::remove_file(crlf).unwrap();
    }

    #[test]
    fn an_empty_token_is_refused_from_flag_environment_or_file() {
        assert!(matches!(
            resolve(Some(String::new()), None),
            Err(AdminTokenError::Empty)
        ));
        let path = temp_file("\n");
        let err = resolve(None, Some(&path)).unwrap_err();
        assert!(matches!(err, AdminTokenError::EmptyFile { .. }));
        assert!(err.to_string().contains(&path.display().to_string()));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_missing_token_file_names_the_file() {
        let path = std::env::temp_dir().join("no-such-admin-token-file");
        let err = resolve(None, Some(&path)).unwrap_err();
        assert!(err.to_string().contains("no-such-admin-token-file"));
    }

    #[test]
    fn no_token_given_serves_without_admin_routes() {
        assert!(resolve(None, None).unwrap().is_none());
        assert_eq!(
            resolve(Some("t0ken".into()), None)
                .unwrap()
                .unwrap()
                .expose(),
            "t0ken"
        );
    }
}
