//! The engine's message: what every command, button and notice answers
//! with, whatever the surface. A [`Message`] is a fallback text and blocks —
//! headers, sections, context lines, dividers, rows of buttons and date
//! pickers, an uploaded picture — and each surface renders it its own way:
//! Block Kit for Slack (`slack::blocks`), Markdown with attachment actions
//! for Mattermost (`mattermost::render`), text for the shell.
//!
//! A [`Form`] is what a command or a button opens instead of answering: a
//! title, an introduction and typed fields. Slack shows it as a modal,
//! Mattermost as an interactive dialog, the shell asks it field by field.
//! What comes back is a [`Submission`] (each field's value as text, by the
//! field's name), and the engine answers it with a [`FormAnswer`]: done,
//! or problems placed on the fields they are about.
//!
//! Text is in the engine's markup, which is Slack's mrkdwn: `*bold*`,
//! `` `code` ``, `>` quotes, mentions as `<@U123>`, and `&`, `<`, `>`
//! escaped as entities ([`escape`]). A surface whose markup differs
//! translates it; [`unslack`] turns it into what a person reads.
//!
//! The limits are the strictest surface's (Slack's), enforced when a
//! message is built rather than discovered as a refusal later: header text
//! ≤ 150 chars, section text ≤ 3000, context text ≤ 2000, ≤ 50 blocks per
//! message (extra blocks are replaced by a note saying what was left out),
//! fallback text ≤ 3000.

pub const MAX_BLOCKS: usize = 50;
pub const MAX_HEADER: usize = 150;
pub const MAX_SECTION: usize = 3000;
pub const MAX_CONTEXT: usize = 2000;

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Header {
        text: Text,
    },
    Section {
        text: Text,
    },
    Divider,
    Context {
        elements: Vec<Text>,
    },
    Actions {
        /// Names what the buttons act on: a click reports it (datepickers
        /// carry no value of their own).
        block_id: Option<String>,
        elements: Vec<Element>,
    },
    /// A picture the bot uploaded, by the surface's file id, with its
    /// description for screen readers.
    Image {
        file: String,
        alt_text: String,
    },
}

/// Interactive elements: what a click sends back as `block_actions`.
#[derive(Clone, Debug, PartialEq)]
pub enum Element {
    Button {
        text: Text,
        action_id: String,
        value: String,
        /// `primary` or `danger`.
        style: Option<&'static str>,
    },
    Datepicker {
        action_id: String,
        placeholder: Text,
    },
}

impl Element {
    /// A button; `style` is Slack's `primary` or `danger`.
    pub fn button(
        label: &str,
        action_id: &str,
        value: &str,
        style: Option<&'static str>,
    ) -> Element {
        Element::Button {
            text: Text::Plain {
                text: truncate(label, 75),
            },
            action_id: action_id.to_string(),
            value: truncate(value, 2000),
            style,
        }
    }

    pub fn datepicker(action_id: &str, placeholder: &str) -> Element {
        Element::Datepicker {
            action_id: action_id.to_string(),
            placeholder: Text::Plain {
                text: truncate(placeholder, 150),
            },
        }
    }
}

impl Block {
    /// About how many bytes the block takes as JSON.
    pub fn size_hint(&self) -> usize {
        let size = |t: &Text| match t {
            Text::Markdown { text } | Text::Plain { text } => text.len() + 40,
        };
        match self {
            Block::Header { text } | Block::Section { text } => 24 + size(text),
            Block::Divider => 20,
            Block::Context { elements } => 32 + elements.iter().map(size).sum::<usize>(),
            Block::Actions { elements, .. } => 32 + 120 * elements.len(),
            Block::Image { alt_text, .. } => 80 + alt_text.len(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    /// In the engine's markup.
    Markdown {
        text: String,
    },
    Plain {
        text: String,
    },
}

/// A form's title, submit label and field labels are at most this long
/// (Slack's modal caps its title, Mattermost's dialog its title and labels,
/// at 24 characters).
pub const MAX_FORM_TITLE: usize = 24;

/// A form the person fills in (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    /// Which form this is: its submission names it.
    pub id: String,
    /// Carried through the surface untouched and handed back with the
    /// submission (the tour it is about, the message it was opened from).
    pub state: String,
    /// Plain text, at most [`MAX_FORM_TITLE`] characters.
    pub title: String,
    pub submit: String,
    /// What the form is for, in the engine's markup; may be empty.
    pub intro: String,
    pub fields: Vec<Field>,
}

/// One field of a [`Form`].
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Names the value in the [`Submission`], and the field a problem is on.
    pub name: String,
    pub label: String,
    pub input: Input,
    pub optional: bool,
    /// Help under the field; may be empty.
    pub hint: String,
    pub placeholder: String,
    /// What the field holds when the form opens (a person's id, a choice's
    /// value, a date, text); may be empty.
    pub initial: String,
}

/// What kind of value a field takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// One line of text, at most `max` characters.
    Line { max: usize },
    /// Several lines of text.
    Paragraph { max: usize },
    /// A person of the workspace: the value is their user id.
    Person,
    /// A day: the value is `YYYY-MM-DD`.
    Date,
    /// One of these (value, label) pairs: the value is the chosen value.
    Choice(Vec<(String, String)>),
}

impl Form {
    pub fn new(id: &str, state: String, title: &str, submit: &str, intro: String) -> Form {
        Form {
            id: id.to_string(),
            state,
            title: truncate(title, MAX_FORM_TITLE),
            submit: truncate(submit, MAX_FORM_TITLE),
            intro,
            fields: Vec::new(),
        }
    }

    /// Adds a required field.
    pub fn field(mut self, name: &str, label: &str, input: Input) -> Form {
        self.fields.push(Field {
            name: name.to_string(),
            label: truncate(label, MAX_FORM_TITLE),
            input,
            optional: false,
            hint: String::new(),
            placeholder: String::new(),
            initial: String::new(),
        });
        self
    }

    /// Makes the last field added optional.
    pub fn optional(mut self) -> Form {
        if let Some(field) = self.fields.last_mut() {
            field.optional = true;
        }
        self
    }

    /// Gives the last field added a hint.
    pub fn hint(mut self, hint: &str) -> Form {
        if let Some(field) = self.fields.last_mut() {
            field.hint = truncate(hint, 150);
        }
        self
    }

    /// Gives the last field added a placeholder.
    pub fn placeholder(mut self, placeholder: &str) -> Form {
        if let Some(field) = self.fields.last_mut() {
            field.placeholder = truncate(placeholder, 150);
        }
        self
    }

    /// Fills the last field added in advance.
    pub fn initial(mut self, initial: &str) -> Form {
        if let Some(field) = self.fields.last_mut() {
            field.initial = initial.to_string();
        }
        self
    }
}

/// A filled-in form, as any surface reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Submission {
    /// The [`Form::id`] it answers.
    pub form: String,
    /// The [`Form::state`] it was opened with.
    pub state: String,
    /// Each field's value by its name; a field left empty may be absent.
    pub values: std::collections::BTreeMap<String, String>,
}

impl Submission {
    /// A field's value, trimmed; empty when it was left empty.
    pub fn get(&self, field: &str) -> &str {
        self.values.get(field).map(|v| v.trim()).unwrap_or_default()
    }
}

/// The engine's answer to a [`Submission`].
#[derive(Clone, Debug, PartialEq)]
pub enum FormAnswer {
    /// It went through: close the form.
    Done,
    /// It did not: (field name, plain-text problem) to show on the form,
    /// which stays open; nothing was changed.
    Problems(Vec<(String, String)>),
}

impl FormAnswer {
    /// One problem on one field (backticks dropped: a form's errors are
    /// plain text on every surface).
    pub fn problem(field: &str, message: &str) -> FormAnswer {
        FormAnswer::Problems(vec![(field.to_string(), message.replace('`', ""))])
    }
}

/// A reply or a DM: a notification/fallback text and its blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub text: String,
    pub blocks: Vec<Block>,
    /// How many blocks did not fit; reported in the last block.
    left_out: usize,
}

impl Message {
    /// An empty message whose notification text is `fallback` (mrkdwn).
    pub fn new(fallback: impl Into<String>) -> Message {
        Message {
            text: fit(fallback.into(), MAX_SECTION),
            blocks: Vec::new(),
            left_out: 0,
        }
    }

    /// A message of one section of mrkdwn.
    pub fn text(md: impl Into<String>) -> Message {
        let md = md.into();
        Message::new(md.clone()).section(md)
    }

    pub fn header(self, plain: impl Into<String>) -> Message {
        self.push(Block::Header {
            text: Text::Plain {
                text: fit(plain.into(), MAX_HEADER),
            },
        })
    }

    pub fn section(self, md: impl Into<String>) -> Message {
        self.push(Block::Section {
            text: Text::Markdown {
                text: fit(md.into(), MAX_SECTION),
            },
        })
    }

    pub fn context(self, md: impl Into<String>) -> Message {
        self.push(Block::Context {
            elements: vec![Text::Markdown {
                text: fit(md.into(), MAX_CONTEXT),
            }],
        })
    }

    pub fn divider(self) -> Message {
        self.push(Block::Divider)
    }

    /// An uploaded picture, with its description for screen readers.
    pub fn image(self, file: &str, alt: impl Into<String>) -> Message {
        self.push(Block::Image {
            file: file.to_string(),
            alt_text: truncate(&alt.into(), 2000),
        })
    }

    /// A row of buttons (at most 25, Slack's limit).
    pub fn actions(self, elements: Vec<Element>) -> Message {
        self.actions_for(None, elements)
    }

    /// A row of buttons acting on what `block_id` names.
    pub fn actions_for(self, block_id: Option<&str>, mut elements: Vec<Element>) -> Message {
        elements.truncate(25);
        self.push(Block::Actions {
            block_id: block_id.map(|b| truncate(b, 255)),
            elements,
        })
    }

    /// Whether another block still fits (one slot stays free for the
    /// "left out" note).
    fn has_room(&self) -> bool {
        self.blocks.len() < MAX_BLOCKS - 1
    }

    fn push(mut self, block: Block) -> Message {
        if self.has_room() {
            self.blocks.push(block);
        } else {
            self.left_out += 1;
            let note = format!("…and {} more not shown here.", self.left_out);
            let note = Block::Context {
                elements: vec![Text::Markdown { text: note }],
            };
            if self.left_out == 1 {
                self.blocks.push(note);
            } else if let Some(last) = self.blocks.last_mut() {
                *last = note;
            }
        }
        self
    }
}

/// Turns Slack mrkdwn control sequences back into what a person would read.
pub fn unslack(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('>') {
            Some(end) => {
                let inner = &after[..end];
                let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
                match target.strip_prefix('@') {
                    Some(id) => {
                        out.push_str(&format!("@{}", if label.is_empty() { id } else { label }))
                    }
                    None => out.push_str(if label.is_empty() { target } else { label }),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    crate::commands::parse::decode_entities(&out)
}

/// A person's mistake: what went wrong, and the line that shows how.
pub fn problem(problem: &str, usage: &str) -> Message {
    Message::new(problem)
        .section(problem)
        .context(format!("Usage: `{}`", escape(usage)))
}

/// Escapes free text for mrkdwn (`&`, `<`, `>`), keeping user mentions
/// (`<@U123>`) working.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

/// [`escape`], appending to `out`.
pub fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(len) = mention_len(tail) {
            out.push_str(&tail[..len]);
            rest = &tail[len..];
            continue;
        }
        out.push_str(match tail.as_bytes()[0] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        });
        rest = &tail[1..];
    }
    out.push_str(rest);
}

/// The length of a `<@U123>` mention at the start of `s`, if there is one.
fn mention_len(s: &str) -> Option<usize> {
    let inner = s.strip_prefix("<@")?;
    let end = inner.find('>')?;
    crate::domain::UserId::parse(&inner[..end])?;
    Some(end + 3)
}

/// Cuts text to at most `max` characters, marking the cut.
pub fn truncate(text: &str, max: usize) -> String {
    fit(text.to_string(), max)
}

/// [`truncate`] for an owned string: no copy when it already fits.
pub fn fit(mut text: String, max: usize) -> String {
    // Bytes bound characters from above: most text needs no counting.
    if text.len() <= max || text.chars().count() <= max {
        return text;
    }
    let cut = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    text.truncate(cut);
    text.push('…');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_mentions_and_encodes_the_rest() {
        assert_eq!(
            escape("R&D <core> with <@U123> & <@nope>"),
            "R&amp;D &lt;core&gt; with <@U123> &amp; &lt;@nope&gt;"
        );
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo wörld", 5), "héll…");
        assert_eq!(
            truncate(&"é".repeat(4000), MAX_SECTION).chars().count(),
            MAX_SECTION
        );
    }

    #[test]
    fn messages_never_exceed_slacks_block_limit() {
        let mut m = Message::new("many");
        for i in 0..80 {
            m = m.section(format!("row {i}"));
        }
        assert_eq!(m.blocks.len(), MAX_BLOCKS);
        assert_eq!(
            m.blocks.last(),
            Some(&Block::Context {
                elements: vec![Text::Markdown {
                    text: "…and 31 more not shown here.".into()
                }]
            })
        );
        let long = Message::new("x")
            .header("h".repeat(500))
            .section("s".repeat(9000));
        let lengths: Vec<(bool, usize)> = long
            .blocks
            .iter()
            .map(|b| match b {
                Block::Header {
                    text: Text::Plain { text },
                } => (false, text.chars().count()),
                Block::Section {
                    text: Text::Markdown { text },
                } => (true, text.chars().count()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(lengths, [(false, MAX_HEADER), (true, MAX_SECTION)]);
    }

    #[test]
    fn unslack_reads_mrkdwn_as_a_person_would() {
        assert_eq!(
            unslack("<@U1> &amp; <@U2|bo> &lt;3, see <https://x.io|docs>"),
            "@U1 & @bo <3, see docs"
        );
    }
}
