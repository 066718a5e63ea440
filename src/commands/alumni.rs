//! `/alumni` (and `/tour alumni …`): the alumni network — who left, who
//! keeps in touch with them, and the boomerangs who come back.
//!
//! Who may do what (decisions where the product text is silent):
//! - `add`: admins, or someone who managed a tour of that person. The one
//!   who adds them is the liaison unless another is named.
//! - `list`, `show`: everyone in the workspace when `[workspace]
//!   alumni_directory = "everyone"` (the default), else admins; a liaison
//!   always sees their own alumni. Names, dates, liaison and last tour are
//!   the directory; the note, the personal contact and the contact log are
//!   shown only to the liaison and admins.
//! - `touch`, `liaison`, `rehire`, `remove`: the liaison or an admin. To
//!   anyone who may not see the directory, an alumnus does not exist.
//! - `rehire` marks them returning and offers the propose form for them
//!   (a button, since a slash command's reply cannot open a form by itself).
//! - `remove` erases the record (and its reminders) for good.

use super::parse::{self, AlumniCommand, Usage};
use super::{Engine, Failure, Request, notify, render};
use crate::domain::UserId;
use crate::domain::alumni::{AlumniError, Alumnus};
use crate::slack::blocks::{self, Element, Message, escape, truncate};
use chrono::{DateTime, Utc};

pub(super) fn handle_text(
    engine: &Engine,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let command = parse::parse_alumni(&req.text)
        .map_err(|Usage { problem, usage }| Failure::User(blocks::problem(&problem, usage)))?;
    handle(engine, req, command, now)
}

pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    command: AlumniCommand,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let me = &req.user;
    let admin = engine.is_admin(me);
    let store = engine.store();
    let team = &req.team;
    // Who may see that `a` is in the network at all.
    let sees = |a: &Alumnus| engine.alumni_directory_for_everyone() || a.is_steward(me, admin);
    match command {
        AlumniCommand::Help => Ok(help()),
        AlumniCommand::Add {
            user,
            left,
            liaison,
            note,
        } => {
            let managed = store
                .tours_of(team, &user)?
                .iter()
                .any(|t| &t.manager == me);
            if !admin && !managed {
                return Err(refusal(parse::USAGE_ALUMNI_ADD)(AlumniError::MayNotAdd(
                    user.mention(),
                )));
            }
            let added = store
                .change_alumnus(team, &user, now, |old| match old {
                    Some(_) => Err(AlumniError::Exists(user.mention())),
                    None => Alumnus::add(&user, me, left, liaison.as_ref(), note.as_deref(), now),
                })?
                .map_err(refusal(parse::USAGE_ALUMNI_ADD))?;
            Ok(Message::text(format!(
                "Added {} to the alumni network, with {} as their liaison. {} will be reminded to keep in touch every {} months.",
                added.user.mention(),
                added.liaison.mention(),
                added.liaison.mention(),
                store.policy().keep_in_touch_months
            )))
        }
        AlumniCommand::List { text } => {
            let needle = text.as_deref().map(str::to_lowercase);
            let mut rows = Vec::new();
            for a in store.alumni(team)? {
                if !sees(&a) {
                    continue;
                }
                let last = match a.last_tour {
                    Some(id) => store.tour(team, id)?,
                    None => None,
                };
                let mut haystack = format!(
                    "{} {} {}",
                    a.user,
                    a.liaison,
                    last.as_ref()
                        .map(|t| t.mission.as_str())
                        .unwrap_or_default()
                );
                if a.is_steward(me, admin) {
                    haystack.push(' ');
                    haystack.push_str(a.note.as_deref().unwrap_or_default());
                }
                if needle
                    .as_ref()
                    .is_some_and(|n| !haystack.to_lowercase().contains(n.as_str()))
                {
                    continue;
                }
                rows.push(row(&a, last.as_ref()));
            }
            let mut message = Message::new("Alumni").section("*Alumni*");
            if rows.is_empty() {
                return Ok(message.context(match text {
                    Some(_) => "No alumni match that.",
                    None => {
                        "No alumni that you can see yet. `/alumni add @user` adds someone who left."
                    }
                }));
            }
            let total = rows.len();
            for r in rows.into_iter().take(render::MAX_ROWS) {
                message = message.section(r);
            }
            if total > render::MAX_ROWS {
                message = message.context(format!(
                    "…and {} more. Narrow it with `/alumni list &lt;text&gt;`.",
                    total - render::MAX_ROWS
                ));
            }
            Ok(message)
        }
        AlumniCommand::Show { user } => {
            let a = visible(engine, req, &user, parse::USAGE_ALUMNI_SHOW)?;
            let last = match a.last_tour {
                Some(id) => store.tour(team, id)?,
                None => None,
            };
            Ok(card(&a, last.as_ref(), a.is_steward(me, admin)))
        }
        AlumniCommand::Touch { user, note } => {
            visible(engine, req, &user, parse::USAGE_ALUMNI_TOUCH)?;
            let a = store
                .change_alumnus(team, &user, now, |old| {
                    missing(old, &user)?.touch(me, admin, note.as_deref(), now)
                })?
                .map_err(refusal(parse::USAGE_ALUMNI_TOUCH))?;
            Ok(Message::text(format!(
                "Logged a contact with {}. The next keep-in-touch reminder comes in {} months.",
                a.user.mention(),
                store.policy().keep_in_touch_months
            )))
        }
        AlumniCommand::Liaison { user, liaison } => {
            visible(engine, req, &user, parse::USAGE_ALUMNI_LIAISON)?;
            let a = store
                .change_alumnus(team, &user, now, |old| {
                    missing(old, &user)?.hand_to(me, admin, &liaison)
                })?
                .map_err(refusal(parse::USAGE_ALUMNI_LIAISON))?;
            Ok(Message::text(format!(
                "{} is now the alumni liaison for {}.",
                a.liaison.mention(),
                a.user.mention()
            )))
        }
        AlumniCommand::Rehire { user } => {
            visible(engine, req, &user, parse::USAGE_ALUMNI_REHIRE)?;
            let a = store
                .change_alumnus(team, &user, now, |old| {
                    missing(old, &user)?.rehire(me, admin)
                })?
                .map_err(refusal(parse::USAGE_ALUMNI_REHIRE))?;
            Ok(Message::text(format!(
                "Welcome back, {}: marked as returning. Propose their tour of duty now.",
                a.user.mention()
            ))
            .actions(vec![Element::button(
                "Propose their tour",
                notify::PROPOSE_FOR,
                a.user.as_str(),
                Some("primary"),
            )])
            .context(format!(
                "Or type `/tour propose {} &lt;kind&gt; &lt;length&gt; &lt;mission…&gt;`.",
                a.user.mention()
            )))
        }
        AlumniCommand::Remove { user } => {
            visible(engine, req, &user, parse::USAGE_ALUMNI_REMOVE)?;
            store
                .remove_alumnus(
                    team,
                    &user,
                    now,
                    |a| a.check_remove(me, admin),
                    || AlumniError::NotFound(user.mention()),
                )?
                .map_err(refusal(parse::USAGE_ALUMNI_REMOVE))?;
            Ok(Message::text(format!(
                "Removed {} from the alumni network: their record, notes and contacts are erased.",
                user.mention()
            )))
        }
    }
}

fn help() -> Message {
    let lines: Vec<String> = parse::ALUMNI_USAGES
        .iter()
        .map(|u| format!("`{}`", escape(u)))
        .collect();
    Message::new("Alliance: alumni")
        .header("Alliance: alumni")
        .section(lines.join("\n"))
        .context("The alliance outlives the job: each alumnus has a liaison who keeps in touch. Also `/tour alumni …`.")
}

/// The record of `user`, if the caller may see it; otherwise it does not exist.
fn visible(
    engine: &Engine,
    req: &Request,
    user: &UserId,
    usage: &'static str,
) -> Result<Alumnus, Failure> {
    let admin = engine.is_admin(&req.user);
    match engine.store().alumnus(&req.team, user)? {
        Some(a) if engine.alumni_directory_for_everyone() || a.is_steward(&req.user, admin) => {
            Ok(a)
        }
        _ => Err(refusal(usage)(AlumniError::NotFound(user.mention()))),
    }
}

fn missing<'a>(old: Option<&'a Alumnus>, user: &UserId) -> Result<&'a Alumnus, AlumniError> {
    old.ok_or_else(|| AlumniError::NotFound(user.mention()))
}

fn refusal(usage: &'static str) -> impl Fn(AlumniError) -> Failure {
    move |e| Failure::User(blocks::problem(&e.to_string(), usage))
}

/// One alumnus in the directory: public parts only.
fn row(a: &Alumnus, last: Option<&crate::domain::Tour>) -> String {
    let mut out = format!("{} · liaison {}", a.user.mention(), a.liaison.mention());
    if let Some(left) = a.left_on {
        out.push_str(&format!(" · left {left}"));
    }
    if a.returning {
        out.push_str(" · *returning*");
    }
    if let Some(t) = last {
        out.push_str(&format!(
            "\n_last tour {}: {}_",
            t.id,
            escape(&truncate(&t.mission, 150))
        ));
    }
    out
}

fn card(a: &Alumnus, last: Option<&crate::domain::Tour>, private: bool) -> Message {
    let mut message = Message::new(format!("Alumnus {}", a.user))
        .section(format!("*Alumni network*\n{}", row(a, last)));
    if private {
        let mut lines = Vec::new();
        if let Some(contact) = &a.contact {
            lines.push(format!("*Personal contact* {}", escape(contact)));
        }
        if let Some(note) = &a.note {
            lines.push(format!("*Note* {}", escape(note)));
        }
        if a.contacts.is_empty() {
            lines.push("*Contacts* none logged yet".to_string());
        } else {
            lines.push("*Contacts*".to_string());
            for c in a.contacts.iter().rev().take(5) {
                lines.push(format!(
                    "{} by {}{}",
                    c.at.date_naive(),
                    c.by.mention(),
                    c.note
                        .as_ref()
                        .map(|n| format!(": {}", escape(&truncate(n, 300))))
                        .unwrap_or_default()
                ));
            }
        }
        if a.reminders_off {
            lines.push("_Keep-in-touch reminders are off until a contact is logged._".into());
        }
        message = message
            .section(lines.join("\n"))
            .context("Only the liaison and admins see this part.");
    }
    message
}
