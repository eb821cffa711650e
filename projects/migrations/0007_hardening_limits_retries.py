"""Text fields capped as a model rule; robot addresses limited to the allowed hosts; the
ledger's retry time after a transient failure, and the sweep that retries owed rows."""

import shanwang.models
import shanwang.validators
from django.db import migrations, models

RETRY_TASK = ("提醒重发", "projects.tasks.retry_reminders")


def create_retry_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    name, task = RETRY_TASK
    PeriodicTask.objects.get_or_create(
        name=name, defaults={"task": task, "interval": every, "kwargs": "{}"}
    )


def delete_retry_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=RETRY_TASK[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("projects", "0006_scale_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.AlterField(
            model_name="annualplan",
            name="physical_goals",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="physical goals"
            ),
        ),
        migrations.AlterField(
            model_name="fundingsource",
            name="description",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="description"
            ),
        ),
        migrations.AlterField(
            model_name="historicalannualplan",
            name="physical_goals",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="physical goals"
            ),
        ),
        migrations.AlterField(
            model_name="historicalfundingsource",
            name="description",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="description"
            ),
        ),
        migrations.AlterField(
            model_name="historicalmilestone",
            name="note",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="note"
            ),
        ),
        migrations.AlterField(
            model_name="historicalprogressreport",
            name="narrative",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="progress narrative"
            ),
        ),
        migrations.AlterField(
            model_name="historicalprogressreport",
            name="problems",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="problems"
            ),
        ),
        migrations.AlterField(
            model_name="historicalprogressreport",
            name="review_comment",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="review comment"
            ),
        ),
        migrations.AlterField(
            model_name="historicalproject",
            name="description",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="description"
            ),
        ),
        migrations.AlterField(
            model_name="historicalwebhookchannel",
            name="url",
            field=models.URLField(
                max_length=500,
                validators=[shanwang.validators.AllowedHostURLValidator("ROBOT_WEBHOOK_HOSTS")],
                verbose_name="robot webhook address",
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="note",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="note"
            ),
        ),
        migrations.AlterField(
            model_name="progressreport",
            name="narrative",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="progress narrative"
            ),
        ),
        migrations.AlterField(
            model_name="progressreport",
            name="problems",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="problems"
            ),
        ),
        migrations.AlterField(
            model_name="progressreport",
            name="review_comment",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="review comment"
            ),
        ),
        migrations.AlterField(
            model_name="project",
            name="description",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=5000, verbose_name="description"
            ),
        ),
        migrations.AlterField(
            model_name="reporttransition",
            name="comment",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="comment"
            ),
        ),
        migrations.AlterField(
            model_name="stagetransition",
            name="comment",
            field=shanwang.models.BoundedTextField(
                blank=True, max_length=2000, verbose_name="comment"
            ),
        ),
        migrations.AlterField(
            model_name="webhookchannel",
            name="url",
            field=models.URLField(
                max_length=500,
                validators=[shanwang.validators.AllowedHostURLValidator("ROBOT_WEBHOOK_HOSTS")],
                verbose_name="robot webhook address",
            ),
        ),
        migrations.RunPython(create_retry_schedule, delete_retry_schedule),
    ]
