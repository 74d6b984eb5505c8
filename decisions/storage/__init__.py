"""Storage: settings, the engine and migrations, the unit of work, prepared statements, a local PostgreSQL.
The lowest layer: it imports no concept (the procedure registers its versioned model here)."""
