//! `alliance shell`: try Alliance without Slack, like Hubot's shell adapter.
//! Type the same slash commands as a chosen person and read the replies as
//! text; the engine and the store are the ones `serve` uses.
//!
//! People are Slack-style ids. Where Slack would turn `@ana` into a mention,
//! the shell does the same for ids: `@UBOB` becomes `<@UBOB>`. A name that is
//! not an id stays plain text and gets the same hint Slack users get.
//!
//! After each command the shell prints the direct messages the bot would
//! send because of it (rendered exactly as delivery renders them, buttons
//! shown as `[Accept]`), each once. They stay owed in the outbox: the shell
//! works on the real store, and a `serve` on it later would deliver them.
//! Scheduled reminders are not shown here; `alliance reminders` lists them.
//!
//! A line that does not start with a slash is a direct message to the bot,
//! as if written in its DM on Slack: the answer to a check-in question
//! (`/tour checkin 1` starts one), `skip`, `later` or `stop`.
//!
//! Shell commands: `/as UBOB` switches who you are, `/whoami`, `/quit`.

use crate::commands::{Engine, Request, notify};
use crate::domain::{TeamId, UserId};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::io::{self, BufRead, Write};

pub const BANNER: &str =
    "Alliance shell. Type /tour help to start, /as UBOB to become someone else, /quit to leave.";

pub fn run(
    engine: &Engine,
    team: &TeamId,
    mut user: UserId,
    input: impl BufRead,
    mut out: impl Write,
    now: impl Fn() -> DateTime<Utc>,
) -> io::Result<()> {
    let mut shown = HashSet::new();
    writeln!(out, "{BANNER}")?;
    write!(out, "{user}> ")?;
    out.flush()?;
    for line in input.lines() {
        let line = line?;
        let line = line.trim();
        let (command, text) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match command {
            "" => {}
            "/quit" | "/exit" => break,
            "/whoami" => writeln!(out, "You are {user} in workspace {team}.")?,
            "/as" => match UserId::parse(text.trim()) {
                Some(next) => {
                    user = next;
                    writeln!(out, "You are now {user}.")?;
                }
                None => writeln!(
                    out,
                    "Usage: /as U123 (a Slack-style user id: U or W, then capitals and digits)"
                )?,
            },
            _ if command.starts_with('/') => {
                let request = Request {
                    team: team.clone(),
                    user: user.clone(),
                    command: command.to_string(),
                    text: escape_like_slack(text),
                };
                let at = now();
                write!(out, "{}", engine.handle(&request, at).to_terminal())?;
                show_direct_messages(engine, team, at, &mut shown, &mut out)?;
            }
            _ => {
                let at = now();
                if let Err(e) =
                    engine.direct_message(team, &user, None, &escape_like_slack(line), at)
                {
                    writeln!(out, "Sorry, that was not saved: {e}")?;
                }
                show_direct_messages(engine, team, at, &mut shown, &mut out)?;
            }
        }
        write!(out, "{user}> ")?;
        out.flush()?;
    }
    writeln!(out)?;
    Ok(())
}

/// Prints the DMs owed by now that this session has not shown yet.
fn show_direct_messages(
    engine: &Engine,
    team: &TeamId,
    now: DateTime<Utc>,
    shown: &mut HashSet<String>,
    out: &mut impl Write,
) -> io::Result<()> {
    let store = engine.store();
    let Ok(owed) = store.outbox_due(now, 100) else {
        return Ok(());
    };
    let dms = owed
        .into_iter()
        .filter(|e| e.team == *team && e.action == crate::store::outbox::Delivery::Post);
    for entry in dms {
        if !shown.insert(entry.key.clone()) {
            continue;
        }
        let Ok(message) = notify::render_from(store, team, &entry.notice) else {
            continue;
        };
        let message = message.to_terminal();
        writeln!(out, "  ┌ DM to @{}", entry.recipient())?;
        for line in message.lines() {
            writeln!(out, "  │ {line}")?;
        }
    }
    Ok(())
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
        assert!(out.contains("[Accept] [Decline]"), "{out}");
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
        assert!(out.contains("Usage: /as U123"));
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
}
