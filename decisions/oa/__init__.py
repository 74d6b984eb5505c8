"""Working like an OA system (办公自动化): who acts next, urging (催办), the head's instructions (批示)."""
