"""督办's pages, one module per part: the ledger, orders, meetings, the ranking."""
