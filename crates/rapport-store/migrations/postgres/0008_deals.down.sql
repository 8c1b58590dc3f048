DROP TABLE deal_stage_moves;
DROP TABLE deals;
DROP TABLE pipeline_stages;
DROP TABLE pipelines;
