//! `/tour`: parse, check who may do it, change the store in one transaction,
//! and say what happened.
//!
//! Refusals of a well-formed command (someone may not, or the tour is not in
//! a state that allows it) are a plain private answer; the usage line is for
//! mistakes in what was typed (see `refusal`). `/tour complete` asks first: its
//! confirmation button, or `confirm` typed, completes the tour
//! (`complete.rs`). Every button has its command here (or in `/1on1`,
//! `/alumni`), which runs the rule the button runs: accepting a handover
//! ([`accept_handover`]), the alumni question ([`answer_alumni`]), a
//! reminder's Snooze and Done (`reminders.rs`).

use super::parse::{self, ListScope, TourCommand, Usage};
use super::refusal::{refusal, refused};
use super::{Engine, Failure, Request, render};
use crate::domain::{HistoryEntry, Phase, Role, Tour, TourError, TourId};
use crate::message::{self, Message, escape};
use chrono::{DateTime, NaiveDate, Utc};

pub(super) fn handle(
    engine: &Engine,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Message, Failure> {
    let command = parse::parse(&req.text)
        .map_err(|Usage { problem, usage }| Failure::User(message::problem(&problem, usage)))?;
    let me = &req.user;
    let store = engine.store();
    match command {
        TourCommand::Help => Ok(render::help()),
        TourCommand::Alumni(command) => super::alumni::handle(engine, req, command, now),
        TourCommand::OneOnOne(command) => super::one_on_ones::handle(engine, req, command, now),
        TourCommand::Propose {
            member,
            kind,
            term,
            mission,
        } => {
            let tour = propose(engine, req, &member, kind, term, &mission, now)?;
            let id = tour.id.0;
            let message = Message::new(format!(
                "Proposed tour {} to {}",
                tour.id,
                tour.member.mention()
            ))
            .section(format!(
                "Proposed tour *{}* to {}: {} tour, {}.\n>{}",
                tour.id,
                tour.member.mention(),
                tour.kind.name(),
                render::span(tour.starts_on, tour.ends_on, tour.term),
                escape(&tour.mission)
            ));
            Ok(with_typical_note(message, &tour).context(format!(
                "{} can accept with `/tour accept {id}` or decline with `/tour decline {id} [reason]`. \
                 Add objectives for both sides with `/tour objective {id} add company|member &lt;text&gt;`.",
                tour.member.mention()
            )))
        }
        TourCommand::ObjectiveAdd { tour, side, text } => {
            let tour = change(engine, req, tour, parse::USAGE_OBJECTIVE, |t| {
                t.add_objective(me, side, &text, now)
            })?;
            let number = tour.objectives.len();
            Ok(Message::text(format!(
                "Added objective {number} to tour *{}* ({}): {}",
                tour.id,
                render::side_title(side, &tour, false),
                escape(&text)
            ))
            .context(told_later(&tour, me)))
        }
        TourCommand::ObjectiveDone { tour, number } => {
            let tour = change(engine, req, tour, parse::USAGE_OBJECTIVE, |t| {
                t.complete_objective(me, number, now)
            })?;
            Ok(Message::text(format!(
                "Marked objective {number} of tour *{}* done: {}",
                tour.id,
                objective_text(&tour, number)
            ))
            .context(told_later(&tour, me)))
        }
        TourCommand::ObjectiveUndo { tour, number } => {
            let tour = edit(engine, req, tour, |t| t.reopen_objective(me, number, now))?;
            Ok(Message::text(format!(
                "Objective {number} of tour *{}* is open again: {}",
                tour.id,
                objective_text(&tour, number)
            ))
            .context(told_later(&tour, me)))
        }
        TourCommand::ObjectiveEdit { tour, number, text } => {
            let tour = edit(engine, req, tour, |t| {
                t.edit_objective(me, number, &text, now)
            })?;
            Ok(Message::text(format!(
                "Objective {number} of tour *{}* now reads: {}",
                tour.id,
                objective_text(&tour, number)
            ))
            .context(format!(
                "The old text stays in `/tour history {}`. {}",
                tour.id.0,
                told_later(&tour, me)
            )))
        }
        TourCommand::ObjectiveRemove { tour, number } => {
            let tour = edit(engine, req, tour, |t| t.remove_objective(me, number, now))?;
            Ok(Message::text(format!(
                "Removed objective {number} from tour *{}*: {}",
                tour.id,
                objective_text(&tour, number)
            ))
            .context(format!(
                "No other objective takes its number, and `/tour history {}` keeps what it said. {}",
                tour.id.0,
                told_later(&tour, me)
            )))
        }
        TourCommand::Mission { tour, text } => {
            let tour = edit(engine, req, tour, |t| t.change_mission(me, &text, now))?;
            Ok(Message::text(format!(
                "The mission of tour *{}* now reads:\n>{}",
                tour.id,
                escape(&tour.mission)
            ))
            .context(format!(
                "The old one stays in `/tour history {}`. {}",
                tour.id.0,
                told_later(&tour, me)
            )))
        }
        TourCommand::Reassign { tour, manager } => {
            let admin = engine.is_admin(me);
            let (old, tour) = reassign(engine, req, tour, admin, &manager, now)?;
            Ok(Message::text(reassigned_reply(&tour, &old, me)))
        }
        TourCommand::Accept { tour } => {
            let changed = change_among(engine, req, tour, parse::USAGE_ACCEPT, |t, others| {
                t.accept_among(me, now, others)
            })?;
            let tour = &changed[0];
            let span = render::span(tour.starts_on, tour.ends_on, tour.term);
            let text = match (tour.is_scheduled(now.date_naive()), changed.get(1)) {
                (true, Some(previous)) => format!(
                    "You accepted tour *{}* with {}. It is scheduled: it starts the day after tour *{}* ends and runs {span}.",
                    tour.id,
                    tour.manager.mention(),
                    previous.id
                ),
                (true, None) => format!(
                    "You accepted tour *{}* with {}. It is scheduled: it runs {span}.",
                    tour.id,
                    tour.manager.mention()
                ),
                (false, _) => format!(
                    "You accepted tour *{}* with {}. It runs {span}.",
                    tour.id,
                    tour.manager.mention()
                ),
            };
            Ok(Message::text(text))
        }
        TourCommand::Decline { tour, reason } => {
            let tour = change(engine, req, tour, parse::USAGE_DECLINE, |t| {
                t.decline(me, reason.as_deref(), now)
            })?;
            Ok(Message::text(format!(
                "You declined tour *{}*. {} can read {} in its history.",
                tour.id,
                tour.manager.mention(),
                if reason.is_some() {
                    "your reason"
                } else {
                    "that"
                }
            )))
        }
        TourCommand::Withdraw { tour } => {
            let changed = change_among(engine, req, tour, parse::USAGE_WITHDRAW, |t, others| {
                t.withdraw_among(me, now, others)
            })?;
            let tour = &changed[0];
            if tour.accepted_on.is_none() {
                return Ok(Message::text(format!(
                    "You withdrew the proposal of tour *{}* to {}.",
                    tour.id,
                    tour.member.mention()
                )));
            }
            let mut text = format!(
                "You called off tour *{}*, which was to start on {}. {} is told.",
                tour.id,
                render::day(tour.starts_on),
                tour.member.mention()
            );
            if let Some(previous) = changed.get(1) {
                text.push_str(&format!(
                    " Tour *{}* has no next tour now, so the reminders to plan one come again.",
                    previous.id
                ));
            }
            Ok(Message::text(text))
        }
        TourCommand::Show { tour } => {
            let tour = visible(engine, req, tour, parse::USAGE_SHOW)?;
            let today = now.date_naive();
            let chain = chain(engine, req, &tour, today)?;
            Ok(render::card(&tour, me, &chain, today))
        }
        TourCommand::Complete {
            tour,
            confirmed: false,
        } => super::complete::prompt(engine, req, tour, now),
        TourCommand::Complete {
            tour,
            confirmed: true,
        } => Ok(super::complete::confirmed(engine, req, tour, now)?),
        TourCommand::Snooze { tour, what, until } => {
            super::reminders::snooze(engine, req, tour, what, until, now)
        }
        TourCommand::Done { tour, what } => super::reminders::stop(engine, req, tour, what, now),
        TourCommand::AcceptHandover { tour } => {
            let tour = accept_handover(engine, &req.team, me, tour, now)?;
            let on = tour
                .exit
                .as_ref()
                .map(|e| e.on.to_string())
                .unwrap_or_default();
            Ok(Message::text(format!(
                "You accepted the handover of tour *{}* from {}, whose last day is {on}. They and {} are told. `/tour show {}` has the handover notes.",
                tour.id,
                tour.member.mention(),
                tour.manager.mention(),
                tour.id.0
            )))
        }
        TourCommand::StayInTouch {
            tour,
            join,
            contact,
        } => {
            let tour = answer_alumni(engine, req, tour, join, contact.as_deref(), now)?;
            Ok(Message::text(if join {
                alumni_joined(&tour, contact.is_some())
            } else {
                ALUMNI_DECLINED.to_string()
            }))
        }
        TourCommand::Extend { tour, months } => {
            let changed = change_among(engine, req, tour, parse::USAGE_EXTEND, |t, others| {
                t.extend_among(me, months, now, others)
            })?;
            let tour = &changed[0];
            let reminders = if tour.status == crate::domain::Status::Followed {
                ""
            } else {
                ", and the plan-the-next-tour reminders follow the new end date"
            };
            let mut text = format!(
                "Tour *{}* now runs {}. {} sees it in the tour's history{reminders}.",
                tour.id,
                render::span(tour.starts_on, tour.ends_on, tour.term),
                other_party(tour, me).mention()
            );
            text.push_str(&moved_next(&changed));
            Ok(with_typical_note(Message::text(text), tour))
        }
        TourCommand::Next {
            after,
            kind,
            term,
            mission,
        } => {
            let tour = next(engine, req, after, None, kind, term, &mission, now)?;
            let message = Message::text(format!(
                "Proposed tour *{}* to {} as the next tour after *{after}*: {} tour, {}.\n>{}",
                tour.id,
                tour.member.mention(),
                tour.kind.name(),
                render::span(tour.starts_on, tour.ends_on, tour.term),
                escape(&tour.mission)
            ));
            Ok(with_typical_note(message, &tour))
        }
        TourCommand::Leave {
            tour,
            successor,
            on,
            notes,
        } => {
            let changed = change_among(engine, req, tour, parse::USAGE_LEAVE, |t, others| {
                t.leave_among(me, &successor, on, notes.as_deref(), now, others)
            })?;
            let tour = &changed[0];
            // Told to whoever planned it: the member, the manager or an admin.
            let (whose, whom) = if *me == tour.member {
                (
                    "your last day".to_string(),
                    format!("You and {}", tour.manager.mention()),
                )
            } else if *me == tour.manager {
                (
                    format!("{}'s last day", tour.member.mention()),
                    format!("You and {}", tour.member.mention()),
                )
            } else {
                (
                    format!("{}'s last day", tour.member.mention()),
                    format!("{} and {}", tour.member.mention(), tour.manager.mention()),
                )
            };
            let (on, checklist) = match tour.exit.as_ref() {
                Some(exit) => (
                    exit.on.to_string(),
                    super::notify::checklist_sentence(exit, &whom),
                ),
                None => (String::new(), String::new()),
            };
            let mut text = format!(
                "The exit from tour *{}* is planned: {whose} is {on}. {} is asked to accept the handover. {checklist}",
                tour.id,
                successor.mention(),
            );
            if let Some(next) = changed.get(1) {
                text.push_str(&format!(
                    " Tour *{}*, which was to follow it, is called off.",
                    next.id
                ));
            }
            Ok(Message::text(text))
        }
        TourCommand::History { tour } => {
            let tour = visible(engine, req, tour, parse::USAGE_HISTORY)?;
            let entries = store.history(&req.team, tour.id)?;
            let with_private = !tour.is_read_only_for(me, engine.is_admin(me));
            Ok(render::history(&tour, &entries, with_private))
        }
        TourCommand::List(scope) => list(engine, req, scope, now.date_naive()),
        TourCommand::Timeline(scope) => super::files::timeline(engine, req, scope, now),
        TourCommand::Report => super::files::report(engine, req, now),
        TourCommand::Talk { note } => super::talk::handle(engine, req, note.as_deref(), now),
        TourCommand::ForgetMe { other, confirmed } => {
            super::privacy::handle(engine, req, other.as_ref(), confirmed)
        }
        TourCommand::Away(command) => super::away::handle(engine, req, command, now),
        TourCommand::Upcoming => Ok(super::upcoming::answer(engine, &req.team, me, now)?),
        command @ (TourCommand::CheckinStart { .. }
        | TourCommand::CheckinNotes { .. }
        | TourCommand::CheckinEvery { .. }
        | TourCommand::CheckinDelivered { .. }) => {
            super::checkin::handle(engine, req, command, now)
        }
    }
}

/// Creates a proposal from `req.user` to `member`: the one path for the
/// text command and the form.
pub(super) fn propose(
    engine: &Engine,
    req: &Request,
    member: &crate::domain::UserId,
    kind: crate::domain::TourKind,
    term: crate::domain::Term,
    mission: &str,
    now: DateTime<Utc>,
) -> Result<Tour, Failure> {
    engine
        .store()
        .propose_tour(&req.team, member, |id, others| {
            let (tour, entry) = Tour::propose(id, &req.user, member, kind, term, mission, now)?;
            tour.check_fits(&req.user, now.date_naive(), others)?;
            Ok((tour, entry))
        })?
        .map_err(refusal(parse::USAGE_PROPOSE))
}

/// Proposes, as `req.user`, the tour that follows `after` — to its member
/// (`member`, when a form names one, must be them): the one path for the
/// text command and the form opened by "Propose next tour".
#[allow(clippy::too_many_arguments)]
pub(super) fn next(
    engine: &Engine,
    req: &Request,
    after: TourId,
    member: Option<&crate::domain::UserId>,
    kind: crate::domain::TourKind,
    term: crate::domain::Term,
    mission: &str,
    now: DateTime<Utc>,
) -> Result<Tour, Failure> {
    let me = &req.user;
    let admin = engine.is_admin(me);
    engine
        .store()
        .propose_next(
            &req.team,
            after,
            |previous| {
                previous.check_may_change(me, admin)?;
                previous.check_next(me)?;
                match member {
                    Some(m) if m != &previous.member => Err(TourError::NextIsForTheMember {
                        id: after,
                        member: previous.member.mention(),
                    }),
                    _ => Ok(()),
                }
            },
            |previous, id, others| {
                let (mut tour, entry) =
                    Tour::propose(id, me, &previous.member, kind, term, mission, now)?;
                tour.previous = Some(previous.id);
                tour.check_fits(me, now.date_naive(), others)?;
                Ok((tour, entry))
            },
        )?
        .map_err(refusal(parse::USAGE_NEXT))
}

/// The leaving member's answer to the alumni question: the one path for
/// its buttons, its form and `/tour stay-in-touch`.
pub(super) fn answer_alumni(
    engine: &Engine,
    req: &Request,
    tour: TourId,
    join: bool,
    contact: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Tour, Failure> {
    edit(engine, req, tour, |t| {
        t.answer_alumni(&req.user, join, contact, now)
    })
}

/// The answer to "No, thanks" (pressed or typed).
pub(super) const ALUMNI_DECLINED: &str = "Thank you for answering. Nothing more will be kept about you after your last day, and the door stays open.";

/// The answer to joining the alumni network (the form, or typed).
pub(super) fn alumni_joined(tour: &Tour, left_a_contact: bool) -> String {
    format!(
        "✅ Thank you: you join the alumni network on your last day, with {} as your liaison.{}",
        tour.manager.mention(),
        if left_a_contact {
            " Only they and the people team will see the contact you left."
        } else {
            ""
        }
    )
}

/// The successor named in an exit plan accepts the handover: the one path
/// for **Accept handover** and `/tour handover <id> accept`. The successor
/// is not a party of the tour, yet is the one who answers; to anyone who
/// may not see the tour it does not exist.
pub(super) fn accept_handover(
    engine: &Engine,
    team: &crate::domain::TeamId,
    user: &crate::domain::UserId,
    id: TourId,
    now: DateTime<Utc>,
) -> Result<Tour, Failure> {
    let admin = engine.is_admin(user);
    engine
        .store()
        .update_tour(team, id, |t| {
            let named = t.exit.as_ref().is_some_and(|e| &e.successor == user);
            if !named && !t.visible_to(user, admin) {
                return Err(TourError::NotFound(id));
            }
            t.accept_handover(user, now)
        })?
        .map_err(refused)
}

/// Adds an objective as `req.user`, like `/tour objective <id> add …`.
pub(super) fn add_objective(
    engine: &Engine,
    req: &Request,
    tour: TourId,
    side: crate::domain::Side,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Tour, Failure> {
    change(engine, req, tour, parse::USAGE_OBJECTIVE, |t| {
        t.add_objective(&req.user, side, text, now)
    })
}

/// The answer's one-line note when a length is outside the book's typical
/// range for the tour's kind (allowed: real tours vary).
fn with_typical_note(message: Message, tour: &Tour) -> Message {
    match render::typical_note(tour.kind, tour.term) {
        Some(note) => message.context(note),
        None => message,
    }
}

/// What an answer adds when a change moved the scheduled next tour (the
/// second of the changed tours).
pub(super) fn moved_next(changed: &[Tour]) -> String {
    match changed.get(1) {
        Some(next) => format!(
            " Tour *{}*, which follows it, now runs {}.",
            next.id,
            render::span(next.starts_on, next.ends_on, next.term)
        ),
        None => String::new(),
    }
}

fn missing_change() -> Failure {
    Failure::Internal(crate::store::StoreError::Engine(
        "a change returned no tour".into(),
    ))
}

fn list(
    engine: &Engine,
    req: &Request,
    scope: ListScope,
    today: NaiveDate,
) -> Result<Message, Failure> {
    let admin = engine.is_admin(&req.user);
    let Some(tours) = in_sight(
        engine.store(),
        &req.team,
        &req.user,
        &scope,
        admin,
        render::MAX_ROWS,
    )?
    else {
        return Err(refused(NOT_ALL));
    };
    let more = (scope == ListScope::All && tours.len() == render::MAX_ROWS).then_some(
        "There may be more: this shows the oldest first. Use `/tour list @user` to narrow it.",
    );
    let (title, none) = scope_words(&scope);
    Ok(render::list(&title, &tours, &none, more, today))
}

/// The refusal of `all` to someone who is not an admin (`list`, `timeline`).
pub(super) const NOT_ALL: &str = "Only Alliance admins can list every tour. You can list your own (`/tour list`) or your team's (`/tour list team`).";

/// A scope's title, and what to say when it holds nothing.
pub(super) fn scope_words(scope: &ListScope) -> (String, String) {
    match scope {
        ListScope::Mine => (
            "Your tours".into(),
            "You have no tours yet. A manager starts one with `/tour propose`.".into(),
        ),
        ListScope::Team => (
            "Your team's tours".into(),
            "You haven't proposed any tours. Start one with `/tour propose @member …`.".into(),
        ),
        ListScope::All => (
            "All tours in this workspace".into(),
            "No tours in this workspace yet.".into(),
        ),
        ListScope::Of(user) => (
            format!("Tours of {}", user.mention()),
            format!("There are no tours of {} that you can see.", user.mention()),
        ),
    }
}

/// The tours `scope` shows `me` (at most `limit` of the workspace's for
/// `all`, oldest first): `None` when it is not theirs to see (`all`, for
/// someone who is not an admin).
pub fn in_sight(
    store: &crate::store::Store,
    team: &crate::domain::TeamId,
    me: &crate::domain::UserId,
    scope: &ListScope,
    admin: bool,
    limit: usize,
) -> Result<Option<Vec<crate::domain::TourSummary>>, crate::store::StoreError> {
    Ok(Some(match scope {
        ListScope::Mine => store.tours_of(team, me)?,
        ListScope::Team => {
            let mut tours = store.tours_of(team, me)?;
            tours.retain(|t| t.role_of(me) == Some(Role::Manager));
            tours
        }
        ListScope::All if !admin => return Ok(None),
        ListScope::All => store
            .tours_in_team(team, limit)?
            .iter()
            .map(Tour::summary)
            .collect(),
        ListScope::Of(user) => {
            let mut tours = store.tours_of(team, user)?;
            tours.retain(|t| t.visible_to(me, admin));
            tours
        }
    }))
}

/// The other party of a tour than `me` (the member, for an admin).
fn other_party<'a>(tour: &'a Tour, me: &crate::domain::UserId) -> &'a crate::domain::UserId {
    if me == &tour.manager {
        &tour.member
    } else {
        &tour.manager
    }
}

/// The tours linked before and after `tour` (`/tour next`), oldest first,
/// that the caller may see: the person's alliance, as ids and statuses.
fn chain(
    engine: &Engine,
    req: &Request,
    tour: &Tour,
    today: NaiveDate,
) -> Result<Vec<(TourId, Phase)>, Failure> {
    /// Far more than a career holds; a guard against a corrupt loop.
    const MAX_LINKS: usize = 50;
    let admin = engine.is_admin(&req.user);
    let store = engine.store();
    let mut before = Vec::new();
    let mut at = tour.previous;
    while let Some(id) = at.filter(|_| before.len() < MAX_LINKS) {
        let Some(t) = store.tour(&req.team, id)? else {
            break;
        };
        at = t.previous;
        if t.visible_to(&req.user, admin) {
            before.push((t.id, t.phase(today)));
        }
    }
    before.reverse();
    before.push((tour.id, tour.phase(today)));
    let mut at = tour.next;
    while let Some(id) = at.filter(|_| before.len() < 2 * MAX_LINKS) {
        let Some(t) = store.tour(&req.team, id)? else {
            break;
        };
        at = t.next;
        if t.visible_to(&req.user, admin) {
            before.push((t.id, t.phase(today)));
        }
    }
    Ok(before)
}

/// Reads a tour the caller may see; to anyone else it does not exist.
fn visible(
    engine: &Engine,
    req: &Request,
    id: TourId,
    usage: &'static str,
) -> Result<Tour, Failure> {
    match engine.store().tour(&req.team, id)? {
        Some(tour) if tour.visible_to(&req.user, engine.is_admin(&req.user)) => Ok(tour),
        _ => Err(refusal(usage)(TourError::NotFound(id))),
    }
}

/// [`change`] for a rule that may change other tours of the member too
/// (see `domain::timeline`); the tour asked about comes back first.
fn change_among(
    engine: &Engine,
    req: &Request,
    id: TourId,
    usage: &'static str,
    rule: impl Fn(&Tour, &[Tour]) -> Result<Vec<(Tour, HistoryEntry)>, TourError>,
) -> Result<Vec<Tour>, Failure> {
    change_among_with(engine, req, id, refusal(usage), rule)
}

fn change_among_with(
    engine: &Engine,
    req: &Request,
    id: TourId,
    refuse: impl Fn(TourError) -> Failure,
    rule: impl Fn(&Tour, &[Tour]) -> Result<Vec<(Tour, HistoryEntry)>, TourError>,
) -> Result<Vec<Tour>, Failure> {
    let admin = engine.is_admin(&req.user);
    let changed = engine
        .store()
        .update_among(&req.team, id, |tour, others| {
            tour.check_may_change(&req.user, admin)?;
            rule(tour, others)
        })?
        .map_err(refuse)?;
    if changed.is_empty() {
        return Err(missing_change());
    }
    Ok(changed)
}

/// Applies a rule to a tour the caller may change, durably.
pub(super) fn change(
    engine: &Engine,
    req: &Request,
    id: TourId,
    usage: &'static str,
    rule: impl Fn(&Tour) -> Result<(Tour, HistoryEntry), TourError>,
) -> Result<Tour, Failure> {
    change_with(engine, req, id, refusal(usage), rule)
}

/// [`change`], for the commands whose refusals are plain answers.
fn edit(
    engine: &Engine,
    req: &Request,
    id: TourId,
    rule: impl Fn(&Tour) -> Result<(Tour, HistoryEntry), TourError>,
) -> Result<Tour, Failure> {
    change_with(engine, req, id, refused, rule)
}

fn change_with(
    engine: &Engine,
    req: &Request,
    id: TourId,
    refuse: impl Fn(TourError) -> Failure,
    rule: impl Fn(&Tour) -> Result<(Tour, HistoryEntry), TourError>,
) -> Result<Tour, Failure> {
    let admin = engine.is_admin(&req.user);
    engine
        .store()
        .update_tour(&req.team, id, |tour| {
            tour.check_may_change(&req.user, admin)?;
            rule(tour)
        })?
        .map_err(refuse)
}

/// Completes a tour as `req.user`: what the confirmation runs (pressed or
/// typed). A next tour scheduled after it may start sooner
/// (`domain::timeline`): the completed tour comes back first, then that
/// one (see [`moved_next`]). Its refusals are plain, like the prompt's.
pub(super) fn complete(
    engine: &Engine,
    req: &Request,
    id: TourId,
    now: DateTime<Utc>,
) -> Result<Vec<Tour>, Failure> {
    change_among_with(engine, req, id, refused, |t, others| {
        t.complete_among(&req.user, now, others)
    })
}

/// Hands a tour to `manager`, as its manager or an admin; returns the tour
/// before and after.
fn reassign(
    engine: &Engine,
    req: &Request,
    id: TourId,
    admin: bool,
    manager: &crate::domain::UserId,
    now: DateTime<Utc>,
) -> Result<(Tour, Tour), Failure> {
    let before = std::cell::RefCell::new(None);
    let after = edit(engine, req, id, |t| {
        *before.borrow_mut() = Some(t.clone());
        t.reassign(&req.user, admin, manager, now)
    })?;
    let before = before.into_inner().unwrap_or_else(|| after.clone());
    Ok((before, after))
}

/// An objective's text, escaped, by its number.
fn objective_text(tour: &Tour, number: u32) -> String {
    number
        .checked_sub(1)
        .and_then(|i| tour.objectives.get(i as usize))
        .map(|o| escape(&o.text))
        .unwrap_or_default()
}

/// What the other party will hear of a change that is gathered.
fn told_later(tour: &Tour, me: &crate::domain::UserId) -> String {
    format!(
        "{} hears about your changes in one message, an hour after the first of them (in their working hours).",
        other_party(tour, me).mention()
    )
}

/// The answer to whoever handed a tour to a new manager.
fn reassigned_reply(tour: &Tour, old: &Tour, me: &crate::domain::UserId) -> String {
    let id = tour.id;
    let new = &tour.manager;
    let lead = if me == &old.manager {
        format!(
            "You handed tour *{id}* to {}: they manage it from now on, and its reminders go to them.",
            new.mention()
        )
    } else if me == new {
        format!(
            "You manage tour *{id}* from now on, instead of {}, and its reminders come to you.",
            old.manager.mention()
        )
    } else {
        format!(
            "{} manages tour *{id}* from now on, instead of {}, and its reminders go to them.",
            new.mention(),
            old.manager.mention()
        )
    };
    let told: Vec<String> = [&old.manager, &tour.member, new]
        .into_iter()
        .filter(|p| *p != me)
        .map(|p| p.mention())
        .collect();
    let told = match told.as_slice() {
        [one] => format!("{one} is told."),
        [first, second] => format!("{first} and {second} are told."),
        [first, second, third] => format!("{first}, {second} and {third} are told."),
        _ => String::new(),
    };
    format!("{lead} {told}")
}
