"""The simulator page's form: a published rule-set version and a batch, pasted or uploaded.

The page names one problem at a time, next to its input, in the order it checks them: the
uploaded file, then the rule set, then the batch (empty, not JSON). What the simulator itself
refuses (``scoring.simulator.SimulationError``) is added after the form is valid
(``add_simulation_error``), in the same shape. Each problem is shown in the page's language with
the other language beside it (``errors``: field → path, message, translation).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from scoring.models import RuleSet
from scoring.simulator import SimulationError

MAX_BATCH_BYTES = 5 * 1024 * 1024


def bilingual_error(path: str, message: str, message_en: str) -> dict[str, str]:
    """A problem as the page shows it: in the page's language, the other one as translation."""
    english = translation.get_language() == "en"
    return {
        "path": path,
        "message": message_en if english else message,
        "translation": message if english else message_en,
    }


class SimulatorForm(forms.Form):
    """Fields are cleaned in the order declared; ``clean`` goes on only if the file was read.

    Plain ``forms.Field`` for the text: the batch is kept exactly as typed (no stripping, no
    NUL-character check) for the JSON parser to judge, and the rule-set choice is matched as
    sent. ``ruleset`` is "CODE:VERSION"; when the post has none, ``default_choice`` (the page's
    ``?ruleset=``, which the rule-set page links with) is used. ``action`` "example" asks for
    the example batch instead (``wants_example``): nothing is checked then.
    """

    batch_file = forms.FileField(required=False, allow_empty_file=True, widget=forms.FileInput)
    ruleset = forms.Field(required=False)
    batch = forms.Field(required=False)

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        rulesets: list[RuleSet],
        default_choice: str = "",
    ) -> None:
        super().__init__(data, files)
        self.rulesets = rulesets
        self.default_choice = default_choice
        # The batch as the page shows it back (set by ``clean``) and the problems it shows.
        self.text = ""
        self.errors_shown: dict[str, dict[str, str]] = {}

    # --- the rule set ----------------------------------------------------------------------

    @cached_property
    def _choice(self) -> str:
        return self.data.get("ruleset") or self.default_choice or ""

    @cached_property
    def _chosen(self) -> RuleSet | None:
        return next((r for r in self.rulesets if f"{r.code}:{r.version}" == self._choice), None)

    @property
    def selected(self) -> RuleSet | None:
        """The version chosen, else (nothing or something unknown chosen) the first published."""
        if self._chosen is None and self.rulesets:
            return self.rulesets[0]
        return self._chosen

    @property
    def wants_example(self) -> bool:
        """The "load the example" button: fill the box, check nothing."""
        return self.is_bound and self.data.get("action") == "example"

    # --- cleaning --------------------------------------------------------------------------

    def clean_batch_file(self) -> str | None:
        """The uploaded file's text (it wins over the pasted text); None without a file."""
        upload = self.cleaned_data.get("batch_file")
        if upload is None:
            return None
        if upload.size > MAX_BATCH_BYTES:
            raise self._refusal(
                "batch_file", "batch_file", _("Tệp lớn hơn 5 MB."), "The file is larger than 5 MB."
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise self._refusal(
                "batch_file",
                "batch_file",
                _("Tệp không phải văn bản UTF-8 (cần tệp .json)."),
                "The file is not UTF-8 text (a .json file is expected).",
            ) from None

    def clean(self) -> dict[str, Any]:
        """The rule set, then the batch: ``cleaned_data["data"]`` is the parsed JSON."""
        cleaned = super().clean()
        # The file's text when one was read, else what was pasted: kept before any refusal,
        # which drops the field from ``cleaned_data``.
        file_text = cleaned.get("batch_file")
        self.text = file_text if file_text is not None else cleaned.get("batch") or ""
        if self.errors_shown:  # the file was refused: that is the one problem shown
            return cleaned
        if self.selected is None:
            self._refuse(
                "ruleset",
                "ruleset",
                _("Chưa có bộ quy tắc nào được công bố."),
                "No rule set is published yet.",
            )
        elif self._choice and self._chosen is None:
            self._refuse(
                "ruleset",
                "ruleset",
                _("Hãy chọn một phiên bản đã công bố."),
                "Choose a published version.",
            )
        elif not self.text.strip():
            self._refuse(
                "batch",
                "",
                _("Hãy dán một lô JSON hoặc chọn tệp .json."),
                "Paste a JSON batch or choose a .json file.",
            )
        else:
            try:
                cleaned["data"] = json.loads(self.text, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                self._refuse(
                    "batch",
                    "",
                    _("JSON không hợp lệ ở dòng %(line)s, cột %(col)s: %(msg)s")
                    % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
                    f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                )
        return cleaned

    def add_simulation_error(self, exc: SimulationError) -> None:
        """What the simulator refused: a bad rule set next to the list, the rest next to the
        batch, with the JSON path of the problem."""
        field = "ruleset" if exc.path == "ruleset" else "batch"
        self._refuse(field, exc.path, exc.message, exc.message_en)

    # --- recording a problem ---------------------------------------------------------------

    def _refusal(self, field: str, path: str, message: str, message_en: str) -> ValidationError:
        """Record the problem for the page and return it as the form's error for ``field``."""
        shown = bilingual_error(path, message, message_en)
        self.errors_shown[field] = shown
        return ValidationError(shown["message"], code=field)

    def _refuse(self, field: str, path: str, message: str, message_en: str) -> None:
        self.add_error(field, self._refusal(field, path, message, message_en))
