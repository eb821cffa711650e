"""What the pages read of physical targets. Placeholder until built."""


def project_targets(project, *, user, on):
    return None
