DROP TRIGGER deals_rollup_update ON deals;
DROP TRIGGER deals_rollup ON deals;
DROP FUNCTION deals_rollup();
DROP TRIGGER activities_rollup_update ON activities;
DROP TRIGGER activities_rollup ON activities;
DROP FUNCTION activities_rollup();
DROP TABLE deal_stage_sums;
DROP TABLE deal_close_day_sums;
DROP TABLE activity_day_counts;
