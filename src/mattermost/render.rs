//! The engine's message as Mattermost shows it: a Markdown text and, for
//! each row of buttons, a message attachment with `actions`.
//!
//! Decisions:
//! - The engine's markup (Slack's mrkdwn) becomes Mattermost Markdown:
//!   `*bold*` → `**bold**`, `~struck~` → `~~struck~~`, `<@U1>` → `@name`
//!   (the person's Mattermost username when the surface knows it, else
//!   their id), `<https://x|label>` → `[label](https://x)`, Slack's
//!   `<!date^…|fallback>` → its fallback, and `&amp;` `&lt;` `&gt;` back to
//!   their characters. `_italic_`, `` `code` `` and `>` quotes read the same.
//! - A header is a `####` heading, a context line is set in italics, a
//!   divider is `---`; a picture is not drawn inline (files go with the
//!   post they were uploaded to).
//! - Buttons are attachment actions: Mattermost wants alphanumeric action
//!   ids, so ours are numbered (`a0`, `a1`, …) and what the click acts on —
//!   the engine's action id, value and block id — travels in the action's
//!   `context` with an HMAC-SHA256 over them (a secret from the
//!   environment). [`verify_context`] gives them back only if it verifies:
//!   Mattermost does not sign what it posts to an integration, so without
//!   it anyone who can reach the URL could forge a click.
//! - A date picker has no attachment equivalent: it is a button that opens
//!   a dialog with a date field (the context says `date`).
//! - Mattermost's limits: a post holds at most [`MAX_MESSAGE`] characters
//!   (16,383 runes); the engine's messages are far within it (50 blocks
//!   of at most 3,000), and the text is cut with a mark if ever it is not.

use crate::domain::UserId;
use crate::message::{Block, Element, Message, Text};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The longest post Mattermost accepts, in characters.
pub const MAX_MESSAGE: usize = 16_383;

/// What the renderer needs of the surface: usernames, where clicks go, and
/// the key that signs their context.
pub struct Renderer<'a> {
    /// A person's Mattermost username, when known.
    pub username: &'a dyn Fn(&UserId) -> Option<String>,
    /// The `/mattermost/actions` URL Mattermost posts clicks to.
    pub actions_url: &'a str,
    pub secret: &'a [u8],
}

/// What a verified click acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clicked {
    pub action_id: String,
    pub value: Option<String>,
    pub block_id: Option<String>,
    /// A date picker: the click opens a dialog asking for the date.
    pub date: bool,
}

impl Renderer<'_> {
    /// `{"text": …, "attachments": […]}`: the body of a slash command's
    /// answer (with `response_type`) or a post's `message` and `props`.
    pub fn render(&self, message: &Message) -> Value {
        let mut lines: Vec<String> = Vec::new();
        let mut attachments = Vec::new();
        let mut next_id = 0;
        for block in &message.blocks {
            match block {
                Block::Header { text } => lines.push(format!("#### {}", self.text(text))),
                Block::Section { text } => lines.push(self.text(text)),
                Block::Context { elements } => {
                    for e in elements {
                        lines.push(format!("_{}_", self.text(e).trim()));
                    }
                }
                Block::Divider => lines.push("---".into()),
                Block::Image { .. } => {}
                Block::Actions { block_id, elements } => {
                    let actions: Vec<Value> = elements
                        .iter()
                        .map(|e| {
                            next_id += 1;
                            self.action(&format!("a{}", next_id - 1), e, block_id.as_deref())
                        })
                        .collect();
                    attachments.push(json!({ "actions": actions }));
                }
            }
        }
        let mut text = lines.join("\n\n");
        if text.is_empty() {
            text = self.markdown(&message.text);
        }
        json!({ "text": crate::message::fit(text, MAX_MESSAGE), "attachments": attachments })
    }

    fn text(&self, text: &Text) -> String {
        match text {
            Text::Markdown { text } => self.markdown(text),
            Text::Plain { text } => text.clone(),
        }
    }

    fn action(&self, id: &str, element: &Element, block_id: Option<&str>) -> Value {
        let (label, action_id, value, style, date) = match element {
            Element::Button {
                text,
                action_id,
                value,
                style,
            } => (
                self.text(text),
                action_id.as_str(),
                Some(value.as_str()),
                style.unwrap_or("default"),
                false,
            ),
            Element::Datepicker {
                action_id,
                placeholder,
            } => (
                self.text(placeholder),
                action_id.as_str(),
                None,
                "default",
                true,
            ),
        };
        let mut context = json!({ "action_id": action_id });
        if let Some(value) = value {
            context["value"] = value.into();
        }
        if let Some(block_id) = block_id {
            context["block_id"] = block_id.into();
        }
        if date {
            context["date"] = true.into();
        }
        context["sig"] = sign(self.secret, action_id, value, block_id, date).into();
        json!({
            "id": id,
            "name": label,
            "style": style,
            "integration": { "url": self.actions_url, "context": context },
        })
    }

    /// The engine's markup as Mattermost Markdown (see the module doc).
    pub fn markdown(&self, md: &str) -> String {
        let mut out = String::with_capacity(md.len() + 16);
        let mut rest = md;
        while let Some(start) = rest.find('<') {
            emphasis(&mut out, &rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('>') else {
                out.push('<');
                rest = after;
                continue;
            };
            let inner = &after[..end];
            let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
            if let Some(id) = target.strip_prefix('@') {
                let name = UserId::parse(id)
                    .and_then(|u| (self.username)(&u))
                    .unwrap_or_else(|| id.to_string());
                out.push('@');
                out.push_str(&name);
            } else if target.starts_with('!') {
                out.push_str(label);
            } else if label.is_empty() {
                out.push_str(target);
            } else {
                out.push_str(&format!("[{label}]({target})"));
            }
            rest = &after[end + 1..];
        }
        emphasis(&mut out, rest);
        crate::commands::parse::decode_entities(&out)
    }
}

/// Slack's single-character emphasis as Markdown's: `*b*` → `**b**`,
/// `~s~` → `~~s~~` (a lone `*` or `~` stays as it is), appended to `out`.
/// The marks are ASCII, so the text is scanned as bytes and copied in runs.
fn emphasis(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let c = bytes[i];
        if (c == b'*' || c == b'~')
            && text[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| !n.is_whitespace())
            && let Some(len) = bytes[i + 1..].iter().position(|&d| d == c || d == b'\n')
            && bytes[i + 1 + len] == c
            && len > 0
        {
            let mark = if c == b'*' { "**" } else { "~~" };
            out.push_str(&text[copied..i]);
            out.push_str(mark);
            out.push_str(&text[i + 1..i + 1 + len]);
            out.push_str(mark);
            i += len + 2;
            copied = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
}

/// An HMAC-SHA256 over `parts`, each length-prefixed (an absent one
/// marked apart from an empty one), so no two different lists sign alike:
/// what signs a button's context and a dialog's state.
pub(super) fn mac(secret: &[u8], parts: &[Option<&str>]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    for part in parts {
        match part {
            Some(p) => {
                mac.update(&(p.len() as u64).to_be_bytes());
                mac.update(p.as_bytes());
            }
            None => mac.update(&u64::MAX.to_be_bytes()),
        }
    }
    mac
}

/// What a button's context signs.
fn click_parts<'a>(
    action_id: &'a str,
    value: Option<&'a str>,
    block_id: Option<&'a str>,
    date: bool,
) -> [Option<&'a str>; 4] {
    [
        Some(action_id),
        value,
        block_id,
        Some(if date { "date" } else { "" }),
    ]
}

fn sign(
    secret: &[u8],
    action_id: &str,
    value: Option<&str>,
    block_id: Option<&str>,
    date: bool,
) -> String {
    hex::encode(
        mac(secret, &click_parts(action_id, value, block_id, date))
            .finalize()
            .into_bytes(),
    )
}

/// The click a `context` names, if its HMAC verifies (in constant time).
pub fn verify_context(secret: &[u8], context: &Value) -> Option<Clicked> {
    let field = |name: &str| context.get(name).and_then(Value::as_str);
    let action_id = field("action_id")?;
    let value = field("value");
    let block_id = field("block_id");
    let date = context
        .get("date")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let sig = hex::decode(field("sig")?).ok()?;
    mac(secret, &click_parts(action_id, value, block_id, date))
        .verify_slice(&sig)
        .ok()?;
    Some(Clicked {
        action_id: action_id.to_string(),
        value: value.map(str::to_string),
        block_id: block_id.map(str::to_string),
        date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MAX_SECTION;

    const SECRET: &[u8] = b"mattermost-actions-secret";

    fn renderer<'a>(names: &'a dyn Fn(&UserId) -> Option<String>) -> Renderer<'a> {
        Renderer {
            username: names,
            actions_url: "https://alliance.example.com/mattermost/actions",
            secret: SECRET,
        }
    }

    fn ana(u: &UserId) -> Option<String> {
        (u.as_str() == "UANA").then(|| "ana".to_string())
    }

    #[test]
    fn the_engines_markup_reads_as_markdown() {
        let r = renderer(&ana);
        assert_eq!(
            r.markdown("*Tour #3* with <@UANA> and <@UBOB>: R&amp;D &lt;core&gt; ~old~"),
            "**Tour #3** with @ana and @UBOB: R&D <core> ~~old~~"
        );
        assert_eq!(
            r.markdown("see <https://x.io|the docs> or <https://y.io>"),
            "see [the docs](https://x.io) or https://y.io"
        );
        assert_eq!(
            r.markdown("on <!date^1796281000^{date_short_pretty}|2026-12-03 09:00 UTC>"),
            "on 2026-12-03 09:00 UTC"
        );
        assert_eq!(
            r.markdown("5 * 3 = 15, a lone ~ too"),
            "5 * 3 = 15, a lone ~ too"
        );
        assert_eq!(
            r.markdown("_quiet_ `code`\n>quoted"),
            "_quiet_ `code`\n>quoted"
        );
    }

    #[test]
    fn every_block_has_its_place_and_buttons_are_signed_actions() {
        let message = Message::new("fallback")
            .header("Tour #1")
            .section("Proposed by <@UANA>")
            .context("Only you see this.")
            .divider()
            .image("F1", "a picture")
            .actions_for(
                Some("tour:1"),
                vec![
                    Element::button("Accept", "tour.accept", "1", Some("primary")),
                    Element::datepicker("tour.snooze_until", "Snooze until…"),
                ],
            )
            .actions(vec![Element::button("Decline", "tour.decline", "1", None)]);
        let body = renderer(&ana).render(&message);
        assert_eq!(
            body["text"],
            "#### Tour #1\n\nProposed by @ana\n\n_Only you see this._\n\n---"
        );
        let attachments = body["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 2, "a row of buttons each");
        let accept = &attachments[0]["actions"][0];
        assert_eq!(accept["id"], "a0");
        assert_eq!(accept["name"], "Accept");
        assert_eq!(accept["style"], "primary");
        assert_eq!(
            accept["integration"]["url"],
            "https://alliance.example.com/mattermost/actions"
        );
        let ids: Vec<&str> = attachments
            .iter()
            .flat_map(|a| a["actions"].as_array().unwrap())
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["a0", "a1", "a2"]);
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_alphanumeric()))
        );

        let clicked = verify_context(SECRET, &accept["integration"]["context"]).unwrap();
        assert_eq!(
            clicked,
            Clicked {
                action_id: "tour.accept".into(),
                value: Some("1".into()),
                block_id: Some("tour:1".into()),
                date: false,
            }
        );
        let picker = &attachments[0]["actions"][1]["integration"]["context"];
        assert!(verify_context(SECRET, picker).unwrap().date);
        let decline = &attachments[1]["actions"][0];
        assert_eq!(decline["style"], "default");
        assert_eq!(
            verify_context(SECRET, &decline["integration"]["context"])
                .unwrap()
                .block_id,
            None
        );
    }

    #[test]
    fn a_forged_or_altered_context_does_not_verify() {
        let message =
            Message::new("x").actions(vec![Element::button("Accept", "tour.accept", "1", None)]);
        let body = renderer(&ana).render(&message);
        let context = &body["attachments"][0]["actions"][0]["integration"]["context"];
        assert!(verify_context(SECRET, context).is_some());
        // Another tour's value, the same signature.
        let mut altered = context.clone();
        altered["value"] = "2".into();
        assert_eq!(verify_context(SECRET, &altered), None);
        // Made a date picker.
        let mut altered = context.clone();
        altered["date"] = true.into();
        assert_eq!(verify_context(SECRET, &altered), None);
        // Another secret, no signature, a signature that is not hex.
        assert_eq!(verify_context(b"another secret", context), None);
        let mut unsigned = context.clone();
        unsigned.as_object_mut().unwrap().remove("sig");
        assert_eq!(verify_context(SECRET, &unsigned), None);
        let mut garbled = context.clone();
        garbled["sig"] = "not hex".into();
        assert_eq!(verify_context(SECRET, &garbled), None);
        // A value moved into the block id signs differently.
        let a = sign(SECRET, "x", Some("ab"), None, false);
        let b = sign(SECRET, "x", None, Some("ab"), false);
        assert_ne!(a, b);
    }

    #[test]
    fn every_message_family_renders_within_limits_with_working_buttons() {
        let (mut buttons, mut pickers) = (0, 0);
        for (family, message) in crate::commands::notify::samples() {
            let body = renderer(&ana).render(&message);
            let text = body["text"].as_str().unwrap();
            assert!(
                !text.is_empty() && text.chars().count() <= MAX_MESSAGE,
                "{family}"
            );
            assert!(!text.contains("<@"), "{family}: mentions are names: {text}");
            assert!(
                !text.contains("&amp;") && !text.contains("&lt;"),
                "{family}: entities are characters: {text}"
            );
            let mut ids = std::collections::HashSet::new();
            for action in body["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|a| a["actions"].as_array().unwrap())
            {
                let id = action["id"].as_str().unwrap();
                assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
                assert!(ids.insert(id.to_string()), "{family}: {id} twice");
                assert!(!action["name"].as_str().unwrap().is_empty());
                let clicked = verify_context(SECRET, &action["integration"]["context"])
                    .unwrap_or_else(|| panic!("{family}: {action}"));
                if clicked.date {
                    pickers += 1;
                } else {
                    buttons += 1;
                }
            }
        }
        assert!(
            buttons >= 10 && pickers >= 2,
            "{buttons} buttons, {pickers} pickers"
        );
    }

    #[test]
    fn the_largest_message_fits_a_mattermost_post() {
        let mut message = Message::new("many");
        for i in 0..80 {
            message = message.section(format!("{i} {}", "x".repeat(MAX_SECTION)));
        }
        let body = renderer(&ana).render(&message);
        let text = body["text"].as_str().unwrap();
        assert_eq!(text.chars().count(), MAX_MESSAGE);
        assert!(text.ends_with('…'));
        // A message of fallback text only still says it.
        let only = Message::new("Only *this*");
        assert_eq!(renderer(&ana).render(&only)["text"], "Only **this**");
    }
}
