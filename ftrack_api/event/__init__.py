"""Events and the event hub."""
