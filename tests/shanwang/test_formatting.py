"""One way to write a figure (shanwang/formatting.py) and the template filters over it."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from shanwang import formatting


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("14910.00"), "14,910.00万元"),
        # What SQLite returns for a sum of decimals: a float or a long decimal.
        (725.3399999999999, "725.34万元"),
        (Decimal("725.340000000000"), "725.34万元"),
        (Decimal("0.005"), "0.01万元"),  # rounded half up, as the town's accounts do
        (0, "0.00万元"),  # zero is a figure
        (None, "—"),  # unknown is not zero
    ],
)
def test_an_amount_has_separators_two_decimals_and_its_unit(value, shown):
    assert formatting.amount(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("56900"), "5.69亿元"),
        (Decimal("10000"), "1.00亿元"),
        (Decimal("9999.994"), "9,999.99万元"),
        (Decimal("9999.995"), "1.00亿元"),  # rounds to 10,000.00万元, so 1亿元
        (Decimal("557.07"), "557.07万元"),
        (None, "—"),
    ],
)
def test_a_sentence_writes_sums_from_one_yi_in_yi(value, shown):
    assert formatting.amount_in_sentence(value) == shown


def test_percentages_and_points_have_one_decimal():
    assert formatting.percent(0.52349) == "52.3%"
    assert formatting.percent(0.2, signed=True) == "+20.0%"
    assert formatting.percent(-0.04, signed=True) == "-4.0%"
    assert formatting.percent(-0.0001) == "0.0%"  # never "-0.0%"
    assert formatting.percent(None) == "—"
    assert formatting.percent_of_hundred(Decimal("26.30"), signed=True) == "+26.3%"
    assert formatting.points(-15.4999) == "-15.5"
    assert formatting.points(3.44, signed=True) == "+3.4"
    assert formatting.points(None) == "—"


def test_a_figure_of_the_report_keeps_its_digits():
    assert formatting.figure(Decimal("4.50")) == "4.5"
    assert formatting.figure(Decimal("26.30")) == "26.3"
    assert formatting.figure(Decimal("17208.00"), "人") == "17208"
    assert formatting.figure(Decimal("29800.00"), "万元") == "29,800"
    assert formatting.figure(Decimal("9.35"), "万元") == "9.35"
    assert formatting.figure(None) == "—"


def test_the_filters_write_what_the_helper_writes():
    template = Template(
        "{% load shanwang %}{{ a|amount }}|{{ a|amount_number }}|{{ b|amount_in_sentence }}|"
        '{{ s|percent }}|{{ s|percent:"signed" }}|{{ g|points:"signed" }}|{{ n|amount }}|'
        '{{ n|percent }}|{{ f|figure:"万元" }}'
    )
    shown = template.render(
        Context({"a": 725.3399999999999, "b": 56900, "s": 0.2, "g": -2.25, "n": None, "f": 29800})
    )
    assert shown == "725.34万元|725.34|5.69亿元|20.0%|+20.0%|-2.3|—|—|29,800"
