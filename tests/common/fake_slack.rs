//! A fake Slack Web API for tests (to be written).
