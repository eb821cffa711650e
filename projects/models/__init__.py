"""The portfolio's models, one module per concern; every model is importable from here."""

from .alerts import (
    CalendarDay,
    Notification,
    NotificationSettings,
    Reminder,
    ReminderPolicy,
    WebhookChannel,
)
from .approvals import ApprovalItem, ApprovalTemplate, ApprovalTemplateItem
from .baselines import PlanBaseline, PlanBaselineEntry
from .documents import Document
from .funds import FundEntry
from .indicators import Indicator, IndicatorValue
from .portfolio import (
    AnnualPlan,
    Funding,
    FundingSource,
    Milestone,
    Project,
    ResponsibleUnit,
    TrafficLightThresholds,
)
from .reports import ProgressReport, ReportPhoto, StagedUpload
from .supervision import (
    INDICATORS,
    AssessmentWeights,
    Problem,
    ProblemTransition,
    SchedulingMeeting,
    SupervisionOrder,
    SupervisionOrderTransition,
)
from .targets import PhysicalTarget, ReportedQuantity
from .transitions import ReportTransition, StageTransition, Transition

__all__ = [
    "INDICATORS",
    "AnnualPlan",
    "ApprovalItem",
    "ApprovalTemplate",
    "ApprovalTemplateItem",
    "AssessmentWeights",
    "CalendarDay",
    "Document",
    "FundEntry",
    "Funding",
    "FundingSource",
    "Indicator",
    "IndicatorValue",
    "Milestone",
    "Notification",
    "NotificationSettings",
    "PhysicalTarget",
    "PlanBaseline",
    "PlanBaselineEntry",
    "Problem",
    "ProblemTransition",
    "ProgressReport",
    "Project",
    "Reminder",
    "ReminderPolicy",
    "ReportPhoto",
    "ReportTransition",
    "ReportedQuantity",
    "ResponsibleUnit",
    "SchedulingMeeting",
    "StageTransition",
    "StagedUpload",
    "SupervisionOrder",
    "SupervisionOrderTransition",
    "TrafficLightThresholds",
    "Transition",
    "WebhookChannel",
]
