"""督办's forms, one module per part: the ledger, orders, meetings."""
