"""Jobs: long running work whose progress clients follow."""

from __future__ import annotations

from typing import Any, Dict, Optional

import ftrack_api.entity.base

API_JOB_TYPE = "api_job"


class Job(ftrack_api.entity.base.Entity):
    """A job; clients may only create jobs of type ``api_job``."""

    def __init__(
        self, session: Any, data: Optional[Dict[str, Any]] = None, reconstructing: bool = False
    ) -> None:
        if not reconstructing:
            job_type = (data or {}).get("type", API_JOB_TYPE)
            if job_type != API_JOB_TYPE:
                raise ValueError(f'Invalid job type "{job_type}". Must be "{API_JOB_TYPE}"')
        super().__init__(session, data=data, reconstructing=reconstructing)
