"""What every write of the domain does, for ``services`` and the sub-packages' services:
check the rule itself, validate before saving with the acting user in the history, and
delete stored files only once the transaction has committed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from .rules import may


def require(user, permission: str, obj, message: str) -> None:
    """Raise PermissionDenied(message) unless ``user`` may ``permission`` on ``obj``."""
    # The rules themselves: user.has_perm() lets a superuser past every one of them.
    if not may(user, permission, obj):
        audit_log("access_denied", user=user, permission=permission, object=str(obj))
        raise PermissionDenied(message)


def only_fields(fields, allowed) -> None:
    """Raise ValidationError naming the ``fields`` that are not ``allowed`` (the fields a
    service changes): a caller's mistake, said before anything is saved."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": "、".join(unknown)}
        )


def save(instance, *, acting_user):
    """Validate and save ``instance``, recording ``acting_user`` in its history."""
    instance.full_clean()
    instance._history_user = acting_user
    instance.save()
    return instance


def delete_files_on_commit(files) -> None:
    """Delete the stored ``files`` once the transaction commits: a rollback brings their
    rows back, which must still find their files."""
    files = [file for file in files if file]
    transaction.on_commit(lambda: [file.storage.delete(file.name) for file in files])
