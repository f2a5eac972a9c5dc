"""factory_boy factories shared by every test package."""

import factory

from apps.agents.models import LLMCredential, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.NORMAL
    password = factory.django.Password("password123")


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class AgentUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"agent{n}")
    role = Role.AGENT
    purpose = "test agent"


class LLMCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LLMCredential

    name = factory.Sequence(lambda n: f"llm{n}")
    provider_type = "openai_compatible"
    api_key = "sk-proj-secret-abcdef123456"
    base_url = "http://127.0.0.1:9/v1"
