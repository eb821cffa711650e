"""Placeholder until the alerts' part is written: the dashboard's overdue lists."""


def dashboard_overdue(*, user, on):
    return {}
