"""The portfolio's models, one module per concern; every model is importable from here."""

from .alerts import (
    CalendarDay,
    Notification,
    NotificationSettings,
    Reminder,
    ReminderPolicy,
    WebhookChannel,
)
from .documents import Document
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
from .transitions import ReportTransition, StageTransition, Transition

__all__ = [
    "INDICATORS",
    "AnnualPlan",
    "AssessmentWeights",
    "CalendarDay",
    "Document",
    "Funding",
    "FundingSource",
    "Indicator",
    "IndicatorValue",
    "Milestone",
    "Notification",
    "NotificationSettings",
    "Problem",
    "ProblemTransition",
    "ProgressReport",
    "Project",
    "Reminder",
    "ReminderPolicy",
    "ReportPhoto",
    "ReportTransition",
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
