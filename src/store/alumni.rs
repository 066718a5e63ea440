//! The alumni tree: one record per person who left, by workspace.

use super::{Store, StoreError, TreeName, decode, keys};
use crate::domain::alumni::Alumnus;
use crate::domain::{TeamId, UserId};

impl Store {
    pub fn alumnus(&self, team: &TeamId, user: &UserId) -> Result<Option<Alumnus>, StoreError> {
        self.backend
            .get(TreeName::Alumni, &keys::person(team, user))?
            .map(|v| decode(TreeName::Alumni, &v))
            .transpose()
    }
}
