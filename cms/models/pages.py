"""Wagtail pages for course catalogues: a catalogue per training institution, courses under it,
lessons under a course in tree order. Pages only present; enrolment and study live in `hours`."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from kernel import hooks
from lms.models import Credential, OrganisationKind

from ..forms import CoursePageForm, LessonPageForm
from ..rules.search import cjk_terms


class KnowledgeCategory(models.TextChoices):
    # The 32-hour rule for site professionals needs 22 hours of professional post knowledge.
    GENERAL = "general", _("General safety knowledge")
    PROFESSIONAL = "professional", _("Professional post knowledge")


class CataloguePage(Page):
    """One institution's catalogue. Created with the institution, with the page permissions that let
    only that institution's staff edit and publish beneath it."""

    institution = models.OneToOneField(
        "lms.Organisation",
        on_delete=models.PROTECT,
        related_name="catalogue",
        limit_choices_to={"kind": OrganisationKind.INSTITUTION},
        verbose_name=_("training institution"),
    )
    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.CoursePage"]
    max_count_per_parent = None

    class Meta:
        verbose_name = _("course catalogue")
        verbose_name_plural = _("course catalogues")

    def get_context(self, request, *args, **kwargs):
        from ..selectors.catalogue import catalogue_courses

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = catalogue_courses(self)
        return context


class CoursePage(Page):
    base_form_class = CoursePageForm

    institution = models.ForeignKey(
        "lms.Organisation",
        on_delete=models.PROTECT,
        related_name="courses",
        editable=False,
        null=True,
        verbose_name=_("training institution"),
    )
    summary = models.TextField(_("summary"))
    cover_image = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cover image"),
    )
    credentials = ParentalManyToManyField(Credential, related_name="courses", verbose_name=_("credentials served"))
    category = models.CharField(_("knowledge category"), max_length=16, choices=KnowledgeCategory.choices)
    credit_hours = models.DecimalField(
        _("credit hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_("What the whole course awards: the sum of its lessons' 学时."),
    )
    completion_ratio = models.DecimalField(
        _("share of each lesson to watch"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.90"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("A lesson is complete when this share of it has been watched."),
    )
    forbid_seeking = models.BooleanField(
        _("forbid skipping ahead"), default=True, help_text=_("Learners cannot jump past what they have watched.")
    )
    snapshot_min_seconds = models.PositiveIntegerField(
        _("shortest time between snapshots (seconds)"), default=60, validators=[MinValueValidator(5)]
    )
    snapshot_max_seconds = models.PositiveIntegerField(
        _("longest time between snapshots (seconds)"),
        default=180,
        validators=[MinValueValidator(5)],
        help_text=_("The player takes a webcam snapshot at the start and then at random times within these bounds."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldPanel("credentials", widget=forms.CheckboxSelectMultiple),
                FieldPanel("category"),
                FieldPanel("credit_hours"),
            ],
            heading=_("Credit"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("completion_ratio"),
                FieldPanel("forbid_seeking"),
                FieldPanel("snapshot_min_seconds"),
                FieldPanel("snapshot_max_seconds"),
            ],
            heading=_("Study rules"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        # Chinese has no spaces between words: index single characters and pairs of them.
        index.SearchField("search_terms"),
        index.FilterField("category"),
        index.FilterField("institution"),
    ]
    parent_page_types = ["cms.CataloguePage"]
    subpage_types = ["cms.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def clean(self):
        super().clean()
        if self.snapshot_min_seconds and self.snapshot_max_seconds and self.snapshot_max_seconds < self.snapshot_min_seconds:
            raise ValidationError({"snapshot_max_seconds": _("The longest time must not be shorter than the shortest.")})

    @property
    def search_terms(self) -> str:
        return cjk_terms(f"{self.title} {self.summary}")

    def save(self, *args, **kwargs):
        parent = self.get_parent() if self.path else None
        if parent is not None and isinstance(parent.specific, CataloguePage):
            self.institution_id = parent.specific.institution_id
        super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from ..selectors.catalogue import course_lessons

        context = super().get_context(request, *args, **kwargs)
        # The learning app offers enrolment and study here (slots "cms.course_actions" and
        # "cms.lesson_link"); the catalogue itself only presents.
        context["actions"] = hooks.collect("cms.course_actions", user=request.user, course=self)
        context["lessons"] = [
            (lesson, next(iter(hooks.collect("cms.lesson_link", user=request.user, lesson=lesson)), None))
            for lesson in course_lessons(self)
        ]
        return context


class LessonPage(Page):
    base_form_class = LessonPageForm

    video = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("video file"),
    )
    video_url = models.URLField(_("video address"), blank=True, help_text=_("Use instead of an uploaded file."))
    body = RichTextField(_("text"), blank=True)
    minutes = models.DecimalField(
        _("length in minutes"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    credit_hours = models.DecimalField(
        _("credit hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))],
        help_text=_("At most the lesson's length in 学时 (a 学时 is 45 minutes of study, unless configured otherwise)."),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("video"), FieldPanel("video_url"), FieldPanel("minutes")], heading=_("Video")),
        FieldPanel("credit_hours"),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attachments")),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def clean(self):
        super().clean()
        if bool(self.video_id) == bool(self.video_url):
            raise ValidationError(_("Give the lesson either an uploaded video file or a video address, not both."))

    @property
    def duration_seconds(self) -> float:
        return float(self.minutes) * 60

    @property
    def video_source(self) -> str:
        return self.video.url if self.video_id else self.video_url

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["actions"] = hooks.collect("cms.lesson_actions", user=request.user, lesson=self)
        return context

    @property
    def course(self) -> "CoursePage":
        return self.get_parent().specific


class LessonAttachment(Orderable):
    lesson = ParentalKey(LessonPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("file"))
    title = models.CharField(_("title"), max_length=100, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    def __str__(self) -> str:
        return self.title or self.document.title
