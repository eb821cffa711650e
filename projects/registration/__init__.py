"""Statistics registration tracking (入库纳统): the threshold, each started project's registration,
the list of those started and not registered (开工未入库), the light. Map: docs/registration.md."""
