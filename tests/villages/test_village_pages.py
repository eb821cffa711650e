"""The villages page: villages in pinyin order, the products of no single village, and
the town's own honours as a model rule."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from projects.forms import ProjectForm
from projects.models import ResponsibleUnit
from tests.conftest import rows_for_the_module
from tests.factories import ProjectFactory
from villages.models import CollectiveIncome, Honour, Village

pytestmark = pytest.mark.django_db

#: The report's villages by pinyin: bì, dīng, gōng, huái, lín, shān, shǎn, zhāng.
PINYIN_ORDER = ["毕岗村", "丁山村", "工农村", "淮岸社区", "林场村", "山王村", "闪冲村", "张楼村"]


def positions(content: str, names) -> list[int]:
    return [content.index(name) for name in names]


@pytest.fixture(scope="class")
def report_data(django_db_setup, django_db_blocker):
    """The work report's records, loaded once for the class's tests (each test starts
    from them and what it changes is rolled back after it)."""
    with rows_for_the_module(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("load_report_data")
        yield


@pytest.mark.usefixtures("report_data")
class TestWithTheReportsData:
    def test_villages_sort_by_pinyin_not_by_code_point(self):
        assert list(Village.objects.values_list("name", flat=True)) == PINYIN_ORDER
        assert sorted(PINYIN_ORDER) != PINYIN_ORDER  # code-point order would differ

    def test_the_villages_page_lists_villages_and_incomes_by_pinyin(self, user_client):
        for name in ("张楼村", "丁山村", "山王村"):
            CollectiveIncome.objects.create(
                village=Village.objects.get(name=name), year=2023, amount=Decimal("10")
            )
        response = user_client.get(reverse("villages:list"))
        assert [village.name for village in response.context["villages"]] == PINYIN_ORDER
        assert [income.village.name for income in response.context["incomes"]] == [
            "丁山村",
            "山王村",
            "张楼村",
        ]

    def test_the_villages_page_shows_the_products_of_no_single_village(self, user_client):
        """淮南麻黄鸡 and 李咀西红柿 belong to no village: they are listed for the town."""
        response = user_client.get(reverse("villages:list"))
        content = response.content.decode()
        assert [product.name for product in response.context["town_products"]] == [
            "淮南麻黄鸡",
            "李咀西红柿",
        ]
        section = content[content.index('id="town-products-heading"') :]
        assert "淮南麻黄鸡" in section
        assert "李咀西红柿" in section
        assert "（李咀）" in section
        assert "丁山葡萄" not in section  # 丁山村's, shown on its card

    def test_select_widgets_list_villages_and_units_by_pinyin(self, user_client):
        for name in ("张楼村村委会", "丁山村村委会", "山王村村委会"):
            ResponsibleUnit.objects.create(name=name, kind=ResponsibleUnit.Kind.VILLAGE_COMMITTEE)
        form = ProjectForm(instance=ProjectFactory(), can_assign=True)
        assert [unit.name for unit in form.fields["responsible_unit"].queryset] == [
            "丁山村村委会",
            "山王村村委会",
            "张楼村村委会",
        ]
        assert [village.name for village in form.fields["villages"].queryset] == PINYIN_ORDER
        content = user_client.get(reverse("projects:list")).content.decode()
        select = content[content.index('name="village"') :]
        assert positions(select, PINYIN_ORDER) == sorted(positions(select, PINYIN_ORDER))

    def test_the_village_admin_finds_a_village_by_its_initials(self, admin_client):
        response = admin_client.get(reverse("admin:villages_village_changelist") + "?q=zlc")
        assert [village.name for village in response.context["cl"].result_list] == ["张楼村"]


def test_the_town_holds_an_honour_once_a_year():
    """An honour without a village is the town's; the same title twice in a year is refused."""
    Honour.objects.create(title="第十届淮南市文明乡镇", year=2023)
    duplicate = Honour(title="第十届淮南市文明乡镇", year=2023)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "全镇" in str(error.value) or "town" in str(error.value)
    assert str(Honour.objects.get()).startswith("山王镇")
