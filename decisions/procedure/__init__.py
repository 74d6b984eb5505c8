"""The procedure core: a decision, its triggers, evidence, stages, the meeting and side transitions (§1–§5).

``service`` holds the use cases and the small public API other concepts build on (``record_event``,
``store_evidence``, ``require_state``, ``touch``); ``scope`` is who may read which decision."""
