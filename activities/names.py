"""Activity names, shared by the workflows that call them and the activities that run them."""

PERSIST_JOURNEY_EVENTS = "persist_journey_events"
# The type of the non-retryable error the persist activity raises when the event log cannot
# store a batch as it is (a value the database refuses): the workflow refuses the command.
NOT_RECORDABLE = "not_recordable"
# ... and when the LA's command id is recorded as answering another request (store R7).
COMMAND_ID_REUSED = "command_id_reused"
# ... and when the log holds events after the version the workflow expected: an append whose
# workflow task was lost (Temporal restarted before it completed). The workflow catches up.
STREAM_AHEAD = "stream_ahead"
CHECK_LOG_TAKES_APPENDS = "check_log_takes_appends"
READ_STREAM_AFTER = "read_stream_after"
PLAN_WEBHOOK_DELIVERIES = "plan_webhook_deliveries"
DELIVER_WEBHOOK = "deliver_webhook"
SETTLE_WEBHOOK_DELIVERIES = "settle_webhook_deliveries"
START_STRANDED_DELIVERIES = "start_stranded_deliveries"
START_NOTIFICATION_DELIVERIES = "start_notification_deliveries"
WRITE_CHECKPOINT = "write_checkpoint"

# The workflow that delivers one notification, and its id: one per notification, so
# Temporal's id uniqueness keeps the journey's hook and the sweeper from delivering twice.
NOTIFICATION_DELIVERY_WORKFLOW = "NotificationDelivery"


def notification_workflow_id(notification_id: str) -> str:
    return f"notify-{notification_id}"
