"""督办's pages; included by projects/urls.py, in its ``projects`` namespace."""

from django.urls import path

from .views import ledger, meetings, orders, ranking

urlpatterns = [
    # The problem ledger (问题台账)
    path("problems/", ledger.ProblemListView.as_view(), name="problems"),
    path("problems/<int:pk>/", ledger.ProblemDetailView.as_view(), name="problem"),
    path(
        "problems/<int:pk>/steps/<slug:step>/",
        ledger.ProblemStepView.as_view(),
        name="problem_step",
    ),
    path(
        "problem-steps/<int:pk>/evidence/",
        ledger.ProblemEvidenceView.as_view(),
        name="problem_evidence",
    ),
    path("projects/<int:pk>/problems/new/", ledger.ProblemCreateView.as_view(), name="problem_add"),
    path(
        "reports/<int:pk>/problems/<int:line>/",
        ledger.ProblemFromReportView.as_view(),
        name="problem_from_report",
    ),
    # Supervision orders (督办单)
    path("orders/", orders.OrderListView.as_view(), name="orders"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order"),
    path("orders/<int:pk>/steps/<slug:step>/", orders.OrderStepView.as_view(), name="order_step"),
    path("projects/<int:pk>/orders/new/", orders.OrderIssueView.as_view(), name="order_add"),
    # The scheduling meeting (调度会) and its pack
    path("meetings/", meetings.MeetingListView.as_view(), name="meetings"),
    path("meetings/new/", meetings.MeetingCreateView.as_view(), name="meeting_add"),
    path("meetings/<int:pk>/", meetings.MeetingDetailView.as_view(), name="meeting"),
    path("meetings/<int:pk>/edit/", meetings.MeetingUpdateView.as_view(), name="meeting_edit"),
    path(
        "meetings/<int:pk>/decisions/",
        meetings.MeetingDecisionView.as_view(),
        name="meeting_decision",
    ),
    path("meetings/pack/", meetings.MeetingPackView.as_view(), name="meeting_pack"),
    path(
        "meetings/pack/xlsx/", meetings.MeetingPackWorkbookView.as_view(), name="meeting_pack_xlsx"
    ),
    path("meetings/pack/pdf/", meetings.MeetingPackPdfView.as_view(), name="meeting_pack_pdf"),
    # The units' monthly ranking (考核)
    path("ranking/", ranking.RankingView.as_view(), name="ranking"),
    path("ranking/units/<int:pk>/", ranking.RankingUnitView.as_view(), name="ranking_unit"),
]
