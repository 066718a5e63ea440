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
//! - The last tour: everyone who sees the directory sees its kind and when
//!   it started (what kind of alliance it was); its number and mission only
//!   those who may see that tour (its parties, admins) and the liaison, who
//!   is reminded of it anyway. A tour is otherwise its parties' only.
//! - `list <text>` searches exactly what the searcher may see: names (a
//!   mention finds that person), liaisons and the last tour's kind for
//!   everyone, its mission where they see it, and the note, the personal
//!   contact and the contact log's notes for the liaison and admins. Every
//!   word must match somewhere, case aside.
//! - Refusing a well-formed `add` (still on a tour, leaving later, a `left`
//!   date to come) is a plain answer that says what to do instead.
//! - `touch`, `liaison`, `rehire`, `remove`: the liaison or an admin. To
//!   anyone who may not see the directory, an alumnus does not exist.
//! - `rehire` marks them returning and offers the propose form for them
//!   (a button, since a slash command's reply cannot open a form by itself).
//! - `remove` erases the record (and its reminders) for good, so it asks
//!   first: a private answer saying what goes, with **Remove from the
//!   network** and **Keep them**. Only the one who typed it can press them
//!   (the buttons carry their id), and the rule is checked again on the
//!   press; the answer replaces the prompt (through `response_url`, as for
//!   `/tour forget-me`), and a second press finds nothing left to remove
//!   and says so. `/alumni remove @user confirm` is the press, typed: the
//!   same rule and answer ([`remove`]).
//! - The keep-in-touch reminder's buttons have their commands: **Logged a
//!   contact** is `touch`, **Not any more** is `stop` (no more reminders
//!   about them until a contact is logged; both through [`keep_in_touch`]),
//!   and its Snooze is `snooze` (the last reminder about them, later; see
//!   `reminders`). They are the liaison's or an admin's.

use super::buttons::{AfterClick, Click};
use super::parse::{self, AlumniCommand, Usage};
use super::refusal::{refusal, refused};
use super::{Engine, Failure, Request, notify, render};
use crate::domain::alumni::{AlumniError, Alumnus, last_tour_of};
use crate::domain::schedule::Series;
use crate::domain::{TeamId, Tour, UserId};
use crate::message::{self, Element, Message, escape, truncate};
use crate::store::StoreError;
use crate::store::alumni::NO_TOUR;
use chrono::{DateTime, Utc};

pub(super) fn handle_text(
    engine: &Engine,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let command = parse::parse_alumni(&req.text)
        .map_err(|Usage { problem, usage }| Failure::User(message::problem(&problem, usage)))?;
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
            let summaries = store.tours_of(team, &user)?;
            let managed = summaries.iter().any(|t| &t.manager == me);
            if !admin && !managed {
                return Err(refusal(parse::USAGE_ALUMNI_ADD)(AlumniError::MayNotAdd(
                    user.mention(),
                )));
            }
            let mut served = Vec::new();
            for s in summaries.iter().filter(|t| t.member == user) {
                served.extend(store.tour(team, s.id)?);
            }
            let added = store
                .change_alumnus(team, &user, now, |old| match old {
                    Some(_) => Err(AlumniError::Exists(user.mention())),
                    None => Alumnus::add(
                        &user,
                        me,
                        left,
                        liaison.as_ref(),
                        note.as_deref(),
                        &served,
                        now,
                    ),
                })?
                .map_err(refusal(parse::USAGE_ALUMNI_ADD))?;
            Ok(Message::text(format!(
                "Added {} to the alumni network, with {} as their liaison. {} will be reminded to keep in touch {}.",
                added.user.mention(),
                added.liaison.mention(),
                added.liaison.mention(),
                crate::words::every(store.policy().keep_in_touch_months, "month")
            )))
        }
        AlumniCommand::List { text } => {
            let needles = text.as_deref().map(needles).unwrap_or_default();
            let mut rows = Vec::new();
            for a in store.alumni(team)? {
                if !sees(&a) {
                    continue;
                }
                let last = last_tour(engine, team, &a)?;
                let view = View::of(&a, last.as_ref(), me, admin);
                let haystack = view.searchable(&a, last.as_ref());
                if !needles.iter().all(|n| haystack.contains(n.as_str())) {
                    continue;
                }
                rows.push(row(&a, last.as_ref(), view));
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
            let a = visible(engine, req, &user, refusal(parse::USAGE_ALUMNI_SHOW))?;
            let last = last_tour(engine, team, &a)?;
            let view = View::of(&a, last.as_ref(), me, admin);
            Ok(card(&a, last.as_ref(), view))
        }
        AlumniCommand::Touch { user, note } => {
            visible(engine, req, &user, refusal(parse::USAGE_ALUMNI_TOUCH))?;
            let a = keep_in_touch(engine, team, me, &user, &KeepInTouch::Touch(note), now)?
                .map_err(refusal(parse::USAGE_ALUMNI_TOUCH))?;
            Ok(Message::text(format!(
                "Logged a contact with {}. The next keep-in-touch reminder comes in {}.",
                a.user.mention(),
                crate::words::count(store.policy().keep_in_touch_months, "month")
            )))
        }
        AlumniCommand::Stop { user } => {
            visible(engine, req, &user, refused)?;
            let a = keep_in_touch(engine, team, me, &user, &KeepInTouch::Stop, now)?
                .map_err(refused)?;
            Ok(Message::text(stopped(&a.user)))
        }
        AlumniCommand::Snooze { user, until } => {
            let a = visible(engine, req, &user, refused)?;
            if !a.is_steward(me, admin) {
                return Err(refused(AlumniError::NotLiaison(user.mention())));
            }
            let Some(at) = super::reminders::snooze_until(until, now) else {
                return Err(Failure::User(Message::text(
                    super::reminders::NOT_AFTER_TODAY,
                )));
            };
            let last = store.last_reminder_sent(
                team,
                &format!("tour:{}:keep-in-touch:{user}:", NO_TOUR.0),
                me,
                |series| matches!(series, Series::KeepInTouch(..)),
            )?;
            let Some((series, round)) = last else {
                return Err(Failure::User(Message::text(format!(
                    "No keep-in-touch reminder about {} came to you yet, so there is nothing to snooze.",
                    user.mention()
                ))));
            };
            engine.snooze_reminder(team, me, NO_TOUR, &series, round, at, now)?;
            Ok(Message::text(snoozed(&user, at)))
        }
        AlumniCommand::Liaison { user, liaison } => {
            visible(engine, req, &user, refusal(parse::USAGE_ALUMNI_LIAISON))?;
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
            visible(engine, req, &user, refusal(parse::USAGE_ALUMNI_REHIRE))?;
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
        AlumniCommand::Remove { user, confirmed } => {
            let a = visible(engine, req, &user, refusal(parse::USAGE_ALUMNI_REMOVE))?;
            a.check_remove(me, admin)
                .map_err(refusal(parse::USAGE_ALUMNI_REMOVE))?;
            if confirmed {
                return Ok(Message::text(remove(engine, team, me, &user, now)?));
            }
            Ok(remove_prompt(me, &a))
        }
    }
}

/// What the keep-in-touch reminder's buttons do to the record.
pub(super) enum KeepInTouch {
    /// **Logged a contact** (`/alumni touch`, with an optional note).
    Touch(Option<String>),
    /// **Not any more** (`/alumni stop`).
    Stop,
}

/// Logs a contact with `who`, or stops the reminders about them, as `me`:
/// the one path for the buttons and the commands. To someone who may not
/// see the directory, they are not in it.
pub(super) fn keep_in_touch(
    engine: &Engine,
    team: &TeamId,
    me: &UserId,
    who: &UserId,
    change: &KeepInTouch,
    now: DateTime<Utc>,
) -> Result<Result<Alumnus, AlumniError>, StoreError> {
    let admin = engine.is_admin(me);
    let sees = |a: &&Alumnus| engine.alumni_directory_for_everyone() || a.is_steward(me, admin);
    engine.store().change_alumnus(team, who, now, |old| {
        let a = missing(old.filter(sees), who)?;
        match change {
            KeepInTouch::Touch(note) => a.touch(me, admin, note.as_deref(), now),
            KeepInTouch::Stop => a.stop_reminders(me, admin),
        }
    })
}

/// The answer to **Not any more** (pressed or typed).
pub(super) fn stopped(who: &UserId) -> String {
    format!(
        "No more keep-in-touch reminders about {} — until you log a contact with `/alumni touch`.",
        who.mention()
    )
}

/// The answer to a keep-in-touch reminder's Snooze (pressed or typed).
pub(super) fn snoozed(who: &UserId, until: DateTime<Utc>) -> String {
    format!(
        "⏰ Snoozed until {}: I'll remind you about {} then.",
        until.date_naive(),
        who.mention()
    )
}

/// Removes `who` from the network as `me` — **Remove from the network**,
/// pressed or typed (`confirm`) — checking the rule again, and says what
/// came of it.
fn remove(
    engine: &Engine,
    team: &TeamId,
    me: &UserId,
    who: &UserId,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let admin = engine.is_admin(me);
    let removed = engine.store().remove_alumnus(
        team,
        who,
        now,
        |a| a.check_remove(me, admin),
        || AlumniError::NotFound(who.mention()),
    )?;
    Ok(match removed {
        Ok(()) => format!(
            "Removed {} from the alumni network: their record, note, personal contact and contact log are erased.",
            who.mention()
        ),
        Err(AlumniError::NotFound(who)) => {
            format!("{who} isn't in the alumni network any more, so nothing was changed.")
        }
        Err(e) => format!("{e} Nothing was changed."),
    })
}

/// `/alumni remove`'s private answer: what goes, and the buttons that
/// remove them or keep them. Nothing is removed until the asker presses.
fn remove_prompt(me: &UserId, a: &Alumnus) -> Message {
    let title = format!("Remove {} from the alumni network?", a.user.mention());
    let value = format!("{me}|{}", a.user);
    let contacts = match a.contacts.len() {
        0 => "no logged contacts".to_string(),
        1 => "1 logged contact".to_string(),
        n => format!("{n} logged contacts"),
    };
    Message::new(title.clone())
        .section(format!(
            "*{title}*\nThis erases their record for good: when they left, their liaison, the note, the personal contact they left and the contact log ({contacts}). The keep-in-touch reminders stop. Their tours stay as they are."
        ))
        .actions(vec![
            Element::button(
                "Remove from the network",
                notify::ALUMNI_REMOVE,
                &value,
                Some("danger"),
            ),
            Element::button("Keep them", notify::ALUMNI_REMOVE_CANCEL, &value, None),
        ])
        .context(format!(
            "Nothing happens until you press a button (or type `/alumni remove {} confirm`), and removing cannot be undone.",
            a.user.mention()
        ))
}

impl Engine {
    /// A press on the `/alumni remove` prompt: only its asker's counts. The
    /// answer replaces the (ephemeral) prompt; a second press finds nothing
    /// to remove and says so.
    pub(super) fn alumni_remove_click(
        &self,
        click: &Click,
        now: DateTime<Utc>,
    ) -> Result<AfterClick, StoreError> {
        let parsed = click.value.as_deref().and_then(|v| {
            let (asker, user) = v.split_once('|')?;
            Some((UserId::parse(asker)?, UserId::parse(user)?))
        });
        let Some((asker, user)) = parsed else {
            return self.out_of_date(click, now);
        };
        if asker != click.user {
            self.note(
                click,
                None,
                "Only the person who asked to remove them can confirm it; nothing was changed.",
                now,
            )?;
            return Ok(AfterClick::Nothing);
        }
        if click.action_id == notify::ALUMNI_REMOVE_CANCEL {
            return Ok(AfterClick::Respond(Message::text(format!(
                "Nothing was removed: {} stays in the alumni network.",
                user.mention()
            ))));
        }
        let text = remove(self, &click.team, &click.user, &user, now)?;
        Ok(AfterClick::Respond(Message::text(text)))
    }
}

fn help() -> Message {
    render::usages("Alliance: alumni", &parse::ALUMNI_USAGES)
        .context(SEARCH_HELP)
        .context("The alliance outlives the job: each alumnus has a liaison who keeps in touch. Also `/tour alumni …`; tours themselves are in `/tour help`.")
}

/// What `/alumni list <text>` looks in, as the help says it.
const SEARCH_HELP: &str = "`/alumni list &lt;text&gt;` searches names (mention someone), liaisons and the kind of their last tour; its mission too if the tour is one you can see. For the alumni you look after (and for admins) it also searches the note, the personal contact and the contact log. Every word must match.";

/// The words of a search, lower-cased, with mentions as the ids they name.
fn needles(text: &str) -> Vec<String> {
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<@") {
        plain.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        match tail.find('>') {
            Some(end) => {
                let inner = &tail[..end];
                plain.push(' ');
                plain.push_str(inner.split('|').next().unwrap_or_default());
                plain.push(' ');
                rest = &tail[end + 1..];
            }
            None => {
                plain.push_str("<@");
                rest = tail;
            }
        }
    }
    plain.push_str(rest);
    plain.split_whitespace().map(str::to_lowercase).collect()
}

/// The tour an alumnus left from: as recorded, or, for a record older than
/// that, their newest tour as member that ran and closed.
fn last_tour(engine: &Engine, team: &TeamId, a: &Alumnus) -> Result<Option<Tour>, Failure> {
    let store = engine.store();
    let id = match a.last_tour {
        Some(id) => Some(id),
        None => {
            let mut served = Vec::new();
            for s in store.tours_of(team, &a.user)? {
                if s.member == a.user {
                    served.extend(store.tour(team, s.id)?);
                }
            }
            last_tour_of(&served, &a.user)
        }
    };
    Ok(match id {
        Some(id) => store.tour(team, id)?,
        None => None,
    })
}

/// What one viewer may see of an alumnus beyond the directory's public
/// part: their last tour's number and mission (its parties, admins and the
/// liaison, who is reminded of it anyway), and the private part (the
/// liaison and admins).
#[derive(Clone, Copy)]
struct View {
    tour: bool,
    private: bool,
}

impl View {
    fn of(a: &Alumnus, last: Option<&Tour>, me: &UserId, admin: bool) -> View {
        let private = a.is_steward(me, admin);
        View {
            tour: private || last.is_some_and(|t| t.visible_to(me, admin)),
            private,
        }
    }

    /// Everything a search may match for this viewer, lower-cased.
    fn searchable(self, a: &Alumnus, last: Option<&Tour>) -> String {
        let mut parts: Vec<&str> = vec![a.user.as_str(), a.liaison.as_str()];
        if let Some(t) = last {
            parts.push(t.kind.name());
            if self.tour {
                parts.push(&t.mission);
            }
        }
        if self.private {
            parts.extend(a.note.as_deref());
            parts.extend(a.contact.as_deref());
            parts.extend(a.contacts.iter().filter_map(|c| c.note.as_deref()));
        }
        parts.join("\n").to_lowercase()
    }
}

/// The record of `user`, if the caller may see it; otherwise it does not exist.
fn visible(
    engine: &Engine,
    req: &Request,
    user: &UserId,
    refuse: impl Fn(AlumniError) -> Failure,
) -> Result<Alumnus, Failure> {
    let admin = engine.is_admin(&req.user);
    match engine.store().alumnus(&req.team, user)? {
        Some(a) if engine.alumni_directory_for_everyone() || a.is_steward(&req.user, admin) => {
            Ok(a)
        }
        _ => Err(refuse(AlumniError::NotFound(user.mention()))),
    }
}

fn missing<'a>(old: Option<&'a Alumnus>, user: &UserId) -> Result<&'a Alumnus, AlumniError> {
    old.ok_or_else(|| AlumniError::NotFound(user.mention()))
}

/// One alumnus in the directory, as `view` may see it.
fn row(a: &Alumnus, last: Option<&Tour>, view: View) -> String {
    let mut out = format!("{} · liaison {}", a.user.mention(), a.liaison.mention());
    if let Some(left) = a.left_on {
        out.push_str(&format!(" · left {left}"));
    }
    if a.returning {
        out.push_str(" · *returning*");
    }
    if let Some(t) = last {
        let from = t
            .starts_on
            .map(|d| format!(", from {d}"))
            .unwrap_or_default();
        if view.tour {
            out.push_str(&format!(
                "\n_last tour *{}* ({}{from}): {}_",
                t.id,
                t.kind.name(),
                escape(&truncate(&t.mission, 150))
            ));
        } else {
            out.push_str(&format!("\n_last tour: {}{from}_", t.kind.name()));
        }
    }
    out
}

fn card(a: &Alumnus, last: Option<&Tour>, view: View) -> Message {
    let mut message = Message::new(format!("Alumnus {}", a.user))
        .section(format!("*Alumni network*\n{}", row(a, last, view)));
    if view.private {
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
