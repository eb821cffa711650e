"""督办: the problem ledger, supervision orders, the scheduling meeting and its pack, and
the units' monthly ranking (issue 15)."""
