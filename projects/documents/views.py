"""Pages of documents: the upload on the project page, the deletion with its confirmation
step, and the download, always after the permission check."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from shanwang.forms import apply_validation_error
from shanwang.mixins import PortfolioReaderMixin, protected_file_response

from ..models import Document, Project
from ..rules import may
from . import services
from .forms import DocumentForm


def _documents_of(project) -> str:
    return f"{project.get_absolute_url()}#documents"


class DocumentUploadView(PortfolioReaderMixin, View):
    """Add a document to a project: the form stands on the project page and on a page of
    its own (GET); a refused file comes back beside the file field with status 400, and
    nothing is saved."""

    template_name = "projects/documents/document_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.project = get_object_or_404(Project, pk=kwargs["pk"])
            if not may(request.user, "projects.add_document", self.project):
                raise PermissionDenied(_("Documents can only be added to your projects."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return self.render(DocumentForm())

    def post(self, request, pk):
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = services.document_add(
                    project=self.project, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, _("Document “%(title)s” added.") % {"title": document.title}
                )
                return redirect(_documents_of(self.project))
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"project": self.project, "document_form": form},
            status=status,
        )


class DocumentDeleteView(PortfolioReaderMixin, View):
    """Delete a document: GET shows the confirmation step, POST deletes."""

    template_name = "projects/documents/document_confirm_delete.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.document = get_object_or_404(
                Document.objects.select_related("project", "report", "uploaded_by"),
                pk=kwargs["pk"],
            )
            if not may(request.user, "projects.delete_document", self.document):
                raise PermissionDenied(_("You may not delete this document."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(request, self.template_name, {"document": self.document})

    def post(self, request, pk):
        project = self.document.project
        services.document_delete(document=self.document, acting_user=request.user)
        messages.success(
            request, _("Document “%(title)s” deleted.") % {"title": self.document.title}
        )
        return redirect(_documents_of(project))


class DocumentDownloadView(PortfolioReaderMixin, View):
    """Send a document as a download (never shown inline), with the type found in its
    content and its title as the file name; behind nginx, nginx sends the bytes."""

    def get(self, request, pk):
        document = get_object_or_404(Document, pk=pk)
        if not may(request.user, "projects.view_document", document):
            raise PermissionDenied
        return protected_file_response(
            document.file, filename=document.download_name, content_type=document.content_type
        )
