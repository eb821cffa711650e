from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from shanwang.formatting import EMPTY


class AdminSite(admin.AdminSite):
    """The Django admin, open to administrators and reviewers by role."""

    site_header = _("Shanwang Town project portfolio administration")
    site_title = _("Shanwang Town Projects")
    index_title = _("Records")
    # An empty figure reads "—" here too (shanwang/formatting.py); Django's default is "-".
    empty_value_display = EMPTY

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_staff or user.has_perm("shanwang.use_admin"))

    def autocomplete_view(self, request):
        return NarrowAutocompleteJsonView.as_view(admin_site=self)(request)


class ShanwangAdminConfig(AdminConfig):
    default_site = "shanwang.admin_site.AdminSite"


class NarrowAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, which asks to view the related model's admin (the users:
    ``auth.view_user``). A user who may not, but may fill in the field on its own admin
    page (a reviewer assigning a contact person), gets the narrower list that admin gives
    in ``autocomplete_choices(request, field, term)``: a queryset, or None for none; only
    each row's id and name are sent."""

    def has_perm(self, request, obj=None):
        self.narrow_choices = None
        if super().has_perm(request, obj):
            return True
        field = self.source_field
        source_admin = self.admin_site._registry.get(field.model)
        choices = getattr(source_admin, "autocomplete_choices", None)
        if (
            choices is None
            or field.name not in source_admin.get_autocomplete_fields(request)
            or not (
                source_admin.has_add_permission(request)
                or source_admin.has_change_permission(request)
            )
        ):
            return False
        self.narrow_choices = choices(request, field, self.term)
        return self.narrow_choices is not None

    def get_queryset(self):
        if self.narrow_choices is None:
            return super().get_queryset()
        return self.narrow_choices.complex_filter(self.source_field.get_limit_choices_to())


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow records are an audit trail: readable, never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history ("revert") form is one more change form.

    The library's form saves the old version whole: fields the form does not show
    (read-only ones, the workflows' state, the bookkeeping the server sets) come back as
    they were, and it only asks whether the user may view the record. Here a revert
    starts from the record as it is now and brings back the old values of the fields the
    user may edit in the change form, except ``workflow_fields``, which change only
    through their workflow's buttons (the page says so: ``workflow_note``); it needs the
    change permission on the record as it is, saves through ``save_model`` like the change
    form, so every rule of the admin holds, and saves all or nothing.
    """

    object_history_form_template = "admin/history_revert_form.html"
    #: The library's list of versions, with Chinese punctuation (templates/admin/).
    object_history_list_template = "admin/history_list.html"
    #: Fields a revert never restores: a workflow changes them, with its record.
    workflow_fields: tuple[str, ...] = ()
    #: Said on the revert page when there are workflow fields.
    workflow_note = ""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        with transaction.atomic(using=router.db_for_write(self.model)):
            return self._history_form_view(request, object_id, version_id, extra_context)

    def _history_form_view(self, request, object_id, version_id, extra_context):
        request.current_app = self.admin_site.name
        opts = self.model._meta
        current = self.get_object(request, unquote(object_id))
        if current is None:
            # A revert restores an existing record; a deleted one is added again, by hand.
            return self._get_obj_does_not_exist_redirect(request, opts, object_id)
        if not self.has_view_history_or_change_history_permission(request, current):
            raise PermissionDenied
        if request.method == "POST" and not self.has_change_permission(request, current):
            raise PermissionDenied(_("You may not change this record."))
        history = getattr(self.model, opts.simple_history_manager_attribute)
        version = get_object_or_404(
            history.model, **{opts.pk.attname: current.pk, "history_id": version_id}
        ).instance

        fieldsets = self.get_fieldsets(request, current)
        readonly = [
            *self.get_readonly_fields(request, current),
            *(name for name in self.workflow_fields if name in flatten_fieldsets(fieldsets)),
        ]
        fields = [name for name in flatten_fieldsets(fieldsets) if name not in readonly]
        form_class = self.get_form(request, current, change=True, fields=fields)
        reverted = self._reverted(current, version, form_class.base_fields)
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, instance=reverted)
            if form.is_valid():
                new_object = self.save_form(request, form, change=True)
                self.save_model(request, new_object, form, change=True)
                form.save_m2m()
                self.log_change(
                    request, new_object, self.construct_change_message(request, form, [])
                )
                return self.response_change(request, new_object)
        else:
            form = form_class(instance=reverted)

        admin_form = helpers.AdminForm(
            form, fieldsets, self.prepopulated_fields, readonly, model_admin=self
        )
        prefix = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}"
        context = {
            **self.admin_site.each_context(request),
            "title": self.history_form_view_title(request, current),
            "adminform": admin_form,
            "object_id": object_id,
            "original": current,
            "is_popup": False,
            "media": mark_safe(self.media + admin_form.media),
            "errors": helpers.AdminErrorList(form, []),
            "app_label": opts.app_label,
            "original_opts": opts,
            "changelist_url": reverse(f"{prefix}_changelist"),
            "change_url": reverse(f"{prefix}_change", args=(current.pk,)),
            "history_url": reverse(f"{prefix}_history", args=(current.pk,)),
            "change_history": False,
            "revert_disabled": self.revert_disabled(request, current),
            "workflow_note": self.workflow_note if self.workflow_fields else "",
            "add": False,
            "change": True,
            "has_add_permission": self.has_add_permission(request),
            "has_view_permission": self.has_view_history_permission(request, current),
            "has_change_permission": self.has_change_history_permission(request, current),
            "has_delete_permission": self.has_delete_permission(request, current),
            "has_file_field": True,
            "has_absolute_url": False,
            "form_url": "",
            "opts": history.model._meta,
            "content_type_id": self.content_type_model_cls.objects.get_for_model(self.model).id,
            "save_as": self.save_as,
            "save_on_top": self.save_on_top,
            "root_path": getattr(self.admin_site, "root_path", None),
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_form_template, context)

    @staticmethod
    def _reverted(current, version, form_fields):
        """Return ``current`` with the values of ``version`` in the fields of the form."""
        for field in current._meta.concrete_fields:
            if field.name in form_fields and not field.primary_key:
                setattr(current, field.attname, getattr(version, field.attname))
        return current
