"""User services: first-run setup, registration rules, last-admin protection, agent users."""

import pytest

from apps.agents import errors, services
from apps.agents.models import ApiKey, Role, User
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


def test_setup_first_admin_issues_a_login_key():
    user, issued = services.setup_first_admin(username="root", password="long-enough-1")
    assert user.role == Role.ADMIN and issued.api_key.user == user and issued.api_key.name == "login"


def test_setup_first_admin_with_a_weak_password_creates_nothing():
    with pytest.raises(errors.InvalidInput):
        services.setup_first_admin(username="root", password="1234")
    assert not User.objects.exists() and not ApiKey.objects.exists()


def test_user_register_refuses_the_agent_role():
    with pytest.raises(errors.InvalidInput):
        services.user_register(username="bot", password="long-enough-1", role=Role.AGENT)


def test_usernames_are_unique_ignoring_case(user):
    with pytest.raises(errors.InvalidInput):
        services.user_register(username=user.username.upper(), password="long-enough-1")


def test_demoting_one_of_two_admins_is_allowed_but_not_the_second(admin_user):
    other = AdminFactory()
    services.user_update(user=other, role=Role.NORMAL)
    assert not User.objects.get(pk=other.pk).is_staff
    with pytest.raises(errors.LastAdmin):
        services.user_update(user=admin_user, role=Role.NORMAL)


def test_an_inactive_admin_does_not_count_as_another_admin(admin_user):
    AdminFactory(is_active=False)
    with pytest.raises(errors.LastAdmin):
        services.user_delete(user=admin_user)


def test_agent_user_create_with_a_taken_username_creates_nothing(user):
    services.agent_user_create(created_by=user, username="helper", purpose="p")
    with pytest.raises(errors.InvalidInput):
        services.agent_user_create(created_by=user, username="helper", purpose="p")
    assert User.objects.filter(role=Role.AGENT).count() == 1
    assert ApiKey.objects.filter(user__role=Role.AGENT).count() == 1


def test_password_login_of_an_agent_is_refused(user):
    agent, _ = services.agent_user_create(created_by=user, username="helper", purpose="p")
    with pytest.raises(errors.InvalidCredentials):
        services.login_with_password(username=agent.username, password="")
