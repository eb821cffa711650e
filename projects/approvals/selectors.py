"""What the pages read of the approvals (前期手续). Placeholder until built."""


def project_approvals(project, *, user, on):
    """The project page's checklist: its items, what the user may do. Placeholder."""
    return None


def dashboard_overdue(*, user, on):
    """The dashboard's approvals past their planned date. Placeholder."""
    return None
