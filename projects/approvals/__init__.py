"""Pre-construction approvals (前期手续): templates by category, each project's checklist, the
start gate, their deadlines. Map: docs/approvals.md."""
