"""Assisted filing (代办, SPEC §15): a community worker files an application for a person,
the person confirms the consent and declarations, and may later take the case over."""
