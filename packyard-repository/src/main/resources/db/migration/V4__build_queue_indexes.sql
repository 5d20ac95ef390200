-- The claim query reads queued jobs of some queues in priority order and counts each project's
-- running jobs: one index for each (later stages wait in state 'waiting', so no stage check).
DROP INDEX build_job_claim;
CREATE INDEX build_job_claim ON build_job (state, queue, priority DESC, id);
CREATE INDEX build_job_running ON build_job (project_id, state);
