"""What people type in Excel cells, read as amounts, dates, years, yes/no, choices and
records; and the table a file is read into (row numbers as Excel shows them)."""

import datetime
from decimal import Decimal

import openpyxl.xml
import pytest
from django.utils import translation

from projects.models import Project
from shanwang.spreadsheets.files import SpreadsheetRejected, read_spreadsheet
from shanwang.spreadsheets.widgets import (
    AmountWidget,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    ManyLookupWidget,
    TextWidget,
    YearWidget,
)
from tests.projects.workbooks.corpus import many_rows_csv, xlsx
from villages.models import Village


def refused(widget, value) -> str:
    """The message with which ``widget`` refuses ``value`` (in English)."""
    with translation.override("en"), pytest.raises(ValueError) as error:
        widget.clean(value)
    return str(error.value)


# Amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        (1250.5, Decimal("1250.50")),
        (300, Decimal("300.00")),
        ("1,250.5", Decimal("1250.50")),
        ("1，250", Decimal("1250.00")),
        (" 88.8 ", Decimal("88.80")),
        ("0.125", Decimal("0.13")),
        ("0", Decimal("0.00")),
        (Decimal("5.678"), Decimal("5.68")),
    ],
)
def test_amounts_are_read_to_two_decimals(typed, amount):
    assert AmountWidget().clean(typed) == amount


def test_an_empty_amount_is_none_unless_required():
    assert AmountWidget().clean(None) is None
    assert AmountWidget().clean("") is None
    assert "must not be empty" in refused(AmountWidget(required=True), "")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (-5, "cannot be negative (-5)"),
        ("-0.01", "cannot be negative (-0.01)"),
        ("三百万", "“三百万” is not a number"),
        ("12万", "“12万” is not a number"),
        ("NaN", "“NaN” is not a number"),
        ("Infinity", "“Infinity” is not a number"),
        ("1e12", "too large"),
    ],
)
def test_bad_amounts_are_refused_with_the_value(typed, message):
    assert message in refused(AmountWidget(), typed)


# Dates -----------------------------------------------------------------------------------

REPORT_DAY = datetime.date(2024, 1, 29)


@pytest.mark.parametrize(
    "typed",
    [
        "2024-01-29",
        "2024-1-29",
        "2024/1/29",
        "2024/01/29",
        "2024.1.29",
        "2024年1月29日",
        "2024 年 1 月 29 日",
        "2024年1月29",
        45320,
        45320.0,
        "45320",
        datetime.datetime(2024, 1, 29, 0, 0),
        REPORT_DAY,
    ],
)
def test_dates_are_read_in_every_accepted_form(typed):
    """ISO, slashes, Chinese and Excel serial numbers (45320 is 2024-01-29)."""
    assert DateWidget().clean(typed) == REPORT_DAY


def test_a_leap_day_exists_in_leap_years_only():
    assert DateWidget().clean("2024-02-29") == datetime.date(2024, 2, 29)
    assert "2023-02-29 does not exist" in refused(DateWidget(), "2023-02-29")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2024-02-30", "The date 2024-02-30 does not exist"),
        ("2024年13月1日", "The date 2024年13月1日 does not exist"),
        ("2024/0/10", "The date 2024/0/10 does not exist"),
        ("明天", "“明天” is not a date; write it like 2024-01-29"),
        ("29/01/2024", "“29/01/2024” is not a date"),
        ("2024-01", "“2024-01” is not a date"),
        (100000, "The number 100000 is not a date between 1950 and 2100"),
        (12345, "The number 12345 is not a date between 1950 and 2100"),
        ("12345", "The number 12345 is not a date between 1950 and 2100"),
        (45320.5, "The number 45320.5 is not a date"),
    ],
)
def test_impossible_dates_are_refused_with_the_value(typed, message):
    assert message in refused(DateWidget(), typed)


def test_an_empty_date_is_none_unless_required():
    assert DateWidget().clean(None) is None
    assert DateWidget().clean(" ") is None
    assert "must not be empty" in refused(DateWidget(required=True), None)


# Years, yes/no and text ------------------------------------------------------------------


@pytest.mark.parametrize("typed", [2024, 2024.0, "2024", "2024年", " 2024 "])
def test_years_are_read_with_or_without_年(typed):
    assert YearWidget().clean(typed) == 2024


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("去年", "“去年” is not a year"),
        ("二〇二四", "“二〇二四” is not a year"),
        (1900, "“1900” is not a year"),
        ("2024.5", "“2024.5” is not a year"),
    ],
)
def test_bad_years_are_refused_as_typed(typed, message):
    assert message in refused(YearWidget(), typed)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("是", True),
        ("已入库", True),
        ("√", True),
        ("Yes", True),
        ("否", False),
        ("未入库", False),
        ("×", False),
        (0, False),
        ("", None),
        (None, None),
    ],
)
def test_yes_and_no(typed, value):
    assert BooleanWidget().clean(typed) is value


def test_yes_and_no_are_written_in_chinese_and_other_answers_refused():
    widget = BooleanWidget()
    assert (widget.render(True), widget.render(False), widget.render(None)) == ("是", "否", "")
    assert "“也许” is not 是 or 否" in refused(widget, "也许")


def test_text_reads_numbers_as_typed_and_checks_its_length():
    assert TextWidget().clean(2024.0) == "2024"
    assert TextWidget().clean(" 南塘路 ") == "南塘路"
    assert TextWidget(max_length=3).clean("三个字") == "三个字"
    assert "4 characters long; at most 3" in refused(TextWidget(max_length=3), "四个汉字")
    assert "must not be empty" in refused(TextWidget(required=True), "  ")


# Choices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["在建", "under construction", "Under Construction", "under_construction"]
)
def test_a_stage_is_read_by_its_chinese_label_english_label_or_code(typed):
    widget = ChoiceWidget(Project.Stage, what="stage")
    assert widget.clean(typed) == Project.Stage.UNDER_CONSTRUCTION


def test_an_unknown_choice_lists_the_chinese_labels():
    message = refused(ChoiceWidget(Project.Category, what="project category"), "航天工程")
    assert "Unknown project category “航天工程”" in message
    assert "道路及基础设施" in message and "水环境整治" in message


def test_a_choice_is_written_in_chinese_whatever_the_language():
    widget = ChoiceWidget(Project.Stage, what="stage")
    with translation.override("en"):
        assert widget.render(Project.Stage.PLANNING) == "谋划储备"


# Records by name -------------------------------------------------------------------------


@pytest.fixture
def villages(db):
    return [Village.objects.create(name=name) for name in ("测试村甲", "测试村乙", "测试社区丙")]


def test_a_record_is_found_by_name_with_one_query_for_all_rows(villages, django_assert_num_queries):
    widget = LookupWidget(Village, "name", what="village")
    with django_assert_num_queries(1):
        assert [widget.clean(name) for name in ("测试村甲", "测试村乙", " 测试村甲 ")] == [
            villages[0],
            villages[1],
            villages[0],
        ]
    assert widget.clean("") is None
    assert "Unknown village “测试村丁”" in refused(widget, "测试村丁")


@pytest.mark.parametrize("separator", ["、", ",", "，", ";", "；", "/"])
def test_several_records_in_one_cell(villages, separator):
    widget = ManyLookupWidget(Village, "name", what="village")
    assert widget.clean(f"测试村甲{separator}测试社区丙") == [villages[0], villages[2]]


def test_several_records_name_every_unknown_one(villages):
    message = refused(
        ManyLookupWidget(Village, "name", what="village"), "测试村甲、无此村、也无此村"
    )
    assert "Unknown village “无此村、也无此村”" in message


# Reading files into tables ---------------------------------------------------------------


def test_rows_keep_the_numbers_excel_shows():
    """Empty rows are skipped but not renumbered; the header may sit below empty rows;
    empty trailing header cells are dropped; text is stripped."""
    data = xlsx({"项目": [[None], ["项目名称", "项目阶段", None], ["甲 ", "在建"], [None], ["乙"]]})
    [sheet] = read_spreadsheet(data, "x.xlsx")
    assert sheet.headers == ["项目名称", "项目阶段"]
    assert sheet.rows == [(3, ["甲", "在建"]), (5, ["乙", None])]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_the_encodings_excel_writes(encoding):
    [sheet] = read_spreadsheet(
        "项目名称,项目阶段\r\n山王大沟整治,竣工\r\n".encode(encoding), "a.csv"
    )
    assert (sheet.headers, sheet.rows) == (
        ["项目名称", "项目阶段"],
        [(2, ["山王大沟整治", "竣工"])],
    )


def test_csv_with_semicolons_is_read():
    [sheet] = read_spreadsheet("村（社区）;年度\n测试村甲;2023\n".encode(), "a.csv")
    assert sheet.rows == [(2, ["测试村甲", "2023"])]


def test_text_exported_inert_reads_back_as_written():
    """An export writes '=x for the text =x; reading it back gives =x (as text), in a
    workbook and in a CSV file."""
    [sheet] = read_spreadsheet(
        xlsx({"项目": [["备注"], ["'=1+1"], ["'-2层"], ["'普通"]]}), "x.xlsx"
    )
    assert [values for _number, values in sheet.rows] == [["=1+1"], ["-2层"], ["'普通"]]
    [sheet] = read_spreadsheet("备注\n'@镇政府\n".encode(), "a.csv")
    assert sheet.rows == [(2, ["@镇政府"])]


def test_twenty_thousand_rows_are_the_limit():
    [sheet] = read_spreadsheet(many_rows_csv(20_000), "a.csv")
    assert len(sheet.rows) == 20_000 and sheet.rows[-1][0] == 20_001
    with translation.override("en"), pytest.raises(SpreadsheetRejected, match="more than 20000"):
        read_spreadsheet(many_rows_csv(20_001), "a.csv")


def test_workbook_xml_is_parsed_by_defusedxml():
    """openpyxl uses defusedxml when it is installed: entity tricks are refused."""
    assert openpyxl.xml.DEFUSEDXML


def test_a_file_named_csv_that_is_binary_is_refused():
    with translation.override("en"), pytest.raises(SpreadsheetRejected, match="not a spreadsheet"):
        read_spreadsheet(bytes(range(256)) * 4, "a.csv")
