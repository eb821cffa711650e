"""What the Django admin's forms post, built from a record: for tests that act through the
admin's change, add and history ("revert") pages as a browser would."""

import io

from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms.models import _get_foreign_key
from django.urls import reverse
from PIL import Image


def inline_prefixes(model) -> list[str]:
    """Return the form prefixes of the inlines on ``model``'s admin page."""
    prefixes = []
    for inline in admin.site._registry[model].inlines:
        fk = _get_foreign_key(model, inline.model, fk_name=inline.fk_name)
        prefixes.append(fk.remote_field.get_accessor_name(model=inline.model).replace("+", ""))
    return prefixes


def admin_form_data(obj, **changes) -> dict:
    """Return the admin change form of ``obj`` as posted, with ``changes`` (by field name;
    a related row stands for its primary key) and empty inline management forms."""
    data = {}
    for field in obj._meta.concrete_fields:
        if not field.editable or field.primary_key or isinstance(field, models.FileField):
            continue
        value = field.value_from_object(obj)
        if isinstance(field, models.BooleanField):
            if field.null:
                value = {True: "true", False: "false"}.get(value)
            else:
                value = "on" if value else None
        if value is not None:
            data[field.name] = value
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            data[field.name] = [related.pk for related in field.value_from_object(obj)]
    for name, value in changes.items():
        data[name] = getattr(value, "pk", value)
    for prefix in inline_prefixes(type(obj)):
        data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
        data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    return {name: value for name, value in data.items() if value is not None}


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def revert_url(obj, version) -> str:
    """The history ("revert") form of ``obj`` at the historical ``version``."""
    return admin_url(type(obj), "simple_history", obj.pk, version.history_id)


def revert_data(version, **changes) -> dict:
    """What the revert page of ``version`` posts: the old version's values."""
    return admin_form_data(version.instance, **changes)


def photo_file(name="site.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "olive").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")
