import pytest
from django.urls import reverse

from core.audit import actions
from core.audit.models import AuditEvent
from core.audit.services import audit_record


@pytest.fixture
def admin_client(client, user_factory, mfa_enrol):
    root = user_factory(email="root@example.test", is_superuser=True, is_staff=True)
    mfa_enrol(root)
    client.force_login(root)
    return client


@pytest.fixture
def events(tenant_factory):
    tenant = tenant_factory()
    return [
        audit_record(action=actions.LOGIN_FAILED, actor_email="budi@example.test"),
        audit_record(action=actions.CONFIG_CHANGED, actor_email="siti@example.test", tenant=tenant),
        audit_record(action=actions.LOGIN_FAILED, actor_email="siti@example.test"),
    ]


def _listed_seqs(response):
    return [event.seq for event in response.context["cl"].result_list]


def _snapshot():
    return list(AuditEvent.objects.values_list("seq", "action", "actor_email", "hash"))


@pytest.mark.django_db
def test_changelist_lists_events_newest_first(admin_client, events):
    response = admin_client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 200
    all_seqs = list(AuditEvent.objects.order_by("-seq").values_list("seq", flat=True))
    assert _listed_seqs(response) == all_seqs
    assert all_seqs[:3] == [events[2].seq, events[1].seq, events[0].seq]
    assert response.context["has_add_permission"] is False


@pytest.mark.django_db
def test_changelist_filters_by_action_and_tenant(admin_client, events):
    url = reverse("admin:audit_auditevent_changelist")

    by_action = admin_client.get(url, {"action": actions.LOGIN_FAILED})
    by_tenant = admin_client.get(url, {"tenant_id": events[1].tenant_id})

    assert _listed_seqs(by_action) == [events[2].seq, events[0].seq]
    assert _listed_seqs(by_tenant) == [events[1].seq]


@pytest.mark.django_db
def test_changelist_searches_by_actor_email(admin_client, events):
    response = admin_client.get(reverse("admin:audit_auditevent_changelist"), {"q": "siti@"})

    assert _listed_seqs(response) == [events[2].seq, events[1].seq]


@pytest.mark.django_db
def test_detail_page_is_read_only(admin_client, events):
    url = reverse("admin:audit_auditevent_change", args=[events[0].pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "with_pk"),
    [
        ("admin:audit_auditevent_add", False),
        ("admin:audit_auditevent_change", True),
        ("admin:audit_auditevent_delete", True),
    ],
)
def test_add_change_and_delete_are_forbidden(admin_client, events, name, with_pk):
    before = _snapshot()
    url = reverse(name, args=[events[0].pk] if with_pk else [])

    response = admin_client.post(url, {"action": "forged", "post": "yes"})

    assert response.status_code == 403
    assert _snapshot() == before


@pytest.mark.django_db
def test_bulk_delete_action_is_not_offered(admin_client, events):
    before = _snapshot()
    response = admin_client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [events[0].pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert response.context["action_form"] is None  # no bulk actions at all
    assert _snapshot() == before
