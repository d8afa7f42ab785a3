"""Forms of the staff pages. The upload form checks the file's safety (size, type, zip
directory) before anything is stored; the rows are checked by the import itself."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.access import Scope
from staff.imports.columns import STAFF, UNITS
from staff.lib.uploads import MAX_UPLOAD_BYTES, UnsafeFile, check_upload
from staff.models import Agency

PROVINCE_WIDE = ""


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh sách (.xlsx hoặc .csv)"),
        help_text=_("Tối đa 20 MB. Dòng tiêu đề có thể nằm dưới các dòng tên bảng."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    kind = forms.ChoiceField(
        label=_("Loại danh sách"),
        choices=[(STAFF, _("Danh sách cán bộ")), (UNITS, _("Danh sách đơn vị"))],
        initial=STAFF,
        widget=forms.RadioSelect,
    )
    agency = forms.ChoiceField(label=_("Cơ quan"), required=False)
    partial = forms.BooleanField(
        label=_("Tệp chỉ gồm một phần cơ quan (không liệt kê người vắng trong tệp)"),
        required=False,
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("name")
        if not scope.is_province_admin():
            agencies = agencies.filter(pk__in=sorted(scope.hr_agency_ids))
        choices = [(a.code, a.name) for a in agencies]
        if scope.is_province_admin():
            choices.insert(0, (PROVINCE_WIDE, _("Toàn tỉnh (theo mã đơn vị trong tệp)")))
        field = self.fields["agency"]
        field.choices = choices
        field.required = not scope.is_province_admin()
        self.only_agency = choices[0][0] if len(choices) == 1 else None
        if self.only_agency is not None:
            # One agency (the usual HR officer): nothing to choose, nothing taken from the client.
            field.required = False
            field.initial = self.only_agency
            field.widget = forms.HiddenInput()

    def clean_agency(self):
        if self.only_agency is not None:
            return self.only_agency
        return self.cleaned_data["agency"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn giới hạn %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        data = upload.read()
        try:
            check_upload(data, upload.name)
        except UnsafeFile as exc:
            raise forms.ValidationError(str(exc)) from exc
        # The bytes travel with the form; the client's file name is kept for display only.
        self.cleaned_data["data"] = data
        return upload
