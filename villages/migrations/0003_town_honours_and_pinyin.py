"""Honours of the town itself (an honour without a village); villages sort by the pinyin
of their names, stored beside them and filled here for the villages already there."""

import django.db.models.deletion
from django.db import migrations, models

from shanwang.pinyin import PINYIN_FIELDS, name_pinyin


def fill_pinyin(apps, schema_editor):
    """Fill the pinyin columns of the villages already there (save() fills new ones)."""
    Village = apps.get_model("villages", "Village")
    villages = list(Village.objects.only("pk", "name"))
    for village in villages:
        for field, value in name_pinyin(village.name).as_fields().items():
            setattr(village, field, value)
    Village.objects.bulk_update(villages, PINYIN_FIELDS, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0002_text_limits'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='collectiveenterprise',
            options={'ordering': ['village__name_sort', 'name'], 'verbose_name': 'collective enterprise', 'verbose_name_plural': 'collective enterprises'},
        ),
        migrations.AlterModelOptions(
            name='collectiveincome',
            options={'ordering': ['village__name_sort', '-year'], 'verbose_name': 'collective income', 'verbose_name_plural': 'collective incomes'},
        ),
        migrations.AlterModelOptions(
            name='village',
            options={'ordering': ['name_sort', 'name'], 'verbose_name': 'village', 'verbose_name_plural': 'villages'},
        ),
        migrations.AddField(
            model_name='village',
            name='name_initials',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='pinyin initials'),
        ),
        migrations.AddField(
            model_name='village',
            name='name_pinyin',
            field=models.CharField(blank=True, editable=False, max_length=1200, verbose_name='pinyin'),
        ),
        migrations.AddField(
            model_name='village',
            name='name_sort',
            field=models.CharField(blank=True, editable=False, max_length=1400, verbose_name='pinyin sort key'),
        ),
        migrations.AlterField(
            model_name='historicalhonour',
            name='village',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty when the honour was awarded to the town itself.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='villages.village', verbose_name='village'),
        ),
        migrations.AlterField(
            model_name='honour',
            name='village',
            field=models.ForeignKey(blank=True, help_text='Empty when the honour was awarded to the town itself.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='honours', to='villages.village', verbose_name='village'),
        ),
        migrations.AddConstraint(
            model_name='honour',
            constraint=models.UniqueConstraint(condition=models.Q(('village__isnull', True)), fields=('title', 'year'), name='honour_unique_town_year', violation_error_message='The town already has this honour for this year.'),
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop),
    ]
