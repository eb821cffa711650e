"""The default schedule of the alert scans, in django-celery-beat (admins change it there).

The scans run every day and act only on working days, so that adjusted working weekends
get their alerts and holidays none (their alerts go out on the next working day).
"""

import json

from django.db import migrations

TASKS = [
    ("每日节点提醒扫描", "projects.tasks.scan_deadlines", "30"),
    ("月报提醒扫描", "projects.tasks.scan_monthly_reports", "35"),
    ("每周工作摘要", "projects.tasks.send_weekly_digest", "40"),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour="8",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "kwargs": json.dumps({})},
        )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, _, _ in TASKS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("projects", "0003_deadline_alerts"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
