//! The scheduler: on every cron tick, fire the reminders that have fallen
//! due, then wake the delivery worker, which fans each out into one outbox
//! entry per recipient before its pass (`store::reminders` has the two steps).
//!
//! A tick reads the time-ordered reminder index up to `now`, so its cost
//! follows the number of due reminders, not the number of tours, and it
//! writes two keys per due reminder, so it holds the store's writer lock
//! (which commands wait on) only briefly. The first
//! tick runs at start, so reminders that fell due while the bot was down go
//! out when it comes back (once: outbox keys are never sent twice). The
//! server's tick runs in UTC; per-person times (working hours) are applied at
//! delivery.
//!
//! **Several instances** on one shared store (PostgreSQL) each run this
//! loop; a tick fires only on the instance that holds the scheduler's lease
//! ([`lease_secs`], renewed by every tick it runs), so the others skip
//! theirs and a holder that dies is replaced within the lease. That saves
//! work; it is not what keeps a reminder from firing twice: moving a due
//! entry to *fired* is a serializable transaction, so two ticks that ran at
//! once (a holder stalled past its lease) fire each reminder once.

pub mod cron;

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use cron::Tick;
use std::sync::Arc;
use tokio::sync::watch;

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Due reminders fired: occurrences waiting to be fanned out.
    pub fired: usize,
}

/// Fires every reminder due at or before `now`, then flushes once.
pub fn tick(store: &Store, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
    // In short transactions (bounded by count and time): a tick's cost is
    // its due reminders, and commands get the writer in between.
    let report = TickReport {
        fired: store.fire_due(now, usize::MAX, false)?,
    };
    // Handled Events API ids older than a day: Slack stopped retrying them.
    let pruned = store.prune_events(now)?;
    if pruned > 0 {
        tracing::debug!(pruned, "forgot old event ids");
    }
    store.flush()?;
    Ok(report)
}

/// How long the scheduler's lease holds after a tick (see the module doc):
/// three of `schedule`'s intervals (at least 3 s, at most an hour), so a
/// holder misses two ticks before another instance takes over.
pub fn lease_secs(schedule: &Tick, now: DateTime<Utc>) -> i64 {
    let interval = schedule
        .next_after(now)
        .and_then(|a| Some((a, schedule.next_after(a)?)))
        .map_or(60, |(a, b)| (b - a).num_seconds());
    (3 * interval).clamp(3, 3600)
}

/// The loop: a tick at start, then one at every fire instant of `schedule`
/// (each strictly after the last), until `shutdown` turns true. `owner`
/// names this instance for the scheduler's lease.
pub async fn run(
    store: Store,
    schedule: Tick,
    clock: Clock,
    wake: crate::delivery::Wake,
    metrics: Option<Arc<Metrics>>,
    owner: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut last = clock.now();
    loop {
        let now = clock.now();
        let ticking = store.clone();
        let started = std::time::Instant::now();
        let owner = owner.clone();
        let lease = lease_secs(&schedule, now);
        let ticked = tokio::task::spawn_blocking(move || {
            if ticking.take_lease("scheduler", &owner, now, lease)? {
                tick(&ticking, now).map(Some)
            } else {
                Ok(None)
            }
        });
        match ticked.await {
            // Another instance holds the lease and ticks.
            Ok(Ok(None)) => {}
            Ok(Ok(Some(report))) => {
                if let Some(metrics) = &metrics {
                    metrics.tick(report.fired, started.elapsed());
                }
                if report.fired > 0 {
                    tracing::info!(fired = report.fired, "scheduler tick");
                    wake.notify();
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "scheduler tick failed; the next tick retries")
            }
            Err(_) => tracing::error!("scheduler tick panicked; the next tick retries"),
        }
        let Some(next) = schedule.next_after(last.max(now)) else {
            tracing::warn!(
                expression = schedule.expression(),
                "the tick expression never fires again; scheduler stops"
            );
            return;
        };
        last = next;
        tokio::select! {
            _ = tokio::time::sleep(clock.until(next)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{TeamId, Term, Tour, TourKind, UserId};
    use chrono::TimeZone;
    use std::time::Duration as StdDuration;

    fn propose(store: &Store, team: &TeamId, at: DateTime<Utc>) {
        let (m, a) = (UserId::parse("UM").unwrap(), UserId::parse("UA").unwrap());
        store
            .create_tour(team, |id| {
                Tour::propose(
                    id,
                    &m,
                    &a,
                    TourKind::Rotational,
                    Term::Months(12),
                    "Mission",
                    at,
                )
            })
            .unwrap()
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_fires_due_reminders_on_its_ticks_and_wakes_delivery() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let origin = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 30).unwrap();
        propose(&store, &team, origin);
        let clock = Clock::starting_at(origin);
        let wake = Arc::new(tokio::sync::Notify::new());
        let (stop, stopped) = watch::channel(false);
        let every_minute = Tick::parse("0 * * * * *").unwrap();
        let metrics = Arc::new(Metrics::new());
        let task = tokio::spawn(run(
            store.clone(),
            every_minute,
            clock.clone(),
            crate::delivery::Wake::new(vec![wake.clone()]),
            Some(metrics.clone()),
            "test".into(),
            stopped,
        ));

        tokio::time::sleep(StdDuration::from_secs(3600)).await;
        assert!(
            store
                .outbox_entry(&team, "tour:1:waiting:UA")
                .unwrap()
                .is_none(),
            "not due after an hour"
        );

        let woken = wake.notified();
        tokio::time::sleep(StdDuration::from_secs(3 * 24 * 3600)).await;
        tokio::time::timeout(StdDuration::from_secs(120), woken)
            .await
            .expect("delivery was woken");
        let fired = store.fired_reminders(10).unwrap();
        assert_eq!(fired.len(), 1, "fired, waiting for the worker: {fired:?}");
        assert_eq!(store.fan_out().unwrap(), 1, "the worker's first step");
        assert!(store.fired_reminders(10).unwrap().is_empty());
        let entry = store
            .outbox_entry(&team, "tour:1:waiting:UA")
            .unwrap()
            .expect("the reminder is owed");
        assert!(entry.in_working_hours && entry.not_before == origin + chrono::Duration::days(3));
        // A tick a minute for three days and an hour; one reminder fired.
        let text = metrics.render(&store, clock.now());
        assert!(
            text.contains("alliance_scheduler_reminders_fired_total 1\n"),
            "{text}"
        );
        let ticks: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("alliance_scheduler_ticks_total "))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        assert!(ticks > 4000.0, "{ticks} ticks");

        stop.send(true).unwrap();
        task.await.unwrap();
    }

    #[test]
    fn the_lease_spans_three_ticks_within_bounds() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        let lease = |expr| lease_secs(&Tick::parse(expr).unwrap(), at);
        assert_eq!(lease("* * * * * *"), 3);
        assert_eq!(lease("0 * * * * *"), 180);
        assert_eq!(lease("0 0 * * * *"), 3600, "capped at an hour");
    }

    #[test]
    fn a_tick_costs_nothing_when_nothing_is_due_and_an_answered_proposal_is_not_chased() {
        let store = Store::in_memory();
        let team = TeamId::parse("T1").unwrap();
        let origin = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        propose(&store, &team, origin);
        propose(&store, &team, origin);
        assert_eq!(tick(&store, origin).unwrap(), TickReport::default());
        let a = UserId::parse("UA").unwrap();
        store
            .update_tour(&team, crate::domain::TourId(1), |t| {
                t.decline(&a, None, origin)
            })
            .unwrap()
            .unwrap();
        let report = tick(&store, origin + chrono::Duration::days(7)).unwrap();
        assert_eq!(report, TickReport { fired: 2 });
        assert_eq!(
            store.fan_out().unwrap(),
            2,
            "only the open proposal is chased (member, then manager)"
        );
        assert!(
            store
                .outbox_entry(&team, "tour:2:waiting:UA")
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .outbox_entry(&team, "tour:1:waiting:UA")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            tick(&store, origin + chrono::Duration::days(8)).unwrap(),
            TickReport::default()
        );
    }
}
