"""Small formatting filters for the desk's pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def duration_formatter():
    """A wait or a hold as people say it: "45 s", "12 min", "3 h 05 min".

    Returns the formatter with its formats translated once, for pages that
    print many durations (the queue's rows).
    """
    seconds_f, minutes_f, hours_f = _("%(s)d s"), _("%(m)d min"), _("%(h)d h %(m)02d min")

    def format_duration(seconds) -> str:
        seconds = max(0, int(seconds or 0))
        if seconds < 60:
            return seconds_f % {"s": seconds}
        minutes = seconds // 60
        if minutes < 60:
            return minutes_f % {"m": minutes}
        return hours_f % {"h": minutes // 60, "m": minutes % 60}

    return format_duration


@register.filter
def duration(seconds) -> str:
    return duration_formatter()(seconds)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def pct(value) -> str:
    """A share (0..1) as a whole percentage; a dash where there is none."""
    return "—" if value is None else f"{100 * value:.0f}%"


@register.filter
def num(value, places: int = 1) -> str:
    """A figure to ``places`` decimals; a dash where there is none."""
    return "—" if value is None else f"{value:.{int(places)}f}"


@register.filter
def split(value: str) -> list[str]:
    return value.split()
