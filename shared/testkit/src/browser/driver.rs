//! The chromedriver process behind a [`super::Browser`]: where Debian installs the two programs, a free
//! loopback port, a fresh profile directory, and the clean-up when the browser is dropped (the session
//! deleted, so chromedriver closes Chromium; then chromedriver killed and the profile removed).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::BrowserError;

/// Debian's `chromium` package.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's `chromium-driver` package.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to answer `/status` after it starts.
const READY_WITHIN: Duration = Duration::from_secs(20);

/// Why the browser tests cannot run on this machine, if they cannot.
pub fn missing() -> Option<BrowserError> {
    [("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)]
        .into_iter()
        .find(|(_, path)| !Path::new(path).exists())
        .map(|(program, path)| BrowserError::Missing {
            program,
            path: PathBuf::from(path),
        })
}

/// A running chromedriver and the profile directory its Chromium uses.
pub struct Driver {
    pub addr: SocketAddr,
    pub profile: PathBuf,
    child: Child,
    /// The session to delete before chromedriver is killed.
    pub session: Option<String>,
}

impl Driver {
    pub async fn start(http: &reqwest::Client) -> Result<Self, BrowserError> {
        if let Some(missing) = missing() {
            return Err(missing);
        }
        let addr = free_port()?;
        let profile =
            std::env::temp_dir().join(format!("browser-profile-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&profile).map_err(|source| BrowserError::Profile {
            path: profile.clone(),
            source,
        })?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={}", addr.port()))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(BrowserError::Spawn)?;
        let driver = Self {
            addr,
            profile,
            child,
            session: None,
        };
        driver.wait_ready(http).await?;
        Ok(driver)
    }

    async fn wait_ready(&self, http: &reqwest::Client) -> Result<(), BrowserError> {
        let started = Instant::now();
        let url = format!("http://{}/status", self.addr);
        while started.elapsed() < READY_WITHIN {
            if let Ok(reply) = http.get(&url).send().await {
                let status: serde_json::Value = reply.json().await.unwrap_or_default();
                if status["value"]["ready"] == serde_json::Value::Bool(true) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(BrowserError::NotReady(READY_WITHIN))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            delete_session(self.addr, &session);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A port the kernel just had free on 127.0.0.1 (released for chromedriver to bind).
fn free_port() -> Result<SocketAddr, BrowserError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(BrowserError::Port)?;
    listener.local_addr().map_err(BrowserError::Port)
}

/// `DELETE /session/{id}` with a blocking socket: `Drop` may run outside any runtime, or inside one
/// that is shutting down. Chromedriver closes Chromium before it answers.
fn delete_session(addr: SocketAddr, session: &str) {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        // The answer's first bytes come once Chromium is closed; chromedriver may keep the
        // connection open after them, so this does not read to the end.
        let mut answer = [0u8; 512];
        let _ = stream.read(&mut answer);
    }
}
