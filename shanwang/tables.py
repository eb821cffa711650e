import django_tables2 as tables


class BaseTable(tables.Table):
    """The project-wide table: Bootstrap 5 markup, responsive, and a page size from a
    fixed choice, so that no query string can ask for a million rows at once."""

    PAGE_SIZES = (10, 25, 50, 100)
    DEFAULT_PAGE_SIZE = 25

    class Meta:
        template_name = "django_tables2/bootstrap5-responsive.html"
        attrs = {"class": "table table-sm table-striped table-hover align-middle"}

    def paginate(self, *args, per_page=None, **kwargs):
        if per_page not in self.PAGE_SIZES:
            per_page = self.DEFAULT_PAGE_SIZE
        return super().paginate(*args, per_page=per_page, **kwargs)
