from tests.projects.alerts.robots import robot_certificate, robots  # noqa: F401
