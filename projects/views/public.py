"""Public pages of the projects domain: a project with its timeline, the attachments of its
updates, and the review of a reporting round for one wijk (as a page and as a PDF)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from projects import selectors
from projects.models import ProgressUpdate, TeamMembership
from wijkaanpak.common import files
from wijkaanpak.common.pages import page_of
from wijkaanpak.common.pdf import pdf_response, render_pdf_cached
from wijkaanpak.common.ratelimits import limit_pdf_renders

# The only types an attachment can have (projects.validators judges the content on upload).
# Served with the type stored then, never with one guessed from the file name.
ATTACHMENT_TYPES = {
    "image/jpeg": ("inline", ".jpg"),
    "image/png": ("inline", ".png"),
    "application/pdf": ("attachment", ".pdf"),
}


class ProjectDetailView(DetailView):
    """One project: partners with their contributions, the wishes it answers, its public
    timeline. Drafts only for staff, marked as a concept like the contract page."""

    template_name = "projects/project_detail.html"
    context_object_name = "project"
    updates_per_page = 20

    def get_queryset(self):
        return selectors.project_detail_queryset(self.request.user)

    def get_context_data(self, **kwargs):
        project = self.object
        return super().get_context_data(
            contract=project.contract,
            neighbourhood=project.contract.neighbourhood,
            timeline=page_of(
                self.request, selectors.public_timeline(project), self.updates_per_page
            ),
            shows_illustrative=selectors.project_shows_illustrative(project),
            **kwargs,
        )


def _may_see_update(user, update):
    """Public, non-hidden updates of public contracts: anyone. Internal ones: the project's
    team and who may view updates (`projects.view_progressupdate`, the editors). Hidden ones:
    only who may view updates (they were hidden for a reason)."""
    if user.has_perm("projects.view_progressupdate"):
        return True
    if update.hidden:
        return False
    if update.is_public and update.project.contract.is_public:
        return True
    return (
        user.is_authenticated
        and user.is_active
        and TeamMembership.objects.filter(project_id=update.project_id, user=user).exists()
    )


@require_safe
def update_attachment(request, pk, update_pk):
    """The photo or document of one update, to whoever may see that update; else 404.

    Images open in the browser, PDFs download. The content type is the one stored when the
    upload was checked by its content; `nosniff` keeps browsers from guessing another.
    """
    update = (
        ProgressUpdate.objects.select_related("project__contract")
        .filter(pk=update_pk, project_id=pk)
        .first()
    )
    if (
        update is None
        or not update.attachment
        or update.attachment_type not in ATTACHMENT_TYPES
        or not _may_see_update(request.user, update)
    ):
        raise Http404("No such attachment")
    disposition, suffix = ATTACHMENT_TYPES[update.attachment_type]
    # Through the web server in front when it sends protected files (wijkaanpak.common.files).
    response = files.file_response(
        request,
        update.attachment.name,
        content_type=update.attachment_type,
        filename=f"voortgang-{pk}-{update.date:%Y-%m-%d}{suffix}",
        as_attachment=disposition == "attachment",
    )
    if not update.is_public or not update.project.contract.is_public:
        # Not for shared caches: only some visitors may see it.
        response["Cache-Control"] = "private, no-store"
    return response


class RoundReviewView(TemplateView):
    """The review of a reporting round (e.g. the midterm review) for one wijk: every
    requested project with its handed-in report, or that it is missing. A final round is not
    reviewed here: its address leads to the wijk's final evaluation."""

    template_name = "projects/round_review.html"

    def get(self, request, *args, **kwargs):
        if selectors.is_final_round_of(kwargs["slug"], kwargs["round_pk"]):
            return redirect("projects:final_evaluation", slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        review = selectors.round_review(self.kwargs["slug"], self.kwargs["round_pk"])
        return super().get_context_data(**review, **kwargs)


@require_safe
@limit_pdf_renders
def round_review_pdf(request, slug, round_pk):
    """The review of a reporting round for one wijk as a tagged PDF, dated today.

    Rendered once per distinct HTML (wijkaanpak.common.pdf's cache): anonymous visitors asking for
    the same review get the cached bytes; a new report, a change or the next day renders anew.
    """
    if selectors.is_final_round_of(slug, round_pk):
        return redirect("projects:final_evaluation_pdf", slug=slug)
    review = selectors.round_review(slug, round_pk)
    title = f"{review['round'].title} – {review['neighbourhood'].name}"
    language = translation.get_language() or "nl"
    pdf, from_cache = render_pdf_cached(
        "pdf/round_review.html",
        {
            **review,
            "drawn_up_on": timezone.localdate(),
            "municipality_name": settings.MUNICIPALITY_NAME,
        },
        title=title,
        language=language,
    )
    filename = f"{slugify(review['round'].title) or 'ronde'}-{review['neighbourhood'].slug}.pdf"
    response = pdf_response(pdf, filename)
    response["X-Wijkaanpak-Source"] = "cache" if from_cache else "rendered"
    return response


# --- The final evaluation (eindevaluatie) -----------------------------------------------------


class FinalEvaluationView(TemplateView):
    """The final evaluation of the wijk's current contract: per project what was delivered,
    per wish the verdict, the decision on the future and the frozen figures. Before it is
    closed: what will come, and when."""

    template_name = "projects/final_evaluation.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.final_evaluation(self.kwargs["slug"]), **kwargs)


@require_safe
@limit_pdf_renders
def final_evaluation_pdf(request, slug):
    """The closed final evaluation as a tagged A4 PDF; 404 while there is none.

    Nothing on it changes once closed: the PDF is dated by its closing, not by today, so the
    cache (keyed on the HTML, hence on the closing moment) serves it until the cache forgets.
    """
    evaluation = selectors.final_evaluation(slug)
    if evaluation["evaluation"] is None:
        raise Http404("This neighbourhood has no closed final evaluation")
    neighbourhood = evaluation["neighbourhood"]
    language = translation.get_language() or "nl"
    pdf, from_cache = render_pdf_cached(
        "pdf/final_evaluation.html",
        {
            **evaluation,
            "closed_at": evaluation["evaluation"].closed_at,
            "municipality_name": settings.MUNICIPALITY_NAME,
        },
        title=f"{_('Final evaluation')} – {neighbourhood.name}",
        language=language,
    )
    response = pdf_response(pdf, f"eindevaluatie-{neighbourhood.slug}.pdf")
    response["X-Wijkaanpak-Source"] = "cache" if from_cache else "rendered"
    return response
