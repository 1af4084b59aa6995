"""Reference data and policy versions: districts, banks, key groups, policies, LPR fixings."""
