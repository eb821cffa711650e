"""The scheduling meeting's pages (调度会): the meetings, one meeting with its decisions,
its record (new, edited), a decision turned into a problem or an order in one step, and
the pack of a day as a page that prints on A4, a workbook and a PDF.

Every role reads them (a staff member sees the decisions and problems of their units);
reviewers, leaders and administrators record meetings and decisions."""

import io
import logging

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from shanwang import printing
from shanwang.forms import apply_validation_error
from shanwang.mixins import detail_with_errors
from shanwang.spreadsheets.exports import xlsx_response

from ... import selectors
from ...briefing.views import NO_PDF, PDF_BUSY, PDF_TOO_SLOW
from ...models import SchedulingMeeting
from ...rules import may
from .. import meetings, pack_pdf, pack_xlsx, services
from ..forms.meetings import DecisionForm, MeetingForm, PackForm
from ..pack import meeting_pack

logger = logging.getLogger(__name__)


class SupervisionReaderMixin(PermissionRequiredMixin):
    """Every role reads the meetings; a user without a role gets 403."""

    permission_required = "projects.read_supervision"


class MeetingRecorderMixin(SupervisionReaderMixin):
    """Only reviewers, leaders and administrators record meetings (the rule itself, for
    superusers too)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.meeting = (
                get_object_or_404(meetings.meeting_detail(), pk=kwargs["pk"])
                if "pk" in kwargs
                else None
            )
            if not may(request.user, "projects.record_meeting", self.meeting):
                raise PermissionDenied(
                    _("Only reviewers, leaders and administrators record scheduling meetings.")
                )
        return super().dispatch(request, *args, **kwargs)


def pack_url(meeting: SchedulingMeeting, *, today) -> str:
    """Return the link to the pack of ``meeting``: as of its day (today for a meeting to
    come), for it."""
    day = min(meeting.held_on, today)
    query = urlencode({"date": day.isoformat(), "meeting": meeting.pk})
    return f"{reverse('projects:meeting_pack')}?{query}"


class MeetingListView(SupervisionReaderMixin, ListView):
    template_name = "projects/supervision/meeting_list.html"
    context_object_name = "meetings"
    paginate_by = 50

    def get_queryset(self):
        return meetings.meeting_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            may_record=may(self.request.user, "projects.record_meeting"), **kwargs
        )


class MeetingDetailView(SupervisionReaderMixin, DetailView):
    """A meeting: its record, its decisions with their status, and for those who record
    meetings the form that turns a decision into a problem or an order."""

    template_name = "projects/supervision/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return meetings.meeting_detail()

    def get_context_data(self, **kwargs):
        meeting, user = self.object, self.request.user
        may_record = may(user, "projects.record_meeting", meeting)
        if may_record:
            kwargs.setdefault(
                "decision_form", DecisionForm.for_project(self.request.GET.get("project", ""))
            )
        decisions = meetings.meeting_decisions(meeting, user=user)
        return super().get_context_data(
            decisions=decisions,
            decision_count=len(decisions["problems"]) + len(decisions["orders"]),
            may_record=may_record,
            pack_url=pack_url(meeting, today=selectors.today()),
            **kwargs,
        )


class MeetingFormView(MeetingRecorderMixin, View):
    """A meeting's record, new or changed (meeting_save); bad input comes back at its
    fields with status 400, and nothing is saved."""

    template_name = "projects/supervision/meeting_form.html"

    def get(self, request, **kwargs):
        initial = MeetingForm.initial_of(self.meeting) if self.meeting else {}
        return self.render(MeetingForm(initial=initial))

    def post(self, request, **kwargs):
        form = MeetingForm(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            attendees = fields.pop("attendees")
            try:
                meeting = services.meeting_save(
                    acting_user=request.user, meeting=self.meeting, attendees=attendees, **fields
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, _("Meeting “%(title)s” saved.") % {"title": meeting.title}
                )
                return redirect(meeting)
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"meeting": self.meeting, "form": form},
            status=status,
        )


class MeetingCreateView(MeetingFormView):
    pass


class MeetingUpdateView(MeetingFormView):
    pass


class MeetingDecisionView(MeetingRecorderMixin, View):
    """Record a decision of the meeting as an assigned problem or an issued order in one
    step (meeting_decide); bad input comes back on the meeting's page with status 400."""

    def post(self, request, pk):
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                item = services.meeting_decide(
                    acting_user=request.user, meeting=self.meeting, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Decision recorded: %(item)s.") % {"item": item})
                return redirect(f"{self.meeting.get_absolute_url()}#decisions")
        return detail_with_errors(request, MeetingDetailView, kwargs={"pk": pk}, decision_form=form)


class PackMixin(SupervisionReaderMixin):
    """The pack of the day in ?date=YYYY-MM-DD (default today), of the meeting in
    ?meeting= when given; a bad day or meeting gets status 400 and its reason."""

    def get(self, request, *args, **kwargs):
        self.form = PackForm(request.GET, today=selectors.today())
        if not self.form.is_valid():
            return self.bad_request()
        return self.answer(
            meeting_pack(
                on=self.form.cleaned_data["date"],
                meeting=self.form.cleaned_data["meeting"],
                user=request.user,
            )
        )

    def bad_request(self):
        message = "；".join(message for errors in self.form.errors.values() for message in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class MeetingPackView(PackMixin, TemplateView):
    """调度会材料: the pack as a page that prints on A4."""

    template_name = "projects/supervision/pack.html"

    def answer(self, pack):
        return self.render_to_response(self.page_context(pack=pack))

    def bad_request(self):
        return self.render_to_response(self.page_context(), status=400)

    def page_context(self, pack=None):
        return self.get_context_data(
            form=self.form,
            pack=pack,
            pack_query=_pack_query(pack) if pack else "",
            pdf_available=printing.chromium_path() is not None,
        )


def _pack_query(pack) -> str:
    query = {"date": pack.on.isoformat()}
    if pack.meeting is not None:
        query["meeting"] = pack.meeting.pk
    return urlencode(query)


class MeetingPackWorkbookView(PackMixin, View):
    def answer(self, pack):
        return xlsx_response(pack_xlsx.pack_workbook(pack), pack_xlsx.pack_filename(pack, "xlsx"))


class MeetingPackPdfView(PackMixin, View):
    def answer(self, pack):
        try:
            document = pack_pdf.pack_pdf(pack)
        except printing.PdfUnavailable as error:
            logger.warning("Meeting pack PDF of %s: %s", pack.on.isoformat(), error)
            return _no_pdf(error)
        return FileResponse(
            io.BytesIO(document),
            as_attachment=True,
            filename=pack_xlsx.pack_filename(pack, "pdf"),
            content_type="application/pdf",
        )


def _no_pdf(error: printing.PdfUnavailable) -> HttpResponse:
    """Answer 503 with the reason, as the briefing does; a reader who found every print
    slot taken is told when to come back."""
    reasons = {printing.PdfBusy: PDF_BUSY, printing.PdfTimedOut: PDF_TOO_SLOW}
    response = HttpResponse(
        str(reasons.get(type(error), NO_PDF)), status=503, content_type="text/plain; charset=utf-8"
    )
    if isinstance(error, printing.PdfBusy):
        response["Retry-After"] = str(printing.RETRY_AFTER_SECONDS)
    return response
