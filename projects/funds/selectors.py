"""What the pages read of a project's money. Placeholder until built."""


def project_funds(project, *, user, on):
    return None


def dashboard_money(*, user, on):
    return None
