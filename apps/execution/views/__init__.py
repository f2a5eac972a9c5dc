"""Server-rendered pages of the execution app: executions (list, detail) and schedules."""

from .detail import execution_cancel, execution_detail, execution_resume
from .list import executions_delete, executions_page
from .schedules import schedule_action, schedules_page

__all__ = [
    "execution_cancel",
    "execution_detail",
    "execution_resume",
    "executions_delete",
    "executions_page",
    "schedule_action",
    "schedules_page",
]
