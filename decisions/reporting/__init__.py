"""Figures over many decisions: the dashboard and the yearly report."""
