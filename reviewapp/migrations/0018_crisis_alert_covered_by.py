"""A crisis alert may be covered by an earlier one in the same conversation (de-duplication)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviewapp", "0017_audit_keyed_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="crisisalert",
            name="covered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="covered",
                to="reviewapp.crisisalert",
            ),
        ),
    ]
