from django import forms

from shanwang.forms import BootstrapFormMixin

from ..models import NotificationSettings
from .notifications import SETTINGS_FIELDS


class NotificationSettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = list(SETTINGS_FIELDS)
