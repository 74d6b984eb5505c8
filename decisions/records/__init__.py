"""The record: the append-only audit trail (SHA-256 and SM3 chains) and the content-addressed evidence store.
It knows no concept above it."""
