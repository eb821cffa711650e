"""Write-side operations of the portfolio.

Each takes the acting user, checks the permission rules, runs in one transaction,
validates before saving and records who made the change in the history. A refused
action raises PermissionDenied; an invalid one raises ValidationError; in both cases
nothing is saved.
"""

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanwang.audit import audit_log

from .alerts import ledger
from .documents.services import document_add
from .models import (
    Document,
    Milestone,
    ProgressReport,
    Project,
    ReportPhoto,
    ReportTransition,
    StagedUpload,
    StageTransition,
)
from .rules import REPORT_CONTENT_FIELDS, is_administrator
from .targets.services import report_quantities_save
from .workflows import (
    REPORT_TRANSITIONS,
    STAGE_TRANSITIONS,
    Step,
    available_stage_transitions,
    entry_problems,
)
from .writing import delete_files_on_commit, require, save

#: Fields of a project only reviewers and administrators may set.
ASSIGNMENT_FIELDS = ("responsible_unit", "contact_person", "supervising_leader")
#: Fields no form may set directly: the workflows own them.
WORKFLOW_FIELDS = ("stage",)


def _allowed_step(
    transitions: dict[str, Step],
    name: str,
    obj,
    *,
    state: str,
    state_label,
    user,
    comment: str,
    unknown_message: str,
    comment_message: str,
) -> Step:
    """Return the transition ``name`` of a workflow once it is known, possible from
    ``state``, allowed to ``user`` and given the comment it needs; raise otherwise."""
    transition = transitions.get(name)
    if transition is None:
        raise ValidationError(unknown_message % {"name": name})
    if state not in transition.sources:
        raise ValidationError(
            _("“%(action)s” is not possible from the state “%(state)s”.")
            % {"action": transition.label, "state": state_label}
        )
    if not transition.permission.test(user, obj):
        audit_log("access_denied", user=user, action=transition.name, object=str(obj))
        raise PermissionDenied(
            _("You may not “%(action)s” on “%(object)s”.")
            % {"action": transition.label, "object": obj}
        )
    if transition.needs_comment and not comment.strip():
        raise ValidationError({"comment": comment_message})
    return transition


# Projects -----------------------------------------------------------------------------


@transaction.atomic
def project_update(*, project: Project, acting_user, data: dict) -> Project:
    """Change a project's key figures; assignment fields need reviewer or admin rights."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require(
        acting_user,
        "projects.change_project",
        project,
        _("You may only change projects you are responsible for."),
    )
    for name, value in data.items():
        if name in WORKFLOW_FIELDS:
            raise ValidationError(_("The stage changes only through its workflow."))
        if name in ASSIGNMENT_FIELDS and getattr(project, f"{name}_id") != getattr(
            value, "pk", value
        ):
            require(
                acting_user,
                "projects.assign_project",
                project,
                _("Only reviewers and administrators may change who answers for a project."),
            )
        if name != "villages":
            setattr(project, name, value)
    save(project, acting_user=acting_user)
    if "villages" in data:
        project.villages.set(data["villages"])
    return project


@transaction.atomic
def project_stage_change(
    *,
    project: Project,
    transition: str,
    acting_user,
    comment: str = "",
    actual_start: datetime.date | None = None,
    actual_completion: datetime.date | None = None,
) -> Project:
    """Move a project along its stage workflow and record who, when and why."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    step = _allowed_step(
        STAGE_TRANSITIONS,
        transition,
        project,
        state=project.stage,
        state_label=project.get_stage_display(),
        user=acting_user,
        comment=comment,
        unknown_message=_("Unknown stage change “%(name)s”."),
        comment_message=_("Please give the reason in the comment."),
    )
    if actual_start is not None:
        project.actual_start = actual_start
    if actual_completion is not None:
        project.actual_completion = actual_completion
    if problem := step.requirement(project):
        raise ValidationError(problem)
    return _record_stage(
        project,
        step.target or _stage_before_suspension(project),
        acting_user=acting_user,
        comment=comment,
    )


@transaction.atomic
def project_stage_set(*, project: Project, stage: str, acting_user, comment: str) -> Project:
    """Set a project's stage to ``stage`` (the admin form, an import): along the workflow
    step that leads there when ``acting_user`` may take it and the project is ready;
    otherwise as an administrator's correction, recorded as such; refused to anyone else.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if stage == project.stage:
        return project
    if problems := entry_problems(project, stage, from_stage=project.stage):
        # Whoever asks: the reason, not a refusal of the step (approvals still awaited).
        raise ValidationError(problems)
    for step in available_stage_transitions(project, acting_user):
        target = step.target or _stage_before_suspension(project, required=False)
        if target == stage and not step.requirement(project):
            if step.needs_comment and not comment.strip():
                raise ValidationError({"comment": _("Please give the reason in the comment.")})
            return _record_stage(project, stage, acting_user=acting_user, comment=comment)
    if not is_administrator(acting_user):
        audit_log("access_denied", user=acting_user, action="stage_set", object=str(project))
        raise PermissionDenied(
            _("“%(from)s” → “%(to)s” is not a step of the workflow you may take.")
            % {"from": project.get_stage_display(), "to": Project.Stage(stage).label}
        )
    return _record_stage(
        project,
        stage,
        acting_user=acting_user,
        comment=f"{StageTransition.OVERRIDE_MARK}{comment}",
        override=True,
    )


def _record_stage(project: Project, stage: str, *, acting_user, comment: str, override=False):
    """Save ``project`` in ``stage`` with its StageTransition and audit line: the one place
    a stage is written."""
    if problems := entry_problems(project, stage, from_stage=project.stage):
        raise ValidationError(problems)
    from_stage = project.stage
    project.stage = stage
    save(project, acting_user=acting_user)
    StageTransition.objects.create(
        project=project,
        from_stage=from_stage,
        to_stage=project.stage,
        acting_user=acting_user,
        comment=comment,
    )
    audit_log(
        "stage_override" if override else "stage_change",
        user=acting_user,
        project=project.pk,
        to=project.stage,
    )
    return project


def _stage_before_suspension(project: Project, *, required: bool = True) -> str | None:
    suspension = (
        project.stage_transitions.filter(to_stage=Project.Stage.SUSPENDED)
        .order_by("-at", "-pk")
        .first()
    )
    if suspension is None:
        if not required:
            return None
        raise ValidationError(
            _("The stage before the suspension is not recorded; an administrator sets it.")
        )
    return suspension.from_stage


# Milestones ---------------------------------------------------------------------------


@transaction.atomic
def milestone_create(
    *, project: Project, acting_user, title: str, due_date: datetime.date, owner=None, note=""
) -> Milestone:
    """Add a milestone to a project."""
    require(
        acting_user,
        "projects.add_milestone",
        project,
        _("You may only add milestones to projects you are responsible for."),
    )
    milestone = Milestone(project=project, title=title, due_date=due_date, owner=owner, note=note)
    return save(milestone, acting_user=acting_user)


@transaction.atomic
def milestone_complete(
    *, milestone: Milestone, acting_user, completed_on: datetime.date | None = None
) -> Milestone:
    """Mark a milestone as completed on ``completed_on`` (today by default)."""
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    require(
        acting_user,
        "projects.change_milestone",
        milestone,
        _("You may only complete milestones of projects you are responsible for."),
    )
    if milestone.completed_on is not None:
        raise ValidationError(
            _("The milestone “%(title)s” was already completed on %(date)s.")
            % {"title": milestone.title, "date": milestone.completed_on}
        )
    milestone.completed_on = completed_on or timezone.localdate()
    return save(milestone, acting_user=acting_user)


# Monthly reports ----------------------------------------------------------------------


class AlreadySent(Exception):
    """The report of this form's idempotency key exists already (sent twice)."""

    def __init__(self, report):
        super().__init__(report)
        self.report = report


REPORT_FIELDS = REPORT_CONTENT_FIELDS


@transaction.atomic
def progress_report_create(
    *, project: Project, acting_user, month: datetime.date, client_key=None, **fields
) -> ProgressReport:
    """Start a draft monthly report for ``month`` of a project."""
    require(
        acting_user,
        "projects.add_progressreport",
        project,
        _("You may only report on projects you are responsible for."),
    )
    report = ProgressReport(
        project=project,
        month=month.replace(day=1),
        status=ProgressReport.Status.DRAFT,
        client_key=client_key,
        **{name: fields[name] for name in REPORT_FIELDS if name in fields},
    )
    try:
        # A savepoint: a report for the month saved by a parallel request (a double
        # submit) after full_clean looked fails the insert, not the caller's transaction.
        with transaction.atomic():
            return save(report, acting_user=acting_user)
    except IntegrityError:
        if client_key is not None and (
            sent := ProgressReport.objects.filter(client_key=client_key).first()
        ):
            # The same form's report, committed by a parallel request: not an error.
            raise AlreadySent(sent) from None
        # That report is now committed: the constraints say so as full_clean would have.
        report.validate_constraints()
        raise


@transaction.atomic
def progress_report_update(*, report: ProgressReport, acting_user, **fields) -> ProgressReport:
    """Change a draft or returned report; a submitted or approved one is frozen."""
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    if report.status == ProgressReport.Status.APPROVED:
        raise ValidationError(
            _("An approved report cannot be changed; write a new report for a correction.")
        )
    require(
        acting_user,
        "projects.change_progressreport",
        report,
        _("You may only change your projects' draft or returned reports."),
    )
    for name in REPORT_FIELDS:
        if name in fields:
            setattr(report, name, fields[name])
    return save(report, acting_user=acting_user)


def progress_report_step(
    *, report: ProgressReport, transition: str, acting_user, comment: str = ""
) -> Step:
    """Return the review step ``transition`` when ``acting_user`` may take it on
    ``report`` now with ``comment``; raise PermissionDenied or ValidationError otherwise.
    Changes nothing: the confirmation page asks it before the step is confirmed."""
    step = _allowed_step(
        REPORT_TRANSITIONS,
        transition,
        report,
        state=report.status,
        state_label=report.get_status_display(),
        user=acting_user,
        comment=comment,
        unknown_message=_("Unknown review step “%(name)s”."),
        comment_message=_("Please say what needs changing in the comment."),
    )
    if problem := step.requirement(report):
        raise ValidationError(problem)
    return step


@transaction.atomic
def progress_report_transition(
    *, report: ProgressReport, transition: str, acting_user, comment: str = ""
) -> ProgressReport:
    """Submit, approve or return a report, recording who, when and the comment, and the
    step's notices to the people it concerns (ledger.record_review_step)."""
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    step = progress_report_step(
        report=report, transition=transition, acting_user=acting_user, comment=comment
    )
    from_status = report.status
    report.status = step.target
    now = timezone.now()
    if step.target == ProgressReport.Status.SUBMITTED:
        report.submitted_by, report.submitted_at = acting_user, now
    else:
        report.reviewed_by, report.reviewed_at = acting_user, now
        report.review_comment = comment
    save(report, acting_user=acting_user)
    review_step = ReportTransition.objects.create(
        report=report,
        from_status=from_status,
        to_status=report.status,
        acting_user=acting_user,
        comment=comment,
    )
    ledger.record_review_step(review_step)
    if step.target != ProgressReport.Status.SUBMITTED:
        audit_log(f"report_{transition}", user=acting_user, report=report.pk)
    return report


def progress_report_approve(*, report, acting_user, comment: str = "") -> ProgressReport:
    """Approve a submitted report; its figures then count in the portfolio."""
    return progress_report_transition(
        report=report, transition="approve", acting_user=acting_user, comment=comment
    )


@transaction.atomic
def report_photo_add(
    *, report: ProgressReport, acting_user, image, caption: str = "", taken_at=None
) -> ReportPhoto:
    """Attach a site photo to a report that can still be changed."""
    report = ProgressReport.objects.select_related("project").get(pk=report.pk)
    require(
        acting_user,
        "projects.change_progressreport",
        report,
        _("Photos can only be added to your projects' draft or returned reports."),
    )
    photo = ReportPhoto(
        report=report, image=image, caption=caption, taken_at=taken_at, uploaded_by=acting_user
    )
    return save(photo, acting_user=acting_user)


@transaction.atomic
def report_photo_remove(*, photo: ReportPhoto, acting_user) -> None:
    """Remove a photo from a report that can still be changed; its files go once the
    transaction commits (a rollback keeps the photo, so it must keep its files)."""
    photo = ReportPhoto.objects.select_related("report__project").get(pk=photo.pk)
    require(
        acting_user,
        "projects.change_progressreport",
        photo.report,
        _("Photos can only be removed from your projects' draft or returned reports."),
    )
    files = [photo.image, photo.original, photo.thumbnail]
    photo._history_user = acting_user
    photo.delete()
    delete_files_on_commit(files)
    audit_log("report_photo_removed", user=acting_user, report=photo.report_id, photo=photo.pk)


#: Files kept for a form that did not validate are deleted after this long: a form left
#: for two days is not coming back (its page would be reloaded with a new key).
STAGED_UPLOAD_LIFETIME = datetime.timedelta(days=2)
#: The folder (under the StagedUpload upload_to) that tells a kept photo from a document.
STAGED_PHOTO, STAGED_DOCUMENT = "photo", "document"


def staged_is_photo(upload: StagedUpload) -> bool:
    """Return whether a kept upload is a photo (else it is a document)."""
    return upload.file.name.split("/")[-2] == STAGED_PHOTO


@transaction.atomic
def staged_uploads_keep(*, key, acting_user, photos=(), documents=()) -> list[StagedUpload]:
    """Keep the checked files of a report form that did not validate under the form's
    ``key``, so that the user need not choose them again: ``photos`` as (file, caption)
    pairs, ``documents`` as files.

    Expired uploads (older than STAGED_UPLOAD_LIFETIME) are deleted here too: keeping
    files is the only way they arrive, so cleaning up as they arrive bounds what is kept
    without a scheduled task (and a town's server may run no Celery beat)."""
    staged_uploads_expire()
    kept = []
    for folder, upload, caption in [
        *((STAGED_PHOTO, file, caption) for file, caption in photos),
        *((STAGED_DOCUMENT, file, "") for file in documents),
    ]:
        upload.seek(0)
        name = os.path.basename(upload.name)
        staged = StagedUpload(key=key, uploaded_by=acting_user, name=name[:200], caption=caption)
        staged.file.save(f"{folder}/{name}", upload, save=False)
        # The file is on disk before the row commits: a rollback must not leave it there.
        save(staged, acting_user=acting_user)
        kept.append(staged)
    return kept


def staged_uploads_expire(*, now=None) -> int:
    """Delete the uploads kept for longer than STAGED_UPLOAD_LIFETIME; return how many."""
    expired = StagedUpload.objects.filter(
        created_at__lt=(now or timezone.now()) - STAGED_UPLOAD_LIFETIME
    )
    files = [upload.file for upload in expired]
    count, _deleted = expired.delete()
    delete_files_on_commit(files)
    return count


def _attach_staged(report: ProgressReport, *, acting_user, key, captions, remove, kind) -> None:
    """Turn the uploads kept under ``key`` into the report's photos and documents; delete
    the ones the user removed. Their files go once the transaction commits."""
    staged = list(StagedUpload.objects.select_for_update().filter(key=key, uploaded_by=acting_user))
    removed = {upload.pk for upload in remove}
    for upload in staged:
        if upload.pk not in removed:
            with upload.file.open("rb") as content:
                file = File(content, name=upload.name)
                if staged_is_photo(upload):
                    caption = captions.get(upload.pk, upload.caption)
                    _report_photo_add(report, acting_user=acting_user, image=file, caption=caption)
                else:
                    _report_document_add(report, acting_user=acting_user, file=file, kind=kind)
    if staged:
        StagedUpload.objects.filter(pk__in=[upload.pk for upload in staged]).delete()
        delete_files_on_commit([upload.file for upload in staged])


def _report_photo_add(report: ProgressReport, *, acting_user, image, caption: str):
    try:
        return report_photo_add(
            report=report, acting_user=acting_user, image=image, caption=caption
        )
    except ValidationError as error:
        # On the form, a photo's problem belongs beside the photo field.
        raise ValidationError({"photo": error.messages}) from None


def _report_document_add(report: ProgressReport, *, acting_user, file, kind: str):
    try:
        return document_add(
            project=report.project,
            report=report,
            acting_user=acting_user,
            file=file,
            kind=kind,
            # The name the user gave the file (关于……的批复.pdf) says what it is.
            title=os.path.splitext(os.path.basename(file.name))[0][:200],
        )
    except ValidationError as error:
        raise ValidationError({"document": error.messages}) from None


@transaction.atomic
def progress_report_save(
    *,
    acting_user,
    fields: dict,
    project: Project | None = None,
    report: ProgressReport | None = None,
    photos=(),
    documents=(),
    document_kind: str = Document.Kind.OTHER,
    staged_key=None,
    staged_captions: dict | None = None,
    remove_staged=(),
    remove_photos=(),
    submit: bool = False,
    client_key=None,
    quantities: dict | None = None,
) -> ProgressReport:
    """Create (with ``project``) or change (with ``report``) a monthly report with its
    files and the quantities it gives for its physical targets (``quantities``,
    {target: quantity or None to clear}), and optionally submit it, all or nothing.

    ``photos`` are (file, caption) pairs, ``documents`` files of ``document_kind``; the
    uploads kept under ``staged_key`` for this user become photos and documents too
    (with ``staged_captions`` by upload pk), but for ``remove_staged``;
    ``remove_photos`` are photos of the report to remove.

    ``client_key`` is the idempotency key of the form that made a new report: a report
    already created with it (the same form sent twice, a phone's outbox resending after
    a lost answer) is returned as it is, and nothing is created or changed again."""
    if report is None and client_key is not None:
        existing = ProgressReport.objects.filter(client_key=client_key).first()
        if existing is not None:
            return existing
    if report is None:
        fields = dict(fields)
        try:
            report = progress_report_create(
                project=project,
                acting_user=acting_user,
                month=fields.pop("month"),
                client_key=client_key,
                **fields,
            )
        except AlreadySent as sent:
            return sent.report
    else:
        report = progress_report_update(report=report, acting_user=acting_user, **fields)
    for photo in remove_photos:
        if photo.report_id != report.pk:
            raise ValidationError({"remove_photo": _("That photo belongs to another report.")})
        report_photo_remove(photo=photo, acting_user=acting_user)
    if staged_key is not None:
        _attach_staged(
            report,
            acting_user=acting_user,
            key=staged_key,
            captions=staged_captions or {},
            remove=remove_staged,
            kind=document_kind,
        )
    for image, caption in photos:
        _report_photo_add(report, acting_user=acting_user, image=image, caption=caption)
    for file in documents:
        _report_document_add(report, acting_user=acting_user, file=file, kind=document_kind)
    report_quantities_save(report, acting_user=acting_user, quantities=quantities)
    if submit:
        report = progress_report_transition(
            report=report, transition="submit", acting_user=acting_user
        )
    return report


# Site photos as evidence --------------------------------------------------------------


@transaction.atomic
def project_site_from_photo(*, photo: ReportPhoto, acting_user) -> Project:
    """Make the position where ``photo`` was taken the site point of its project."""
    photo = ReportPhoto.objects.select_related("report").get(pk=photo.pk)
    project = Project.objects.select_for_update().get(pk=photo.report.project_id)
    require(
        acting_user,
        "projects.change_project",
        project,
        _("You may only change projects you are responsible for."),
    )
    if not photo.located:
        raise ValidationError(_("The photo does not say where it was taken."))
    before = (project.site_latitude, project.site_longitude)
    project.site_latitude, project.site_longitude = photo.latitude, photo.longitude
    save(project, acting_user=acting_user)
    audit_log(
        "project_site_from_photo",
        user=acting_user,
        project=project.pk,
        photo=photo.pk,
        before=before,
        after=(project.site_latitude, project.site_longitude),
    )
    return project
