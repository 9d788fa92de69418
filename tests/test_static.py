"""The web process serves the collected static files itself (gunicorn, DEBUG off), as
the compose stack runs it: the desk's CSS, htmx and keyboard script."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client


def test_it_serves_collected_static_files_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())
    client = Client()  # a new handler: its middleware reads STATIC_ROOT afresh
    css = client.get("/static/reviewapp/desk.css")
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert b".risk-crisis" in b"".join(css.streaming_content)
    assert client.get("/static/reviewapp/keys.js").status_code == 200
    assert client.get("/static/reviewapp/absent.js").status_code == 404
