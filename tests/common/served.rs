//! `alliance serve` as a process: started with an environment of its own,
//! its address read from its first line, its stderr collected as it comes,
//! killed when dropped, and signed slash commands sent to it.

use super::{FORM, SECRET, now_unix, slash_body};
use alliance::slack::verify;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_alliance");

pub struct Server {
    pub child: Child,
    pub addr: String,
    /// Everything the server wrote to stderr, read as it comes: a full pipe
    /// would block the server.
    pub logs: std::sync::Arc<std::sync::Mutex<String>>,
}

/// A test must never leave a server running, whatever happens to it.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `alliance [args] serve` with exactly `env` (nothing inherited) and
    /// `ALLIANCE_LISTEN=127.0.0.1:0`.
    pub fn start(env: &[(&str, &str)], args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(args)
            .arg("serve")
            .env_clear()
            .envs(env.iter().copied())
            .env("ALLIANCE_LISTEN", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let logs = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let addr = printed_address(&mut child);
        Server { child, addr, logs }
    }

    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }
}

/// The address `serve` prints on its first line of standard output.
pub fn printed_address(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string()
}

/// `/tour text` from `user`, signed as Slack signs it, to the server at
/// `addr`: its status and body, or the transport error (a killed server).
pub async fn try_command(
    client: &reqwest::Client,
    addr: &str,
    user: &str,
    text: &str,
) -> Result<(u16, String), reqwest::Error> {
    let body = slash_body(user, "/tour", text);
    let ts = now_unix().to_string();
    let response = client
        .post(format!("http://{addr}/slack/events"))
        .header("content-type", FORM)
        .header(verify::TIMESTAMP_HEADER, &ts)
        .header(
            verify::SIGNATURE_HEADER,
            verify::sign(SECRET.as_bytes(), &ts, body.as_bytes()),
        )
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}
