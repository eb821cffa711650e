import django_tables2 as tables


class BaseTable(tables.Table):
    """The project-wide table: Bootstrap 5 markup, responsive, striped and small."""

    class Meta:
        template_name = "django_tables2/bootstrap5-responsive.html"
        attrs = {"class": "table table-sm table-striped table-hover align-middle"}
        per_page = 25
