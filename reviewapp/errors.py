"""What the workflow refuses. Messages are safe to show: they never quote patient text."""

from __future__ import annotations


class WorkflowError(Exception):
    pass


class InvalidInput(WorkflowError):
    pass


class Conflict(WorkflowError):
    pass


class ReleaseRefused(WorkflowError):
    pass
