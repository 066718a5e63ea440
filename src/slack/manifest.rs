//! The Slack app manifest (`config/manifest.json`), with the public base URL
//! filled in: creating the Slack app is a paste. Every Slack request URL
//! points at the one receiver, `/slack/events`. For Socket Mode the same
//! manifest has no request URLs and `socket_mode_enabled: true`.

const TEMPLATE: &str = include_str!("../../config/manifest.json");

/// The manifest for a bot reachable at `base_url` (https, no path needed).
pub fn render(base_url: &str) -> Result<String, String> {
    let base = base_url.trim().trim_end_matches('/');
    let Some(host) = base.strip_prefix("https://") else {
        return Err(format!(
            "`{base_url}` must start with https:// (Slack only calls HTTPS request URLs)"
        ));
    };
    if host.is_empty()
        || host
            .contains(|c: char| c.is_whitespace() || c == '"' || c == '\\' || c == '?' || c == '#')
    {
        return Err(format!("`{base_url}` is not a usable base URL"));
    }
    Ok(TEMPLATE.replace("{{BASE_URL}}", base))
}

/// The manifest for a bot in Socket Mode: no request URL anywhere.
pub fn render_socket() -> String {
    let placeholder = TEMPLATE.replace("{{BASE_URL}}", "https://socket.invalid");
    let Ok(mut m) = serde_json::from_str::<serde_json::Value>(&placeholder) else {
        return placeholder;
    };
    if let Some(commands) = m["features"]["slash_commands"].as_array_mut() {
        for c in commands {
            if let Some(c) = c.as_object_mut() {
                c.remove("url");
            }
        }
    }
    for section in ["event_subscriptions", "interactivity"] {
        if let Some(s) = m["settings"][section].as_object_mut() {
            s.remove("request_url");
        }
    }
    m["settings"]["socket_mode_enabled"] = true.into();
    serde_json::to_string_pretty(&m).unwrap_or(placeholder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_manifest_points_everything_at_one_receiver() {
        let m: Value =
            serde_json::from_str(&render("https://alliance.example.com/").unwrap()).unwrap();
        let events = "https://alliance.example.com/slack/events";
        let commands = m["features"]["slash_commands"].as_array().unwrap();
        let names: Vec<&str> = commands
            .iter()
            .map(|c| c["command"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["/tour", "/1on1", "/alumni"]);
        for c in commands {
            assert_eq!(c["url"], events);
            assert_eq!(c["should_escape"], true);
        }
        assert_eq!(m["settings"]["interactivity"]["request_url"], events);
        assert_eq!(m["settings"]["event_subscriptions"]["request_url"], events);
        let scopes: Vec<&str> = m["oauth_config"]["scopes"]["bot"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        for needed in [
            "commands",
            "chat:write",
            "im:write",
            "im:history",
            "users:read",
            "files:write",
            "files:read",
        ] {
            assert!(scopes.contains(&needed), "{needed}");
        }
        assert_eq!(
            m["features"]["app_home"]["messages_tab_read_only_enabled"],
            false
        );
    }

    #[test]
    fn the_socket_manifest_has_no_request_urls() {
        let text = render_socket();
        let m: Value = serde_json::from_str(&text).unwrap();
        assert!(!text.contains("url\""), "{text}");
        assert!(!text.contains("socket.invalid"), "{text}");
        assert_eq!(m["settings"]["socket_mode_enabled"], true);
        assert_eq!(m["features"]["slash_commands"].as_array().unwrap().len(), 3);
        assert_eq!(m["settings"]["interactivity"]["is_enabled"], true);
        assert!(m["settings"]["event_subscriptions"]["bot_events"].is_array());
    }

    #[test]
    fn only_https_base_urls_are_accepted() {
        assert!(render("http://alliance.example.com").is_err());
        assert!(render("https://").is_err());
        assert!(render("https://a b").is_err());
        assert!(render("alliance.example.com").is_err());
    }
}
