"""Forms of the task as a whole: the lead's 汇总情况, the office's 整体销号, a leader's 批示."""

from django import forms

from tracker.forms import MultipleFileField, ProgressForm, note_field


class SummaryForm(forms.Form):
    note = note_field("汇总情况", required=True)
    files = MultipleFileField(label="附件", required=False)

    # The same checks as a report's evidence: by content, name and count.
    clean_files = ProgressForm.clean_files


class ItemCloseForm(forms.Form):
    note = note_field("销号意见")


class InstructionForm(forms.Form):
    note = note_field("批示内容", required=True)
