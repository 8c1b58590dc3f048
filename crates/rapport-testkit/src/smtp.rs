//! A real SMTP server for tests: Python's `aiosmtpd` on loopback (`tests/smtp/capture.py`,
//! installed by `.ci/run` from `tests/smtp/requirements.txt`), writing each message it accepts
//! to a folder the test reads.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// One message the server accepted, decoded by Python's e-mail parser.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub rcpt_to: Vec<String>,
    /// The `From` header.
    pub from: String,
    /// The `To` header.
    pub to: String,
    /// The `Subject` header.
    pub subject: String,
    /// The `Message-ID` header.
    pub message_id: String,
    /// The top-level content type (`multipart/alternative`).
    pub content_type: String,
    /// The plain-text part.
    pub text: Option<String>,
    /// The HTML part.
    pub html: Option<String>,
    /// Whether the client authenticated first.
    pub authenticated: bool,
}

impl Mail {
    /// The plain-text part (fails the test when there is none).
    pub fn text(&self) -> &str {
        self.text
            .as_deref()
            .unwrap_or_else(|| panic!("no text part in {self:?}"))
    }

    /// The first link in the text part that carries a one-time secret, and that secret.
    pub fn link(&self) -> (String, String) {
        let text = self.text();
        let url = text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains("#token="))
            .unwrap_or_else(|| panic!("no link with a token in {text}"));
        let token = url.split("#token=").nth(1).unwrap_or_default().to_owned();
        (url.to_owned(), token)
    }
}

/// The running server; killed when dropped.
pub struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    folder: tempfile::TempDir,
    child: Option<Child>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/capture.py")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start() -> SmtpServer {
        Self::start_on(free_port(), None)
    }

    /// Starts a server on `port`, requiring AUTH with `credentials` when given.
    pub fn start_on(port: u16, credentials: Option<(&str, &str)>) -> SmtpServer {
        let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let mut server = SmtpServer {
            port,
            folder,
            child: None,
        };
        server.spawn(credentials);
        server
    }

    fn spawn(&mut self, credentials: Option<(&str, &str)>) {
        let mut cmd = Command::new("python3");
        cmd.arg(script())
            .arg(self.port.to_string())
            .arg(self.folder.path());
        if let Some((user, password)) = credentials {
            cmd.arg(user).arg(password);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("python3 with aiosmtpd is needed for the e-mail tests: {e}")
            });
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        let read = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
        assert!(
            read.is_ok() && line.trim() == "ready",
            "the SMTP server did not start (is aiosmtpd installed? pip install -r tests/smtp/requirements.txt): {line:?}"
        );
        self.child = Some(child);
    }

    /// Stops the server; its messages stay readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, keeping the messages received so far.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn(None);
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|e| e == "json"));
        names.sort();
        names
            .iter()
            .map(|p| {
                let raw = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                serde_json::from_slice(&raw).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            })
            .collect()
    }

    /// Waits until `n` messages arrived (at most 20 seconds) and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "expected {n} message(s), got {}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
