"""Physical targets (实物工作量): quantities planned for a year and achieved by month through the
monthly reports. Map: docs/targets.md."""
