"""juece (决策): the service layer of the major-decision procedure, one subpackage per domain concept."""
