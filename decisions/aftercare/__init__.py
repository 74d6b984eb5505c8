"""After the decision (Art 34–37): execution, public feedback, post-evaluation, adjustment, suspension, closing."""
