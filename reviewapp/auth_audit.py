"""Logins, failed logins, lockouts and logouts, into the audit log (connected in apps.ready)."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from reviewapp.audit import audit_record
from reviewapp.sign_in import ACTIVE_AT, LOGGED_IN_AT


def _logged_in(sender, request, user, **kwargs):
    now = time.time()
    request.session[LOGGED_IN_AT] = now
    request.session[ACTIVE_AT] = now
    audit_record(action="login", actor=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    # The username typed is kept (it names a staff account or a mistake, not a patient).
    audit_record(
        action="login.failed",
        actor_kind="anonymous",
        request=request,
        username=str(credentials.get("username", ""))[:150],
    )


def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(
        action="login.locked_out",
        actor_kind="anonymous",
        request=request,
        username=str(username or "")[:150],
    )


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", actor=user, request=request)


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="countersign-login")
    user_login_failed.connect(_login_failed, dispatch_uid="countersign-login-failed")
    user_locked_out.connect(_locked_out, dispatch_uid="countersign-locked-out")
    user_logged_out.connect(_logged_out, dispatch_uid="countersign-logout")
