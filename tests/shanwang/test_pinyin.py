"""Chinese names carry their pinyin, stored on every write path, so lists sort by pinyin."""

import importlib

import pytest
from django.apps import apps as django_apps

from projects.models import Project, ResponsibleUnit
from shanwang.pinyin import name_pinyin
from tests.factories import ProjectFactory, VillageFactory
from villages.models import Village


def test_the_sort_key_compares_syllable_then_tone_character_by_character():
    """山 (shān) comes before 闪 (shǎn) whatever follows, as in a dictionary: 山王村 before
    闪冲村, although "shanchong" < "shanwang" letter by letter; shan before shang."""
    names = ["闪冲村", "山王村", "上海村", "张楼村", "丁山村", "毕岗村"]
    assert sorted(names, key=lambda name: name_pinyin(name).sort_key) == [
        "毕岗村",
        "丁山村",
        "山王村",
        "闪冲村",
        "上海村",
        "张楼村",
    ]
    assert name_pinyin("山王村").sort_key == "shan1wang2cun1"


def test_pinyin_and_initials_for_search():
    keys = name_pinyin("张楼村标准化厂房")
    assert (keys.pinyin, keys.initials) == ("zhangloucunbiaozhunhuachangfang", "zlcbzhcf")


def test_punctuation_is_dropped_and_latin_letters_and_digits_kept():
    assert name_pinyin("“旱改水”土地整治项目").sort_key.startswith("han4gai3shui3")
    assert name_pinyin("项目B标段").initials == "xmbbd"
    assert name_pinyin("公路（２０２４年）").pinyin == "gonglu2024nian"


@pytest.mark.django_db
class TestEveryWritePathFillsThePinyin:
    def test_save_and_rename(self):
        village = VillageFactory(name="张楼村")
        assert (village.name_sort, village.name_initials) == ("zhang1lou2cun1", "zlc")
        village.name = "丁山村"
        village.save(update_fields=["name"])
        village.refresh_from_db()
        assert village.name_pinyin == "dingshancun"

    def test_get_or_create_and_bulk_create(self):
        unit, _ = ResponsibleUnit.objects.get_or_create(name="镇农业农村办", kind="department")
        assert unit.name_initials == "znyncb"
        Project.objects.bulk_create(
            [Project(name="张楼村标准化厂房", category="factory_building", stage="planning")]
        )
        assert Project.objects.get().name_initials == "zlcbzhcf"

    def test_the_keys_stay_out_of_the_history(self):
        """A renamed project's change log lists the name, not its pinyin columns."""
        project = ProjectFactory(name="张楼村标准化厂房")
        project.name = "山王村养老服务站"
        project.save()
        newer, older = project.history.order_by("-history_id")[:2]
        changed = {change.field for change in newer.diff_against(older).changes}
        assert changed == {"name"}

    def test_the_migrations_fill_the_rows_already_there(self):
        """The data steps of villages 0003 and projects 0008 fill rows written before."""
        village = VillageFactory(name="闪冲村")
        project = ProjectFactory(name="张楼村标准化厂房")
        Village.objects.update(name_sort="", name_pinyin="", name_initials="")
        Project.objects.update(name_sort="", name_pinyin="", name_initials="")
        importlib.import_module("villages.migrations.0003_town_honours_and_pinyin").fill_pinyin(
            django_apps, None
        )
        importlib.import_module("projects.migrations.0008_indicator_groups_and_pinyin").fill_pinyin(
            django_apps, None
        )
        village.refresh_from_db()
        project.refresh_from_db()
        assert village.name_sort == "shan3chong1cun1"
        assert project.name_initials == "zlcbzhcf"
