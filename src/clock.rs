//! The one place the loops and the HTTP edge ask what time it is.
//!
//! Production reads the system clock. Tests start a clock at a chosen
//! instant that then advances with tokio's clock, so `tokio::time::pause()`
//! and `advance()` drive the scheduler and delivery loops without sleeping.
//! Domain code never asks: it is handed `now`.

use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    /// `origin` at tokio instant `start`, moving with tokio time.
    Tokio {
        origin: DateTime<Utc>,
        start: tokio::time::Instant,
    },
}

impl Clock {
    /// A clock reading `origin` now and advancing with tokio time.
    pub fn starting_at(origin: DateTime<Utc>) -> Clock {
        Clock::Tokio {
            origin,
            start: tokio::time::Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Tokio { origin, start } => {
                *origin
                    + chrono::Duration::from_std(start.elapsed()).unwrap_or(chrono::Duration::MAX)
            }
        }
    }

    /// How long until `at` by this clock (zero if it has passed).
    pub fn until(&self, at: DateTime<Utc>) -> std::time::Duration {
        (at - self.now()).to_std().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test(start_paused = true)]
    async fn a_test_clock_moves_with_tokio_time() {
        let origin = Utc.with_ymd_and_hms(2026, 3, 8, 1, 0, 0).unwrap();
        let clock = Clock::starting_at(origin);
        assert_eq!(clock.now(), origin);
        tokio::time::advance(std::time::Duration::from_secs(90)).await;
        assert_eq!(clock.now(), origin + chrono::Duration::seconds(90));
        assert_eq!(
            clock.until(origin + chrono::Duration::seconds(100)),
            std::time::Duration::from_secs(10)
        );
        assert_eq!(clock.until(origin), std::time::Duration::ZERO);
    }
}
