"""The notification settings form (one delivery choice per kind)."""

from django import forms

from reviews.choices import Delivery, NotificationKind


class NotificationPreferencesForm(forms.Form):
    """One delivery choice per kind of notification."""

    def __init__(self, *args, initial_preferences: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices,
                initial=initial_preferences.get(kind.value, Delivery.IMMEDIATE))
