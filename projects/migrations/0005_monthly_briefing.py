"""The monthly briefing (月报) joins the alert ledger, scanned every day at 08:45 and
sent on the month's second working day (admins change the time in django-celery-beat)."""

import json

from django.db import migrations, models

NAME = "项目调度月报"
TASK = "projects.tasks.send_monthly_briefing"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="45",
        hour="8",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": crontab, "kwargs": json.dumps({})}
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("projects", "0004_default_periodic_tasks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("upcoming", "deadline coming"),
                    ("due", "due today"),
                    ("overdue", "overdue"),
                    ("escalation", "escalation"),
                    ("report_due", "monthly report due"),
                    ("report_overdue", "monthly report overdue"),
                    ("digest", "weekly digest"),
                    ("briefing", "monthly briefing"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("upcoming", "deadline coming"),
                    ("due", "due today"),
                    ("overdue", "overdue"),
                    ("escalation", "escalation"),
                    ("report_due", "monthly report due"),
                    ("report_overdue", "monthly report overdue"),
                    ("digest", "weekly digest"),
                    ("briefing", "monthly briefing"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(create_schedule, delete_schedule),
    ]
