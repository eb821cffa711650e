"""Pinyin of Chinese names, stored beside them so that lists sort and search by pinyin.

Lists sort as a Chinese dictionary and ICU's pinyin collation do (GB/T 13418):
character by character, by syllable, then by tone, so 山王村 (shān) comes before
闪冲村 (shǎn). The key is a stored column of plain ASCII, so the order is the same on
SQLite and PostgreSQL whatever the database's collation. pypinyin reads characters in
context (多音字 by phrase), https://pypinyin.readthedocs.io/.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

#: The stored columns and their sizes: at most seven letters a character (zhuang1) for a
#: name of up to 200 characters. They are kept out of the models' history (they follow
#: the name).
MAX_LENGTHS = {"name_sort": 1400, "name_pinyin": 1200, "name_initials": 200}
PINYIN_FIELDS = tuple(MAX_LENGTHS)

_HAN = re.compile(r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")
_NOT_ASCII_WORD = re.compile(r"[^0-9a-z]")


@dataclass(frozen=True)
class NamePinyin:
    """A name's pinyin: the sort key, the pinyin without tones and the initials."""

    sort_key: str
    pinyin: str
    initials: str

    def as_fields(self) -> dict[str, str]:
        """Return the values of the stored columns, cut to their sizes (a few characters
        widen under NFKC, ㎡ → m2)."""
        values = (self.sort_key, self.pinyin, self.initials)
        return {
            field: value[:size]
            for (field, size), value in zip(MAX_LENGTHS.items(), values, strict=True)
        }


def name_pinyin(name: str) -> NamePinyin:
    """Return the pinyin keys of ``name``.

    sort_key: each character's syllable followed by its tone (1–4, 5 for the neutral
    tone): 山王村 → shan1wang2cun1. The tone digit ends each syllable and sorts before
    any letter, so the key compares syllable, then tone, character by character.
    pinyin: the syllables without tones (shanwangcun); initials: their first letters
    (swc). Latin letters and digits are kept, lower-cased; punctuation is dropped.
    """
    sort_key, pinyin, initials = [], [], []
    for index, run in enumerate(_HAN.split(name)):
        if index % 2:  # a run of Chinese characters
            for syllable in lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True):
                sort_key.append(syllable)
                pinyin.append(syllable.rstrip("12345"))
                initials.append(syllable[:1])
        else:
            word = _NOT_ASCII_WORD.sub("", unicodedata.normalize("NFKC", run).lower())
            sort_key.append(word)
            pinyin.append(word)
            initials.append(word)
    return NamePinyin("".join(sort_key), "".join(pinyin), "".join(initials))


class PinyinQuerySet(models.QuerySet):
    """A queryset whose bulk inserts fill the pinyin columns, as save() does."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_name_pinyin()
        return super().bulk_create(objs, *args, **kwargs)


class PinyinNamedModel(models.Model):
    """Abstract base of a model with a Chinese ``name`` that lists sort by pinyin.

    Every write path fills the pinyin columns: save() (the app, the admin, imports,
    get_or_create, a history revert) and the manager's bulk_create(). Sort with
    ``ordering = ["name_sort", "name"]``.
    """

    name_sort = models.CharField(
        _("pinyin sort key"), max_length=MAX_LENGTHS["name_sort"], blank=True, editable=False
    )
    name_pinyin = models.CharField(
        _("pinyin"), max_length=MAX_LENGTHS["name_pinyin"], blank=True, editable=False
    )
    name_initials = models.CharField(
        _("pinyin initials"), max_length=MAX_LENGTHS["name_initials"], blank=True, editable=False
    )

    objects = PinyinQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.fill_name_pinyin()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, *PINYIN_FIELDS}
        super().save(*args, **kwargs)

    def fill_name_pinyin(self):
        """Set the pinyin columns from the name."""
        for field, value in name_pinyin(self.name).as_fields().items():
            setattr(self, field, value)
