//! The delivery worker: sends what the outbox owes, exactly once, at the
//! pace Slack allows, with answers ahead of reminders.
//!
//! [`Deliverer::run_once`] takes `now` and does one pass; [`Deliverer::run`]
//! is the loop around it (woken by new entries, by the next due time, or by
//! a minute passing). Every decision about *when* is data — written back to
//! the entry, or held by the pacer — never a sleep inside a call, so a
//! restart loses nothing and tests drive it with explicit times.
//!
//! It talks to the chat service only through the [`Surface`] port
//! (`crate::surface`), which Slack's `SlackApi` and Mattermost's
//! `MattermostApi` implement; nothing here calls a Web API method by name,
//! and one worker runs per surface, each on its own workspace's queue.
//! The pacer ([`pacer`]) is the same for both.
//!
//! - **One workspace.** The first pass asks Slack which workspace the token
//!   belongs to (`auth.test`) and from then on reads only that workspace's
//!   send queue: anything owed to another one (the shell's trial workspace,
//!   say) stays in the outbox, is counted once in a `warn` line at start and
//!   shown by `alliance outbox`, and is never posted.
//! - **Fan-out first.** A pass starts by turning the reminders the scheduler
//!   fired into one entry per recipient (`Store::fan_out_for`), for at most
//!   [`FAN_OUT_PER_PASS`], in short transactions, so the tick itself stays
//!   two writes per reminder and commands get the store in between.
//! - **Lanes.** The send queue has two lanes per workspace
//!   (`store::outbox::Lane`): answers to someone's own action, then
//!   reminders. A pass takes answers first, then reminders, at most
//!   [`SENDS_PER_PASS`] of each, so an answer arriving meanwhile waits for
//!   at most that many reminders, and a stream of answers cannot take the
//!   reminders' share. Reminders use four fifths of the
//!   workspace ceiling, at a steady pace, oldest first; since each person
//!   gets at most one message a second, a long series for one person does
//!   not hold up everyone else's.
//! - **Cost follows what is sent.** A pass reads the queue's index, which
//!   names each entry's recipient, and passes over anyone the pacer holds
//!   back without reading or writing their entry; it stops a lane as soon
//!   as the lane's share is used up. An entry is written when it is sent
//!   (in flight, then sent), dropped, failed, backed off, or moved once to
//!   the start of its recipient's working hours — never just because it
//!   waited through a pass. (Checking a reminder against its tour, when it
//!   is looked at, also plans its series' next occurrence: a write per
//!   occurrence, not per pass.)
//! - **Exactly once.** Before posting, an entry is marked `Sending`
//!   (durably). A post that succeeds is marked `Sent` and its key is kept
//!   forever. If the bot dies, or the call times out, between the two, the
//!   next attempt first asks Slack (`conversations.history`, our metadata
//!   carries the key) whether the message arrived, and only posts if not.
//!   The other states need no flush of their own: losing one in a crash
//!   repeats a step that is checked anyway.
//! - **Failures.** 429 → the whole workspace pauses for `Retry-After`, the
//!   entry waits as long; transient (5xx, timeouts, network) → exponential
//!   backoff with jitter, capped at 30 minutes; permanent (`channel_not_found`,
//!   `account_inactive`, `invalid_auth`, …) → `Failed` with the error, kept
//!   for `alliance outbox`, logged, never retried.
//! - **Still owed?** A reminder is checked against its tour as it is about
//!   to go (and against the person's "done"); one no longer owed is marked
//!   `Dropped`, and its key is spent.
//! - **Working hours.** Reminders wait for the recipient's working hours in
//!   their Slack time zone (`users.info`, cached for a day); answers to
//!   someone's action go at once. A 1:1's agenda also waits for the
//!   recipient's morning before its slot (`domain::one_on_one`).
//! - **Away.** A reminder (the reminders lane only: answers still go) to
//!   someone away (`/tour away until`) is moved once, to the first working
//!   moment of the day they are back, and stands as what their return
//!   brings of its series: an older occurrence of it held before is dropped
//!   then (`Store::hold_if_away`). Back, it is checked against its tour
//!   again like any reminder.
//! - **Seen to wait.** An answer ready for more than a minute and not sent
//!   is logged at `warn` (at most once a minute): something is wrong.

pub mod pacer;

use crate::clock::Clock;
use crate::commands::{files, notify};
use crate::domain::TeamId;
use crate::domain::hours::{WorkingHours, back_at, parse_tz};
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::one_on_one;
use crate::domain::schedule::Series;
use crate::message::Message;
use crate::store::away::Held;
use crate::store::outbox::{Delivery, Lane, OutboxEntry, OutboxState, UserCache};
use crate::store::{Store, StoreError};
use crate::surface::{ApiError, Surface};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use pacer::Pacer;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, watch};

/// Wakes every delivery worker at once. Each worker (one per surface)
/// waits on its own [`Notify`]: one shared by two would wake only one of
/// them, and a Slack command could wake Mattermost's worker while its own
/// message waited for the next poll.
#[derive(Clone, Debug, Default)]
pub struct Wake(Vec<Arc<Notify>>);

impl Wake {
    pub fn new(workers: Vec<Arc<Notify>>) -> Wake {
        Wake(workers)
    }

    /// Something may be owed now: every worker looks.
    pub fn notify(&self) {
        for worker in &self.0 {
            worker.notify_one();
        }
    }
}

/// The key suffix of a message re-addressed to an alumni liaison.
const VIA_LIAISON: &str = ":via-liaison";

/// How many queue entries one read of the index takes, at first and at most.
const FIRST_PAGE: usize = 8;
const PAGE: usize = 256;
/// A pass sends at most this many of each lane, so the next one looks at
/// answers again soon, and a stream of answers never takes the reminders'
/// share.
pub const SENDS_PER_PASS: usize = 20;
/// A pass reads at most this many queue entries (most of them people the
/// pacer holds back, when one person has a long series due at once).
const SCAN_PER_PASS: usize = 10_000;
/// How long a pass may spend fanning out fired reminders.
pub const FAN_OUT_PER_PASS: std::time::Duration = std::time::Duration::from_millis(200);
/// A cached time zone older than this is looked up again.
const TZ_MAX_AGE_HOURS: i64 = 24;
/// People on one picture whose names are looked up (`users.info`) before
/// it is drawn; the rest are named by their id until a later picture.
const NAMES_LOOKED_UP: usize = 40;
/// Transient failures back off from this, doubling, up to [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 10;
const MAX_BACKOFF_SECS: i64 = 30 * 60;
/// The Web API calls one delivery may make: `users.info`,
/// `conversations.open`, `conversations.history`, the post.
const CALLS_PER_DELIVERY: i32 = 4;
/// An answer ready for longer than this and still not sent is logged.
const ANSWER_LATE_SECS: i64 = 60;

pub struct Deliverer {
    store: Store,
    api: Arc<dyn Surface>,
    pacer: Mutex<Pacer>,
    hours: WorkingHours,
    /// For people whose Slack time zone is unknown.
    default_tz: Tz,
    /// The workspace the token belongs to, once `auth.test` said.
    team: Mutex<Option<TeamId>>,
    /// When a late answer was last logged.
    warned_late: Mutex<Option<DateTime<Utc>>>,
    /// Counts each pass's outcome, when set.
    metrics: Option<Arc<crate::metrics::Metrics>>,
    /// This instance, in the claims it takes on a shared store.
    pub(crate) owner: String,
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: usize,
    pub failed: usize,
    /// Reminders no longer owed when their time came.
    pub dropped: usize,
    /// Rescheduled: outside working hours, rate-limited or backing off.
    pub later: usize,
    /// When a pass is next worth running.
    pub next: Option<DateTime<Utc>>,
}

impl Report {
    fn next_at(&mut self, at: DateTime<Utc>) {
        self.next = Some(self.next.map_or(at, |n| n.min(at)));
    }
}

/// The fate of one entry in one pass.
enum Step {
    Sent,
    Failed,
    /// A reminder its tour no longer owes.
    Dropped,
    /// Written back with a new `not_before`.
    Later,
    /// Held back by pacing only; tried again at this instant (not persisted).
    Paced(DateTime<Utc>),
}

impl Deliverer {
    pub fn new(
        store: Store,
        api: Arc<dyn Surface>,
        pacer: Pacer,
        hours: WorkingHours,
        default_tz: Tz,
    ) -> Deliverer {
        Deliverer {
            store,
            api,
            pacer: Mutex::new(pacer),
            hours,
            default_tz,
            team: Mutex::new(None),
            warned_late: Mutex::new(None),
            metrics: None,
            owner: "alliance".into(),
        }
    }

    /// The same worker, claiming entries as `owner` (one name per process).
    pub fn with_owner(mut self, owner: &str) -> Deliverer {
        self.owner = owner.to_string();
        self
    }

    /// The same worker, counting its passes in `metrics`.
    pub fn with_metrics(mut self, metrics: Option<Arc<crate::metrics::Metrics>>) -> Deliverer {
        self.metrics = metrics;
        self
    }

    /// One pass over what is due at `now`.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<Report, StoreError> {
        let mut report = Report::default();
        let team = match self.workspace(now).await? {
            Ok(team) => team,
            Err(retry_at) => {
                report.next = Some(retry_at);
                return Ok(report);
            }
        };
        // Reminders the scheduler fired become messages first, off the async
        // threads. A failure here must not hold up what is already owed: the
        // next pass retries.
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || store.fan_out_for(Some(FAN_OUT_PER_PASS))).await {
            Ok(Ok(fanned)) if fanned.more => report.next_at(now),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "fanning out fired reminders failed"),
            Err(_) => tracing::error!("fanning out fired reminders panicked"),
        }
        self.warn_if_answers_wait(&team, now)?;
        let mut scanned = 0;
        // What this pass looked at: anything else due now was made owed
        // while it ran (by a command, or by the pass itself: a reminder
        // readdressed to a tour's new manager, a 1:1 note).
        let mut seen = std::collections::HashSet::new();
        'lanes: for lane in Lane::ALL {
            // Each lane sends at most SENDS_PER_PASS: answers go first, and
            // a stream of them never takes the reminders' share.
            let mut sends = 0;
            let mut after: Option<Vec<u8>> = None;
            // Pages start small (a pass usually sends one or two) and grow
            // only while people the pacer holds back fill them.
            let mut page_size = FIRST_PAGE;
            'lane: loop {
                let lane_slot = self.pacer().lane_slot(lane, now);
                if lane_slot > now {
                    report.next_at(lane_slot);
                    break 'lane;
                }
                let page = self
                    .store
                    .queued(&team, lane, now, after.as_deref(), page_size)?;
                for queued in &page {
                    scanned += 1;
                    if scanned > SCAN_PER_PASS {
                        break 'lanes;
                    }
                    seen.insert(queued.index_key.clone());
                    // Held back by their own pace: not even read.
                    let slot = self.pacer().recipient_slot(queued.recipient.as_str(), now);
                    if slot > now {
                        report.next_at(slot);
                        continue;
                    }
                    // Taken for this instance (on a shared store, no other
                    // instance delivers it meanwhile).
                    let Some(entry) = self.store.claim(queued, &self.owner, now, self.lease())?
                    else {
                        // Another instance has it: look again soon, in
                        // case it dies with it.
                        report.next_at(now + Duration::seconds(1));
                        continue;
                    };
                    match self.deliver(entry, now).await? {
                        Step::Sent => {
                            report.sent += 1;
                            sends += 1;
                        }
                        Step::Failed => report.failed += 1,
                        Step::Dropped => report.dropped += 1,
                        Step::Later => report.later += 1,
                        Step::Paced(at) => report.next_at(at),
                    }
                    if sends >= SENDS_PER_PASS {
                        report.next_at(now);
                        break 'lane;
                    }
                    let lane_slot = self.pacer().lane_slot(lane, now);
                    if lane_slot > now {
                        report.next_at(lane_slot);
                        break 'lane;
                    }
                }
                match page.last() {
                    Some(last) if page.len() == page_size => {
                        after = Some(last.index_key.clone());
                        page_size = (page_size * 4).min(PAGE);
                    }
                    _ => break 'lane,
                }
            }
            if let Some(at) = self.store.next_queued_after(&team, lane, now)? {
                report.next_at(at);
            }
        }
        if report.next.is_none_or(|next| next > now) && self.owed_since(&team, &seen, now)? {
            report.next_at(now);
        }
        if let Some(metrics) = &self.metrics {
            metrics.outbox_pass(report.sent, report.failed, report.dropped, report.later);
        }
        Ok(report)
    }

    /// Whether something became owed during the pass that may go now: an
    /// entry due at `now` that the pass did not look at, for someone the
    /// pacer does not hold back, in a lane with room.
    fn owed_since(
        &self,
        team: &TeamId,
        seen: &std::collections::HashSet<Vec<u8>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        for lane in Lane::ALL {
            if self.pacer().lane_slot(lane, now) > now {
                continue;
            }
            let due = self.store.queued(team, lane, now, None, 64)?;
            let pacer = self.pacer();
            if due.iter().any(|q| {
                !seen.contains(&q.index_key)
                    && pacer.recipient_slot(q.recipient.as_str(), now) <= now
            }) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The workspace this token belongs to: asked of Slack once, then kept.
    /// `Ok(Err(at))`: Slack did not say; try again at `at`.
    async fn workspace(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Result<TeamId, DateTime<Utc>>, StoreError> {
        if let Some(team) = self.team_guard().clone() {
            return Ok(Ok(team));
        }
        let team = match self.api.workspace().await {
            Ok(team) => team,
            Err(e @ ApiError::Permanent(_)) => {
                tracing::error!(
                    error = e.code(),
                    "Slack refused SLACK_BOT_TOKEN (auth.test): nothing is sent until the token is fixed"
                );
                return Ok(Err(now + Duration::minutes(5)));
            }
            Err(e) => {
                tracing::warn!(
                    error = e.code(),
                    "auth.test failed; nothing is sent until Slack answers"
                );
                return Ok(Err(now + Duration::seconds(30)));
            }
        };
        // The Slack workspace is the one `alliance outbox` reports on.
        if !team.is_mattermost() {
            self.store.set_bot_workspace(&team)?;
        }
        let elsewhere: usize = self
            .store
            .backlog()?
            .iter()
            .filter(|b| b.team != team)
            .map(|b| b.count)
            .sum();
        if elsewhere > 0 {
            tracing::warn!(
                owed = elsewhere,
                workspace = %team,
                "messages in the outbox belong to other workspaces than this token's; they are kept and never sent (alliance outbox lists them)"
            );
        }
        *self.team_guard() = Some(team.clone());
        Ok(Ok(team))
    }

    /// Logs (at most once a minute) when an answer has been ready for more
    /// than a minute and is still not sent.
    fn warn_if_answers_wait(&self, team: &TeamId, now: DateTime<Utc>) -> Result<(), StoreError> {
        let Some(oldest) = self.store.oldest_queued(team, Lane::Answers)? else {
            return Ok(());
        };
        let waited = now - oldest;
        if waited <= Duration::seconds(ANSWER_LATE_SECS) {
            return Ok(());
        }
        let mut warned = self
            .warned_late
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if warned.is_some_and(|at| now - at < Duration::seconds(60)) {
            return Ok(());
        }
        *warned = Some(now);
        tracing::warn!(
            waited_secs = waited.num_seconds(),
            "an answer to someone's action has waited more than a minute to be sent"
        );
        Ok(())
    }

    /// The loop: a pass, then wait for the next due time, a wake-up or a
    /// minute, until `shutdown` turns true.
    pub async fn run(
        self: Arc<Self>,
        clock: Clock,
        wake: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            let now = clock.now();
            // Shutdown may cut a pass short: an entry is marked `Sending` before
            // any post, and the next start checks Slack before posting again.
            let pass = tokio::select! {
                pass = self.run_once(now) => pass,
                _ = shutdown.changed() => return,
            };
            let wait = match pass {
                Ok(report) => {
                    if report.sent + report.failed > 0 {
                        tracing::info!(
                            sent = report.sent,
                            failed = report.failed,
                            later = report.later,
                            "outbox pass"
                        );
                    }
                    report
                        .next
                        .map_or(std::time::Duration::from_secs(60), |next| clock.until(next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "outbox pass failed; retrying in 5 s");
                    std::time::Duration::from_secs(5)
                }
            };
            // On a shared store other instances owe messages too, and only
            // their own workers are woken: look at least every few seconds.
            let poll = if self.store.shared() { 5 } else { 60 };
            tokio::select! {
                _ = tokio::time::sleep(wait.min(std::time::Duration::from_secs(poll))) => {}
                _ = wake.notified() => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    async fn deliver(
        &self,
        mut entry: OutboxEntry,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        // A reminder is checked against its tour before anything else; one
        // already in flight (`Sending`) may have arrived and is not dropped.
        if entry.state == OutboxState::Pending
            && !self
                .store
                .check_reminder(&entry.team, &entry.notice, entry.created_at, now)?
        {
            return self.dropped(entry, now);
        }
        let to = entry.recipient().clone();
        let lane = entry.lane();
        let mut person = self.store.user(&entry.team, &to)?;
        if person.inactive && entry.action == Delivery::Post {
            return self.deactivated(entry, "account_inactive", now);
        }
        if entry.in_working_hours {
            let tz = match self.time_zone(&entry, &mut person, now).await {
                Ok(tz) => tz,
                Err(e) => return self.after_error(entry, e, now),
            };
            if person.inactive && entry.action == Delivery::Post {
                return self.deactivated(entry, "account_inactive", now);
            }
            // Away: a reminder waits for their return, moved once, and only
            // the latest of its series does (`store::away`).
            if lane == Lane::Reminders && entry.state == OutboxState::Pending {
                let hours = &self.hours;
                let held = self.store.hold_if_away(&entry, now, |back_on| {
                    let back = back_at(back_on, tz);
                    (
                        hours.next_open(back, tz),
                        hours.reminder_time(now, tz, Some(back)),
                    )
                })?;
                match held {
                    Held::NotAway => {}
                    Held::Until(_) => return Ok(Step::Later),
                    Held::Replaced => return Ok(Step::Dropped),
                }
            }
            // A 1:1 is read in its manager's Slack zone, which the lookup
            // above may just have taught us: it is checked again, and its
            // agenda waits for the recipient's own morning before its slot.
            let morning = match &entry.notice.kind {
                NoticeKind::Reminder {
                    series: series @ Series::OneOnOne { .. },
                    ..
                } => {
                    if entry.state == OutboxState::Pending
                        && !self.store.check_reminder(
                            &entry.team,
                            &entry.notice,
                            entry.created_at,
                            now,
                        )?
                    {
                        return self.dropped(entry, now);
                    }
                    one_on_one::hold_until(series, tz, &self.hours)
                }
                _ => None,
            };
            let open = self.hours.next_open(now, tz);
            if let Some(at) = morning
                .filter(|m| *m > now)
                .or((open > now).then_some(open))
            {
                // Moved once, to when it may go; nothing more is written for
                // it until then.
                entry.not_before = at;
                self.store.outbox_note(&entry)?;
                return Ok(Step::Later);
            }
        }
        // The pass looked at pacing before reading the entry; a send the
        // lookups above made meanwhile may still hold it back (not written).
        let slot = self.pacer().next_slot(to.as_str(), lane, now);
        if slot > now {
            return Ok(Step::Paced(slot));
        }
        let channel = match &entry.action {
            Delivery::PublishHome => return self.publish_home(entry, now).await,
            Delivery::Update { channel, .. } => channel.clone(),
            Delivery::Post | Delivery::Upload { .. } => match &person.dm_channel {
                Some(dm) => dm.clone(),
                None => match self.api.open_dm(&to).await {
                    Ok(dm) => {
                        person.dm_channel = Some(dm.clone());
                        self.store.note_user(&entry.team, &to, &person)?;
                        dm
                    }
                    Err(e) => return self.after_error(entry, e, now),
                },
            },
        };
        // What the message changes as it goes (a check-in opens now).
        crate::commands::checkin::before_send(&self.store, &entry.team, &entry.notice, now)?;
        let mut message = notify::render_from(&self.store, &entry.team, &entry.notice)?;
        if entry.key.ends_with(VIA_LIAISON) {
            message = message.context(
                "You get this as an alumni liaison: the person it was for has left, and their account here is deactivated.",
            );
        }
        match entry.action.clone() {
            // Returned above; kept so the match stays exhaustive.
            Delivery::PublishHome => self.publish_home(entry, now).await,
            Delivery::Upload { files } => self.upload(entry, files, channel, &message, now).await,
            Delivery::Update { channel, ts } => {
                self.pacer().record(to.as_str(), lane, now);
                match self.api.update(&channel, &ts, &message).await {
                    Ok(()) => self.sent(entry, channel, ts, now),
                    Err(e) => self.after_error(entry, e, now),
                }
            }
            Delivery::Post => {
                if let OutboxState::Sending {
                    since,
                    channel: sent_to,
                } = &entry.state
                {
                    // An earlier attempt may have arrived: look before posting again.
                    let oldest = (*since - Duration::seconds(60)).timestamp();
                    match self.api.find_posted(sent_to, oldest, &entry.key).await {
                        Ok(Some(posted)) => {
                            return self.sent(entry, posted.channel, posted.ts, now);
                        }
                        Ok(None) => {}
                        Err(e) => return self.after_error(entry, e, now),
                    }
                }
                entry.state = OutboxState::Sending {
                    since: now,
                    channel: channel.clone(),
                };
                if !self.store.outbox_save(&entry)? {
                    // Erased meanwhile, or taken over by another instance
                    // (this one stalled past its claim): it is theirs now.
                    tracing::info!(key = %entry.key, "not posted: another instance took the message over");
                    return Ok(Step::Later);
                }
                self.pacer().record(to.as_str(), lane, now);
                match self.api.post(&channel, &message, &entry.key).await {
                    Ok(posted) => self.sent(entry, posted.channel, posted.ts, now),
                    Err(ApiError::RateLimited { retry_after }) => {
                        // Refused before it was posted: not in flight any more.
                        entry.state = OutboxState::Pending;
                        self.after_error(entry, ApiError::RateLimited { retry_after }, now)
                    }
                    Err(e @ ApiError::Permanent(_)) => {
                        entry.state = OutboxState::Pending;
                        self.after_error(entry, e, now)
                    }
                    // Transient: it may or may not have arrived; stay `Sending`.
                    Err(e) => self.after_error(entry, e, now),
                }
            }
        }
    }

    /// Uploads the files a [`Delivery::Upload`] owes into `channel` and
    /// shares them with `message` as their comment, exactly once:
    /// - files already uploaded (their ids are kept in the entry, saved
    ///   after each upload) are not uploaded again;
    /// - the entry is `Sending` before `files.completeUploadExternal`; an
    ///   outcome left unknown (a crash, a timeout) is looked up with
    ///   `files.info` before sharing again, as a post is looked up in
    ///   history;
    /// - a 429 or a refusal before sharing leaves it pending with its ids.
    async fn upload(
        &self,
        mut entry: OutboxEntry,
        mut files: Vec<String>,
        channel: String,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        if let (
            OutboxState::Sending {
                channel: sent_to, ..
            },
            Some(first),
        ) = (&entry.state, files.first())
        {
            match self.api.file_shared_in(first, sent_to).await {
                Ok(true) => {
                    let sent_to = sent_to.clone();
                    return self.sent(entry, sent_to, String::new(), now);
                }
                Ok(false) => {}
                Err(e) => return self.after_error(entry, e, now),
            }
        }
        let to = entry.recipient().clone();
        let lane = entry.lane();
        let attachments = match self.attachments(&entry, now).await? {
            Ok(attachments) => attachments,
            Err(why) => {
                tracing::error!(key = %entry.key, error = %why, "a file could not be drawn");
                return self.fail(entry, "render_failed", now);
            }
        };
        self.pacer().record(to.as_str(), lane, now);
        for attachment in attachments.iter().skip(files.len()) {
            match self
                .api
                .upload(&attachment.filename, attachment.bytes.clone(), &channel)
                .await
            {
                Ok(id) => {
                    files.push(id);
                    entry.action = Delivery::Upload {
                        files: files.clone(),
                    };
                    if !self.store.outbox_save(&entry)? {
                        tracing::info!(key = %entry.key, "not shared: another instance took the file over");
                        return Ok(Step::Later);
                    }
                }
                Err(e) => {
                    entry.state = OutboxState::Pending;
                    return self.after_error(entry, e, now);
                }
            }
        }
        let shared: Vec<(String, String)> = files
            .iter()
            .cloned()
            .zip(attachments.iter().map(|a| a.title.clone()))
            .collect();
        entry.state = OutboxState::Sending {
            since: now,
            channel: channel.clone(),
        };
        if !self.store.outbox_save(&entry)? {
            tracing::info!(key = %entry.key, "not shared: another instance took the file over");
            return Ok(Step::Later);
        }
        match self.api.share(&shared, &channel, &message.text).await {
            Ok(()) => {
                let team = entry.team.clone();
                let timeline = matches!(entry.notice.kind, NoticeKind::Timeline { .. });
                let step = self.sent(entry, channel, String::new(), now)?;
                if timeline && let Some(first) = files.first() {
                    self.show_on_home(&team, &to, first, now).await?;
                }
                Ok(step)
            }
            Err(e @ (ApiError::RateLimited { .. } | ApiError::Permanent(_))) => {
                entry.state = OutboxState::Pending;
                self.after_error(entry, e, now)
            }
            // It may or may not have been shared; stay `Sending`.
            Err(e) => self.after_error(entry, e, now),
        }
    }

    /// Remembers `file` as `user`'s latest timeline and, if they use their
    /// App Home tab, publishes it again to show it (best effort: the tab is
    /// drawn afresh whenever they open it anyway).
    async fn show_on_home(
        &self,
        team: &TeamId,
        user: &crate::domain::UserId,
        file: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut person = self.store.user(team, user)?;
        person.timeline = Some(file.to_string());
        self.store.note_user(team, user, &person)?;
        if person.home_opened {
            let view =
                crate::commands::home::view(&self.store, self.default_tz, team, user, 0, now)?;
            if let Err(e) = self.api.publish_home(user, &view).await {
                tracing::debug!(error = %e.code(), "the Home tab was not published again");
            }
        }
        Ok(())
    }

    /// Draws the files an upload owes, from the store as it is now (off the
    /// async threads: a picture takes tens of milliseconds). People on a
    /// picture with no name known are looked up first (a few, once).
    async fn attachments(
        &self,
        entry: &OutboxEntry,
        now: DateTime<Utc>,
    ) -> Result<Result<Vec<files::Attachment>, String>, StoreError> {
        if let Some(timeline) = files::draw_timeline(&self.store, &entry.team, &entry.notice)? {
            let mut learnt = false;
            for person in files::unnamed(&timeline).iter().take(NAMES_LOOKED_UP) {
                let mut cached = self.store.user(&entry.team, person)?;
                if cached
                    .tz_checked_at
                    .is_some_and(|at| now - at < Duration::hours(TZ_MAX_AGE_HOURS))
                {
                    continue; // looked up lately, and Slack had no name
                }
                match self.api.person(person).await {
                    Ok(info) => {
                        learnt |= info.name.is_some();
                        cached.name = info.name;
                        cached.tz = info.tz.or(cached.tz);
                        cached.tz_checked_at = Some(now);
                        self.store.note_user(&entry.team, person, &cached)?;
                    }
                    // A picture with ids is better than none.
                    Err(e) => {
                        tracing::debug!(error = %e.code(), "users.info failed; the picture names an id");
                        break;
                    }
                }
            }
            let timeline = if learnt {
                files::draw_timeline(&self.store, &entry.team, &entry.notice)?.unwrap_or(timeline)
            } else {
                timeline
            };
            return Ok(tokio::task::spawn_blocking(move || {
                files::timeline_files(&timeline).map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|_| Err("the drawing task stopped".into())));
        }
        let store = self.store.clone();
        let team = entry.team.clone();
        let notice = entry.notice.clone();
        tokio::task::spawn_blocking(move || files::report_files(&store, &team, &notice))
            .await
            .unwrap_or_else(|_| Ok(Err("the report task stopped".into())))
    }

    /// Publishes the recipient's App Home tab as the store holds it now.
    async fn publish_home(
        &self,
        entry: OutboxEntry,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        let user = entry.recipient().clone();
        let view =
            crate::commands::home::view(&self.store, self.default_tz, &entry.team, &user, 0, now)?;
        self.pacer().record(user.as_str(), entry.lane(), now);
        match self.api.publish_home(&user, &view).await {
            Ok(()) => self.sent(entry, "home".into(), String::new(), now),
            Err(e) => self.after_error(entry, e, now),
        }
    }

    /// A reminder no longer owed: kept as dropped, its key spent.
    fn dropped(&self, mut entry: OutboxEntry, now: DateTime<Utc>) -> Result<Step, StoreError> {
        tracing::debug!(key = %entry.key, "reminder no longer owed; dropped");
        entry.state = OutboxState::Dropped { at: now };
        self.store.outbox_note(&entry)?;
        Ok(Step::Dropped)
    }

    /// The recipient's time zone: cached for a day, else `users.info`.
    async fn time_zone(
        &self,
        entry: &OutboxEntry,
        person: &mut UserCache,
        now: DateTime<Utc>,
    ) -> Result<Tz, ApiError> {
        let fresh = person
            .tz_checked_at
            .is_some_and(|at| now - at < Duration::hours(TZ_MAX_AGE_HOURS));
        if !fresh {
            match self.api.person(entry.recipient()).await {
                Ok(info) => {
                    person.tz = info.tz;
                    person.name = info.name.or(person.name.take());
                    person.tz_checked_at = Some(now);
                    person.inactive = info.deleted;
                    // A cache write failing must not stop delivery; it is retried next time.
                    // A zone that moves a 1:1 this person manages moves it and tells both.
                    if let Err(e) = crate::commands::one_on_ones::cache_user(
                        &self.store,
                        &entry.team,
                        entry.recipient(),
                        person,
                        now,
                    ) {
                        tracing::warn!(error = %e, "could not cache a time zone");
                    }
                }
                // A stale zone is better than none while Slack is away.
                Err(e) if person.tz.is_some() && !matches!(e, ApiError::Permanent(_)) => {
                    tracing::debug!(error = %e.code(), "users.info failed; using the cached time zone");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(person
            .tz
            .as_deref()
            .and_then(parse_tz)
            .unwrap_or(self.default_tz))
    }

    fn sent(
        &self,
        mut entry: OutboxEntry,
        channel: String,
        ts: String,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        entry.state = OutboxState::Sent {
            at: now,
            channel,
            ts,
        };
        // A conversation request's note lives only until it is delivered.
        if let NoticeKind::Talk { note, .. } = &mut entry.notice.kind {
            *note = None;
        }
        self.store.outbox_note(&entry)?;
        Ok(Step::Sent)
    }

    /// The recipient's account is deactivated: an alumnus' messages go to
    /// their liaison; anyone else's fail for good.
    fn deactivated(
        &self,
        mut entry: OutboxEntry,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        let liaison = self
            .store
            .alumnus(&entry.team, entry.recipient())?
            .map(|a| a.liaison)
            .filter(|l| l != entry.recipient() && !entry.key.ends_with(VIA_LIAISON));
        let Some(liaison) = liaison else {
            return self.fail(entry, error, now);
        };
        tracing::info!(key = %entry.key, "recipient deactivated; sent to their alumni liaison");
        let redirected = OutboxEntry {
            key: format!("{}{VIA_LIAISON}", entry.key),
            notice: Notice {
                to: liaison.clone(),
                ..entry.notice.clone()
            },
            state: OutboxState::Pending,
            attempts: 0,
            // The next pass takes it (this one has read its batch).
            not_before: now + Duration::seconds(1),
            claim: None,
            ..entry.clone()
        };
        self.store.enqueue(&redirected)?;
        entry.state = OutboxState::Redirected {
            at: now,
            to: liaison,
        };
        self.store.outbox_note(&entry)?;
        Ok(Step::Later)
    }

    fn fail(
        &self,
        mut entry: OutboxEntry,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        tracing::warn!(key = %entry.key, team = %entry.team, error, "message failed for good; kept in the outbox");
        entry.state = OutboxState::Failed {
            at: now,
            error: error.to_string(),
        };
        self.store.outbox_note(&entry)?;
        Ok(Step::Failed)
    }

    fn after_error(
        &self,
        mut entry: OutboxEntry,
        error: ApiError,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        let retry_at = match &error {
            ApiError::Permanent(code) => {
                if matches!(
                    code.as_str(),
                    "account_inactive" | "user_not_found" | "user_disabled"
                ) {
                    let mut person = self.store.user(&entry.team, entry.recipient())?;
                    person.inactive = true;
                    self.store
                        .save_user(&entry.team, entry.recipient(), &person)?;
                    return self.deactivated(entry, code, now);
                }
                return self.fail(entry, code, now);
            }
            ApiError::RateLimited { retry_after } => {
                let until = now + Duration::from_std(*retry_after).unwrap_or(Duration::seconds(1));
                self.pacer().pause_until(until);
                until
            }
            ApiError::Transient(why) => {
                tracing::info!(key = %entry.key, attempt = entry.attempts + 1, reason = %why, "delivery will be retried");
                now + backoff(entry.attempts, &entry.key)
            }
        };
        entry.attempts += 1;
        // Whole seconds, rounded up: the outbox keeps seconds, and a retry must
        // never come before its backoff or Retry-After.
        entry.not_before = DateTime::from_timestamp(
            retry_at.timestamp() + i64::from(retry_at.timestamp_subsec_nanos() > 0),
            0,
        )
        .unwrap_or(retry_at);
        self.store.outbox_note(&entry)?;
        Ok(Step::Later)
    }

    /// How long a claim holds: longer than anything a delivery does between
    /// taking an entry and recording its fate (at most [`CALLS_PER_DELIVERY`]
    /// Web API calls, each bounded by `slack.api_timeout_secs`), so only an
    /// instance that died or stalled loses an entry to another, which asks
    /// Slack first whether the post landed (the entry is `Sending`).
    fn lease(&self) -> Duration {
        let call = Duration::from_std(self.api.timeout()).unwrap_or(Duration::seconds(10));
        call * (CALLS_PER_DELIVERY + 1) + Duration::seconds(1)
    }

    fn team_guard(&self) -> std::sync::MutexGuard<'_, Option<TeamId>> {
        self.team
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        // The pacer holds only timing hints; after a panic they are still usable.
        self.pacer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Exponential backoff with jitter: 10 s, 20 s, 40 s … capped at 30 min,
/// plus up to half as much again, so retries from one outage spread out.
fn backoff(attempts: u32, key: &str) -> Duration {
    let base = FIRST_BACKOFF_SECS
        .saturating_mul(1_i64 << attempts.min(20))
        .min(MAX_BACKOFF_SECS);
    let jitter = std::collections::hash_map::RandomState::new().hash_one((key, attempts))
        % (base as u64 / 2 + 1);
    Duration::seconds(base + jitter as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempts in 0..40 {
            let b = backoff(attempts, "k").num_seconds();
            let base = (FIRST_BACKOFF_SECS << attempts.min(20)).min(MAX_BACKOFF_SECS);
            assert!(
                (base..=base + base / 2).contains(&b),
                "attempt {attempts}: {b}"
            );
        }
        assert_eq!(backoff(0, "k").num_seconds() / 10, 1);
    }

    #[tokio::test]
    async fn one_wake_reaches_every_worker_even_one_mid_pass() {
        let (slack, mattermost) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let wake = Wake::new(vec![slack.clone(), mattermost.clone()]);
        // Neither is waiting yet (both mid-pass): the wake is kept for each.
        wake.notify();
        let both = async {
            slack.notified().await;
            mattermost.notified().await;
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), both)
            .await
            .expect("each worker was woken");
    }
}
