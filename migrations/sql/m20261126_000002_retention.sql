-- The retention purge finds the cases it claimed (status 'purging') through
-- this partial index instead of scanning every analytics case.
CREATE INDEX analytics_cases_purging ON analytics_cases (id) WHERE status = 'purging';
