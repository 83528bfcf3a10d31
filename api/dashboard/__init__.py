"""The managers' dashboard: server-rendered, read-only pages under /dashboard (see routes.py)."""

from api.dashboard.routes import dashboard_today, router

__all__ = ["dashboard_today", "router"]
