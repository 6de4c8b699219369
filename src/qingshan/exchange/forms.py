"""The upload form: cheap checks at once; the workbook's shape is checked by the job."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from qingshan.exchange.reader import max_bytes

ZIP_SIGNATURE = b"PK\x03\x04"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > max_bytes():
            raise forms.ValidationError(
                _("文件过大：上限 %(limit)s MB，请拆分后导入"),
                params={"limit": max_bytes() // (1024 * 1024)},
            )
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 工作簿"))
        head = upload.read(len(ZIP_SIGNATURE))
        upload.seek(0)
        if head != ZIP_SIGNATURE:
            raise forms.ValidationError(
                _("文件不是 .xlsx 工作簿（请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”）")
            )
        return upload
