"""Public participation (Art 14–18): open comment periods, the opinion ledger, the public's page."""
