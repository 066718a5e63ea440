//! `alliance mattermost-setup --url URL`: what a Mattermost admin pastes or
//! runs to connect Alliance, as Slack's manifest does for Slack: the three
//! slash commands, the bot account and its token, the settings to export,
//! and the server settings that must allow it.

/// The commands: trigger, title, autocomplete hint.
const COMMANDS: [(&str, &str, &str); 3] = [
    (
        "tour",
        "Alliance: tours of duty",
        "propose|list|show|accept|timeline|checkin|talk|help …",
    ),
    (
        "1on1",
        "Alliance: one-on-ones",
        "@member every week on thursday at 10:00 | list | done | help",
    ),
    (
        "alumni",
        "Alliance: the alumni network",
        "add|list|show|touch|rehire|help …",
    ),
];

/// The instructions for Alliance reachable at `url` (`https://…`, or
/// `http://…` on an internal network).
pub fn instructions(url: &str) -> Result<String, String> {
    let base = url.trim().trim_end_matches('/');
    let host = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` must start with https:// or http://"))?;
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || "\"'\\?#".contains(c)) {
        return Err(format!("`{url}` is not a usable base URL"));
    }
    let hostname = host.split(['/', ':']).next().unwrap_or(host);
    let mut out = format!(
        "# Connecting Alliance at {base} to Mattermost (run as a system admin, with mmctl\n\
         # logged in; or do the same in the System Console and Integrations pages).\n\n\
         # 1. The bot account that sends the DMs, and its token:\n\
         mmctl bot create alliance --display-name Alliance --description \"Tours of duty, check-ins, 1:1s\"\n\
         mmctl token generate alliance alliance-delivery    # → MATTERMOST_BOT_TOKEN\n\n\
         # 2. The three slash commands (TEAM: the team's name; ADMIN: your username, as\n\
         #    commands belong to a person, not a bot). Each prints a token: put all three,\n\
         #    comma-separated, into MATTERMOST_COMMAND_TOKENS:\n"
    );
    for (trigger, title, hint) in COMMANDS {
        out.push_str(&format!(
            "mmctl command create TEAM --creator ADMIN --trigger-word {trigger} --title \"{title}\" \\\n  \
             --url {base}/mattermost/command --post --autocomplete --autocomplete-hint \"{hint}\"\n"
        ));
    }
    out.push_str(&format!(
        "\n# 3. Alliance's settings (the environment of `alliance serve`):\n\
         MATTERMOST_URL=https://your-mattermost.example.com\n\
         MATTERMOST_TEAM_ID=<the team's id: mmctl team list --json>\n\
         MATTERMOST_BOT_TOKEN=<from step 1>\n\
         MATTERMOST_COMMAND_TOKENS=<the three tokens from step 2, comma-separated>\n\
         # Buttons call {base}/mattermost/actions, forms submit to {base}/mattermost/dialogs:\n\
         MATTERMOST_CALLBACK_URL={base}\n\
         MATTERMOST_ACTIONS_SECRET=<a long random string: openssl rand -hex 32>\n\n\
         # 4. Mattermost must be allowed to call Alliance: custom slash commands on, and,\n\
         #    if {hostname} is on an internal network, listed as trusted (otherwise\n\
         #    Mattermost's log says `address forbidden`):\n\
         mmctl config set ServiceSettings.EnableCommands true\n\
         mmctl config set ServiceSettings.EnableBotAccountCreation true\n\
         mmctl config set ServiceSettings.AllowedUntrustedInternalConnections \"{hostname}\"\n"
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_points_at_the_bot_and_the_host_is_trusted() {
        let text = instructions("https://alliance.internal:8443/").unwrap();
        for trigger in ["tour", "1on1", "alumni"] {
            assert!(
                text.contains(&format!("--trigger-word {trigger} --title")),
                "{trigger}: {text}"
            );
        }
        assert_eq!(
            text.matches("--url https://alliance.internal:8443/mattermost/command --post")
                .count(),
            3
        );
        assert!(text.contains("AllowedUntrustedInternalConnections \"alliance.internal\""));
        assert!(text.contains("MATTERMOST_CALLBACK_URL=https://alliance.internal:8443\n"));
        assert!(instructions("http://10.0.0.5:3000").is_ok());
        for bad in ["alliance.example.com", "ftp://x", "https://", "https://a b"] {
            assert!(instructions(bad).is_err(), "{bad}");
        }
    }
}
