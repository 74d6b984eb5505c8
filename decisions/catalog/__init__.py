"""The annual catalog of major decisions (Art 3¶3): versions, the Party committee's consent, publication."""
