"""Chart specifications for static/js/charts.js (Apache ECharts, served locally).

Each function shapes data a selector already computed into a small JSON-able dict;
every chart's numbers are also shown as a table or text next to it. Texts (names, a
milestone's title) are data, never markup: the page embeds the spec with json_script,
and charts.js escapes whatever text it puts into a tooltip's HTML.
"""


def bar(categories, series, *, unit="") -> dict:
    return {
        "type": "bar",
        "categories": [str(category) for category in categories],
        "series": [{"name": str(name), "data": [number(v) for v in data]} for name, data in series],
        "unit": unit,
    }


def line(points_by_series, *, unit="") -> dict:
    return {
        "type": "line",
        "series": [
            {
                "name": str(name),
                "data": [[day.isoformat(), number(value)] for day, value in points],
            }
            for name, points in points_by_series
        ],
        "unit": unit,
    }


def number(value):
    return None if value is None else round(float(value), 2)
