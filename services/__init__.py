"""The application's use cases, shared by its edges: the HTTP API, the dashboard and the CLI.

A route, a dashboard page and a CLI command that do the same thing call the same function
here. This layer owns what is the service's and not the rules': who may do what (asked of
domain/roles.py), what the service tells the rules (whether a chair is in the pool, the event
a correction names), the policy in force (the one place the clock is read for it), and
recording reads in the access log. It calls store/ and the workflow clients, never the
other way round; it knows nothing of HTTP.
"""
