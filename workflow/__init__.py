"""juece workflow: procedure profiles, the state machine built from them, gates, calendar."""
