"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from core.accounts.models import Membership, User
from core.tenancy.models import Tenant, TenantKind

DEFAULT_PASSWORD = "Correct-Horse-7!"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    kind = TenantKind.WATER_AUTHORITY
    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    timezone = "Asia/Jakarta"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = "client_admin"
