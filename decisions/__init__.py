"""juece decisions: the domain of a major administrative decision — models, use cases, evidence, audit."""
