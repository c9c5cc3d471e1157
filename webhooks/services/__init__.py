"""Writes of the webhooks app: the endpoints an account manages (``endpoints``), the outbox of
events (``events``), sending the deliveries (``delivery``). Everything public is importable
from here."""

from webhooks.services.delivery import (
    SEND_TASK,
    SendBatch,
    deliveries_due,
    deliveries_enqueue,
    deliveries_send,
    deliveries_sweep,
)
from webhooks.services.endpoints import (
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_ping,
    endpoint_secret_rotate,
    endpoint_update,
    event_types_validate,
    url_validate,
)
from webhooks.services.events import EventSpec, event_record, events_batch, events_write

__all__ = [
    "SEND_TASK",
    "EventSpec",
    "SendBatch",
    "deliveries_due",
    "deliveries_enqueue",
    "deliveries_send",
    "deliveries_sweep",
    "delivery_resend",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_disable",
    "endpoint_enable",
    "endpoint_ping",
    "endpoint_secret_rotate",
    "endpoint_update",
    "event_record",
    "event_types_validate",
    "events_batch",
    "events_write",
    "url_validate",
]
