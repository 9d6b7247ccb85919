"""Forms of the management pages: a question, the bank import, an exam with its blueprint, a
sitting and its candidates. They parse input; the services decide what is allowed."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.tables import max_file_bytes
from lms.models import Credential, Organisation

from ..models import Exam, QuestionKind, TheoryMode
from ..models.bank import OPTION_LETTERS
from ..services.bank import true_false_options
from ..services.exams import MAX_COUNT, MAX_DURATION_MINUTES

# Which form field shows a content error of `exam.services.bank` (exam/errors.py), by its code: the
# first of the fields the form has.
_ANSWER_FIELDS = ("correct", "true_false")
ERROR_FIELDS = {
    "stem_missing": ("stem",),
    "stem_too_long": ("stem",),
    "topic_too_long": ("topic",),
    "explanation_too_long": ("explanation",),
    "single_answer_invalid": _ANSWER_FIELDS,
    "multiple_answer_invalid": _ANSWER_FIELDS,
    "true_false_answer_invalid": _ANSWER_FIELDS,
    "options_missing": ("option_a",),
    "options_duplicate": ("option_a",),
    "option_too_long": ("option_a",),
}


class QuestionForm(forms.Form):
    """A question's content. Creating also chooses the credential and type; editing keeps them.
    Choice questions use options A–F and the right letters; true-or-false uses its answer."""

    credential = forms.ModelChoiceField(queryset=Credential.objects.all(), label=_("Credential"))
    kind = forms.ChoiceField(choices=QuestionKind.choices, label=_("Question type"))
    topic = forms.CharField(
        label=_("Topic"), max_length=100, required=False, help_text=_("For example 法律法规; exams can draw by topic.")
    )
    stem = forms.CharField(label=_("Stem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    option_a = forms.CharField(label=_("Option A"), max_length=500, required=False)
    option_b = forms.CharField(label=_("Option B"), max_length=500, required=False)
    option_c = forms.CharField(label=_("Option C"), max_length=500, required=False)
    option_d = forms.CharField(label=_("Option D"), max_length=500, required=False)
    option_e = forms.CharField(label=_("Option E"), max_length=500, required=False)
    option_f = forms.CharField(label=_("Option F"), max_length=500, required=False)
    correct = forms.MultipleChoiceField(
        label=_("Right options"),
        choices=[(letter, letter) for letter in OPTION_LETTERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Single choice: exactly one. Multiple choice: two or more."),
    )
    true_false = forms.ChoiceField(
        label=_("Answer of a true-or-false question"),
        choices=[("", "—"), ("true", _("True (对)")), ("false", _("False (错)"))],
        required=False,
    )
    explanation = forms.CharField(
        label=_("Answer explanation"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, question=None, **kwargs):
        self.question = question
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(question)
        super().__init__(*args, **kwargs)
        if question is not None:
            del self.fields["credential"]
            del self.fields["kind"]
            if question.kind == QuestionKind.TRUE_FALSE:
                for name in [*self.option_names(), "correct"]:
                    del self.fields[name]
                self.fields["true_false"].required = True
                self.fields["true_false"].label = _("Answer")
            else:
                del self.fields["true_false"]
        else:
            self.fields["true_false"].help_text = _("Only for a true-or-false question, whose options are 正确 and 错误.")

    @staticmethod
    def option_names() -> list[str]:
        return [f"option_{letter.lower()}" for letter in OPTION_LETTERS]

    @classmethod
    def initial_from(cls, question) -> dict:
        version = question.current
        initial = {"topic": question.topic, "stem": version.stem, "explanation": version.explanation}
        if question.kind == QuestionKind.TRUE_FALSE:
            initial["true_false"] = "true" if version.correct == ["true"] else "false"
            return initial
        right = set(version.correct)
        initial["correct"] = []
        for index, option in enumerate(version.options[: len(OPTION_LETTERS)]):
            initial[cls.option_names()[index]] = option["text"]
            if option["id"] in right:
                initial["correct"].append(OPTION_LETTERS[index])
        return initial

    @property
    def kind_value(self) -> str:
        return self.question.kind if self.question is not None else self.cleaned_data.get("kind", "")

    def clean(self):
        cleaned = super().clean()
        kind = self.kind_value
        if kind == QuestionKind.TRUE_FALSE:
            if not cleaned.get("true_false"):
                self.add_error("true_false", _("Choose 对 or 错."))
        elif kind:
            texts = self._texts(cleaned)
            filled = {OPTION_LETTERS[index] for index, text in enumerate(texts) if text}
            missing = [letter for letter in cleaned.get("correct", []) if letter not in filled]
            if missing:
                self.add_error(
                    "correct",
                    _("The right options must be filled in: %(letters)s.") % {"letters": "".join(missing)},
                )
        return cleaned

    def _texts(self, cleaned) -> list[str]:
        texts = [cleaned.get(name, "").strip() for name in self.option_names()]
        while texts and not texts[-1]:
            texts.pop()
        return texts

    def options(self) -> list[dict]:
        """The options as `question_create`/`question_edit` take them; an edited option keeps the id
        of the option that stood at its letter."""
        cleaned = self.cleaned_data
        if self.kind_value == QuestionKind.TRUE_FALSE:
            return true_false_options(cleaned["true_false"] == "true")
        right = set(cleaned.get("correct", []))
        known = self.question.current.options if self.question is not None else []
        options = []
        for index, text in enumerate(self._texts(cleaned)):
            option = {"text": text, "correct": OPTION_LETTERS[index] in right}
            if index < len(known):
                option["id"] = known[index]["id"]
            options.append(option)
        return options

    def add_domain_error(self, error) -> None:
        """Show a content error of the bank service beside its field, or above the form."""
        for problem in error.details.get("errors") or [{"code": error.code, "message": error.message}]:
            names = ERROR_FIELDS.get(problem["code"], ())
            self.add_error(next((name for name in names if name in self.fields), None), problem["message"])


class BankImportForm(forms.Form):
    credential = forms.ModelChoiceField(queryset=Credential.objects.all(), label=_("Credential"))
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "An Excel workbook (.xlsx) or a CSV file with the columns of the template, at most %(size)d MB."
        ) % {"size": max_file_bytes() // (1024 * 1024)}


class ExamForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    credential = forms.ModelChoiceField(queryset=Credential.objects.all(), label=_("Credential"))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=MAX_DURATION_MINUTES)
    pass_mark = forms.DecimalField(label=_("Pass mark"), min_value=Decimal("0"), max_digits=7, decimal_places=2)
    points_single = forms.DecimalField(
        label=_("Points per single-choice question"), min_value=Decimal("0"), max_digits=6, decimal_places=2, initial=Decimal("1")
    )
    points_multiple = forms.DecimalField(
        label=_("Points per multiple-choice question"), min_value=Decimal("0"), max_digits=6, decimal_places=2, initial=Decimal("2")
    )
    points_true_false = forms.DecimalField(
        label=_("Points per true-or-false question"), min_value=Decimal("0"), max_digits=6, decimal_places=2, initial=Decimal("1")
    )
    partial_credit_multiple = forms.BooleanField(
        label=_("Partial credit for multiple choice"),
        required=False,
        help_text=_("A multiple-choice answer with some right options and no wrong one earns part of the points."),
    )
    review_allowed = forms.BooleanField(
        label=_("Candidates may review their answers after the sitting ends"),
        help_text=_("Off for certification exams, so that the bank is not exposed: the right answers and explanations are shown only once the sitting has ended."),
        required=False,
    )
    theory_mode = forms.ChoiceField(label=_("Theory part"), choices=TheoryMode.choices, initial=TheoryMode.ONLINE, required=False)
    theory_max_score = forms.DecimalField(
        required=False,
        label=_("Maximum theory score at a venue"), min_value=Decimal("0.01"), max_digits=7, decimal_places=2, initial=Decimal("100")
    )
    has_practical = forms.BooleanField(label=_("Has a practical part (实操考试)"), required=False)
    practical_max_score = forms.DecimalField(
        required=False,
        label=_("Maximum practical score"), min_value=Decimal("0.01"), max_digits=7, decimal_places=2, initial=Decimal("100")
    )
    practical_pass_mark = forms.DecimalField(
        required=False,
        label=_("Practical pass mark"), min_value=Decimal("0"), max_digits=7, decimal_places=2, initial=Decimal("60")
    )

    def clean(self):
        cleaned = super().clean()
        defaults = {"theory_mode": TheoryMode.ONLINE, "theory_max_score": Decimal("100"),
                    "practical_max_score": Decimal("100"), "practical_pass_mark": Decimal("60")}
        for name, value in defaults.items():
            if cleaned.get(name) in (None, ""):
                cleaned[name] = value
        if (cleaned.get("practical_pass_mark") or 0) > (cleaned.get("practical_max_score") or 0):
            self.add_error("practical_pass_mark", _("The pass mark cannot exceed the maximum score."))
        return cleaned

    @staticmethod
    def initial_from(exam: Exam) -> dict:
        return {
            "title": exam.title,
            "credential": exam.credential_id,
            "duration_minutes": exam.duration_minutes,
            "pass_mark": exam.pass_mark,
            "points_single": exam.points_single,
            "points_multiple": exam.points_multiple,
            "points_true_false": exam.points_true_false,
            "partial_credit_multiple": exam.partial_credit_multiple,
            "review_allowed": exam.review_allowed,
            "theory_mode": exam.theory_mode,
            "theory_max_score": exam.theory_max_score,
            "has_practical": exam.has_practical,
            "practical_max_score": exam.practical_max_score,
            "practical_pass_mark": exam.practical_pass_mark,
        }


class BlueprintRowForm(forms.Form):
    kind = forms.ChoiceField(label=_("Question type"), choices=[("", "—"), *QuestionKind.choices], required=False)
    topic = forms.CharField(label=_("Topic"), max_length=100, required=False, help_text=_("Blank: any topic."))
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=MAX_COUNT, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        if cleaned.get("kind") and not cleaned.get("count"):
            self.add_error("count", _("How many questions of this type?"))
        if cleaned.get("count") and not cleaned.get("kind"):
            self.add_error("kind", _("Choose the question type."))
        return cleaned

    @property
    def row(self) -> tuple[str, str, int] | None:
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("DELETE") or not data.get("kind") or not data.get("count"):
            return None
        return data["kind"], data.get("topic", "").strip(), data["count"]


BlueprintFormSet = forms.formset_factory(BlueprintRowForm, extra=3, can_delete=True, max_num=30, validate_max=True)


class SittingForm(forms.Form):
    exam = forms.ModelChoiceField(queryset=Exam.objects.none(), label=_("Exam"))
    authority = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Authority"))
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Candidates may begin until then; an attempt ends at the exam's duration or here, whichever is first."),
    )
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    institution = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Training institution"),
        required=False,
        help_text=_("Optional: the institution whose candidates sit it; its staff see the results."),
    )

    def __init__(self, *args, exams, authorities, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].queryset = exams
        self.fields["authority"].queryset = authorities
        self.fields["institution"].queryset = institutions
        if authorities.count() == 1:
            self.fields["authority"].initial = authorities.first()
            self.fields["authority"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        # A hidden field's error would not be seen beside it: say it above the form.
        for field in self.hidden_fields():
            for message in self.errors.get(field.name, []):
                self.add_error(None, f"{field.label}: {message}")
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("A sitting ends after it starts."))
        return cleaned


class CandidatesAddForm(forms.Form):
    id_numbers = forms.CharField(
        label=_("ID numbers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, or separated by commas."),
    )
