"""Signing test users in with both factors, as the real pages do.

Personas whose role needs a second factor get a confirmed TOTP device;
``TwoFactorClient.force_login`` then marks the session verified with that
device (what ``django_otp.login`` does after a right code), and
``current_code`` gives the code an authenticator app would show.
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviewapp.sign_in import needs_second_factor


def enrol_if_needed(user) -> TOTPDevice | None:
    if not needs_second_factor(user):
        return None
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def current_code(user) -> str:
    return code_for(TOTPDevice.objects.get(user=user, confirmed=True))


class TwoFactorClient(Client):
    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
