"""Small formatting filters for the desk's pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """A wait or a hold as people say it: "45 s", "12 min", "3 h 05 min"."""
    seconds = max(0, int(seconds or 0))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
