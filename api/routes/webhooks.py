"""webhooks routes (being built)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
