from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("", views.VillageListView.as_view(), name="list"),
    path("<int:pk>/", views.VillageDetailView.as_view(), name="detail"),
    path("income.xlsx", views.IncomeExportView.as_view(), name="income_xlsx"),
    path("income.csv", views.IncomeExportView.as_view(export_format="csv"), name="income_csv"),
]
