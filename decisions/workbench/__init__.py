"""The workbench: read models that bring every concept together for the pages (my tasks, the decision page)."""
