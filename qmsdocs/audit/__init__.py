"""The audit trail: who did what to what, and when. Append-only."""
