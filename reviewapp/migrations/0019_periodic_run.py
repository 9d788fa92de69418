from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reviewapp", "0018_crisis_alert_covered_by")]

    operations = [
        migrations.CreateModel(
            name="PeriodicRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("task", models.CharField(max_length=200, unique=True)),
                ("ran_at", models.DateTimeField()),
            ],
        ),
    ]
