"""Indicators in the work report's groups, with a wording for rankings (全区第一); units
and projects sort by the pinyin of their names, stored beside them and filled here for
the rows already there, with indexes for the project list's pinyin order."""

from django.conf import settings
from django.db import migrations, models

from shanwang.pinyin import PINYIN_FIELDS, name_pinyin

#: The groups of the indicators loaded before there were groups (the rest are "economy").
GROUPS = {
    "rural_revitalization": [
        "village_collective_income",
        "village_collective_income_growth",
        "farmland_added",
        "dry_to_paddy",
        "grain_area",
        "grain_output",
        "full_custody_farmland",
    ],
    "urban_rural": ["afforestation", "rural_road_maintenance"],
    "livelihood": ["elderly_home_adaptations", "urban_unemployment_rate"],
}


def fill_groups(apps, schema_editor):
    Indicator = apps.get_model("projects", "Indicator")
    for group, codes in GROUPS.items():
        Indicator.objects.filter(code__in=codes).update(group=group)


def fill_pinyin(apps, schema_editor):
    """Fill the pinyin columns of the units and projects already there (save() fills new
    ones)."""
    for name in ("ResponsibleUnit", "Project"):
        model = apps.get_model("projects", name)
        rows = list(model.objects.only("pk", "name"))
        for row in rows:
            for field, value in name_pinyin(row.name).as_fields().items():
                setattr(row, field, value)
        model.objects.bulk_update(rows, PINYIN_FIELDS, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0007_hardening_limits_retries'),
        ('villages', '0003_town_honours_and_pinyin'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='project',
            options={'ordering': ['name_sort', 'name'], 'verbose_name': 'project', 'verbose_name_plural': 'projects'},
        ),
        migrations.AlterModelOptions(
            name='responsibleunit',
            options={'ordering': ['kind', 'name_sort', 'name'], 'verbose_name': 'responsible unit', 'verbose_name_plural': 'responsible units'},
        ),
        migrations.RemoveIndex(
            model_name='project',
            name='project_category_name_idx',
        ),
        migrations.RemoveIndex(
            model_name='project',
            name='project_stage_name_idx',
        ),
        migrations.AddField(
            model_name='historicalindicator',
            name='group',
            field=models.CharField(choices=[('economy', 'economy'), ('rural_revitalization', 'rural revitalization'), ('urban_rural', 'urban and rural development'), ('livelihood', "people's livelihood"), ('safety', 'work safety'), ('governance', 'social governance'), ('government', 'government affairs')], default='economy', max_length=30, verbose_name='group'),
        ),
        migrations.AddField(
            model_name='historicalindicatorvalue',
            name='statement',
            field=models.CharField(blank=True, help_text="The report's words for a figure that is not a plain number, such as a ranking (全区第一); shown instead of the number, which keeps the rank (1).", max_length=100, verbose_name='wording'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='group',
            field=models.CharField(choices=[('economy', 'economy'), ('rural_revitalization', 'rural revitalization'), ('urban_rural', 'urban and rural development'), ('livelihood', "people's livelihood"), ('safety', 'work safety'), ('governance', 'social governance'), ('government', 'government affairs')], default='economy', max_length=30, verbose_name='group'),
        ),
        migrations.AddField(
            model_name='indicatorvalue',
            name='statement',
            field=models.CharField(blank=True, help_text="The report's words for a figure that is not a plain number, such as a ranking (全区第一); shown instead of the number, which keeps the rank (1).", max_length=100, verbose_name='wording'),
        ),
        migrations.AddField(
            model_name='project',
            name='name_initials',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='pinyin initials'),
        ),
        migrations.AddField(
            model_name='project',
            name='name_pinyin',
            field=models.CharField(blank=True, editable=False, max_length=1200, verbose_name='pinyin'),
        ),
        migrations.AddField(
            model_name='project',
            name='name_sort',
            field=models.CharField(blank=True, editable=False, max_length=1400, verbose_name='pinyin sort key'),
        ),
        migrations.AddField(
            model_name='responsibleunit',
            name='name_initials',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='pinyin initials'),
        ),
        migrations.AddField(
            model_name='responsibleunit',
            name='name_pinyin',
            field=models.CharField(blank=True, editable=False, max_length=1200, verbose_name='pinyin'),
        ),
        migrations.AddField(
            model_name='responsibleunit',
            name='name_sort',
            field=models.CharField(blank=True, editable=False, max_length=1400, verbose_name='pinyin sort key'),
        ),
        migrations.AlterField(
            model_name='historicalindicator',
            name='kind',
            field=models.CharField(choices=[('absolute', 'absolute value'), ('growth', 'year-on-year growth (%)'), ('rank', 'ranking')], max_length=20, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='indicator',
            name='kind',
            field=models.CharField(choices=[('absolute', 'absolute value'), ('growth', 'year-on-year growth (%)'), ('rank', 'ranking')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['name_sort', 'name'], name='project_name_sort_idx'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['category', 'name_sort', 'name'], name='project_category_sort_idx'),
        ),
        migrations.AddIndex(
            model_name='project',
            index=models.Index(fields=['stage', 'name_sort', 'name'], name='project_stage_sort_idx'),
        ),
        migrations.RunPython(fill_groups, migrations.RunPython.noop),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop),
    ]
