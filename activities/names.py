"""Activity names, shared by the workflows that call them and the activities that run them."""

PERSIST_JOURNEY_EVENTS = "persist_journey_events"
