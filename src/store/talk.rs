//! Right of First Conversation requests (`/tour talk`), found in the
//! outbox by who asked: they are outbox entries like any message (keyed
//! `talk:<asker>:<instant>`), so a person's requests are one prefix scan
//! and nothing else needs storing to hold them to one a week per manager.

use super::outbox::{OutboxEntry, OutboxState, enqueue_entry_in};
use super::{Store, StoreError, TreeName, decode, keys};
use crate::domain::notice::NoticeKind;
use chrono::{DateTime, Utc};

impl Store {
    /// Owes `request` (a [`NoticeKind::Talk`] entry) unless its asker
    /// already asked the same person at or after `since`; then nothing is
    /// written and that earlier request is handed back. A request that
    /// reached nobody (failed for good, or dropped) does not count. One
    /// durable transaction, so two quick asks owe one message.
    pub fn ask_for_talk(
        &self,
        request: &OutboxEntry,
        since: DateTime<Utc>,
    ) -> Result<Result<(), OutboxEntry>, StoreError> {
        let NoticeKind::Talk { from, .. } = &request.notice.kind else {
            return Err(StoreError::Engine("not a conversation request".into()));
        };
        let start = keys::outbox(&request.team, &format!("talk:{from}:"));
        // ';' follows ':': the end of that prefix.
        let end = keys::outbox(&request.team, &format!("talk:{from};"));
        self.run(self.durable, |tx| {
            for (_, bytes) in tx.scan_range(TreeName::Outbox, &start, &end, usize::MAX)? {
                let earlier: OutboxEntry = decode(TreeName::Outbox, &bytes)
                    .map_err(|e| super::TxFail::Engine(e.to_string()))?;
                let asked_at = match &earlier.notice.kind {
                    NoticeKind::Talk { asked_at, .. } => *asked_at,
                    _ => continue,
                };
                let reached = !matches!(
                    earlier.state,
                    OutboxState::Failed { .. } | OutboxState::Dropped { .. }
                );
                if earlier.notice.to == request.notice.to && asked_at >= since && reached {
                    return Ok(Err(earlier));
                }
            }
            enqueue_entry_in(tx, request)?;
            Ok(Ok(()))
        })
    }
}
