"""Form widgets every app shares."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO 8601 (2026-12-02) whatever the language:
    the localized format of zh-hans (2026/12/02) is refused by <input type="date">, which then
    submits nothing and the form says the field is required."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
