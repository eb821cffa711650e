"""Deadline alerts: what is owed, the ledger, delivery by channel, working days, the bell."""
