//! `alliance shell`: try Alliance without Slack, like Hubot's shell adapter.
//! Type the same slash commands as a chosen person, read the replies and
//! the direct messages they cause as text, press the buttons and fill the
//! forms. Everything goes through the entry points Slack's requests reach
//! (`Engine::handle`, `Engine::click`, `Engine::submit_form`,
//! `Engine::direct_message`): no rule is written here, only how things read
//! in a terminal.
//!
//! It is a sandbox. `main` opens the shell's own data directory
//! (`./shell-data` unless `--data` or `ALLIANCE_DATA_DIR` say otherwise),
//! never `serve`'s, and nothing the shell shows is ever sent: the messages
//! stay owed in that directory's outbox, which nothing delivers.
//!
//! People are Slack-style ids. Where Slack would turn `@ana` into a mention,
//! the shell does the same for ids: `@UBOB` becomes `<@UBOB>`. A name that is
//! not an id stays plain text and gets the same hint Slack users get.
//!
//! What it shows, and decisions:
//! - After each command the direct messages the bot would send because of
//!   it (`┌ DM to @UBOB`), rendered as delivery renders them, each once.
//!   Scheduled reminders are not shown (the shell runs no scheduler);
//!   `alliance reminders --data shell-data` lists them.
//! - Messages owed from earlier sessions are not dumped: the session opens
//!   with one line counting them, and `/outbox` shows what this workspace
//!   owes (the newest [`OUTBOX_SHOWN`]), buttons and all.
//! - Buttons are numbered across the session, `[1 Accept] [2 Decline]`.
//!   `/press 2` presses one as you; `/press Accept` presses the newest
//!   button of that label on a message to you. As on Slack, only the person
//!   a message is for can press its buttons (anyone else is told to `/as`
//!   them first). A DM has a channel and timestamp of the shell's making, so
//!   the bot's in-place update of a pressed message is shown (`updated in
//!   place`), and the buttons it replaced are gone. A date picker takes
//!   its date after the number (`/press 3 2026-12-22`), or asks for it.
//! - A button or command that opens a form on Slack (`/tour propose` with
//!   nothing after it, Extend, Plan exit, Join, Propose next tour, a 1:1's
//!   Done) asks for its fields one by one: the label, whether it is
//!   optional, the hint; an Enter keeps what is shown in brackets. What
//!   Slack's form checks by itself (a required field, a person, a date, a
//!   choice, a length) is asked again at once; the submission then goes to
//!   the same handler as Slack's `view_submission`, and the problems it
//!   finds are shown on their fields, which are asked again. `/cancel`, or
//!   the end of input, closes a form without submitting it.
//! - `/home` shows your App Home tab, with its buttons.
//! - A file the bot would upload (`/tour timeline`, `/tour report`) is
//!   written to the `files/` folder of the shell's data directory, and its
//!   path printed under the message it goes with (overwriting the same
//!   day's file of the same name).
//! - A line that does not start with a slash is a direct message to the
//!   bot, as if written in its DM on Slack: the answer to a check-in
//!   question (`/tour checkin 1` starts one), `skip`, `later` or `stop`.
//!
//! Shell commands: `/as @UBOB` (or `/as UBOB`, `/as <@UBOB>`) switches who
//! you are, `/whoami`, `/press`, `/outbox`, `/home`, `/help`, `/quit`.

use crate::commands::buttons::{AfterClick, Click};
use crate::commands::{Engine, Request, notify};
use crate::domain::{TeamId, UserId};
use crate::message::{
    Block, Element, Field, Form, FormAnswer, Input, Message, Submission, Text, unslack,
};
use crate::store::outbox::{Delivery, OutboxEntry};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::Path;

pub const BANNER: &str = "Alliance shell, a sandbox: nothing you do here is sent to Slack. \
     /tour help to start, /help for the shell's own commands, /quit to leave.";

/// How many owed messages `/outbox` shows, newest last.
pub const OUTBOX_SHOWN: usize = 20;

const HELP: &str = "\
The shell's own commands (any other line starting with / goes to Alliance, as on Slack):
  /as @UBOB           become someone else (also /as UBOB)
  /whoami             who you are, and in which workspace
  /press 2            press button 2 as you; /press Accept presses the newest one to you
  /press 3 2026-12-22 a date picker (Snooze until…), with its date
  /outbox             the messages this workspace owes, from earlier sessions too
  /home               your App Home tab
  /help               this list
  /quit               leave (or end the input, Ctrl-D)
A line without a slash is a direct message to the bot (an answer to a check-in).
Alliance's own commands: /tour help, /1on1 help.";

const USAGE_PRESS: &str = "Usage: /press <number or label> [YYYY-MM-DD for a date picker]";
const USAGE_AS: &str = "Usage: /as @UBOB (a Slack-style user id: U or W, then capitals and digits)";

pub fn run(
    engine: &Engine,
    team: &TeamId,
    user: UserId,
    input: impl BufRead,
    out: impl Write,
    now: impl Fn() -> DateTime<Utc>,
    files: &Path,
) -> io::Result<()> {
    let mut shell = Shell {
        files,
        engine,
        team: team.clone(),
        user,
        out,
        lines: input.lines(),
        now,
        shown: HashMap::new(),
        messages: Vec::new(),
        buttons: Vec::new(),
        presses: 0,
    };
    shell.start()?;
    while let Some(line) = shell.read(&format!("{}> ", shell.user))? {
        if !shell.line(line.trim())? {
            break;
        }
    }
    writeln!(shell.out)
}

/// A message shown in this session.
struct Shown {
    to: UserId,
    place: Place,
}

/// A numbered button (or date picker) shown in this session.
struct Button {
    label: String,
    action_id: String,
    value: Option<String>,
    block_id: Option<String>,
    /// A date picker: its click carries a date.
    date: bool,
    /// Index into `Shell::messages`.
    message: usize,
    /// False once its message was replaced.
    live: bool,
}

struct Shell<'a, W, B, N> {
    engine: &'a Engine,
    /// Where the files the bot would upload are written.
    files: &'a Path,
    team: TeamId,
    user: UserId,
    out: W,
    lines: io::Lines<B>,
    now: N,
    /// Outbox keys accounted for: shown (with their message), or owed
    /// before the session began (`None` until `/outbox` shows them).
    shown: HashMap<String, Option<usize>>,
    messages: Vec<Shown>,
    /// Button `n` is `buttons[n - 1]`.
    buttons: Vec<Button>,
    /// Clicks so far, to make each click's `action_ts` unique.
    presses: u64,
}

/// Where a shown message is, as Slack would have it.
#[derive(Clone, PartialEq, Eq)]
enum Place {
    /// A command's private answer (ephemeral: a click cannot update it).
    Answer,
    /// A direct message: its channel and timestamp, of the shell's making.
    Dm { channel: String, ts: String },
    /// Someone's App Home tab.
    Home,
}

impl<W: Write, B: BufRead, N: Fn() -> DateTime<Utc>> Shell<'_, W, B, N> {
    fn start(&mut self) -> io::Result<()> {
        writeln!(self.out, "{BANNER}")?;
        let earlier = self.owed((self.now)());
        let posts = earlier
            .iter()
            .filter(|e| matches!(e.action, Delivery::Post | Delivery::Upload { .. }))
            .count();
        for entry in earlier {
            self.shown.insert(entry.key, None);
        }
        match posts {
            0 => {}
            1 => writeln!(
                self.out,
                "1 message from earlier sessions is owed here (the shell sends nothing); /outbox shows it."
            )?,
            n => writeln!(
                self.out,
                "{n} messages from earlier sessions are owed here (the shell sends nothing); /outbox shows them."
            )?,
        }
        Ok(())
    }

    /// Writes `prompt` and reads the next line; `None` at the end of input.
    fn read(&mut self, prompt: &str) -> io::Result<Option<String>> {
        write!(self.out, "{prompt}")?;
        self.out.flush()?;
        self.lines.next().transpose()
    }

    /// One line typed at the prompt; false ends the session.
    fn line(&mut self, line: &str) -> io::Result<bool> {
        let (command, text) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let text = text.trim();
        match command {
            "" => {}
            "/quit" | "/exit" => return Ok(false),
            "/whoami" => writeln!(
                self.out,
                "You are {} in workspace {}.",
                self.user, self.team
            )?,
            "/help" => writeln!(self.out, "{HELP}")?,
            "/as" => match person(text) {
                Some(next) => {
                    self.user = next;
                    writeln!(self.out, "You are now {}.", self.user)?;
                }
                None => writeln!(self.out, "{USAGE_AS}")?,
            },
            "/press" => self.press(text)?,
            "/outbox" => self.outbox()?,
            "/home" => self.home()?,
            "/tour" | "/1on1" | "/alumni" => self.command(command, text)?,
            _ if command.starts_with('/') => writeln!(
                self.out,
                "There is no command {command} here: /help lists the shell's own, /tour help Alliance's."
            )?,
            _ => self.direct_message(line)?,
        }
        Ok(true)
    }

    fn command(&mut self, command: &str, text: &str) -> io::Result<()> {
        let request = Request {
            team: self.team.clone(),
            user: self.user.clone(),
            command: command.to_string(),
            text: escape_like_slack(text),
        };
        if let Some(form) = crate::commands::form_for(&request) {
            self.fill(form)?;
        } else {
            let reply = self.engine.handle(&request, (self.now)());
            let index = self.message(self.user.clone(), Place::Answer);
            let text = self.render(index, &reply);
            write!(self.out, "{text}")?;
        }
        self.show_owed()
    }

    fn direct_message(&mut self, line: &str) -> io::Result<()> {
        let now = (self.now)();
        let said =
            self.engine
                .direct_message(&self.team, &self.user, None, &escape_like_slack(line), now);
        if said.is_err() {
            writeln!(
                self.out,
                "Sorry, something went wrong on my side and that was not saved. Please try again."
            )?;
        }
        self.show_owed()
    }

    /// The messages this workspace owes by `now` (not Home tab updates).
    fn owed(&self, now: DateTime<Utc>) -> Vec<OutboxEntry> {
        self.engine
            .store()
            .outbox_due(now, usize::MAX)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.team == self.team && e.action != Delivery::PublishHome)
            .collect()
    }

    /// Shows the DMs owed by now that this session has not accounted for.
    fn show_owed(&mut self) -> io::Result<()> {
        for entry in self.owed((self.now)()) {
            if !self.shown.contains_key(&entry.key) {
                self.show_entry(&entry)?;
            }
        }
        Ok(())
    }

    /// Shows one owed message as its recipient would see it.
    fn show_entry(&mut self, entry: &OutboxEntry) -> io::Result<()> {
        let to = entry.recipient().clone();
        let (index, updated) = match &entry.action {
            Delivery::Update { channel, ts } => {
                let place = Place::Dm {
                    channel: channel.clone(),
                    ts: ts.clone(),
                };
                match self.messages.iter().position(|m| m.place == place) {
                    Some(index) => (index, true),
                    None => (self.message(to.clone(), place), true),
                }
            }
            _ => match self.shown.get(&entry.key) {
                Some(Some(index)) => (*index, false),
                _ => {
                    let place = Place::Dm {
                        channel: format!("D{to}"),
                        ts: format!(
                            "{}.{:06}",
                            entry.created_at.timestamp(),
                            self.messages.len() + 1
                        ),
                    };
                    (self.message(to.clone(), place), false)
                }
            },
        };
        self.shown.insert(entry.key.clone(), Some(index));
        let Ok(message) = notify::render_from(self.engine.store(), &self.team, &entry.notice)
        else {
            return Ok(());
        };
        let text = self.render(index, &message);
        let how = if updated { " (updated in place)" } else { "" };
        writeln!(self.out, "  ┌ DM to @{to}{how}")?;
        for line in text.lines() {
            writeln!(self.out, "  │ {line}")?;
        }
        if matches!(entry.action, Delivery::Upload { .. }) {
            self.write_files(entry)?;
        }
        Ok(())
    }

    /// The files an upload owes, written where Slack would have shared
    /// them: one line per file with its path.
    fn write_files(&mut self, entry: &OutboxEntry) -> io::Result<()> {
        let store = self.engine.store();
        let drawn = match crate::commands::files::draw_timeline(store, &self.team, &entry.notice) {
            Ok(Some(timeline)) => {
                Ok(crate::commands::files::timeline_files(&timeline).map_err(|e| e.to_string()))
            }
            Ok(None) => crate::commands::files::report_files(store, &self.team, &entry.notice),
            Err(e) => Err(e),
        };
        let attachments = match drawn {
            Ok(Ok(attachments)) => attachments,
            Ok(Err(why)) => {
                writeln!(self.out, "  │ (the file could not be drawn: {why})")?;
                return Ok(());
            }
            Err(_) => {
                writeln!(
                    self.out,
                    "  │ (the file could not be drawn: the store could not be read)"
                )?;
                return Ok(());
            }
        };
        std::fs::create_dir_all(self.files)?;
        for attachment in attachments {
            let path = self.files.join(&attachment.filename);
            std::fs::write(&path, &attachment.bytes)?;
            writeln!(
                self.out,
                "  │ 📎 {} written to {}",
                attachment.title,
                path.display()
            )?;
        }
        Ok(())
    }

    fn outbox(&mut self) -> io::Result<()> {
        let owed: Vec<OutboxEntry> = self
            .owed((self.now)())
            .into_iter()
            .filter(|e| matches!(e.action, Delivery::Post | Delivery::Upload { .. }))
            .collect();
        let older = owed.len().saturating_sub(OUTBOX_SHOWN);
        match owed.len() {
            0 => writeln!(self.out, "No messages are owed in this workspace.")?,
            1 => writeln!(
                self.out,
                "1 message is owed in this workspace (the shell sends nothing):"
            )?,
            n if older == 0 => writeln!(
                self.out,
                "{n} messages are owed in this workspace (the shell sends nothing):"
            )?,
            n => writeln!(
                self.out,
                "{n} messages are owed in this workspace (the shell sends nothing); the newest \
                 {OUTBOX_SHOWN} follow (`alliance outbox --data DIR` lists every one):"
            )?,
        }
        for entry in owed.iter().skip(older) {
            self.show_entry(entry)?;
        }
        Ok(())
    }

    fn home(&mut self) -> io::Result<()> {
        match self
            .engine
            .home_view(&self.team, &self.user, 0, (self.now)())
        {
            Ok(view) => self.show_home(&view),
            Err(_) => writeln!(
                self.out,
                "Sorry, something went wrong on my side and your Home tab could not be read."
            ),
        }
    }

    /// A Home tab: it replaces the one shown before for the same person.
    fn show_home(&mut self, home: &Message) -> io::Result<()> {
        let user = self.user.clone();
        let index = match self
            .messages
            .iter()
            .position(|m| m.place == Place::Home && m.to == user)
        {
            Some(index) => index,
            None => self.message(user.clone(), Place::Home),
        };
        let text = self.render(index, home);
        writeln!(self.out, "  ┌ Home tab of @{user}")?;
        for line in text.lines() {
            writeln!(self.out, "  │ {line}")?;
        }
        Ok(())
    }

    /// A new shown message; its index.
    fn message(&mut self, to: UserId, place: Place) -> usize {
        self.messages.push(Shown { to, place });
        self.messages.len() - 1
    }

    /// `message` as text, with its buttons numbered; the buttons it showed
    /// before are gone.
    fn render(&mut self, index: usize, message: &Message) -> String {
        for button in self.buttons.iter_mut().filter(|b| b.message == index) {
            button.live = false;
        }
        let mut out = String::new();
        for block in &message.blocks {
            match block {
                Block::Header { text } => out.push_str(&format!("== {} ==\n", text_of(text))),
                Block::Section { text } => {
                    let text = text_of(text);
                    if !text.is_empty() {
                        out.push_str(&format!("{text}\n"));
                    }
                }
                Block::Divider => out.push_str("----\n"),
                Block::Context { elements } => {
                    for element in elements {
                        let text = text_of(element);
                        if !text.is_empty() {
                            out.push_str(&format!("  {text}\n"));
                        }
                    }
                }
                Block::Actions { block_id, elements } => {
                    let elements: Vec<String> = elements
                        .iter()
                        .map(|e| self.element(index, block_id.as_deref(), e))
                        .collect();
                    out.push_str(&format!("  {}\n", elements.join(" ")));
                }
                Block::Image { alt_text, .. } => {
                    out.push_str(&format!("  [picture: {alt_text}]\n"))
                }
            }
        }
        if message.blocks.is_empty() {
            out.push_str(&format!("{}\n", unslack(&message.text)));
        }
        out
    }

    /// One interactive element: a button or date picker gets a number.
    fn element(&mut self, index: usize, block_id: Option<&str>, element: &Element) -> String {
        let (label, action_id, value, date) = match element {
            Element::Button {
                text,
                action_id,
                value,
                ..
            } => (text_of(text), action_id, Some(value.clone()), false),
            Element::Datepicker {
                action_id,
                placeholder,
            } => (text_of(placeholder), action_id, None, true),
        };
        self.buttons.push(Button {
            label: label.clone(),
            action_id: action_id.clone(),
            value,
            block_id: block_id.map(str::to_string),
            date,
            message: index,
            live: true,
        });
        let n = self.buttons.len();
        if date {
            format!("[{n} {label} (a date)]")
        } else {
            format!("[{n} {label}]")
        }
    }

    /// `/press <number or label> [date]`.
    fn press(&mut self, text: &str) -> io::Result<()> {
        if text.is_empty() {
            return self.list_buttons();
        }
        // A date at the end is a date picker's: `/press 3 2026-12-22`,
        // `/press Snooze until 2026-12-22`.
        let (which, date) = match text.rsplit_once(char::is_whitespace) {
            Some((which, date)) if NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() => {
                (which.trim(), Some(date.to_string()))
            }
            _ => (text, None),
        };
        let found = match which.parse::<usize>() {
            Ok(n) => self.by_number(n),
            Err(_) => self.by_label(which),
        };
        let index = match found {
            Ok(index) => index,
            Err(why) => return writeln!(self.out, "{why}"),
        };
        let (label, is_date) = (self.buttons[index].label.clone(), self.buttons[index].date);
        let selected_date = match (is_date, date) {
            (false, Some(_)) => {
                return writeln!(
                    self.out,
                    "Button {} takes no date: /press {} presses it.",
                    index + 1,
                    index + 1
                );
            }
            (false, None) => None,
            (true, Some(date)) => Some(date),
            (true, None) => {
                let Some(typed) = self.read(&format!("  {label} — a date, YYYY-MM-DD: "))? else {
                    return writeln!(self.out, "Nothing was pressed.");
                };
                let typed = typed.trim().to_string();
                if NaiveDate::parse_from_str(&typed, "%Y-%m-%d").is_err() {
                    return writeln!(
                        self.out,
                        "Write the date as YYYY-MM-DD, like 2026-12-22; nothing was pressed."
                    );
                }
                Some(typed)
            }
        };
        self.presses += 1;
        let now = (self.now)();
        let button = &self.buttons[index];
        let (channel, message_ts) = match &self.messages[button.message].place {
            Place::Dm { channel, ts } => (Some(channel.clone()), Some(ts.clone())),
            Place::Answer | Place::Home => (None, None),
        };
        let click = Click {
            team: self.team.clone(),
            user: self.user.clone(),
            action_id: button.action_id.clone(),
            value: button.value.clone(),
            block_id: button.block_id.clone(),
            selected_date,
            channel,
            message_ts,
            action_ts: format!(
                "{}.{:06}{}",
                now.timestamp(),
                now.timestamp_subsec_micros(),
                self.presses
            ),
        };
        let message = button.message;
        writeln!(self.out, "You pressed [{} {label}].", index + 1)?;
        match self.engine.click(&click, now) {
            AfterClick::Nothing => {}
            AfterClick::OpenForm(form) => self.fill(form)?,
            AfterClick::PublishView { view } => self.show_home(&view)?,
            AfterClick::Respond(reply) => {
                let text = self.render(message, &reply);
                writeln!(self.out, "Your private answer, replaced:")?;
                write!(self.out, "{text}")?;
            }
        }
        self.show_owed()
    }

    /// The live button `n`, if it is on a message to the current person.
    fn by_number(&self, n: usize) -> Result<usize, String> {
        let Some(button) = n.checked_sub(1).and_then(|i| self.buttons.get(i)) else {
            return Err(format!(
                "There is no button {n}. /press alone lists the buttons you can press."
            ));
        };
        if !button.live {
            return Err(format!(
                "Button {n} is gone: its message was replaced since. /press alone lists the buttons you can press."
            ));
        }
        let to = &self.messages[button.message].to;
        if *to != self.user {
            return Err(format!(
                "Button {n} is on a message to @{to}: only they can press it. /as {to} first."
            ));
        }
        Ok(n - 1)
    }

    /// The newest live button labelled `typed` (or starting so) on a
    /// message to the current person.
    fn by_label(&self, typed: &str) -> Result<usize, String> {
        let wanted = normalise(typed);
        let matches = |b: &Button| {
            let label = normalise(&b.label);
            b.live && !wanted.is_empty() && (label == wanted || label.starts_with(&wanted))
        };
        let newest = |mine: bool| {
            self.buttons
                .iter()
                .enumerate()
                .rev()
                .find(|(_, b)| matches(b) && (self.messages[b.message].to == self.user) == mine)
        };
        match (newest(true), newest(false)) {
            (Some((index, _)), _) => Ok(index),
            (None, Some((index, b))) => {
                let to = &self.messages[b.message].to;
                Err(format!(
                    "No [{}] button is on a message to you; the newest, button {}, is on a message to @{to}: /as {to} first.",
                    b.label,
                    index + 1
                ))
            }
            (None, None) => Err(format!(
                "No button is labelled \"{typed}\". /press alone lists the buttons you can press."
            )),
        }
    }

    fn list_buttons(&mut self) -> io::Result<()> {
        let mine: Vec<String> = self
            .buttons
            .iter()
            .enumerate()
            .filter(|(_, b)| b.live && self.messages[b.message].to == self.user)
            .map(|(i, b)| format!("[{} {}]", i + 1, b.label))
            .collect();
        if mine.is_empty() {
            writeln!(self.out, "No message shown to you has a button now.")?;
        } else {
            writeln!(self.out, "Buttons you can press: {}", mine.join(" "))?;
        }
        writeln!(self.out, "{USAGE_PRESS}")
    }

    /// A form, asked field by field, then submitted as every surface
    /// submits it (`Engine::submit_form`); its problems are shown on their
    /// fields, which are asked again.
    fn fill(&mut self, form: Form) -> io::Result<()> {
        writeln!(
            self.out,
            "  ┌ Form: {} (/cancel closes it without submitting)",
            form.title
        )?;
        for line in unslack(&form.intro).lines() {
            writeln!(self.out, "  │ {line}")?;
        }
        let mut typed: HashMap<String, String> = HashMap::new();
        let mut problems: HashMap<String, String> = HashMap::new();
        let mut submission = Submission {
            form: form.id.clone(),
            state: form.state.clone(),
            values: Default::default(),
        };
        let mut ask: Vec<usize> = (0..form.fields.len()).collect();
        loop {
            for &i in &ask {
                let field = &form.fields[i];
                let answer = self.ask(field, typed.get(&field.name), problems.get(&field.name))?;
                let Some((text, value)) = answer else {
                    return writeln!(self.out, "  └ Closed; nothing was submitted.");
                };
                submission.values.insert(field.name.clone(), value);
                typed.insert(field.name.clone(), text);
            }
            let errors =
                match self
                    .engine
                    .submit_form(&self.team, &self.user, &submission, (self.now)())
                {
                    None => {
                        return writeln!(
                            self.out,
                            "  └ Alliance does not know this form; nothing was submitted."
                        );
                    }
                    Some(FormAnswer::Problems(errors)) => errors,
                    Some(FormAnswer::Done) => {
                        writeln!(self.out, "  └ {}: submitted.", form.submit)?;
                        return self.show_owed();
                    }
                };
            problems = errors.into_iter().collect();
            ask = (0..form.fields.len())
                .filter(|i| problems.contains_key(&form.fields[*i].name))
                .collect();
            if ask.is_empty() {
                ask = (0..form.fields.len()).collect();
            }
            writeln!(
                self.out,
                "  │ Not submitted yet: please fix what is marked ✗."
            )?;
        }
    }

    /// One field of a form: `None` if the form is closed instead. Returns
    /// what was typed (shown again if the field is asked again) and the
    /// value the submission holds.
    fn ask(
        &mut self,
        field: &Field,
        before: Option<&String>,
        problem: Option<&String>,
    ) -> io::Result<Option<(String, String)>> {
        let multiline = matches!(field.input, Input::Paragraph { .. });
        let mut head = format!("  {}", field.label);
        if field.optional {
            head.push_str(" (optional)");
        }
        if !field.hint.is_empty() {
            head.push_str(&format!(" — {}", field.hint));
        }
        head.push_str(match field.input {
            Input::Person => " — a person, like @UBOB",
            Input::Date => " — a date, YYYY-MM-DD",
            Input::Choice(_) => " — its number:",
            Input::Paragraph { .. } => " — an empty line ends it",
            Input::Line { .. } => "",
        });
        if field.optional && before.is_some_and(|b| !b.is_empty()) {
            head.push_str(" (- empties it)");
        }
        writeln!(self.out, "{head}")?;
        if let Some(problem) = problem {
            writeln!(self.out, "  ✗ {problem}")?;
        }
        if let Input::Choice(options) = &field.input {
            for (i, (_, label)) in options.iter().enumerate() {
                writeln!(self.out, "    {} {label}", i + 1)?;
            }
        }
        let default = before
            .cloned()
            .or_else(|| Some(field.initial.clone()))
            .filter(|d| !d.is_empty());
        loop {
            let prompt = match &default {
                Some(d) if !d.contains('\n') => format!("  [{d}] > "),
                Some(_) => "  [as before] > ".to_string(),
                None => "  > ".to_string(),
            };
            let Some(first) = self.read(&prompt)? else {
                return Ok(None);
            };
            if first.trim() == "/cancel" {
                return Ok(None);
            }
            let mut text = first.trim().to_string();
            if field.optional && text == "-" {
                return Ok(Some((String::new(), String::new())));
            }
            if multiline && !text.is_empty() {
                while let Some(next) = self.read("  … ")? {
                    if next.trim() == "/cancel" {
                        return Ok(None);
                    }
                    if next.trim().is_empty() {
                        break;
                    }
                    text.push('\n');
                    text.push_str(next.trim_end());
                }
            }
            if text.is_empty() {
                text = default.clone().unwrap_or_default();
            }
            if text.is_empty() {
                if field.optional {
                    return Ok(Some((text, String::new())));
                }
                writeln!(self.out, "  This field is required.")?;
                continue;
            }
            match value_of(&field.input, &text) {
                Ok(value) => return Ok(Some((text, value))),
                Err(why) => writeln!(self.out, "  {why}")?,
            }
        }
    }
}

/// What a form itself accepts for one field (as Slack's and Mattermost's
/// check a person, a date, a choice and a length before submitting); or
/// what to say.
fn value_of(input: &Input, text: &str) -> Result<String, String> {
    match input {
        Input::Person => person(text)
            .map(|user| user.as_str().to_string())
            .ok_or_else(|| "Write a person as a Slack-style id, like @UBOB.".to_string()),
        Input::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|_| text.to_string())
            .map_err(|_| "Write the date as YYYY-MM-DD, like 2026-12-22.".to_string()),
        Input::Choice(options) => {
            let wanted = text.to_lowercase();
            let chosen = text
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| options.get(i))
                .or_else(|| {
                    options.iter().find(|(value, label)| {
                        value.eq_ignore_ascii_case(text)
                            || label.to_lowercase().starts_with(&wanted)
                    })
                });
            chosen
                .map(|(value, _)| value.clone())
                .ok_or_else(|| format!("Choose a number from 1 to {}.", options.len()))
        }
        Input::Line { max } | Input::Paragraph { max } => {
            let length = text.chars().count();
            if length > *max {
                Err(format!("At most {max} characters: this has {length}."))
            } else {
                Ok(text.to_string())
            }
        }
    }
}

/// A text of a message as a person reads it.
fn text_of(text: &Text) -> String {
    match text {
        Text::Markdown { text } => unslack(text),
        Text::Plain { text } => text.clone(),
    }
}

/// A label as `/press` compares it: no case, no trailing `…`.
fn normalise(label: &str) -> String {
    label
        .trim()
        .trim_end_matches(['…', '.'])
        .trim()
        .to_lowercase()
}

/// A person as typed: `UBOB`, `@UBOB` or a mention, `<@UBOB>`.
fn person(text: &str) -> Option<UserId> {
    let text = text.trim();
    let text = text
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(text);
    let text = text.strip_prefix('@').unwrap_or(text);
    UserId::parse(text.split('|').next().unwrap_or(text))
}

/// What Slack does to typed text with `should_escape`: `&`, `<`, `>` become
/// entities and `@id` becomes a mention.
fn escape_like_slack(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    escaped
        .split(' ')
        .map(
            |word| match word.strip_prefix('@').and_then(UserId::parse) {
                Some(id) => id.mention(),
                None => word.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use chrono::TimeZone;

    #[test]
    fn a_session_proposes_switches_user_and_accepts() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let input = "/tour propose @UBOB rotational 1y Run support &amp; on-call\n/as UBOB\n/tour accept 1\n/tour propose @bob rotational 1y x\n/as nobody\n/quit\n/tour list\n";
        let mut out = Vec::new();
        let now = || Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        run(
            &engine,
            &TeamId::parse("TLOCAL").unwrap(),
            UserId::parse("UALICE").unwrap(),
            input.as_bytes(),
            &mut out,
            now,
            Path::new("/nonexistent/alliance-shell-files"),
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("Proposed tour *#1* to @UBOB"), "{out}");
        assert!(
            out.contains("add company|member <text>"),
            "usage placeholders survive: {out}"
        );
        assert!(
            out.contains("Run support &amp; on-call"),
            "typed text is kept literally: {out}"
        );
        assert!(out.contains("You are now UBOB."));
        assert!(
            out.contains("┌ DM to @UBOB")
                && out.contains("│ @UALICE proposes a tour of duty to you"),
            "{out}"
        );
        assert!(out.contains("[1 Accept] [2 Decline]"), "{out}");
        assert!(
            out.contains("┌ DM to @UALICE") && out.contains("@UBOB accepted tour *#1*"),
            "{out}"
        );
        assert_eq!(
            out.matches("┌ DM to @UBOB").count(),
            1,
            "each DM is shown once: {out}"
        );
        assert!(
            out.contains("You accepted tour *#1* with @UALICE. It runs 2026-11-24 → 2027-11-24."),
            "{out}"
        );
        assert!(out.contains("`@bob` is plain text, not a mention"), "{out}");
        assert!(out.contains("Usage: /as @UBOB"), "{out}");
        assert!(
            !out.contains("Your tours"),
            "nothing runs after /quit: {out}"
        );
    }

    #[test]
    fn a_line_without_a_slash_answers_a_check_in() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let input = "/tour propose @UBOB rotational 1y Run support\n/as UBOB\n/tour accept 1\n\
                     /tour checkin 1\nOn track &amp; happy\nstop\nhello\n";
        let mut out = Vec::new();
        let now = || Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        run(
            &engine,
            &TeamId::parse("TLOCAL").unwrap(),
            UserId::parse("UALICE").unwrap(),
            input.as_bytes(),
            &mut out,
            now,
            Path::new("/nonexistent/alliance-shell-files"),
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        for said in [
            "│ Your check-in on tour *#1*",
            "*Question 1 of 2.* What is blocking you?",
            "*Question 2 of 2.* What support do you need",
            "Check-in 1 on tour *#1* is recorded",
            "┌ DM to @UALICE",
            "There's no check-in waiting for your answer",
        ] {
            assert!(out.contains(said), "{said}: {out}");
        }
        let record = engine
            .store()
            .checkin(
                &TeamId::parse("TLOCAL").unwrap(),
                crate::domain::TourId(1),
                1,
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            record.answers[0].text.as_deref(),
            Some("On track &amp; happy"),
            "typed text is kept literally, as in commands"
        );
    }

    fn team() -> TeamId {
        TeamId::parse("TLOCAL").unwrap()
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
    }

    /// One session as `user`, typing `input`; what it printed.
    fn session(engine: &Engine, user: &str, input: &str) -> String {
        let mut out = Vec::new();
        run(
            engine,
            &team(),
            UserId::parse(user).unwrap(),
            input.as_bytes(),
            &mut out,
            at,
            Path::new("/nonexistent/alliance-shell-files"),
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn status(engine: &Engine, id: u64) -> crate::domain::tour::Status {
        engine
            .store()
            .tour(&team(), crate::domain::TourId(id))
            .unwrap()
            .unwrap()
            .status
    }

    #[test]
    fn buttons_are_numbered_and_pressed_by_the_person_they_are_for() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let out = session(
            &engine,
            "UALICE",
            "/tour propose @UBOB rotational 1y Run support\n/press 1\n/press Accept\n\
             /as @UBOB\n/press 7\n/press Accept 2026-12-01\n/press accept\n/press 2\n/press\n",
        );
        assert!(out.contains("│   [1 Accept] [2 Decline]"), "{out}");
        for said in [
            "Button 1 is on a message to @UBOB: only they can press it. /as UBOB first.",
            "No [Accept] button is on a message to you; the newest, button 1, is on a message to @UBOB: /as UBOB first.",
            "There is no button 7.",
            "Button 1 takes no date: /press 1 presses it.",
            "You pressed [1 Accept].",
            "┌ DM to @UALICE\n  │ @UBOB accepted tour *#1*",
            "┌ DM to @UBOB (updated in place)",
            "This proposal is now *active*.",
            "Button 2 is gone: its message was replaced since.",
            "No message shown to you has a button now.",
        ] {
            assert!(out.contains(said), "{said}\n{out}");
        }
        assert_eq!(status(&engine, 1), crate::domain::tour::Status::Active);
        assert_eq!(
            out.matches("You pressed").count(),
            1,
            "refused presses change nothing: {out}"
        );
    }

    #[test]
    fn a_date_picker_takes_its_date_after_the_number_or_asks_for_it() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let out = session(
            &engine,
            "UALICE",
            "/tour propose @UBOB rotational 1y Run support\n/as UBOB\n/press 1\n/tour checkin 1\n\
             /press 5\ntomorrow\n/press Snooze until\n2026-12-20\n",
        );
        assert!(
            out.contains("[3 Later] [4 Snooze 1 week] [5 Snooze until… (a date)]"),
            "{out}"
        );
        assert!(
            out.contains("Write the date as YYYY-MM-DD, like 2026-12-22; nothing was pressed."),
            "{out}"
        );
        assert!(
            out.contains("is paused. I'll ask again on 2026-12-20"),
            "{out}"
        );
    }

    #[test]
    fn the_propose_form_is_asked_field_by_field_and_submitted_as_on_slack() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        // Member: not a person, then herself (the rule refuses it after
        // submitting); kind by number; no length; a two-line mission; one
        // objective a side.
        let out = session(
            &engine,
            "UALICE",
            "/tour propose\nbob\n@UALICE\n7\n3\n\nKeep the company's memory\nand its people\n\n\
             Write the history\n\nA sabbatical\n\n<@UBOB>\n/tour show 1\n",
        );
        for said in [
            "┌ Form: Propose a tour (/cancel closes it without submitting)",
            "Member — a person, like @UBOB",
            "Write a person as a Slack-style id, like @UBOB.",
            "    3 Foundational — open-ended, life and company missions aligned",
            "Choose a number from 1 to 3.",
            "Length or dates (optional)",
            "✗ You can't propose a tour to yourself",
            "[@UALICE] > ",
            "└ Propose: submitted.",
            "┌ DM to @UBOB\n  │ @UALICE proposes a tour of duty to you: *#1*",
            "Keep the company's memory and its people",
            "1. (company) Write the history",
            "2. (member) A sabbatical",
        ] {
            assert!(out.contains(said), "{said}\n{out}");
        }
        assert_eq!(status(&engine, 1), crate::domain::tour::Status::Proposed);

        let out = session(
            &engine,
            "UALICE",
            "/tour propose\n@UCAROL\n/cancel\n/tour show 2\n",
        );
        assert!(out.contains("└ Closed; nothing was submitted."), "{out}");
        assert!(out.contains("There is no tour #2"), "{out}");
    }

    #[test]
    fn a_button_that_opens_a_form_on_slack_asks_for_it_here() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let out = session(
            &engine,
            "UALICE",
            "/tour propose @UBOB rotational 1y Run support\n/as UBOB\n/press Accept\n\
             /tour complete 1\n/press Complete tour #1\n/as UALICE\n/press Propose next tour\n\n1\n1y\nLead support\n\n\n\n",
        );
        assert!(
            out.contains("┌ Form: Propose the next tour") && out.contains("[UBOB] > "),
            "the member is filled in: {out}"
        );
        assert!(out.contains("└ Propose: submitted."), "{out}");
        let next = engine
            .store()
            .tour(&team(), crate::domain::TourId(2))
            .unwrap()
            .unwrap();
        assert_eq!(
            (next.previous, next.member.as_str()),
            (Some(crate::domain::TourId(1)), "UBOB"),
            "linked to the tour it follows"
        );
    }

    #[test]
    fn as_takes_a_mention_and_help_lists_the_shells_own_commands() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let out = session(
            &engine,
            "UALICE",
            "/as @UBOB\n/whoami\n/as <@UCAROL>\n/whoami\n/as bob\n/help\n/pres 1\n",
        );
        for said in [
            "You are UBOB in workspace TLOCAL.",
            "You are UCAROL in workspace TLOCAL.",
            "Usage: /as @UBOB",
            "/press 2            press button 2 as you",
            "/outbox",
            "Alliance's own commands: /tour help",
            "There is no command /pres here: /help lists the shell's own",
        ] {
            assert!(out.contains(said), "{said}\n{out}");
        }
    }

    #[test]
    fn messages_owed_from_earlier_sessions_are_counted_then_shown_when_asked() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        session(
            &engine,
            "UALICE",
            "/tour propose @UBOB rotational 1y Run support\n/tour propose @UCAROL rotational 1y Run sales\n",
        );
        let out = session(&engine, "UBOB", "/tour list\n/outbox\n/press Accept\n");
        assert!(
            out.contains("2 messages from earlier sessions are owed here (the shell sends nothing); /outbox shows them."),
            "{out}"
        );
        let (before, after) = out
            .split_once("2 messages are owed in this workspace")
            .unwrap();
        assert!(
            !before.contains("┌ DM"),
            "nothing is dumped after the first command: {before}"
        );
        assert!(
            after.contains("┌ DM to @UBOB") && after.contains("┌ DM to @UCAROL"),
            "{after}"
        );
        assert!(out.contains("You pressed [1 Accept]."), "{out}");
        assert_eq!(status(&engine, 1), crate::domain::tour::Status::Active);
    }

    #[test]
    fn the_home_tab_shows_with_its_buttons() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let out = session(&engine, "UALICE", "/home\n/press Propose a tour\n/cancel\n");
        assert!(out.contains("┌ Home tab of @UALICE"), "{out}");
        assert!(out.contains("[1 Propose a tour]"), "{out}");
        assert!(out.contains("┌ Form: Propose a tour"), "{out}");
    }

    #[test]
    fn a_timeline_is_written_to_a_file_and_its_path_printed() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let files = tempfile::tempdir().unwrap();
        let input = "/tour propose @UBOB rotational from 2026-06-01 to 2027-06-01 Run support\n/as UBOB\n/tour accept 1\n/tour timeline\n/tour timeline all\n";
        let mut out = Vec::new();
        run(
            &engine,
            &team(),
            UserId::parse("UALICE").unwrap(),
            input.as_bytes(),
            &mut out,
            at,
            files.path(),
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let path = files.path().join("timeline-2026-11-24.png");
        assert!(
            out.contains(&format!("written to {}", path.display())),
            "{out}"
        );
        assert!(out.contains("┌ DM to @UBOB"), "{out}");
        assert!(out.contains("1 person, 1 tour"), "{out}");
        assert!(
            out.contains("Only Alliance admins can list every tour"),
            "{out}"
        );
        let png = std::fs::read(&path).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(pixmap.width(), crate::picture::WIDTH);
        assert_eq!(std::fs::read_dir(files.path()).unwrap().count(), 1);
    }

    #[test]
    fn messages_read_as_on_slack() {
        let engine = Engine::new(Store::in_memory(), Default::default());
        let mut out = Vec::new();
        let mut shell = Shell {
            files: Path::new("/nonexistent/alliance-shell-files"),
            engine: &engine,
            team: team(),
            user: UserId::parse("UALICE").unwrap(),
            out: &mut out,
            lines: "".as_bytes().lines(),
            now: at,
            shown: HashMap::new(),
            messages: Vec::new(),
            buttons: Vec::new(),
            presses: 0,
        };
        let message = crate::message::Message::new("x")
            .header("Tour #1")
            .section("<@U1> &amp; <@U2|bo> &lt;3")
            .divider()
            .context("see <https://x.io|docs>");
        let index = shell.message(UserId::parse("UALICE").unwrap(), Place::Answer);
        assert_eq!(
            shell.render(index, &message),
            "== Tour #1 ==\n@U1 & @bo <3\n----\n  see docs\n"
        );
        let fallback = crate::message::Message::new("Only &lt;text&gt;");
        assert_eq!(shell.render(index, &fallback), "Only <text>\n");

        // Every family of message reads as text, each of its buttons and
        // date pickers numbered and pressable.
        for (family, message) in crate::commands::notify::samples() {
            let before = shell.buttons.len();
            let text = shell.render(index, &message);
            assert!(!text.trim().is_empty(), "{family}");
            assert!(
                !text.contains("<@") && !text.contains("&amp;"),
                "{family}: {text}"
            );
            for (n, button) in shell.buttons.iter().enumerate().skip(before) {
                assert!(button.live, "{family}");
                assert!(
                    text.contains(&format!("[{} {}", n + 1, button.label)),
                    "{family}: {text}"
                );
            }
            let elements: usize = message
                .blocks
                .iter()
                .map(|b| match b {
                    Block::Actions { elements, .. } => elements.len(),
                    _ => 0,
                })
                .sum();
            assert_eq!(shell.buttons.len() - before, elements, "{family}");
        }
    }
}
