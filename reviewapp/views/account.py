"""The second factor: enrolling a TOTP authenticator, and proving it at each login.

Where users may enrol themselves (the demo), one with no confirmed device is
shown a new secret (as a QR code and as text) and confirms it with a first code.
Where they may not (production's default), the secret comes from an
administrator, out of band (``manage.py enrolauthenticator``), and the page
never shows it: it asks for a code, and the first right one confirms the issued
device. Otherwise whoever holds only the password could read the secret off the
page and hold a working second factor. Afterwards each login asks for a code.
django-otp throttles repeated wrong codes; every outcome is audited.
"""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviewapp.audit import audit_record
from reviewapp.lib.next_url import same_site_or_root

DEVICE_NAME = "authenticator"


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the six digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def new_device(user) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for ``user`` (confirmed by its first right code)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _next_url(request: HttpRequest) -> str:
    return same_site_or_root(request, request.POST.get("next") or request.GET.get("next") or "")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    self_enrol = settings.COUNTERSIGN["SECOND_FACTOR_SELF_ENROL"]
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        if not self_enrol:
            audit_record(action="second_factor.missing", actor=user, request=request)
            return render(request, "registration/two_factor_missing.html", status=403)
        device = new_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"].strip()):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(action="second_factor.enrolled", actor=user, request=request)
            otp_login(request, device)
            audit_record(action="login.second_factor", actor=user, request=request)
            return redirect(_next_url(request))
        audit_record(action="login.second_factor_failed", actor=user, request=request)
        form.add_error(
            "code",
            _("That code is not right.")
            if allowed
            else _("Too many wrong codes; wait a moment and try again."),
        )
    context = {"form": form, "enrolling": not device.confirmed, "next": _next_url(request)}
    # Only a device the user makes for themselves is shown: an issued one's secret
    # reached its holder from the administrator, and a password must not reveal it.
    if not device.confirmed and self_enrol:
        context["secret"] = device.config_url.split("secret=")[1].split("&")[0]
        context["qr_svg"] = mark_safe(_qr_svg(device.config_url))  # generated here, no input
    return render(
        request, "registration/two_factor.html", context, status=400 if form.errors else 200
    )
