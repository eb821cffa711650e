"""Django's and the admin libraries' own messages, as our catalogue words them.

The catalogue of ``LOCALE_PATHS`` (locale/zh_Hans) wins over the catalogues the packages
bring (https://docs.djangoproject.com/en/5.2/topics/i18n/translation/#how-django-discovers-translations),
so a message translated there reads in our Chinese: full-width punctuation, no spaces
around Chinese words (Django's own says "确认小数不超过 2 位." and "具有 日期 的 节假日与调休
已存在。"), and Chinese names for the sections of django-axes and django-simple-history
that ship no Chinese. ``makemessages`` keeps only the messages it finds in our code, so
each one is listed here, exactly as the package writes it. Nothing imports this module:
it is read by ``makemessages`` alone.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django/core/validators.py, django/db/models/base.py, django/forms: field errors.
VALIDATION = [
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    gettext_noop("Constraint “%(name)s” is violated."),
    gettext_noop("Value %(value)r is not a valid choice."),
    gettext_noop("This field cannot be null."),
    gettext_noop("Ensure this value is %(limit_value)s (it is %(show_value)s)."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Please correct the duplicate data for %(field)s, which must be unique."),
    gettext_noop("Please correct the duplicate values below."),
    # A form's label suffix (forms.Form.label_suffix): Django's Chinese keeps ":".
    gettext_noop(":"),
]
VALIDATION_PLURALS = [
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
]

# django/contrib/admin: what the admin says after a change, and its index and lists.
ADMIN = [
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop(
        "Deleting %(class_name)s %(instance)s would require deleting the following "
        "protected related objects: %(related_objects)s"
    ),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    gettext_noop("%(full_result_count)s total"),
    gettext_noop("Models in the %(name)s application"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Sorting priority: %(priority_number)s"),
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that "
        "both fields may be case-sensitive."
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related "
        "objects, but your account doesn't have permission to delete the following types of "
        "objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require deleting the "
        "following protected related objects:"
    ),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of '
        "the following related items will be deleted:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, "
        "but your account doesn't have permission to delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would require deleting the following "
        "protected related objects:"
    ),
    gettext_noop(
        "Are you sure you want to delete the selected %(objects_name)s? All of the following "
        "objects and their related items will be deleted:"
    ),
]
ADMIN_PLURALS = [
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.",
        "%(count)s %(name)s were changed successfully.",
        "count",
    ),
    ngettext_lazy("%(counter)s result", "%(counter)s results", "counter"),
    ngettext_lazy("%(total_count)s selected", "All %(total_count)s selected", "total_count"),
]

# django-axes ships no Chinese: its models, fields and admin (the app's own name is set
# in shanwang.apps.AxesConfig).
AXES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]

# django-simple-history: the history page's words its Chinese lacks.
SIMPLE_HISTORY = [
    gettext_noop("Changes"),
    gettext_noop("None"),
    gettext_noop("Deleted %(type_name)s"),
]
