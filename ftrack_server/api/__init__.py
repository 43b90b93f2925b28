"""The HTTP side of the server: the Starlette app, authentication and API actions."""
