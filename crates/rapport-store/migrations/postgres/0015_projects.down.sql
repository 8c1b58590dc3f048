DROP TABLE project_milestones;
DROP TABLE projects;
