"""Accounts: offices, users and their roles, who may act (procedure.md §6). Lowest of the concepts: every
use case asks it who the acting user is."""
