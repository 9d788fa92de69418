"""Permissions read in one query give the same answers as Django's own backend."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from reviewapp.auth_backend import SingleQueryModelBackend

pytestmark = pytest.mark.django_db


def test_it_grants_what_django_grants_in_one_query(alice, sam, mallory, django_assert_num_queries):
    mallory.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    for user in (alice, sam, mallory):
        expected = ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))
        fresh = type(user).objects.get(pk=user.pk)
        with django_assert_num_queries(1):
            got = SingleQueryModelBackend().get_all_permissions(fresh)
            assert SingleQueryModelBackend().has_perm(fresh, "reviewapp.review_draftrequest") is (
                "reviewapp.review_draftrequest" in expected
            )
        assert got == expected


def test_it_grants_nothing_to_inactive_users(alice):
    alice.is_active = False
    assert SingleQueryModelBackend().get_all_permissions(alice) == set()
