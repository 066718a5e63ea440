//! The Mattermost REST API (`/api/v4`), as far as it is called so far:
//! people by username (`POST /api/v4/users/usernames`), the one call made
//! while answering a command, bounded by a short timeout. The bot
//! account's token goes as `Authorization: Bearer …` and is never logged.

use crate::config::Secret;
use crate::domain::UserId;
use crate::surface::ApiError;
use serde_json::Value;
use std::time::Duration;

pub struct MattermostApi {
    client: reqwest::Client,
    /// `https://chat.example.com`, no `/` at the end.
    url: String,
    token: Secret,
}

impl std::fmt::Debug for MattermostApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MattermostApi")
            .field("url", &self.url)
            .field("token", &self.token) // Secret's Debug redacts
            .finish()
    }
}

impl MattermostApi {
    pub fn new(url: &str, token: Secret, timeout: Duration) -> MattermostApi {
        // reqwest's rustls needs a process-wide crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("alliance/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        MattermostApi {
            client,
            url: url.trim_end_matches('/').to_string(),
            token,
        }
    }

    /// The people with these usernames, as `(username, id)`; a name that is
    /// nobody's is simply not in the answer.
    pub async fn users_by_username(
        &self,
        names: &[String],
    ) -> Result<Vec<(String, UserId)>, ApiError> {
        let response = self
            .client
            .post(format!("{}/api/v4/users/usernames", self.url))
            .bearer_auth(self.token.expose())
            .json(names)
            .send()
            .await
            .map_err(|e| {
                ApiError::Transient(if e.is_timeout() { "timeout" } else { "connect" }.into())
            })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {}
            429 => {
                return Err(ApiError::RateLimited {
                    retry_after: Duration::from_secs(1),
                });
            }
            500.. => return Err(ApiError::Transient(format!("http_{status}"))),
            _ => return Err(ApiError::Permanent(format!("http_{status}"))),
        }
        let users: Value = response
            .json()
            .await
            .map_err(|_| ApiError::Transient("unreadable_body".into()))?;
        Ok(users
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| {
                let name = u.get("username")?.as_str()?;
                let id = UserId::mattermost(u.get("id")?.as_str()?)?;
                Some((name.to_string(), id))
            })
            .collect())
    }
}
