"""The dependency rules of docs/architecture.md, read from the source with ``ast``.

Each rule is a function from the import graph (or the source) to its violations, so
that the test names every offending import; ``test_each_rule_catches_its_violation``
feeds each rule a small made-up graph that breaks it, to show the guard is live.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shanwang", "projects", "villages")

#: Module names (last part) that present or receive: the domain never imports them.
PRESENTATION = {"views", "forms", "filters", "tables", "admin", "urls", "charts", "mixins"}
#: Third-party presentation the domain never imports.
PRESENTATION_LIBRARIES = ("django.http", "django_tables2", "django_filters")
#: Interfaces over the domain: they may import anything of their own app.
INTERFACES = {"tasks", "context_processors", "apps"}
#: Where ORM writes may happen, besides migrations: services write, the alert ledger
#: and delivery keep their rows, seeding loads data, the import engine saves the rows of
#: a checked workbook, and the role groups are kept by a post_migrate hook.
WRITERS = (
    "projects.services",
    "projects.alerts.ledger",
    "projects.alerts.delivery",
    "projects.alerts.notifications",
    "projects.documents.services",
    "projects.supervision.services",
    "projects.approvals.services",
    "projects.funds.services",
    "projects.registration.services",
    "projects.targets.services",
    "projects.baselines.services",
    "projects.writing",
    "projects.seeding.",
    "projects.roles",
    "shanwang.spreadsheets.engine",
)
ORM_WRITES = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
#: Calls named like ORM writes that are not ORM writes, or that only pass a write made
#: elsewhere on to Django (the pinyin base fills its columns, then saves as asked).
NOT_ORM = {
    ("shanwang.settings", "globals().update(env.email_url_config(EMAIL_URL))"),
    ("shanwang.spreadsheets.files", "workbook.save(buffer)"),
    ("shanwang.pinyin", "super().save(*args, **kwargs)"),
    ("shanwang.pinyin", "super().bulk_create(objs, *args, **kwargs)"),
    # Pillow writes the re-encoded photo to a buffer; the photo's model saves as asked,
    # its file re-encoded; the session store saves the session as Django asks it to.
    ("shanwang.photos", 'image.save(buffer, "PNG", optimize=True)'),
    ("shanwang.photos", "image.save(buffer, image_format, quality=JPEG_QUALITY)"),
    ("projects.models.reports", "super().save(*args, **kwargs)"),
    ("shanwang.sessions", "super().save(must_create=must_create)"),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool

    def __str__(self):
        where = " (inside a function)" if self.in_function else ""
        return f"{self.importer}:{self.line} imports {self.imported}{where}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path, known: set[str]) -> list[Import]:
    """Return what the file imports: ``from a import b`` is an import of ``a.b`` when that
    is a module of ours, of ``a`` otherwise."""
    module = module_name(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    functions = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    nested = {id(inner) for function in functions for inner in ast.walk(function)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, path.name == "__init__.py")
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        in_function = id(node) in nested
        found.extend(Import(module, name, node.lineno, in_function) for name in names)
    return found


def import_graph() -> list[Import]:
    files = list(source_files())
    known = {module_name(path) for path in files}
    return [edge for path in files for edge in imports_of(path, known)]


def ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def last(name: str) -> str:
    return name.split(".")[-1]


def is_presentation(name: str) -> bool:
    return any(part in PRESENTATION or part == "templatetags" for part in name.split(".")[1:])


def is_domain(name: str) -> bool:
    """Everything of an app that neither presents nor is an interface over the domain."""
    parts = name.split(".")
    return (
        parts[0] in ("projects", "villages")
        and not is_presentation(name)
        and last(name) not in INTERFACES
        and "management" not in parts
    )


# The rules -------------------------------------------------------------------------------


def config_imports_no_app(graph):
    """``shanwang`` imports no app."""
    return [
        edge
        for edge in graph
        if edge.importer.split(".")[0] == "shanwang"
        and edge.imported.split(".")[0] in ("projects", "villages")
    ]


def villages_domain_imports_no_projects(graph):
    """The villages domain imports nothing from ``projects``."""
    return [
        edge
        for edge in graph
        if edge.importer.startswith("villages")
        and is_domain(edge.importer)
        and edge.imported.split(".")[0] == "projects"
    ]


def domain_imports_no_presentation(graph):
    """The domain never imports views, forms, filters, tables, admin, templatetags,
    ``django.http`` or ``django_tables2``."""
    return [
        edge
        for edge in graph
        if is_domain(edge.importer)
        and (
            (ours(edge.imported) and is_presentation(edge.imported))
            or edge.imported.startswith(PRESENTATION_LIBRARIES)
        )
    ]


def no_import_inside_a_function(graph):
    """No module of ours is imported inside a function (the way cycles hide), but in an
    AppConfig's ``ready()``, where Django says signal receivers are connected."""
    return [
        edge
        for edge in graph
        if edge.in_function and ours(edge.imported) and last(edge.importer) != "apps"
    ]


def cycles(graph):
    """No import cycle between modules. Importing ``a.b.c`` from outside ``a.b`` also runs
    ``a.b``'s ``__init__``, so that counts as an import of ``a.b``."""
    edges: dict[str, set[str]] = {}
    modules = {edge.importer for edge in graph}
    for edge in graph:
        if not ours(edge.imported) or edge.in_function:
            continue
        targets = {edge.imported}
        parts = edge.imported.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            if not edge.importer.startswith(package + ".") and package != edge.importer:
                targets.add(package)
        edges.setdefault(edge.importer, set()).update(t for t in targets if t in modules)
    found, state, stack = [], {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                found.append(" → ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    return found


def root_urls_include_only(graph):
    """The root urls import no app: apps' urls come in by ``include("app.urls")``."""
    return [
        edge
        for edge in graph
        if edge.importer == "shanwang.urls" and edge.imported.split(".")[0] != "shanwang"
        if ours(edge.imported)
    ]


def orm_writes_outside_writers(files=None):
    """ORM writes only in services, the alert ledger and delivery, seeding, the import
    engine and migrations."""
    found = []
    for path in files or source_files():
        module = module_name(path) if files is None else path.stem
        if module.startswith(WRITERS) or module in WRITERS:
            continue
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ORM_WRITES
            ):
                call = ast.get_source_segment(source, node)
                if (module, call) not in NOT_ORM:
                    found.append(f"{module}:{node.lineno} {call}")
    return found


GRAPH_RULES = [
    config_imports_no_app,
    villages_domain_imports_no_projects,
    domain_imports_no_presentation,
    no_import_inside_a_function,
    cycles,
    root_urls_include_only,
]


@pytest.fixture(scope="module")
def graph():
    return import_graph()


@pytest.mark.parametrize("rule", GRAPH_RULES, ids=lambda rule: rule.__name__)
def test_the_code_keeps_the_dependency_rules(graph, rule):
    """Each dependency rule of docs/architecture.md holds for the whole code."""
    assert [str(violation) for violation in rule(graph)] == []


def test_orm_writes_happen_only_where_writes_belong():
    """Views, forms, the admin, selectors and the other read-side code write nothing."""
    assert orm_writes_outside_writers() == []


def test_the_graph_sees_the_apps(graph):
    """The graph is read from every app: the rules above test something."""
    importers = {edge.importer for edge in graph}
    assert {"projects.views", "projects.alerts.ledger", "villages.views"} <= importers
    assert any(edge.imported == "projects.models" for edge in graph)


BROKEN = {
    config_imports_no_app: [Import("shanwang.views", "projects.selectors", 3, False)],
    villages_domain_imports_no_projects: [
        Import("villages.selectors", "projects.selectors", 8, False)
    ],
    domain_imports_no_presentation: [
        Import("projects.selectors", "shanwang.templatetags.shanwang", 11, False),
        Import("projects.briefing.xlsx", "django.http", 4, False),
    ],
    no_import_inside_a_function: [Import("projects.alerts.ledger", "projects.tasks", 365, True)],
    cycles: [
        Import("projects.models.portfolio", "projects.querysets", 18, False),
        Import("projects.querysets", "projects.models", 9, False),
        Import("projects.models", "projects.models.portfolio", 3, False),
    ],
    root_urls_include_only: [Import("shanwang.urls", "projects.views", 7, False)],
}


@pytest.mark.parametrize("rule", GRAPH_RULES, ids=lambda rule: rule.__name__)
def test_each_rule_catches_its_violation(rule):
    """Given a graph that breaks it (as the code did before the layout issue), each rule
    reports the violation."""
    assert rule(BROKEN[rule])


def test_the_write_rule_catches_a_write_in_a_view(tmp_path):
    """A view that saves a model is reported."""
    view = tmp_path / "views.py"
    view.write_text("def form_valid(self, form):\n    form.save()\n")
    assert orm_writes_outside_writers([view]) == ["views:2 form.save()"]
