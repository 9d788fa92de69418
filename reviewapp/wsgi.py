import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a production server without the audit chain's key
# must not start at all (countersign.E004), rather than key the log with a fallback.
from reviewapp.checks import audit_chain_key_set  # noqa: E402 - needs the settings loaded

if missing_key := audit_chain_key_set(None):
    raise ImproperlyConfigured(missing_key[0].msg)
