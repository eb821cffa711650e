"""The monthly briefing (月报) as a page, a workbook and a PDF."""

import io
import logging

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from shanwang.spreadsheets.exports import xlsx_response

from .. import selectors
from . import figures, pdf, xlsx

logger = logging.getLogger(__name__)

#: Why no PDF came, as the reader is told (status 503).
NO_PDF = _("The PDF cannot be made on this server; print the page instead.")
PDF_BUSY = _("The PDF is being prepared for other readers; try again in a minute.")
PDF_TOO_SLOW = _(
    "Making the PDF took too long and was stopped; try again later, or print the page instead."
)


class BriefingMixin(PermissionRequiredMixin):
    """The monthly briefing of the month in ?month=YYYY-MM (default: last month), for
    leaders, reviewers and administrators; a bad month gets status 400 and its reason."""

    permission_required = "projects.read_briefing"

    def get(self, request, *args, **kwargs):
        try:
            month = figures.parse_month(request.GET.get("month"), today=selectors.today())
        except ValidationError as error:
            return self.bad_month(error.messages[0])
        return self.answer(figures.monthly_briefing(month=month))

    def bad_month(self, message: str):
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class BriefingView(BriefingMixin, TemplateView):
    """月报: the briefing as a page that prints on A4."""

    template_name = "projects/briefing.html"

    def answer(self, monthly):
        return self.render_to_response(self.page_context(briefing=monthly))

    def bad_month(self, message):
        context = self.page_context(month_error=message)
        return self.render_to_response(context, status=400)

    def page_context(self, **kwargs):
        return self.get_context_data(
            month_value=self.request.GET.get("month", ""),
            pdf_available=pdf.chromium_path() is not None,
            **kwargs,
        )


class BriefingWorkbookView(BriefingMixin, View):
    def answer(self, monthly):
        return xlsx_response(
            xlsx.briefing_workbook(monthly),
            xlsx.briefing_filename(monthly, "xlsx"),
        )


class BriefingPdfView(BriefingMixin, View):
    def answer(self, monthly):
        try:
            document = pdf.briefing_pdf(monthly)
        except pdf.PdfUnavailable as error:
            logger.warning("Briefing PDF of %s: %s", f"{monthly.month:%Y-%m}", error)
            return self.no_pdf(error)
        return FileResponse(
            io.BytesIO(document),
            as_attachment=True,
            filename=xlsx.briefing_filename(monthly, "pdf"),
            content_type="application/pdf",
        )

    def no_pdf(self, error: pdf.PdfUnavailable) -> HttpResponse:
        """Answer 503 with the reason; a reader who found every print slot taken is told
        when to come back."""
        reasons = {pdf.PdfBusy: PDF_BUSY, pdf.PdfTimedOut: PDF_TOO_SLOW}
        response = HttpResponse(
            str(reasons.get(type(error), NO_PDF)),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        if isinstance(error, pdf.PdfBusy):
            response["Retry-After"] = str(pdf.RETRY_AFTER_SECONDS)
        return response
