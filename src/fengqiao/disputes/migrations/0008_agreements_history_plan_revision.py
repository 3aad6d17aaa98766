"""A dispute may have several agreements (one in force); 一案一策 plans can be revised.

Existing data is kept as it is: each dispute's single agreement stays attached to it (the one-to-one
column becomes a plain foreign key; the same column keeps its values) and takes status "in_force" (the
new column's default); existing measures are neither cancelled nor marked as added by a revision.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0007_reference_per_station'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='agreement',
            options={'ordering': ['created_at', 'id'], 'verbose_name': '调解协议', 'verbose_name_plural': '调解协议'},
        ),
        migrations.AddField(
            model_name='agreement',
            name='fail_reason',
            field=models.CharField(blank=True, max_length=300, verbose_name='未能履行原因'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='failed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='认定未能履行时间'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='failed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='认定人'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='status',
            field=models.CharField(choices=[('in_force', '有效'), ('failed', '未能履行'), ('superseded', '已被新协议取代')], default='in_force', max_length=20, verbose_name='协议状态'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='superseded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='supersedes', to='disputes.agreement', verbose_name='取代它的协议'),
        ),
        migrations.AddField(
            model_name='stabilisationmeasure',
            name='added_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='加入时间'),
        ),
        migrations.AddField(
            model_name='stabilisationmeasure',
            name='cancel_reason',
            field=models.CharField(blank=True, max_length=300, verbose_name='取消理由'),
        ),
        migrations.AddField(
            model_name='stabilisationmeasure',
            name='cancelled_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='取消时间'),
        ),
        migrations.AddField(
            model_name='stabilisationmeasure',
            name='cancelled_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='取消人'),
        ),
        migrations.AddField(
            model_name='stabilisationplan',
            name='revised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近修订时间'),
        ),
        migrations.AddField(
            model_name='stabilisationplan',
            name='revised_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='修订人'),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='dispute',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='agreements', to='disputes.dispute', verbose_name='纠纷'),
        ),
        migrations.AlterField(
            model_name='disputeevent',
            name='kind',
            field=models.CharField(choices=[('created', '登记'), ('accepted', '受理调解'), ('updated', '修改'), ('level_changed', '等级变更'), ('session_held', '调解'), ('agreement', '达成协议'), ('plan_filed', '一案一策备案'), ('measure_done', '措施完成'), ('closed', '结案'), ('incident_linked', '关联警情'), ('term_checked', '履行回访'), ('party_changed', '当事人变更'), ('plan_revised', '一案一策修订'), ('agreement_failed', '协议未能履行')], max_length=30, verbose_name='事件'),
        ),
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'in_force')), fields=('dispute',), name='agreement_one_in_force_per_dispute'),
        ),
    ]
