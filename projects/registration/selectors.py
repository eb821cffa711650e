"""What the pages read of statistics registration. Placeholder until built."""


def project_registration(project, *, user, on):
    return None


def dashboard_unregistered(*, user, on):
    return None
