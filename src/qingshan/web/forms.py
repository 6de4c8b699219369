"""The form kit every app's pages build on: the styled form base, the date widget and
the rows of an inline formset (rendered by ``web/includes/formset.html``).

Each app's own forms live in its ``forms.py`` (registry, permits, monitoring, ...).
"""

from __future__ import annotations

from typing import Any

from django import forms

from qingshan.core.validators import date_in_range, validate_plain_text
from qingshan.web import constraints


class StyledForm:
    """Bootstrap classes on every widget, the shared form template, no control
    characters in any text field and no date at the calendar's edges
    (``qingshan.core.validators``)."""

    template_name = "web/forms/form.html"
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()

    def _style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])

    def get_context(self) -> Any:
        # again at rendering: some forms add fields after __init__ (the case action form)
        self._style_widgets()
        return super().get_context()  # type: ignore[misc]

    def full_clean(self) -> None:
        # here, not in __init__: some forms add fields after it (the case action form)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                check = validate_plain_text
            elif isinstance(field, forms.DateField | forms.DateTimeField):
                check = date_in_range  # periods are computed from it
            else:
                continue
            if check not in field.validators:
                field.validators.append(check)
        super().full_clean()  # type: ignore[misc]
        self._readable_errors()

    def _readable_errors(self) -> None:
        # a check constraint's default message names the constraint, not the rule
        for errors in (getattr(self, "_errors", None) or {}).values():
            errors.data = [constraints.readable(message) for message in errors]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def formset_rows(formset: forms.BaseFormSet) -> tuple[list[dict[str, Any]], list[forms.Form]]:  # type: ignore[type-arg]
    """The filled-in, not deleted rows of a valid formset, and the form of each row."""
    rows, row_forms = [], []
    for index, form in enumerate(formset.forms):
        blank_extra = index >= formset.initial_form_count() and not form.has_changed()
        if blank_extra or form.cleaned_data.get("DELETE"):
            continue
        rows.append({name: form.cleaned_data[name] for name in form._meta.fields})
        row_forms.append(form)
    return rows, row_forms
