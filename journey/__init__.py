"""The guide's six steps as a checklist computed from the alliance's data, never ticked by hand.

`journey_facts()` reads what the rules need in a fixed number of queries, whatever the size of
the alliance; `journey()` turns the facts into steps and checks. Each check says what is done or
missing, the rule it applies (shown on the page as "why is this not done?") and where to do it.
"""
