"""Server-rendered pages of the execution app: the executions list and one execution's detail."""

from .detail import execution_cancel, execution_detail, execution_resume
from .list import executions_delete, executions_page

__all__ = ["execution_cancel", "execution_detail", "execution_resume", "executions_delete", "executions_page"]
