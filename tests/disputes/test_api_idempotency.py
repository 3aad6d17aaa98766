"""The API's creates with an Idempotency-Key: a retried POST creates one record and gets the first
answer again (core.idempotency.run_api_once); the key is the caller's own; purged after FORM_TOKEN_DAYS."""

import datetime as dt
import json
import uuid

import pytest

from fengqiao.core import idempotency
from fengqiao.core.models import FormSubmission
from fengqiao.disputes.models import Dispute

pytestmark = pytest.mark.django_db
URL = "/api/disputes/"


def body(neighbour_type, community_a, **extra):
    return json.dumps(
        {
            "dispute_type": neighbour_type.pk,
            "narrative": "两家因排水沟争吵",
            "community": community_a.pk,
            "parties": [{"name": "张三", "phone": "13812345678"}],
            **extra,
        }
    )


def post(client, data, key):
    return client.post(URL, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(key))


def test_a_retried_create_creates_once(bob_client, neighbour_type, community_a):
    key = uuid.uuid4()
    first = post(bob_client, body(neighbour_type, community_a), key)
    again = post(bob_client, body(neighbour_type, community_a), key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Dispute.objects.count() == 1
    # Without a key (or with a new one) it is a new request.
    assert post(bob_client, body(neighbour_type, community_a), uuid.uuid4()).status_code == 201
    assert Dispute.objects.count() == 2


def test_a_refused_create_releases_its_key(bob_client, neighbour_type, community_a):
    key = uuid.uuid4()
    bad = post(bob_client, body(neighbour_type, community_a, narrative=""), key)
    assert bad.status_code == 400 and not FormSubmission.objects.filter(token=key).exists()
    assert post(bob_client, body(neighbour_type, community_a), key).status_code == 201


def test_the_key_is_the_callers_own(bob_client, alice, neighbour_type, community_a, login):
    from django.test import Client

    key = uuid.uuid4()
    assert post(bob_client, body(neighbour_type, community_a), key).status_code == 201
    other = login(Client(), alice)
    clash = post(other, body(neighbour_type, community_a), key)
    assert clash.status_code == 422 and "Idempotency-Key" in clash.json()["detail"]
    assert Dispute.objects.count() == 1
    malformed = post(bob_client, body(neighbour_type, community_a), "not-a-uuid")
    assert malformed.status_code == 400


def test_claims_are_purged(bob_client, neighbour_type, community_a, settings):
    post(bob_client, body(neighbour_type, community_a), uuid.uuid4())
    FormSubmission.objects.update(
        created_at=FormSubmission.objects.get().created_at - dt.timedelta(days=8)
    )
    assert idempotency.purge() == 1
