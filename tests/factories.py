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


class WorkflowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workflows.Workflow"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Workflow {n}")
    slug = factory.Sequence(lambda n: f"workflow-{n}")


class WorkflowNodeFactory(factory.django.DjangoModelFactory):
    """A node with the config subclass its registered type asks for."""

    class Meta:
        model = "workflows.WorkflowNode"
        skip_postgeneration_save = True

    workflow = factory.SubFactory(WorkflowFactory)
    node_id = factory.Sequence(lambda n: f"node_{n}")
    component_type = "code"

    @factory.post_generation
    def config(self, create, extracted, **kwargs):
        from apps.workflows import registry
        from apps.workflows.models import config_class_for

        if not create:
            return
        cls = config_class_for(registry.get(self.component_type).config_kind)
        cls.objects.create(node=self, **(extracted or {}))


class WorkflowEdgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workflows.WorkflowEdge"

    workflow = factory.SelfAttribute("source.workflow")
    source = factory.SubFactory(WorkflowNodeFactory)
    target = factory.SubFactory(WorkflowNodeFactory, workflow=factory.SelfAttribute("..source.workflow"))


class WorkflowExecutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "execution.WorkflowExecution"

    workflow = factory.SubFactory(WorkflowFactory)
    status = "completed"


class EpicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.Epic"

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Epic {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """A bare row; go through services.task_create when dependencies or counters matter."""

    class Meta:
        model = "agents.Task"

    epic = factory.SubFactory(EpicFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
