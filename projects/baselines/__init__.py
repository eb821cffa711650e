"""The annual plan's baselines (基线): the plan frozen at the start of the year and at the mid-
year adjustment, beside the live plan and the actual. Map: docs/baselines.md."""
