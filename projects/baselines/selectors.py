"""What the pages read of the plan baselines. Placeholder until built."""


def project_baselines(project, *, user, on):
    return None
