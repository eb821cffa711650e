"""Placeholder until the ledger's part is written: the problems a page shows."""


def project_problems(project, *, user):
    return {}


def report_problem_lines(report, *, user):
    return []
